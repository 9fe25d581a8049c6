//! [`OnCall`]: the one entry point. Answers "who is on call" for many targets at once, with one
//! batched provider call per account and kind of data, through the single-flight cache.
//!
//! A lookup goes in steps, each claiming its keys in a [`Store`] (fresh keys are answered from
//! it, keys another asker is fetching are waited for, the rest are fetched by this asker in one
//! spawned task, so a cancelled asker never strands its waiters):
//! - PagerDuty: service id → escalation policy (or, for integration keys, the account's whole
//!   integration index from one scan of its services), cached for `mapping_cache_secs`; then
//!   every policy of an account in one `/oncalls` call, cached per policy until its first shift
//!   ends or `cache_secs`, whichever is sooner.
//! - Opsgenie: the account's schedules (→ the team's) and the account's all-schedules on-call
//!   call, once per account; then, only for schedules with nobody on call, who is next.
//!
//! "When am I on call next" ([`OnCall::upcoming`]) goes the same way: PagerDuty's user for the
//! asker's e-mail address (cached for `mapping_cache_secs`), then every asker of an account in
//! one `/oncalls?user_ids[]=…` call over the next `next_window_days`, cached per user until a
//! shift in it starts or ends or `cache_secs`; Opsgenie's timeline of each schedule of the
//! asker's teams, cached per schedule for `cache_secs` and shared by every asker on it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::annotations::{Target, targets};
use crate::cache::{Completion, Flight, Served, Store, wait_all};
use crate::caller::Caller;
use crate::config::{Account, OnCallConfig};
use crate::error::{OnCallError, Provider};
use crate::http::Http;
use crate::model::{Gap, Level, Link, OnCallAnswer, Person, Roster, RosterKind, Shift, Stale, Upcoming, UpcomingShift};
use crate::opsgenie::{self, Schedule, TimelinePeriod};
use crate::pagerduty::{self, IntegrationKey, PolicyRef};
use crate::time::{Clock, SystemClock, Timestamp};

type Answer = Result<OnCallAnswer, OnCallError>;
type UpcomingResult = Result<Upcoming, OnCallError>;

/// Who is on call, from the configured PagerDuty and Opsgenie accounts. Cheap to clone; clones
/// share the cache, so build one per process. Lookups run on a Tokio runtime: each provider call
/// is a spawned task, so it completes (and answers everyone waiting on it) even when the asker
/// that started it is dropped.
#[derive(Clone)]
pub struct OnCall {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for OnCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnCall").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

struct Inner {
    config: OnCallConfig,
    caller: Caller,
    pd_services: Arc<Store<(usize, String), PolicyRef>>,
    pd_integrations: Arc<Store<usize, HashMap<IntegrationKey, PolicyRef>>>,
    pd_policies: Arc<Store<(usize, String), Roster>>,
    og_schedules: Arc<Store<usize, Vec<Schedule>>>,
    og_on_calls: Arc<Store<usize, HashMap<String, Vec<Shift>>>>,
    og_next: Arc<Store<(usize, String), Vec<Shift>>>,
    /// (account, lower-cased e-mail address) → the PagerDuty user, `None` when there is none.
    pd_users: Arc<Store<(usize, String), Option<Person>>>,
    /// (account, PagerDuty user id) → their shifts over the window.
    pd_upcoming: Arc<UserShiftsStore>,
    /// (account, Opsgenie schedule id) → its final timeline over the window.
    og_timelines: Arc<TimelineStore>,
}

/// A PagerDuty user's shifts over the window, per (account, user id).
type UserShiftsStore = Store<(usize, String), Window<Vec<UpcomingShift>>>;
/// An Opsgenie schedule's final timeline over the window, per (account, schedule id).
type TimelineStore = Store<(usize, String), Window<Vec<TimelinePeriod>>>;
/// The PagerDuty user found for an address, per account.
type FoundUser = (usize, Result<Served<Option<Person>>, OnCallError>);

/// Data about a window of time, and how far ahead it reaches.
#[derive(Debug)]
struct Window<T> {
    data: T,
    until: Timestamp,
}

fn interrupted(provider: Provider) -> impl FnOnce() -> OnCallError {
    move || OnCallError::Interrupted { provider }
}

fn stale(served: &Option<(OnCallError, Timestamp)>) -> Option<Stale> {
    served.as_ref().map(|(error, since)| Stale { since: *since, reason: error.to_string() })
}

impl OnCall {
    /// A client on the system clock.
    pub fn new(config: OnCallConfig) -> Result<OnCall, OnCallError> {
        OnCall::with_clock(config, Arc::new(SystemClock))
    }

    /// A client on a clock of the caller's (tests move time instead of sleeping).
    pub fn with_clock(config: OnCallConfig, clock: Arc<dyn Clock>) -> Result<OnCall, OnCallError> {
        let any_https = config.pagerduty.iter().chain(&config.opsgenie).any(|a| a.base_url.starts_with("https://"));
        let http = Http::new(Duration::from_millis(config.timeout_ms), any_https)?;
        let caller = Caller::new(http, clock, config.retry_secs);
        Ok(OnCall {
            inner: Arc::new(Inner {
                config,
                caller,
                pd_services: Store::new(),
                pd_integrations: Store::new(),
                pd_policies: Store::new(),
                og_schedules: Store::new(),
                og_on_calls: Store::new(),
                og_next: Store::new(),
                pd_users: Store::new(),
                pd_upcoming: Store::new(),
                og_timelines: Store::new(),
            }),
        })
    }

    pub fn config(&self) -> &OnCallConfig {
        &self.inner.config
    }

    /// Who is on call for one entity, from its annotations: one answer per provider it names.
    pub async fn lookup_entity(&self, annotations: &[(String, String)]) -> Vec<Answer> {
        self.lookup(&targets(annotations)).await
    }

    /// Who is on call for many entities at once (one batched call per account, not per entity).
    pub async fn lookup_entities(&self, entities: &[&[(String, String)]]) -> Vec<Vec<Answer>> {
        let per_entity: Vec<Vec<Target>> = entities.iter().map(|a| targets(a)).collect();
        let all: Vec<Target> = per_entity.iter().flatten().cloned().collect();
        let mut answers = self.lookup(&all).await.into_iter();
        per_entity.iter().map(|ts| answers.by_ref().take(ts.len()).collect()).collect()
    }

    /// One answer per target, in order.
    pub async fn lookup(&self, targets: &[Target]) -> Vec<Answer> {
        let mut pd = Vec::new();
        let mut og = Vec::new();
        let mut answers: Vec<Option<Answer>> = targets.iter().map(|_| None).collect();
        for (i, target) in targets.iter().enumerate() {
            match self.account_index(target) {
                Ok(acct) => match target.provider() {
                    Provider::PagerDuty => pd.push((i, acct, target)),
                    Provider::Opsgenie => og.push((i, acct, target)),
                },
                Err(e) => answers[i] = Some(Err(e)),
            }
        }
        let (pd, og) = tokio::join!(self.pagerduty(pd), self.opsgenie(og));
        for (i, answer) in pd.into_iter().chain(og) {
            answers[i] = Some(answer);
        }
        answers
            .into_iter()
            .zip(targets)
            .map(|(a, t)| a.unwrap_or_else(|| Err(OnCallError::Interrupted { provider: t.provider() })))
            .collect()
    }

    /// When the person with e-mail address `email` is on call next, per provider account that
    /// `entities` (the asker's own User and their teams) name in their annotations: PagerDuty
    /// looks the person up by address in each account named (the default account when the
    /// entities name no provider at all), Opsgenie reads the timelines of the schedules the
    /// named teams own. One answer per account, PagerDuty first; a provider failure gives the
    /// last good answer marked stale, or an error when there never was one.
    pub async fn upcoming(
        &self,
        email: &str,
        entities: &[&[(String, String)]],
    ) -> Vec<(Provider, Result<Upcoming, OnCallError>)> {
        let all: Vec<Target> = entities.iter().flat_map(|a| targets(a)).collect();
        let mut out: Vec<(Provider, UpcomingResult)> = Vec::new();
        let mut pd_accounts = BTreeSet::new();
        let mut og_teams: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        for target in &all {
            match (self.account_index(target), target) {
                (Err(e), _) => {
                    // Said once, however many entities name the same missing account.
                    let said = out.iter().any(|(_, r)| matches!(r, Err(o) if o.to_string() == e.to_string()));
                    if !said {
                        out.push((target.provider(), Err(e)));
                    }
                }
                (Ok(acct), Target::OpsgenieTeam { team, .. }) => {
                    og_teams.entry(acct).or_default().insert(team.clone());
                }
                (Ok(acct), _) => {
                    pd_accounts.insert(acct);
                }
            }
        }
        if all.is_empty() && !self.inner.config.pagerduty.is_empty() {
            pd_accounts.insert(0);
        }
        let email = email.trim().to_lowercase();
        let (pd, og) = tokio::join!(self.pd_upcoming(&email, &pd_accounts), self.og_upcoming(&email, &og_teams));
        let mut answers: Vec<(Provider, UpcomingResult)> = pd.into_iter().map(|a| (Provider::PagerDuty, a)).collect();
        answers.extend(og.into_iter().map(|a| (Provider::Opsgenie, a)));
        answers.extend(out);
        answers
    }

    async fn pd_upcoming(&self, email: &str, accts: &BTreeSet<usize>) -> Vec<UpcomingResult> {
        if accts.is_empty() {
            return Vec::new();
        }
        let inner = &self.inner;
        let provider = Provider::PagerDuty;
        let keys: Vec<(usize, String)> = accts.iter().map(|a| (*a, email.to_owned())).collect();
        let (waits, flight) = inner.pd_users.claim(keys.clone(), inner.caller.clock.now());
        if let Some(flight) = flight {
            tokio::spawn(run_pd_users(Arc::clone(inner), flight));
        }
        wait_all(waits).await;
        let users: Vec<FoundUser> =
            keys.iter().map(|k| (k.0, inner.pd_users.read(k).into_result(interrupted(provider)))).collect();
        let user_keys = users.iter().filter_map(|(acct, u)| {
            let person = u.as_ref().ok()?.fetched.value.as_ref()?;
            Some((*acct, person.id.clone()))
        });
        let (waits, flight) = inner.pd_upcoming.claim(user_keys.collect::<Vec<_>>(), inner.caller.clock.now());
        if let Some(flight) = flight {
            tokio::spawn(run_pd_upcoming(Arc::clone(inner), flight));
        }
        wait_all(waits).await;
        let now = inner.caller.clock.now();
        users
            .into_iter()
            .map(|(acct, user)| {
                let user = user?;
                let Some(person) = user.fetched.value.clone() else {
                    return Err(OnCallError::NotFound {
                        provider,
                        account: self.accounts(provider)[acct].name.clone(),
                        what: "user with the asker's e-mail address".to_owned(),
                    });
                };
                let served = inner.pd_upcoming.read(&(acct, person.id.clone())).into_result(interrupted(provider))?;
                let shifts: Vec<UpcomingShift> =
                    served.fetched.value.data.iter().filter(|s| s.until.is_none_or(|u| u > now)).cloned().collect();
                // A failed user lookup served from its cache says nothing about the shifts' age.
                let failed = served.stale.clone();
                Ok(Upcoming {
                    provider,
                    account: self.accounts(provider)[acct].name.clone(),
                    person: Some(person),
                    shifts,
                    searched_until: served.fetched.value.until,
                    fetched_at: served.fetched.at,
                    age_secs: now.secs_since(served.fetched.at),
                    stale: stale(&failed),
                })
            })
            .collect()
    }

    async fn og_upcoming(&self, email: &str, teams: &BTreeMap<usize, BTreeSet<String>>) -> Vec<UpcomingResult> {
        if teams.is_empty() {
            return Vec::new();
        }
        let inner = &self.inner;
        let provider = Provider::Opsgenie;
        let (waits, flight) =
            inner.og_schedules.claim(teams.keys().copied().collect::<Vec<_>>(), inner.caller.clock.now());
        if let Some(flight) = flight {
            tokio::spawn(run_og_schedules(Arc::clone(inner), flight));
        }
        wait_all(waits).await;
        let owned: Vec<(usize, Result<Vec<Schedule>, OnCallError>)> = teams
            .iter()
            .map(|(acct, names)| {
                let schedules = inner.og_schedules.read(acct).into_result(interrupted(provider)).and_then(|s| {
                    let mut owned: Vec<Schedule> = s
                        .fetched
                        .value
                        .iter()
                        .filter(|s| s.enabled && s.owner_team.as_ref().is_some_and(|t| names.contains(t)))
                        .cloned()
                        .collect();
                    if owned.is_empty() {
                        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                        return Err(OnCallError::NotFound {
                            provider,
                            account: self.accounts(provider)[*acct].name.clone(),
                            what: format!("enabled schedule owned by team {}", names.join(", ")),
                        });
                    }
                    owned.sort_by(|a, b| a.name.cmp(&b.name));
                    Ok(owned)
                });
                (*acct, schedules)
            })
            .collect();
        let keys = owned
            .iter()
            .filter_map(|(acct, s)| Some((*acct, s.as_ref().ok()?)))
            .flat_map(|(acct, s)| s.iter().map(move |s| (acct, s.id.clone())));
        let (waits, flight) = inner.og_timelines.claim(keys.collect::<Vec<_>>(), inner.caller.clock.now());
        if let Some(flight) = flight {
            tokio::spawn(run_og_timelines(Arc::clone(inner), flight));
        }
        wait_all(waits).await;
        let now = inner.caller.clock.now();
        let web = |acct: usize| self.accounts(provider)[acct].web_url.clone();
        owned
            .into_iter()
            .map(|(acct, schedules)| {
                let schedules = schedules?;
                let mut shifts = Vec::new();
                let mut fetched_at: Option<Timestamp> = None;
                let mut searched_until: Option<Timestamp> = None;
                let mut failed: Option<(OnCallError, Timestamp)> = None;
                for s in &schedules {
                    match inner.og_timelines.read(&(acct, s.id.clone())).into_result(interrupted(provider)) {
                        Ok(served) => {
                            let link = Link {
                                id: s.id.clone(),
                                name: Some(s.name.clone()),
                                url: web(acct).map(|w| format!("{w}/schedule/whoIsOnCall")),
                            };
                            shifts.extend(opsgenie::shifts_of(&served.fetched.value.data, email, &link, now));
                            fetched_at = Some(fetched_at.map_or(served.fetched.at, |t| t.min(served.fetched.at)));
                            let until = served.fetched.value.until;
                            searched_until = Some(searched_until.map_or(until, |t| t.min(until)));
                            failed = failed.or(served.stale);
                        }
                        // A schedule never read: the others still answer, marked incomplete.
                        Err(e) => failed = failed.or(Some((e, now))),
                    }
                }
                let (Some(fetched_at), Some(searched_until)) = (fetched_at, searched_until) else {
                    return Err(failed.map_or_else(|| OnCallError::Interrupted { provider }, |(e, _)| e));
                };
                pagerduty::sort_upcoming(&mut shifts);
                Ok(Upcoming {
                    provider,
                    account: self.accounts(provider)[acct].name.clone(),
                    person: None,
                    shifts,
                    searched_until,
                    fetched_at,
                    age_secs: now.secs_since(fetched_at),
                    stale: stale(&failed),
                })
            })
            .collect()
    }

    fn accounts(&self, provider: Provider) -> &[Account] {
        match provider {
            Provider::PagerDuty => &self.inner.config.pagerduty,
            Provider::Opsgenie => &self.inner.config.opsgenie,
        }
    }

    fn account_index(&self, target: &Target) -> Result<usize, OnCallError> {
        let provider = target.provider();
        let accounts = self.accounts(provider);
        if accounts.is_empty() {
            return Err(OnCallError::NotConfigured { provider });
        }
        match target.account() {
            None => Ok(0),
            Some(name) => accounts.iter().position(|a| a.name == name).ok_or_else(|| OnCallError::UnknownAccount {
                provider,
                account: name.to_owned(),
                annotation: target.account_annotation(),
            }),
        }
    }

    fn answer(
        &self,
        provider: Provider,
        acct: usize,
        target: &Target,
        rosters: Vec<Roster>,
        at: Timestamp,
        stale: Option<Stale>,
    ) -> OnCallAnswer {
        let now = self.inner.caller.clock.now();
        OnCallAnswer {
            provider,
            account: self.accounts(provider)[acct].name.clone(),
            asked: target.asked(),
            rosters,
            fetched_at: at,
            age_secs: now.secs_since(at),
            stale,
        }
    }

    async fn pagerduty(&self, items: Vec<(usize, usize, &Target)>) -> Vec<(usize, Answer)> {
        if items.is_empty() {
            return Vec::new();
        }
        let inner = &self.inner;
        let now = inner.caller.clock.now();
        // Step 1: the escalation policy of each item.
        let mut services = Vec::new();
        let mut integrations = Vec::new();
        for (_, acct, target) in &items {
            match target {
                Target::PagerDutyService { service_id, .. } => services.push((*acct, service_id.clone())),
                Target::PagerDutyIntegrationKey { .. } => integrations.push(*acct),
                Target::PagerDutyEscalationPolicy { .. } | Target::OpsgenieTeam { .. } => {}
            }
        }
        let (mut waits, flight) = inner.pd_services.claim(services, now);
        if let Some(flight) = flight {
            tokio::spawn(run_services(Arc::clone(inner), flight));
        }
        let (more, flight) = inner.pd_integrations.claim(integrations, now);
        waits.extend(more);
        if let Some(flight) = flight {
            tokio::spawn(run_integrations(Arc::clone(inner), flight));
        }
        wait_all(waits).await;
        let policy_of = |acct: usize, target: &Target| -> Result<PolicyRef, OnCallError> {
            let served = match target {
                Target::PagerDutyEscalationPolicy { policy_id, .. } => {
                    return Ok(PolicyRef { id: policy_id.clone(), name: None, url: None });
                }
                Target::PagerDutyService { service_id, .. } => {
                    inner.pd_services.read(&(acct, service_id.clone())).into_result(interrupted(Provider::PagerDuty))
                }
                Target::PagerDutyIntegrationKey { key, .. } => {
                    let index = inner.pd_integrations.read(&acct).into_result(interrupted(Provider::PagerDuty))?;
                    return index.fetched.value.get(&IntegrationKey(key.clone())).cloned().ok_or_else(|| {
                        OnCallError::NotFound {
                            provider: Provider::PagerDuty,
                            account: self.accounts(Provider::PagerDuty)[acct].name.clone(),
                            what: "service with the integration key of this entity".to_owned(),
                        }
                    });
                }
                Target::OpsgenieTeam { .. } => Err(OnCallError::Interrupted { provider: Provider::PagerDuty }),
            };
            served.map(|s| s.fetched.value.clone())
        };
        let policies: Vec<(usize, usize, &Target, Result<PolicyRef, OnCallError>)> =
            items.into_iter().map(|(i, acct, t)| (i, acct, t, policy_of(acct, t))).collect();
        // Step 2: every policy, batched per account.
        let keys = policies.iter().filter_map(|(_, acct, _, p)| p.as_ref().ok().map(|p| (*acct, p.id.clone())));
        let (waits, flight) = inner.pd_policies.claim(keys, inner.caller.clock.now());
        if let Some(flight) = flight {
            tokio::spawn(run_policies(Arc::clone(inner), flight));
        }
        wait_all(waits).await;
        policies
            .into_iter()
            .map(|(i, acct, target, policy)| {
                let answer = policy.and_then(|hint| {
                    let Served { fetched, stale: failed } = inner
                        .pd_policies
                        .read(&(acct, hint.id.clone()))
                        .into_result(interrupted(Provider::PagerDuty))?;
                    let mut roster = fetched.value.clone();
                    roster.name = roster.name.or(hint.name);
                    roster.url = hint.url.or(roster.url);
                    Ok(self.answer(Provider::PagerDuty, acct, target, vec![roster], fetched.at, stale(&failed)))
                });
                (i, answer)
            })
            .collect()
    }

    async fn opsgenie(&self, items: Vec<(usize, usize, &Target)>) -> Vec<(usize, Answer)> {
        if items.is_empty() {
            return Vec::new();
        }
        let inner = &self.inner;
        let now = inner.caller.clock.now();
        let accts: Vec<usize> = items.iter().map(|(_, acct, _)| *acct).collect();
        let (mut waits, flight) = inner.og_schedules.claim(accts.clone(), now);
        if let Some(flight) = flight {
            tokio::spawn(run_og_schedules(Arc::clone(inner), flight));
        }
        let (more, flight) = inner.og_on_calls.claim(accts, now);
        waits.extend(more);
        if let Some(flight) = flight {
            tokio::spawn(run_og_on_calls(Arc::clone(inner), flight));
        }
        wait_all(waits).await;
        let provider = Provider::Opsgenie;
        type TeamData = (Vec<Schedule>, Served<HashMap<String, Vec<Shift>>>);
        let team_data = |acct: usize, target: &Target| -> Result<TeamData, OnCallError> {
            let Target::OpsgenieTeam { team, .. } = target else {
                return Err(OnCallError::Interrupted { provider });
            };
            let schedules = inner.og_schedules.read(&acct).into_result(interrupted(provider))?;
            let mut owned: Vec<Schedule> = schedules
                .fetched
                .value
                .iter()
                .filter(|s| s.enabled && s.owner_team.as_deref() == Some(team.as_str()))
                .cloned()
                .collect();
            if owned.is_empty() {
                return Err(OnCallError::NotFound {
                    provider,
                    account: self.accounts(provider)[acct].name.clone(),
                    what: format!("enabled schedule owned by team `{team}`"),
                });
            }
            owned.sort_by(|a, b| a.name.cmp(&b.name));
            let on_calls = inner.og_on_calls.read(&acct).into_result(interrupted(provider))?;
            Ok((owned, on_calls))
        };
        let data: Vec<(usize, usize, &Target, Result<TeamData, OnCallError>)> =
            items.into_iter().map(|(i, acct, t)| (i, acct, t, team_data(acct, t))).collect();
        // Who is next, only where nobody is on call now.
        let gapped = data.iter().filter_map(|(_, acct, _, d)| d.as_ref().ok().map(|d| (*acct, d))).flat_map(
            |(acct, (owned, on_calls))| {
                owned
                    .iter()
                    .filter(|s| on_calls.fetched.value.get(&s.id).is_none_or(Vec::is_empty))
                    .map(move |s| (acct, s.id.clone()))
            },
        );
        let (waits, flight) = inner.og_next.claim(gapped.collect::<Vec<_>>(), inner.caller.clock.now());
        if let Some(flight) = flight {
            tokio::spawn(run_og_next(Arc::clone(inner), flight));
        }
        wait_all(waits).await;
        let web = |acct: usize| self.accounts(provider)[acct].web_url.clone();
        data.into_iter()
            .map(|(i, acct, target, d)| {
                let answer = d.map(|(owned, on_calls)| {
                    let rosters = owned
                        .into_iter()
                        .map(|s| {
                            let now_on = on_calls.fetched.value.get(&s.id).cloned().unwrap_or_default();
                            let (levels, gap) = if now_on.is_empty() {
                                let next = inner
                                    .og_next
                                    .read(&(acct, s.id.clone()))
                                    .last
                                    .map(|f| f.value.clone())
                                    .unwrap_or_default();
                                (Vec::new(), Some(Gap { level: 1, escalates_to: None, next, searched_until: None }))
                            } else {
                                (vec![Level { level: 1, on_call: now_on }], None)
                            };
                            Roster {
                                kind: RosterKind::Schedule,
                                id: s.id,
                                name: Some(s.name),
                                url: web(acct).map(|w| format!("{w}/schedule/whoIsOnCall")),
                                levels,
                                gap,
                            }
                        })
                        .collect();
                    self.answer(provider, acct, target, rosters, on_calls.fetched.at, stale(&on_calls.stale))
                });
                (i, answer)
            })
            .collect()
    }
}

/// Completes every key of a flight with the same failure.
fn fail_all<K: Eq + std::hash::Hash + Clone, V>(
    caller: &Caller,
    keys: &[K],
    error: OnCallError,
    now: Timestamp,
) -> Vec<(K, Completion<V>)> {
    let retry_at = caller.retry_at(&error, now);
    keys.iter().map(|k| (k.clone(), Completion::Failed(error.clone(), retry_at))).collect()
}

/// Groups a flight's keys by account.
fn by_account<T: Clone>(keys: &[(usize, T)]) -> Vec<(usize, Vec<T>)> {
    let mut groups: Vec<(usize, Vec<T>)> = Vec::new();
    for (acct, k) in keys {
        match groups.iter_mut().find(|(a, _)| a == acct) {
            Some((_, ks)) => ks.push(k.clone()),
            None => groups.push((*acct, vec![k.clone()])),
        }
    }
    groups
}

async fn run_services(inner: Arc<Inner>, flight: Flight<(usize, String), PolicyRef>) {
    let mut tasks = JoinSet::new();
    for (acct, service_id) in flight.keys.clone() {
        let inner = Arc::clone(&inner);
        tasks.spawn(async move {
            let account = &inner.config.pagerduty[acct];
            let result = pagerduty::service_policy(&inner.caller, account, &service_id).await;
            let now = inner.caller.clock.now();
            let completion = match result {
                Ok(policy) => Completion::Value(policy, now.plus_secs(inner.config.mapping_cache_secs)),
                Err(e @ OnCallError::NotFound { .. }) => Completion::Failed(e, now.plus_secs(inner.config.retry_secs)),
                Err(e) => Completion::Failed(e.clone(), inner.caller.retry_at(&e, now)),
            };
            inner.pd_services.complete(vec![((acct, service_id), completion)], now);
        });
    }
    while tasks.join_next().await.is_some() {}
    drop(flight);
}

async fn run_integrations(inner: Arc<Inner>, flight: Flight<usize, HashMap<IntegrationKey, PolicyRef>>) {
    for &acct in &flight.keys {
        let result = pagerduty::integration_index(&inner.caller, &inner.config.pagerduty[acct]).await;
        let now = inner.caller.clock.now();
        let completion = match result {
            Ok(index) => Completion::Value(index, now.plus_secs(inner.config.mapping_cache_secs)),
            Err(e) => Completion::Failed(e.clone(), inner.caller.retry_at(&e, now)),
        };
        inner.pd_integrations.complete(vec![(acct, completion)], now);
    }
    drop(flight);
}

async fn run_policies(inner: Arc<Inner>, flight: Flight<(usize, String), Roster>) {
    for (acct, ids) in by_account(&flight.keys) {
        let account = &inner.config.pagerduty[acct];
        let now = inner.caller.clock.now();
        tracing::debug!(account = %account.name, policies = ids.len(), "PagerDuty on-calls");
        let result = pagerduty::policies(&inner.caller, account, &ids, now, inner.config.cache_secs).await;
        let results = match result {
            Ok(mut fetched) => ids
                .into_iter()
                .filter_map(|id| {
                    let f = fetched.remove(&id)?;
                    Some(((acct, id), Completion::Value(f.roster, f.fresh_until)))
                })
                .collect(),
            Err(e) => fail_all(
                &inner.caller,
                &ids.into_iter().map(|id| (acct, id)).collect::<Vec<_>>(),
                e,
                inner.caller.clock.now(),
            ),
        };
        inner.pd_policies.complete(results, now);
    }
    drop(flight);
}

async fn run_og_schedules(inner: Arc<Inner>, flight: Flight<usize, Vec<Schedule>>) {
    for &acct in &flight.keys {
        let result = opsgenie::schedules(&inner.caller, &inner.config.opsgenie[acct]).await;
        let now = inner.caller.clock.now();
        let completion = match result {
            Ok(s) => Completion::Value(s, now.plus_secs(inner.config.mapping_cache_secs)),
            Err(e) => Completion::Failed(e.clone(), inner.caller.retry_at(&e, now)),
        };
        inner.og_schedules.complete(vec![(acct, completion)], now);
    }
    drop(flight);
}

async fn run_og_on_calls(inner: Arc<Inner>, flight: Flight<usize, HashMap<String, Vec<Shift>>>) {
    for &acct in &flight.keys {
        let now = inner.caller.clock.now();
        tracing::debug!(account = %inner.config.opsgenie[acct].name, "Opsgenie on-calls");
        let result = opsgenie::all_on_calls(&inner.caller, &inner.config.opsgenie[acct]).await;
        let completion = match result {
            Ok(s) => Completion::Value(s, now.plus_secs(inner.config.cache_secs)),
            Err(e) => Completion::Failed(e.clone(), inner.caller.retry_at(&e, inner.caller.clock.now())),
        };
        inner.og_on_calls.complete(vec![(acct, completion)], now);
    }
    drop(flight);
}

async fn run_og_next(inner: Arc<Inner>, flight: Flight<(usize, String), Vec<Shift>>) {
    for (acct, id) in flight.keys.clone() {
        let result = opsgenie::next_on_calls(&inner.caller, &inner.config.opsgenie[acct], &id).await;
        let now = inner.caller.clock.now();
        let completion = match result {
            Ok(s) => Completion::Value(s, now.plus_secs(inner.config.cache_secs)),
            Err(e) => Completion::Failed(e.clone(), inner.caller.retry_at(&e, now)),
        };
        inner.og_next.complete(vec![((acct, id), completion)], now);
    }
    drop(flight);
}

async fn run_pd_users(inner: Arc<Inner>, flight: Flight<(usize, String), Option<Person>>) {
    for (acct, email) in flight.keys.clone() {
        let result = pagerduty::user_by_email(&inner.caller, &inner.config.pagerduty[acct], &email).await;
        let now = inner.caller.clock.now();
        let completion = match result {
            Ok(Some(person)) => Completion::Value(Some(person), now.plus_secs(inner.config.mapping_cache_secs)),
            // Nobody yet: asked again sooner, so a user added today is found today.
            Ok(None) => Completion::Value(None, now.plus_secs(inner.config.cache_secs)),
            Err(e) => Completion::Failed(e.clone(), inner.caller.retry_at(&e, now)),
        };
        inner.pd_users.complete(vec![((acct, email), completion)], now);
    }
    drop(flight);
}

async fn run_pd_upcoming(inner: Arc<Inner>, flight: Flight<(usize, String), Window<Vec<UpcomingShift>>>) {
    for (acct, ids) in by_account(&flight.keys) {
        let account = &inner.config.pagerduty[acct];
        let now = inner.caller.clock.now();
        let until = now.plus_secs(inner.config.next_window_days * 24 * 3600);
        tracing::debug!(account = %account.name, users = ids.len(), "PagerDuty upcoming on-calls");
        let result = pagerduty::users_upcoming(&inner.caller, account, &ids, now, until, inner.config.cache_secs).await;
        let results = match result {
            Ok(mut fetched) => ids
                .into_iter()
                .filter_map(|id| {
                    let f = fetched.remove(&id)?;
                    Some(((acct, id), Completion::Value(Window { data: f.shifts, until }, f.fresh_until)))
                })
                .collect(),
            Err(e) => fail_all(
                &inner.caller,
                &ids.into_iter().map(|id| (acct, id)).collect::<Vec<_>>(),
                e,
                inner.caller.clock.now(),
            ),
        };
        inner.pd_upcoming.complete(results, now);
    }
    drop(flight);
}

async fn run_og_timelines(inner: Arc<Inner>, flight: Flight<(usize, String), Window<Vec<TimelinePeriod>>>) {
    for (acct, id) in flight.keys.clone() {
        let account = &inner.config.opsgenie[acct];
        let now = inner.caller.clock.now();
        let days = inner.config.next_window_days;
        let result = opsgenie::timeline(&inner.caller, account, &id, now, days).await;
        let done = inner.caller.clock.now();
        let completion = match result {
            Ok(periods) => {
                let until = now.plus_secs(days * 24 * 3600);
                Completion::Value(Window { data: periods, until }, done.plus_secs(inner.config.cache_secs))
            }
            Err(e) => Completion::Failed(e.clone(), inner.caller.retry_at(&e, done)),
        };
        inner.og_timelines.complete(vec![((acct, id), completion)], now);
    }
    drop(flight);
}

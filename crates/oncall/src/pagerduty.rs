//! PagerDuty REST v2: a service's escalation policy, an integration key's service, and who is on
//! call for many escalation policies in one batched `/oncalls` call.
//!
//! - `GET /services/{id}` gives `service.escalation_policy` (id, name, page).
//! - The integration-key fallback lists `GET /services?include[]=integrations` page by page and
//!   matches each integration's `integration_key` locally. PagerDuty's own backend sends the key
//!   as `/services?query=<key>`, but `query` is documented as a name filter, and a key in a URL
//!   ends up in access logs; so the key never leaves this process.
//! - `GET /oncalls?escalation_policy_ids[]=…&include[]=users&time_zone=UTC` answers for many
//!   policies at once (`limit` up to 100, `more`/`offset` pages, `offset + limit <= 10000`). It
//!   is computed, so overrides are already in it. `start: null` or `end: null` mark a permanent
//!   on-call (a user targeted directly). Levels with nobody are simply absent.
//! - When level 1 has nobody, the same call with `earliest=true` over the next week (since/until
//!   in UTC) says who comes on first, for all gapped policies at once.
//! - "When am I on call next": `GET /users?query=<e-mail>` finds the asker's user (`query`
//!   matches names and e-mail addresses, so the address is compared exactly here), then
//!   `GET /oncalls?user_ids[]=…&since=now&until=now+N days&earliest=true` answers for many users
//!   at once: the earliest on-call of each user per policy and level, a shift under way included.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use crate::caller::Caller;
use crate::config::Account;
use crate::error::OnCallError;
use crate::http::{decode, endpoint};
use crate::model::{Gap, Level, Link, Person, Roster, RosterKind, Shift, ShiftKind, UpcomingShift};
use crate::secret::Secret;
use crate::time::Timestamp;

/// Policies per `/oncalls` call: many, but a URL stays well under common length limits.
const POLICIES_PER_CALL: usize = 50;
const PAGE: usize = 100;
/// PagerDuty refuses `offset + limit` beyond 10000.
const MAX_OFFSET: usize = 10_000 - PAGE;
/// How far ahead "who is next" looks when a level is empty.
pub(crate) const NEXT_WINDOW_SECS: u64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Reference {
    pub(crate) id: String,
    pub(crate) summary: Option<String>,
    pub(crate) html_url: Option<String>,
}

/// A service's escalation policy, as the service lookups find it.
#[derive(Debug, Clone)]
pub(crate) struct PolicyRef {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) url: Option<String>,
}

impl From<Reference> for PolicyRef {
    fn from(r: Reference) -> PolicyRef {
        PolicyRef { id: r.id, name: r.summary, url: r.html_url }
    }
}

#[derive(Deserialize)]
struct ServiceBody {
    service: Service,
}

#[derive(Deserialize)]
struct Service {
    escalation_policy: Reference,
}

#[derive(Deserialize)]
struct ServicesPage {
    #[serde(default)]
    services: Vec<ServiceWithIntegrations>,
    #[serde(default)]
    more: bool,
}

#[derive(Deserialize)]
struct ServiceWithIntegrations {
    escalation_policy: Reference,
    #[serde(default)]
    integrations: Vec<Integration>,
}

#[derive(Deserialize)]
struct Integration {
    integration_key: Option<String>,
}

#[derive(Deserialize)]
struct OncallsPage {
    #[serde(default)]
    oncalls: Vec<Oncall>,
    #[serde(default)]
    more: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct Oncall {
    escalation_policy: Reference,
    user: Option<User>,
    schedule: Option<Reference>,
    escalation_level: u32,
    start: Option<String>,
    end: Option<String>,
}

/// With `include[]=users` a full user; without, a reference whose `summary` is the name.
#[derive(Debug, Clone, Deserialize)]
struct User {
    id: String,
    name: Option<String>,
    summary: Option<String>,
    email: Option<String>,
    html_url: Option<String>,
}

/// An integration key as a cache key. `Debug` hides it like [`Secret`].
#[derive(Clone)]
pub(crate) struct IntegrationKey(pub(crate) Secret);

impl PartialEq for IntegrationKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.expose() == other.0.expose()
    }
}

impl Eq for IntegrationKey {}

impl std::hash::Hash for IntegrationKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.expose().hash(state);
    }
}

impl std::fmt::Debug for IntegrationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IntegrationKey(***)")
    }
}

/// The escalation policy of service `service_id`.
pub(crate) async fn service_policy(
    caller: &Caller,
    account: &Account,
    service_id: &str,
) -> Result<PolicyRef, OnCallError> {
    let mut url = endpoint(account, &["services", service_id])?;
    url.query_pairs_mut().append_pair("time_zone", "UTC");
    let body = caller.get(account, &url, &format!("service {service_id}")).await?;
    Ok(decode::<ServiceBody>(account, &body)?.service.escalation_policy.into())
}

/// Integration key → escalation policy of its service, for every integration of the account:
/// one scan of the services answers every integration key asked about until the mapping expires,
/// so entities with unknown keys cannot make Backline scan again and again.
pub(crate) async fn integration_index(
    caller: &Caller,
    account: &Account,
) -> Result<HashMap<IntegrationKey, PolicyRef>, OnCallError> {
    let mut index = HashMap::new();
    let mut offset = 0;
    loop {
        let mut url = endpoint(account, &["services"])?;
        url.query_pairs_mut()
            .append_pair("include[]", "integrations")
            .append_pair("time_zone", "UTC")
            .append_pair("limit", &PAGE.to_string())
            .append_pair("offset", &offset.to_string());
        let body = caller.get(account, &url, "services").await?;
        let page: ServicesPage = decode(account, &body)?;
        let n = page.services.len();
        for service in page.services {
            for integration in service.integrations {
                if let Some(key) = integration.integration_key {
                    index.insert(IntegrationKey(Secret::new(key)), service.escalation_policy.clone().into());
                }
            }
        }
        // Advance by what came back: a server may cap `limit` below what was asked.
        offset += n;
        if !page.more || n == 0 || offset > MAX_OFFSET {
            return Ok(index);
        }
    }
}

/// What an `/oncalls` call filters on.
#[derive(Clone, Copy)]
enum By {
    Policies,
    Users,
}

impl By {
    fn parameter(self) -> &'static str {
        match self {
            By::Policies => "escalation_policy_ids[]",
            By::Users => "user_ids[]",
        }
    }
}

/// Every on-call entry for `ids` (policies or users), all pages, in calls of up to 50 ids.
async fn oncalls(
    caller: &Caller,
    account: &Account,
    by: By,
    ids: &[String],
    window: Option<(Timestamp, Timestamp)>,
) -> Result<Vec<Oncall>, OnCallError> {
    let mut all = Vec::new();
    for chunk in ids.chunks(POLICIES_PER_CALL) {
        let mut offset = 0;
        loop {
            let mut url = endpoint(account, &["oncalls"])?;
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("time_zone", "UTC").append_pair("include[]", "users");
                for id in chunk {
                    q.append_pair(by.parameter(), id);
                }
                if let Some((since, until)) = window {
                    q.append_pair("since", &since.to_string())
                        .append_pair("until", &until.to_string())
                        .append_pair("earliest", "true");
                }
                q.append_pair("limit", &PAGE.to_string()).append_pair("offset", &offset.to_string());
            }
            let body = caller.get(account, &url, "on-calls").await?;
            let page: OncallsPage = decode(account, &body)?;
            let n = page.oncalls.len();
            all.extend(page.oncalls);
            offset += n;
            if !page.more || n == 0 || offset > MAX_OFFSET {
                break;
            }
        }
    }
    Ok(all)
}

fn person(user: &User) -> Person {
    Person {
        id: user.id.clone(),
        name: user.name.clone().or_else(|| user.summary.clone()).unwrap_or_else(|| user.id.clone()),
        email: user.email.clone(),
        url: user.html_url.clone(),
    }
}

fn shift(entry: &Oncall) -> Option<Shift> {
    let user = entry.user.as_ref()?;
    let from = entry.start.as_deref().and_then(Timestamp::parse_rfc3339);
    let until = entry.end.as_deref().and_then(Timestamp::parse_rfc3339);
    let kind = if entry.start.is_none() || entry.end.is_none() { ShiftKind::Permanent } else { ShiftKind::Scheduled };
    Some(Shift {
        person: person(user),
        kind,
        from,
        until,
        schedule: entry.schedule.as_ref().map(|s| Link {
            id: s.id.clone(),
            name: s.summary.clone(),
            url: s.html_url.clone(),
        }),
        forwarded_from: None,
    })
}

/// Level → shifts, one per person and schedule, sorted by name.
fn levels(entries: &[&Oncall]) -> Vec<Level> {
    let mut by_level: BTreeMap<u32, Vec<Shift>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for entry in entries {
        let Some(shift) = shift(entry) else { continue };
        let key = (entry.escalation_level, shift.person.id.clone(), shift.schedule.as_ref().map(|s| s.id.clone()));
        if seen.insert(key) {
            by_level.entry(entry.escalation_level).or_default().push(shift);
        }
    }
    by_level
        .into_iter()
        .map(|(level, mut on_call)| {
            on_call.sort_by(|a, b| a.person.name.cmp(&b.person.name).then_with(|| a.person.id.cmp(&b.person.id)));
            Level { level, on_call }
        })
        .collect()
}

/// A policy's roster and until when it holds: the cache period, cut short by the first shift
/// that ends and by the first "next" shift that starts.
pub(crate) struct Fetched {
    pub(crate) roster: Roster,
    pub(crate) fresh_until: Timestamp,
}

/// Who is on call now for each of `policy_ids`, with who is next where level 1 is empty.
pub(crate) async fn policies(
    caller: &Caller,
    account: &Account,
    policy_ids: &[String],
    now: Timestamp,
    cache_secs: u64,
) -> Result<HashMap<String, Fetched>, OnCallError> {
    let current = oncalls(caller, account, By::Policies, policy_ids, None).await?;
    let mut by_policy: HashMap<&str, Vec<&Oncall>> = HashMap::new();
    for entry in &current {
        by_policy.entry(entry.escalation_policy.id.as_str()).or_default().push(entry);
    }
    let gapped: Vec<String> = policy_ids
        .iter()
        .filter(|id| !by_policy.get(id.as_str()).is_some_and(|es| es.iter().any(|e| e.escalation_level == 1)))
        .cloned()
        .collect();
    let until = now.plus_secs(NEXT_WINDOW_SECS);
    // Who is next is a courtesy: if that call fails, the current answer still stands, its gap
    // says nothing about who is next (`searched_until: None`) and it is asked again soon.
    let upcoming = if gapped.is_empty() {
        Some(Vec::new())
    } else {
        oncalls(caller, account, By::Policies, &gapped, Some((now, until))).await.ok()
    };
    let searched_until = upcoming.is_some().then_some(until);
    let upcoming = upcoming.unwrap_or_default();
    let mut next_by_policy: HashMap<&str, Vec<&Oncall>> = HashMap::new();
    for entry in &upcoming {
        if entry.escalation_level == 1 {
            next_by_policy.entry(entry.escalation_policy.id.as_str()).or_default().push(entry);
        }
    }
    let web_policy_url = |id: &str| account.web_url.as_ref().map(|w| format!("{w}/escalation_policies/{id}"));
    let mut out = HashMap::new();
    for id in policy_ids {
        let entries = by_policy.get(id.as_str()).map(Vec::as_slice).unwrap_or_default();
        let reference = entries.first().map(|e| &e.escalation_policy);
        let levels = levels(entries);
        let mut fresh_until = now.plus_secs(cache_secs);
        for shift in levels.iter().flat_map(|l| &l.on_call) {
            if let Some(end) = shift.until {
                fresh_until = fresh_until.min(end);
            }
        }
        let gap = if levels.first().is_some_and(|l| l.level == 1) {
            None
        } else {
            let mut next: Vec<Shift> = next_by_policy
                .get(id.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(|e| shift(e))
                .filter(|s| s.from.is_some_and(|f| f > now))
                .collect();
            next.sort_by(|a, b| a.from.cmp(&b.from).then_with(|| a.person.name.cmp(&b.person.name)));
            if let Some(first) = next.first().and_then(|s| s.from) {
                next.retain(|s| s.from == Some(first));
                fresh_until = fresh_until.min(first);
            }
            if searched_until.is_none() {
                fresh_until = fresh_until.min(now.plus_secs(caller.retry_secs));
            }
            Some(Gap { level: 1, escalates_to: levels.first().map(|l| l.level), next, searched_until })
        };
        let roster = Roster {
            kind: RosterKind::EscalationPolicy,
            id: id.clone(),
            name: reference.and_then(|r| r.summary.clone()),
            url: reference.and_then(|r| r.html_url.clone()).or_else(|| web_policy_url(id)),
            levels,
            gap,
        };
        // A shift ending now or in the past must not pin a stale answer: at least a second.
        out.insert(id.clone(), Fetched { roster, fresh_until: fresh_until.max(now.plus_secs(1)) });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct UsersPage {
    #[serde(default)]
    users: Vec<User>,
    #[serde(default)]
    more: bool,
}

/// Pages of `/users` read when looking for one address: `query` also matches names, so a common
/// word could match many users, but an address matches few.
const USER_PAGES: usize = 4;

/// The account's user whose e-mail address is `email` (compared case-insensitively), if any.
pub(crate) async fn user_by_email(
    caller: &Caller,
    account: &Account,
    email: &str,
) -> Result<Option<Person>, OnCallError> {
    let wanted = email.trim();
    let mut offset = 0;
    for _ in 0..USER_PAGES {
        let mut url = endpoint(account, &["users"])?;
        url.query_pairs_mut()
            .append_pair("query", wanted)
            .append_pair("limit", &PAGE.to_string())
            .append_pair("offset", &offset.to_string());
        let body = caller.get(account, &url, "users").await?;
        let page: UsersPage = decode(account, &body)?;
        let n = page.users.len();
        if let Some(user) =
            page.users.iter().find(|u| u.email.as_deref().is_some_and(|e| e.trim().eq_ignore_ascii_case(wanted)))
        {
            return Ok(Some(person(user)));
        }
        offset += n;
        if !page.more || n == 0 || offset > MAX_OFFSET {
            break;
        }
    }
    Ok(None)
}

/// One user's shifts over a window, and until when they hold: the cache period, cut short by the
/// first shift that starts or ends within it.
pub(crate) struct UserShifts {
    pub(crate) shifts: Vec<UpcomingShift>,
    pub(crate) fresh_until: Timestamp,
}

/// The on-call shifts of each of `user_ids` from `now` to `until`: the earliest per escalation
/// policy and level, a shift under way included; earliest first.
pub(crate) async fn users_upcoming(
    caller: &Caller,
    account: &Account,
    user_ids: &[String],
    now: Timestamp,
    until: Timestamp,
    cache_secs: u64,
) -> Result<HashMap<String, UserShifts>, OnCallError> {
    let entries = oncalls(caller, account, By::Users, user_ids, Some((now, until))).await?;
    let web_policy_url = |id: &str| account.web_url.as_ref().map(|w| format!("{w}/escalation_policies/{id}"));
    let mut out: HashMap<String, UserShifts> = user_ids
        .iter()
        .map(|id| (id.clone(), UserShifts { shifts: Vec::new(), fresh_until: now.plus_secs(cache_secs) }))
        .collect();
    for entry in &entries {
        let Some(user) = entry.user.as_ref() else { continue };
        let Some(mine) = out.get_mut(&user.id) else { continue };
        let Some(s) = shift(entry) else { continue };
        if s.until.is_some_and(|u| u <= now) {
            continue;
        }
        let policy = &entry.escalation_policy;
        let upcoming = UpcomingShift {
            roster_kind: RosterKind::EscalationPolicy,
            roster: Link {
                id: policy.id.clone(),
                name: policy.summary.clone(),
                url: policy.html_url.clone().or_else(|| web_policy_url(&policy.id)),
            },
            level: Some(entry.escalation_level),
            kind: s.kind,
            from: s.from,
            until: s.until,
            schedule: s.schedule,
        };
        if mine.shifts.iter().any(|o| {
            o.roster.id == upcoming.roster.id
                && o.level == upcoming.level
                && o.from == upcoming.from
                && o.until == upcoming.until
        }) {
            continue;
        }
        for edge in [upcoming.from, upcoming.until].into_iter().flatten() {
            if edge > now {
                mine.fresh_until = mine.fresh_until.min(edge);
            }
        }
        mine.shifts.push(upcoming);
    }
    for mine in out.values_mut() {
        sort_upcoming(&mut mine.shifts);
        mine.fresh_until = mine.fresh_until.max(now.plus_secs(1));
    }
    Ok(out)
}

/// Earliest first: a permanent on-call (no start) first, then by start, level, roster name.
pub(crate) fn sort_upcoming(shifts: &mut [UpcomingShift]) {
    shifts.sort_by(|a, b| {
        a.from
            .cmp(&b.from)
            .then_with(|| a.level.cmp(&b.level))
            .then_with(|| a.roster.name.cmp(&b.roster.name))
            .then_with(|| a.roster.id.cmp(&b.roster.id))
    });
}

//! Who is on call right now, added to ownership and contact answers after the index answered:
//! the one place `backline ask`, the query subcommands and `serve`'s bots get it from.
//!
//! The index stays free of HTTP: it answers from the catalog, with the on-call hints written on
//! the entity, its owner and their parents. Here, when `[oncall]` configures a provider, the
//! annotations of those entities are read back from the index (`Query::Describe`, which carries
//! them all, including the account and integration-key annotations the hints leave out), looked
//! up with one [`OnCall::lookup_entities`] call per answer, and mirrored into the answer model's
//! [`LiveOnCall`]. A provider failure never fails the answer: the on-call part says it is stale
//! (with its age) or unavailable, and the rest of the answer stands.
//!
//! People on call are matched to the catalog Users among the answer's members by e-mail,
//! case-insensitively, so the answer can show their own Slack or Discord contacts.
//!
//! "When am I on call next" asks the providers about the asker by e-mail address (their User's
//! `spec.profile.email`, else what the chat platform gave), over the accounts and Opsgenie teams
//! their own and their teams' annotations name ([`OnCall::upcoming`]), mirrored into
//! [`NextOnCall`]; where no provider can say, the answer says why instead of guessing.

use std::collections::BTreeSet;

use backline_answer::{
    AboutMe, Answer, AnswerBody, Direction, LaterLevel, LiveOnCall, LiveRoster, LiveState, MyShift, NextOnCall,
    OnCallGap, OnCallPerson, OnCallProvider, Person, Query, Reach,
};
use backline_index::Index;
use backline_oncall::{
    OnCall, OnCallAnswer, OnCallConfig, OnCallError, OnCallSection, Provider, Roster, Shift, ShiftKind, Upcoming,
    targets,
};
use tracing::{debug, info, warn};

/// The on-call client `[oncall]` describes, or `None` when it configures no account (then
/// answers are exactly what the index says).
pub fn client(section: Option<&OnCallSection>, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Option<OnCall>> {
    let Some(section) = section else { return Ok(None) };
    if section.pagerduty.is_empty() && section.opsgenie.is_empty() {
        return Ok(None);
    }
    let config = OnCallConfig::resolve(section, env).map_err(|e| anyhow::anyhow!("[oncall]: {e}"))?;
    Ok(Some(OnCall::new(config).map_err(|e| anyhow::anyhow!("[oncall]: {e}"))?))
}

/// The process environment, for [`client`].
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// Affected teams of an impact answer whose on-call is looked up (the card lists as many).
const IMPACT_TEAMS: usize = 8;

/// Adds who is on call now to an ownership or contact answer, to "am I on call", and per
/// affected team to an impact answer; other answers are left alone.
pub async fn enrich(oncall: Option<&OnCall>, index: &Index, answer: &mut Answer) {
    let Some(oncall) = oncall else { return };
    // What the chat platform said the asker's address is, for a User without one.
    let asker_email = match &answer.query {
        Some(Query::Mine { asker: Some(asker), .. }) => asker.email.clone(),
        _ => None,
    };
    let (subjects, reach, members) = match &mut answer.body {
        AnswerBody::Ownership(a) => {
            let subjects: Vec<String> =
                [Some(&a.entity), a.owner.as_ref()].into_iter().flatten().map(|e| e.entity_ref.clone()).collect();
            (subjects, &mut a.reach, &a.members)
        }
        AnswerBody::Contact(a) => {
            let subjects: Vec<String> =
                [Some(&a.subject), a.team.as_ref()].into_iter().flatten().map(|e| e.entity_ref.clone()).collect();
            (subjects, &mut a.reach, &a.members)
        }
        AnswerBody::Mine(a) if matches!(a.about, AboutMe::OnCallNow | AboutMe::OnCallNext) => {
            // "am I on call": the asker's own annotations and their teams'.
            let subjects: Vec<String> =
                std::iter::once(&a.me.entity).chain(&a.teams).map(|e| e.entity_ref.clone()).collect();
            let live = look_up(oncall, index, &subjects, &a.reach, std::slice::from_ref(&a.me)).await;
            if a.about == AboutMe::OnCallNext {
                let email = a.me.email.clone().filter(|e| !e.trim().is_empty()).or(asker_email);
                a.next_on_call = next_on_call(oncall, index, &subjects, &a.reach, email.as_deref()).await;
            }
            a.reach.live_on_call = live;
            answer.summary = backline_answer::render::summary_line(&answer.body);
            return;
        }
        AnswerBody::Dependencies(a) if a.direction == Direction::Dependents && !a.nodes.is_empty() => {
            // Impact: who is on call for each affected team, the most affected first.
            let mut teams: Vec<(String, usize)> = Vec::new();
            for owner in a.nodes.iter().filter_map(|n| n.entity.owner.as_ref()) {
                match teams.iter_mut().find(|(t, _)| t == owner) {
                    Some((_, n)) => *n += 1,
                    None => teams.push((owner.clone(), 1)),
                }
            }
            teams.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
            let subjects: Vec<String> = teams.into_iter().take(IMPACT_TEAMS).map(|(t, _)| t).collect();
            a.team_on_call = look_up(oncall, index, &subjects, &Reach::default(), &[]).await;
            return;
        }
        AnswerBody::Entity(_)
        | AnswerBody::Dependencies(_)
        | AnswerBody::Team(_)
        | AnswerBody::Search(_)
        | AnswerBody::Find(_)
        | AnswerBody::Health(_)
        | AnswerBody::Migration(_)
        | AnswerBody::Migrations(_)
        | AnswerBody::Scorecard(_)
        | AnswerBody::Ambiguous(_)
        | AnswerBody::NotFound(_)
        | AnswerBody::Mine(_)
        | AnswerBody::UnknownAsker(_)
        | AnswerBody::Help(_) => return,
    };
    let live = look_up(oncall, index, &subjects, reach, members).await;
    let on_call_now = summary_names(&live);
    reach.live_on_call = live;
    if let Some(names) = on_call_now {
        answer.summary = format!("{} On call now: {names}.", answer.summary.trim_end());
    }
}

/// "Ada Lovelace (PagerDuty)", the level-1 people of every roster, for the one-line summary that
/// notifications show; `None` when nobody is known to be on call.
fn summary_names(live: &[LiveOnCall]) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    for l in live.iter().filter(|l| l.state != LiveState::Unavailable) {
        for p in l.rosters.iter().flat_map(|r| &r.level1) {
            let name = format!("{} ({})", p.name, l.provider.label());
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    (!names.is_empty()).then(|| names.join(", "))
}

/// The entities whose annotations matter, nearest first: the subject, its owner, then wherever
/// the index found an on-call hint (a parent group).
fn entities_to_ask(subjects: &[String], reach: &Reach) -> Vec<String> {
    let mut seen = BTreeSet::new();
    subjects
        .iter()
        .cloned()
        .chain(reach.on_call.iter().map(|o| o.from.clone()))
        .filter(|r| seen.insert(r.clone()))
        .collect()
}

async fn annotations_of(index: &Index, entity_ref: &str) -> Vec<(String, String)> {
    match index.answer(&Query::Describe { name: entity_ref.to_owned() }).await {
        Ok(Answer { body: AnswerBody::Entity(e), .. }) if e.entity.entity_ref == entity_ref => e.annotations,
        Ok(_) => Vec::new(),
        Err(e) => {
            warn!(error = %e, entity = entity_ref, "could not read the annotations for an on-call lookup");
            Vec::new()
        }
    }
}

async fn look_up(
    oncall: &OnCall,
    index: &Index,
    subjects: &[String],
    reach: &Reach,
    members: &[Person],
) -> Vec<LiveOnCall> {
    let mut entities: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for entity_ref in entities_to_ask(subjects, reach) {
        let annotations = annotations_of(index, &entity_ref).await;
        if !targets(&annotations).is_empty() {
            entities.push((entity_ref, annotations));
        }
    }
    if entities.is_empty() {
        return Vec::new();
    }
    let slices: Vec<&[(String, String)]> = entities.iter().map(|(_, a)| a.as_slice()).collect();
    let answers = oncall.lookup_entities(&slices).await;
    let mut live = Vec::new();
    for ((entity_ref, annotations), results) in entities.iter().zip(answers) {
        for (target, result) in targets(annotations).iter().zip(results) {
            let asked = target.asked();
            let provider = provider_of(target.provider());
            live.push(match result {
                Ok(a) => mirror(a, entity_ref, members),
                Err(e) => {
                    log_failure(&e, entity_ref);
                    LiveOnCall {
                        provider,
                        account: target.account().map(str::to_owned),
                        annotation: asked.annotation,
                        value: asked.value,
                        from: entity_ref.clone(),
                        state: LiveState::Unavailable,
                        reason: Some(e.to_string()),
                        rosters: Vec::new(),
                        fetched_at: None,
                        age_secs: None,
                    }
                }
            });
        }
    }
    live
}

/// When the asker is on call next, per provider account their annotations name; why not, where
/// no provider can say.
async fn next_on_call(
    oncall: &OnCall,
    index: &Index,
    subjects: &[String],
    reach: &Reach,
    email: Option<&str>,
) -> Vec<NextOnCall> {
    let config = oncall.config();
    let configured = [
        (OnCallProvider::PagerDuty, !config.pagerduty.is_empty()),
        (OnCallProvider::Opsgenie, !config.opsgenie.is_empty()),
    ];
    let cannot = |provider, reason: &str| NextOnCall {
        provider,
        account: None,
        state: LiveState::Unavailable,
        reason: Some(reason.to_owned()),
        shifts: Vec::new(),
        searched_until: None,
        fetched_at: None,
        age_secs: None,
    };
    let Some(email) = email.map(str::trim).filter(|e| !e.is_empty()) else {
        return configured
            .iter()
            .filter(|(_, on)| *on)
            .map(|(p, _)| {
                cannot(
                    *p,
                    "your User has no e-mail address (`spec.profile.email`), which is how on-call providers know you",
                )
            })
            .collect();
    };
    let mut entities: Vec<Vec<(String, String)>> = Vec::new();
    for entity_ref in entities_to_ask(subjects, reach) {
        let annotations = annotations_of(index, &entity_ref).await;
        if !targets(&annotations).is_empty() {
            entities.push(annotations);
        }
    }
    let slices: Vec<&[(String, String)]> = entities.iter().map(Vec::as_slice).collect();
    let mut out: Vec<NextOnCall> = Vec::new();
    for (provider, result) in oncall.upcoming(email, &slices).await {
        out.push(match result {
            Ok(u) => mirror_upcoming(&u),
            Err(e) => {
                debug!(error = %e, "no upcoming on-call");
                cannot(provider_of(provider), &e.to_string())
            }
        });
    }
    if out.is_empty() {
        // Only Opsgenie is configured, and no team of the asker names an Opsgenie team.
        for (p, _) in configured.iter().filter(|(_, on)| *on) {
            out.push(cannot(*p, "none of your teams names its Opsgenie team (annotation `opsgenie.com/team`)"));
        }
    }
    out
}

fn mirror_upcoming(u: &Upcoming) -> NextOnCall {
    // The moment the answer was made, as the client's clock said.
    let now = u.fetched_at.plus_secs(u.age_secs);
    let (state, reason) = match &u.stale {
        Some(s) => (LiveState::Stale, Some(s.reason.clone())),
        None => (LiveState::Current, None),
    };
    NextOnCall {
        provider: provider_of(u.provider),
        account: Some(u.account.clone()),
        state,
        reason,
        shifts: u
            .shifts
            .iter()
            .map(|s| MyShift {
                roster: s.roster.name.clone(),
                url: s.roster.url.clone(),
                level: s.level,
                from: s.from.map(|t| t.to_string()),
                until: s.until.map(|t| t.to_string()),
                now: s.is_on_at(now),
                permanent: s.kind == ShiftKind::Permanent,
            })
            .collect(),
        searched_until: Some(u.searched_until.to_string()),
        fetched_at: Some(u.fetched_at.to_string()),
        age_secs: Some(u.age_secs),
    }
}

fn log_failure(e: &OnCallError, entity_ref: &str) {
    match e {
        // Configuration facts about the catalog, not outages.
        OnCallError::NotConfigured { .. } | OnCallError::UnknownAccount { .. } => {
            debug!(error = %e, entity = entity_ref, "no on-call lookup");
        }
        // The client has already logged the failed call, as a warning.
        _ => info!(error = %e, entity = entity_ref, "on-call shown as unavailable"),
    }
}

fn provider_of(p: Provider) -> OnCallProvider {
    match p {
        Provider::PagerDuty => OnCallProvider::PagerDuty,
        Provider::Opsgenie => OnCallProvider::Opsgenie,
    }
}

fn mirror(a: OnCallAnswer, entity_ref: &str, members: &[Person]) -> LiveOnCall {
    let (state, reason) = match &a.stale {
        Some(s) => (LiveState::Stale, Some(s.reason.clone())),
        None => (LiveState::Current, None),
    };
    LiveOnCall {
        provider: provider_of(a.provider),
        account: Some(a.account.clone()),
        annotation: a.asked.annotation.clone(),
        value: a.asked.value.clone(),
        from: entity_ref.to_owned(),
        state,
        reason,
        rosters: a.rosters.iter().map(|r| roster(r, members)).collect(),
        fetched_at: Some(a.fetched_at.to_string()),
        age_secs: Some(a.age_secs),
    }
}

fn roster(r: &Roster, members: &[Person]) -> LiveRoster {
    let level1 = r.levels.iter().find(|l| l.level == 1).map(|l| l.on_call.as_slice()).unwrap_or_default();
    let later = r
        .levels
        .iter()
        .filter(|l| l.level > 1)
        .map(|l| {
            let mut names: Vec<String> = Vec::new();
            for s in &l.on_call {
                if !names.contains(&s.person.name) {
                    names.push(s.person.name.clone());
                }
            }
            LaterLevel { level: l.level, names }
        })
        .collect();
    LiveRoster {
        name: r.name.clone(),
        url: r.url.clone(),
        level1: dedup_people(level1.iter().map(|s| person(s, members, false)).collect()),
        later,
        gap: r.gap.as_ref().map(|g| OnCallGap {
            escalates_to: g.escalates_to,
            next: g.next.iter().map(|s| person(s, members, true)).collect(),
        }),
    }
}

/// One entry per person: a person on two schedules of level 1 is one person to call, shown with
/// the shift that lasts longest.
fn dedup_people(people: Vec<OnCallPerson>) -> Vec<OnCallPerson> {
    let mut out: Vec<OnCallPerson> = Vec::new();
    for p in people {
        match out.iter_mut().find(|o| o.name == p.name && o.email == p.email) {
            Some(o) => {
                o.permanent |= p.permanent;
                if o.until.is_some() && p.until > o.until {
                    o.until = p.until;
                }
            }
            None => out.push(p),
        }
    }
    out
}

fn person(s: &Shift, members: &[Person], with_start: bool) -> OnCallPerson {
    let user = s.person.email.as_deref().and_then(|email| {
        members.iter().find(|m| m.email.as_deref().is_some_and(|e| e.trim().eq_ignore_ascii_case(email.trim())))
    });
    let permanent = matches!(s.kind, ShiftKind::Permanent);
    let timed = matches!(s.kind, ShiftKind::Scheduled);
    OnCallPerson {
        name: s.person.name.clone(),
        email: s.person.email.clone(),
        url: s.person.url.clone(),
        from: if with_start { s.from.map(|t| t.to_string()) } else { None },
        until: if timed { s.until.map(|t| t.to_string()) } else { None },
        permanent,
        user: user.map(|u| u.entity.entity_ref.clone()),
        contacts: user.map(|u| u.contacts.clone()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use backline_answer::{Contact, ContactChannel, EntitySummary};
    use backline_oncall::{Gap, Level, Person as Who, RosterKind, Timestamp};

    use super::*;

    fn shift(name: &str, email: &str, kind: ShiftKind, until: Option<i64>) -> Shift {
        Shift {
            person: Who { id: name.into(), name: name.into(), email: Some(email.into()), url: None },
            kind,
            from: until.map(|_| Timestamp(1_796_600_000)),
            until: until.map(Timestamp),
            schedule: None,
            forwarded_from: None,
        }
    }

    fn member(name: &str, email: &str, slack: &str) -> Person {
        let entity_ref = format!("user:default/{name}");
        Person {
            entity: EntitySummary {
                entity_ref: entity_ref.clone(),
                kind: "User".into(),
                namespace: "default".into(),
                name: name.into(),
                title: None,
                description: None,
                spec_type: None,
                lifecycle: None,
                owner: None,
                exists: true,
                valid: true,
                defined_at: None,
                error_count: 0,
                warning_count: 0,
                first_error: None,
                url: None,
            },
            display_name: None,
            email: Some(email.into()),
            contacts: vec![Contact {
                channel: ContactChannel::SlackNotify,
                value: slack.into(),
                url: None,
                label: None,
                from: entity_ref,
            }],
        }
    }

    #[test]
    fn level_one_is_kept_whole_later_levels_collapse_and_people_match_the_catalog_by_email() {
        let r = Roster {
            kind: RosterKind::EscalationPolicy,
            id: "PEP1".into(),
            name: Some("Payments".into()),
            url: None,
            levels: vec![
                Level {
                    level: 1,
                    on_call: vec![
                        shift("Ada", "ADA@example.com", ShiftKind::Scheduled, Some(1_796_640_000)),
                        // The same person on a second schedule: one person to call, longest shift.
                        shift("Ada", "ADA@example.com", ShiftKind::Scheduled, Some(1_796_650_000)),
                        shift("Grace", "grace@example.com", ShiftKind::Permanent, None),
                    ],
                },
                Level {
                    level: 2,
                    on_call: vec![
                        shift("Bob", "bob@example.com", ShiftKind::Untimed, None),
                        shift("Bob", "bob@example.com", ShiftKind::Untimed, None),
                    ],
                },
            ],
            gap: None,
        };
        let live = roster(&r, &[member("ada", "ada@Example.com", "U0ADA1234")]);
        assert_eq!(live.level1.len(), 2);
        assert_eq!(live.level1[0].until.as_deref(), Some("2026-12-07T13:26:40Z"));
        assert_eq!(live.level1[0].user.as_deref(), Some("user:default/ada"));
        assert_eq!(live.level1[0].contacts[0].value, "U0ADA1234");
        assert!(live.level1[1].permanent && live.level1[1].until.is_none() && live.level1[1].user.is_none());
        assert_eq!(live.later, vec![LaterLevel { level: 2, names: vec!["Bob".into()] }]);
    }

    #[test]
    fn a_gap_says_who_comes_on_next_and_the_summary_names_level_one_only() {
        let r = Roster {
            kind: RosterKind::EscalationPolicy,
            id: "PEP1".into(),
            name: None,
            url: None,
            levels: vec![Level {
                level: 2,
                on_call: vec![shift("Bob", "bob@example.com", ShiftKind::Permanent, None)],
            }],
            gap: Some(Gap {
                level: 1,
                escalates_to: Some(2),
                next: vec![shift("Ada", "ada@example.com", ShiftKind::Scheduled, Some(1_796_640_000))],
                searched_until: None,
            }),
        };
        let live = roster(&r, &[]);
        let gap = live.gap.clone().unwrap();
        assert_eq!(gap.escalates_to, Some(2));
        assert_eq!(gap.next[0].from.as_deref(), Some("2026-12-06T23:33:20Z"));
        let answer = |state, rosters| LiveOnCall {
            provider: OnCallProvider::PagerDuty,
            account: None,
            annotation: "pagerduty.com/service-id".into(),
            value: None,
            from: "component:default/a".into(),
            state,
            reason: None,
            rosters,
            fetched_at: None,
            age_secs: None,
        };
        assert_eq!(summary_names(&[answer(LiveState::Current, vec![live])]), None);
        let staffed = roster(
            &Roster {
                levels: vec![Level { level: 1, on_call: vec![shift("Ada", "a@x", ShiftKind::Permanent, None)] }],
                ..r
            },
            &[],
        );
        assert_eq!(
            summary_names(&[answer(LiveState::Stale, vec![staffed]), answer(LiveState::Unavailable, vec![])]),
            Some("Ada (PagerDuty)".into())
        );
    }
}

//! Opsgenie: a team's schedules and who is on call on them, in two calls per account per cache
//! period whatever the number of teams asked about.
//!
//! - `GET /v2/schedules` lists every schedule with its `ownerTeam`; a team's schedules are the
//!   enabled ones whose owner team's name is the `opsgenie.com/team` value (what the Backstage
//!   plugin does). Counted against the "Configuration" rate-limit domain, so it is kept for the
//!   mapping cache period.
//! - `GET /v2/schedules/on-calls` answers for every schedule at once (`data[]._parent` is the
//!   schedule, `onCallParticipants` the tree of who is on call, with `forwardedFrom` for
//!   overrides). One call warms the cache for every team of the account.
//! - For a schedule with nobody on call, `GET /v2/schedules/{id}/next-on-calls` says who is next
//!   (`exactNextOnCallRecipients`, else `nextOnCallRecipients`).
//!
//! Opsgenie's on-call answer says who, not from when until when: shifts are [`ShiftKind::Untimed`]
//! and the cache period alone bounds their age. Participants under a team or escalation
//! participant are flattened into level 1: the schedule is one level of the team's escalation.
//! Usernames are e-mail addresses.

use std::collections::HashMap;

use serde::Deserialize;

use crate::caller::Caller;
use crate::config::Account;
use crate::error::OnCallError;
use crate::http::{decode, endpoint};
use crate::model::{Person, Shift, ShiftKind};

#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) enabled: bool,
    pub(crate) owner_team: Option<String>,
}

#[derive(Deserialize)]
struct SchedulesBody {
    #[serde(default)]
    data: Vec<ScheduleItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleItem {
    id: String,
    name: String,
    #[serde(default = "yes")]
    enabled: bool,
    owner_team: Option<Named>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

#[derive(Deserialize)]
struct OnCallsBody {
    #[serde(default)]
    data: Vec<ScheduleOnCalls>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleOnCalls {
    #[serde(rename = "_parent")]
    parent: Parent,
    #[serde(default)]
    on_call_participants: Vec<Participant>,
}

#[derive(Deserialize)]
struct Parent {
    id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Participant {
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    on_call_participants: Vec<Participant>,
    forwarded_from: Option<Box<Participant>>,
}

#[derive(Deserialize)]
struct NextBody {
    data: NextData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NextData {
    #[serde(default)]
    exact_next_on_call_recipients: Vec<Participant>,
    #[serde(default)]
    next_on_call_recipients: Vec<Participant>,
}

pub(crate) async fn schedules(caller: &Caller, account: &Account) -> Result<Vec<Schedule>, OnCallError> {
    let url = endpoint(account, &["v2", "schedules"])?;
    let body = caller.get(account, &url, "schedules").await?;
    Ok(decode::<SchedulesBody>(account, &body)?
        .data
        .into_iter()
        .map(|s| Schedule { id: s.id, name: s.name, enabled: s.enabled, owner_team: s.owner_team.and_then(|t| t.name) })
        .collect())
}

/// Schedule id → who is on call there now, for every schedule of the account.
pub(crate) async fn all_on_calls(
    caller: &Caller,
    account: &Account,
) -> Result<HashMap<String, Vec<Shift>>, OnCallError> {
    let mut url = endpoint(account, &["v2", "schedules", "on-calls"])?;
    url.query_pairs_mut().append_pair("flat", "false");
    let body = caller.get(account, &url, "on-calls").await?;
    Ok(decode::<OnCallsBody>(account, &body)?
        .data
        .into_iter()
        .map(|s| (s.parent.id, shifts(&s.on_call_participants)))
        .collect())
}

/// Who comes on call next on schedule `id`.
pub(crate) async fn next_on_calls(caller: &Caller, account: &Account, id: &str) -> Result<Vec<Shift>, OnCallError> {
    let mut url = endpoint(account, &["v2", "schedules", id, "next-on-calls"])?;
    url.query_pairs_mut().append_pair("scheduleIdentifierType", "id").append_pair("flat", "false");
    let body = caller.get(account, &url, &format!("schedule {id}")).await?;
    let data = decode::<NextBody>(account, &body)?.data;
    let recipients = if data.exact_next_on_call_recipients.is_empty() {
        data.next_on_call_recipients
    } else {
        data.exact_next_on_call_recipients
    };
    Ok(shifts(&recipients))
}

fn person(p: &Participant) -> Option<Person> {
    let name = p.name.clone()?;
    Some(Person {
        id: p.id.clone().unwrap_or_else(|| name.clone()),
        email: name.contains('@').then(|| name.clone()),
        name,
        url: None,
    })
}

/// The users in a participant tree, each once, sorted by name.
fn shifts(participants: &[Participant]) -> Vec<Shift> {
    fn walk(participants: &[Participant], out: &mut Vec<Shift>) {
        for p in participants {
            if p.kind.as_deref().is_none_or(|k| k == "user") {
                if let Some(who) = person(p)
                    && !out.iter().any(|s| s.person.id == who.id)
                {
                    out.push(Shift {
                        person: who,
                        kind: ShiftKind::Untimed,
                        from: None,
                        until: None,
                        schedule: None,
                        forwarded_from: p.forwarded_from.as_deref().and_then(person),
                    });
                }
            } else {
                walk(&p.on_call_participants, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(participants, &mut out);
    out.sort_by(|a, b| a.person.name.cmp(&b.person.name));
    out
}

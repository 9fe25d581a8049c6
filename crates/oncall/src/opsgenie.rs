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
//! - "When am I on call next": `GET /v2/schedules/{id}/timeline?identifierType=id&interval=N&
//!   intervalUnit=days&date=now` per schedule of the asker's teams. Its `finalTimeline` has the
//!   overrides and forwardings applied: `rotations[].periods[]` with `startDate`, `endDate` and a
//!   `recipient` (a user's `name` is their e-mail address). One call per schedule answers every
//!   asker on it until the cache period ends.
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
use crate::model::{Link, Person, RosterKind, Shift, ShiftKind, UpcomingShift};
use crate::time::Timestamp;

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

#[derive(Deserialize)]
struct TimelineBody {
    data: TimelineData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TimelineData {
    final_timeline: Option<Timeline>,
}

#[derive(Deserialize)]
struct Timeline {
    #[serde(default)]
    rotations: Vec<TimelineRotation>,
}

#[derive(Deserialize)]
struct TimelineRotation {
    #[serde(default)]
    periods: Vec<Period>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Period {
    start_date: Option<String>,
    end_date: Option<String>,
    recipient: Option<Recipient>,
}

#[derive(Deserialize)]
struct Recipient {
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// One stretch of a schedule's final timeline: who is on call from when until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TimelinePeriod {
    /// The recipient's username (an e-mail address) as given.
    pub(crate) username: String,
    pub(crate) user_id: Option<String>,
    pub(crate) from: Timestamp,
    pub(crate) until: Timestamp,
}

/// The user periods of schedule `id`'s final timeline, `days` days from `now`, by start.
pub(crate) async fn timeline(
    caller: &Caller,
    account: &Account,
    id: &str,
    now: Timestamp,
    days: u64,
) -> Result<Vec<TimelinePeriod>, OnCallError> {
    let mut url = endpoint(account, &["v2", "schedules", id, "timeline"])?;
    url.query_pairs_mut()
        .append_pair("identifierType", "id")
        .append_pair("interval", &days.to_string())
        .append_pair("intervalUnit", "days")
        .append_pair("date", &now.to_string());
    let body = caller.get(account, &url, &format!("schedule {id}")).await?;
    let data = decode::<TimelineBody>(account, &body)?.data;
    let mut out: Vec<TimelinePeriod> = data
        .final_timeline
        .into_iter()
        .flat_map(|t| t.rotations)
        .flat_map(|r| r.periods)
        .filter_map(|p| {
            let recipient = p.recipient?;
            if recipient.kind.as_deref().is_some_and(|k| k != "user") {
                return None;
            }
            Some(TimelinePeriod {
                username: recipient.name?,
                user_id: recipient.id,
                from: Timestamp::parse_rfc3339(p.start_date.as_deref()?)?,
                until: Timestamp::parse_rfc3339(p.end_date.as_deref()?)?,
            })
        })
        .filter(|p| p.from < p.until)
        .collect();
    out.sort_by(|a, b| a.from.cmp(&b.from).then_with(|| a.username.cmp(&b.username)));
    Ok(out)
}

/// The shifts of the user with address `email` in `periods` of `schedule` that end after `now`,
/// back-to-back periods joined into one shift (a timeline splits at rotation and day edges).
pub(crate) fn shifts_of(
    periods: &[TimelinePeriod],
    email: &str,
    schedule: &Link,
    now: Timestamp,
) -> Vec<UpcomingShift> {
    let wanted = email.trim();
    let mut out: Vec<UpcomingShift> = Vec::new();
    for p in periods.iter().filter(|p| p.username.trim().eq_ignore_ascii_case(wanted)) {
        if let Some(last) = out.last_mut()
            && last.until.is_some_and(|u| u >= p.from)
        {
            last.until = last.until.max(Some(p.until));
            continue;
        }
        out.push(UpcomingShift {
            roster_kind: RosterKind::Schedule,
            roster: schedule.clone(),
            level: None,
            kind: ShiftKind::Scheduled,
            from: Some(p.from),
            until: Some(p.until),
            schedule: None,
        });
    }
    out.retain(|s| s.until.is_some_and(|u| u > now));
    out
}

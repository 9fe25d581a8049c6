//! The answer: who is on call, per escalation level, as plain serde data. No rendering here:
//! front ends turn it into text, Block Kit or embeds, in the asker's time zone.
//!
//! Invariants the data keeps so no front end can get them wrong:
//! - a roster never comes back blank: when its first level has nobody, [`Roster::gap`] says so,
//!   who is next there (when the provider says) and which level a page escalates to;
//! - every answer carries when its data was fetched and whether it is stale (served from the last
//!   good answer because the provider failed), so it can say how old it is;
//! - a permanent on-call (nobody rotates off) is marked as such, not shown as a missing time.

use serde::{Deserialize, Serialize};

use crate::annotations::Asked;
use crate::error::Provider;
use crate::time::Timestamp;

/// The on-call answer for one target of one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCallAnswer {
    pub provider: Provider,
    /// The configured account's name.
    pub account: String,
    /// The annotation this answers (the integration key's value is never included).
    pub asked: Asked,
    /// PagerDuty: the one escalation policy. Opsgenie: each enabled schedule the team owns.
    pub rosters: Vec<Roster>,
    /// When the provider gave this data (the oldest part of it, when several calls made it).
    pub fetched_at: Timestamp,
    /// Seconds between `fetched_at` and the moment of the answer.
    pub age_secs: u64,
    /// Set when the provider failed and this is the last good answer.
    pub stale: Option<Stale>,
}

/// Why an answer is older than it should be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stale {
    /// When the provider last failed.
    pub since: Timestamp,
    /// The failure, safe to show (names the account, never a key).
    pub reason: String,
}

/// What a roster is on the provider's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterKind {
    EscalationPolicy,
    Schedule,
}

/// One escalation policy (PagerDuty) or schedule (Opsgenie) and who is on it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub kind: RosterKind,
    pub id: String,
    pub name: Option<String>,
    /// The policy's or schedule's page in the provider's web app.
    pub url: Option<String>,
    /// Levels with someone on call, lowest (paged first) first.
    pub levels: Vec<Level>,
    /// Set when level 1 has nobody on call.
    pub gap: Option<Gap>,
}

/// One escalation level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// 1 is paged first.
    pub level: u32,
    /// Sorted by name; one entry per person and schedule.
    pub on_call: Vec<Shift>,
}

/// Nobody at a level: what to say instead of a blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// The empty level (1).
    pub level: u32,
    /// The lowest level with someone on call, which a page reaches instead; `None` if none.
    pub escalates_to: Option<u32>,
    /// Who comes on call next at the empty level, earliest first (empty if nobody is scheduled
    /// before `searched_until`, or the provider does not say).
    pub next: Vec<Shift>,
    /// How far ahead `next` was looked for, when the provider takes a window.
    pub searched_until: Option<Timestamp>,
}

/// How a shift's times are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShiftKind {
    /// A rotation shift; `until` is when it ends.
    Scheduled,
    /// Targeted directly by the policy (PagerDuty gives no start or no end): on call until the
    /// policy changes.
    Permanent,
    /// The provider reports who, not when (Opsgenie's on-call call).
    Untimed,
}

/// One person on call at one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub person: Person,
    pub kind: ShiftKind,
    /// `None` for permanent and untimed on-calls.
    pub from: Option<Timestamp>,
    /// `None` for permanent and untimed on-calls.
    pub until: Option<Timestamp>,
    /// The schedule that put them there; `None` when targeted directly.
    pub schedule: Option<Link>,
    /// Opsgenie: the person whose shift was forwarded to this one (an override).
    pub forwarded_from: Option<Person>,
}

/// Someone, as the provider knows them. E-mail is personal data: log it at debug level at most.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The provider's user id.
    pub id: String,
    pub name: String,
    /// Matches a Backstage `User` by `spec.profile.email`, compared case-insensitively.
    pub email: Option<String>,
    /// The person's page in the provider's web app.
    pub url: Option<String>,
}

/// A provider object with a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub id: String,
    pub name: Option<String>,
    pub url: Option<String>,
}

/// When one person is on call, as one provider account says: the answer to "when am I on call
/// next". Never blank: no shift in the window is said as such, with how far ahead was looked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upcoming {
    pub provider: Provider,
    /// The configured account's name.
    pub account: String,
    /// The person as the provider knows them, when it has a user record for them (PagerDuty).
    pub person: Option<Person>,
    /// Their shifts that had not ended when the answer was made, the earliest first (a shift
    /// under way, or a permanent on-call, comes first).
    pub shifts: Vec<UpcomingShift>,
    /// How far ahead the provider was asked.
    pub searched_until: Timestamp,
    /// When the provider gave this data (the oldest part of it, when several calls made it).
    pub fetched_at: Timestamp,
    /// Seconds between `fetched_at` and the moment of the answer.
    pub age_secs: u64,
    /// Set when the provider failed and this is the last good answer.
    pub stale: Option<Stale>,
}

/// One shift of [`Upcoming`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpcomingShift {
    /// What puts them on call: a PagerDuty escalation policy or an Opsgenie schedule.
    pub roster_kind: RosterKind,
    pub roster: Link,
    /// The escalation level (PagerDuty); `None` for an Opsgenie schedule.
    pub level: Option<u32>,
    /// `Scheduled`, or `Permanent` when the policy targets them directly.
    pub kind: ShiftKind,
    /// `None` for a permanent on-call.
    pub from: Option<Timestamp>,
    /// `None` for a permanent on-call.
    pub until: Option<Timestamp>,
    /// The schedule that puts them there, when it is not the roster itself.
    pub schedule: Option<Link>,
}

impl UpcomingShift {
    /// Whether the shift is under way at `now`.
    pub fn is_on_at(&self, now: Timestamp) -> bool {
        self.from.is_none_or(|f| f <= now) && self.until.is_none_or(|u| now < u)
    }
}

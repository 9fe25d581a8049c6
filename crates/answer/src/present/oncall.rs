//! Who is on call right now, as every answer shows it: level 1 first (name, how to reach them,
//! until when, "permanent" marked), later levels collapsed into one line, a gap at level 1 as
//! "nobody at level 1 — next: X (level 2)", and how old the data is ("as of 3 min ago", stale or
//! unavailable when the provider failed).
//!
//! The words are made here once: [`live_block`] for cards (Slack, Discord), and the `*_text`
//! helpers for the plain-text answer, so the terminal says the same thing.

use super::reach::{contact_group, merge_contacts};
use super::{LIST_ITEMS, list_block};
use crate::card::{Card, Icon, List, Sep, Span, Text, cut};
use crate::model::{ContactChannel, LiveOnCall, LiveRoster, LiveState, OnCallPerson};

/// People named at level 1 of one roster before "…and N more".
const LEVEL1_PEOPLE: usize = 4;

/// `2026-12-07T09:00:00Z` → `2026-12-07 09:00 UTC`, `2026-12-07T10:00:00+01:00` →
/// `2026-12-07 10:00 UTC+01:00` (a time in the asker's zone); anything else as written.
pub fn short_time(rfc3339: &str) -> String {
    let b = rfc3339.as_bytes();
    if rfc3339.len() >= 16 && b.get(10) == Some(&b'T') && rfc3339.ends_with('Z') {
        format!("{} {} UTC", &rfc3339[..10], &rfc3339[11..16])
    } else if rfc3339.len() == 25 && b.get(10) == Some(&b'T') && matches!(b.get(19), Some(b'+' | b'-')) {
        format!("{} {} UTC{}", &rfc3339[..10], &rfc3339[11..16], &rfc3339[19..])
    } else {
        cut(rfc3339, 40)
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian), and back: Howard Hinnant's
/// algorithms, so this crate needs no date library for one conversion.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `2026-12-07T09:00:00Z` in a zone `offset_secs` east of UTC: `2026-12-07T10:00:00+01:00`.
/// `None` for anything but a UTC RFC 3339 time (fractions of a second are dropped).
pub fn at_offset(rfc3339_utc: &str, offset_secs: i32) -> Option<String> {
    let s = rfc3339_utc.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let time = time.split('.').next()?;
    let mut t = time.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, mi, se) = (t.next()??, t.next()??, t.next()??);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let secs = days_from_civil(y, mo, da) * 86_400 + h * 3600 + mi * 60 + se + i64::from(offset_secs);
    let (y, mo, da) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let off = offset_secs.unsigned_abs();
    let sign = if offset_secs < 0 { '-' } else { '+' };
    Some(format!(
        "{y:04}-{mo:02}-{da:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        off / 3600,
        off % 3600 / 60
    ))
}

/// Shift times of `live` said in the asker's zone (`offset_secs` east of UTC, Slack's
/// `tz_offset`), so "until" reads as their clock does.
pub fn localize(live: &mut [LiveOnCall], offset_secs: i32) {
    let shift = |t: &mut Option<String>| {
        if let Some(local) = t.as_deref().and_then(|u| at_offset(u, offset_secs)) {
            *t = Some(local);
        }
    };
    for l in live {
        for r in &mut l.rosters {
            let next = r.gap.iter_mut().flat_map(|g| g.next.iter_mut());
            for p in r.level1.iter_mut().chain(next) {
                shift(&mut p.until);
                shift(&mut p.from);
            }
        }
    }
}

/// The asker's own shifts (and how far ahead was looked) said in their zone, as [`localize`].
pub fn localize_next(next: &mut [crate::model::NextOnCall], offset_secs: i32) {
    let shift = |t: &mut Option<String>| {
        if let Some(local) = t.as_deref().and_then(|u| at_offset(u, offset_secs)) {
            *t = Some(local);
        }
    };
    for n in next {
        shift(&mut n.searched_until);
        for s in &mut n.shifts {
            shift(&mut s.from);
            shift(&mut s.until);
        }
    }
}

/// Every on-call time of an answer in the asker's zone (see [`localize`]).
pub fn localize_answer(answer: &mut crate::model::Answer, offset_secs: i32) {
    use crate::model::AnswerBody;
    match &mut answer.body {
        AnswerBody::Ownership(a) => localize(&mut a.reach.live_on_call, offset_secs),
        AnswerBody::Contact(a) => localize(&mut a.reach.live_on_call, offset_secs),
        AnswerBody::Team(a) => localize(&mut a.reach.live_on_call, offset_secs),
        AnswerBody::Mine(a) => {
            localize(&mut a.reach.live_on_call, offset_secs);
            localize_next(&mut a.next_on_call, offset_secs);
        }
        AnswerBody::Dependencies(a) => localize(&mut a.team_on_call, offset_secs),
        AnswerBody::Entity(_)
        | AnswerBody::Search(_)
        | AnswerBody::Find(_)
        | AnswerBody::Health(_)
        | AnswerBody::Ambiguous(_)
        | AnswerBody::NotFound(_)
        | AnswerBody::Help(_)
        | AnswerBody::UnknownAsker(_)
        | AnswerBody::Migration(_)
        | AnswerBody::Migrations(_)
        | AnswerBody::Scorecard(_) => {}
    }
}

/// "as of 3 min ago", from the age in seconds.
pub fn age_text(age_secs: u64) -> String {
    match age_secs {
        0..60 => "as of less than a minute ago".to_owned(),
        60..7200 => format!("as of {} min ago", age_secs / 60),
        _ => format!("as of {} h ago", age_secs / 3600),
    }
}

/// "until 2026-12-07 09:00 UTC", "permanent", or nothing when the provider does not say.
pub fn until_text(p: &OnCallPerson) -> Option<String> {
    if p.permanent {
        Some("permanent".to_owned())
    } else {
        p.until.as_deref().map(|u| format!("until {}", short_time(u)))
    }
}

/// What the roster is called: its name, else the provider's.
fn roster_name(r: &LiveRoster, live: &LiveOnCall) -> String {
    cut(r.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(live.provider.label()), 120)
}

/// The names on call at `level`, for a gap's "next".
pub fn names_at(r: &LiveRoster, level: u32) -> Vec<String> {
    r.later.iter().find(|l| l.level == level).map(|l| l.names.clone()).unwrap_or_default()
}

/// "nobody at level 1 — next: Bob Li (level 2)"; who comes on at level 1 next, when known.
pub fn gap_text(r: &LiveRoster) -> Option<String> {
    let gap = r.gap.as_ref()?;
    let mut s = match gap.escalates_to {
        Some(level) => {
            let names = names_at(r, level);
            let who = if names.is_empty() { "someone".to_owned() } else { names.join(", ") };
            format!("nobody at level 1 — next: {} (level {level})", cut(&who, 200))
        }
        None => "nobody at level 1 and no later level is staffed".to_owned(),
    };
    if let Some(first) = gap.next.first() {
        let when = first.from.as_deref().map(|f| format!(" from {}", short_time(f))).unwrap_or_default();
        s.push_str(&format!("; level 1 again{when}: {}", cut(&first.name, 80)));
    }
    Some(s)
}

/// "level 2: Bob Li · level 3: Carol", the levels after the first; `None` when there are none
/// (a gap already names the level it escalates to).
pub fn later_text(r: &LiveRoster) -> Option<String> {
    let skip = r.gap.as_ref().and_then(|g| g.escalates_to);
    let parts: Vec<String> = r
        .later
        .iter()
        .filter(|l| Some(l.level) != skip && !l.names.is_empty())
        .map(|l| format!("level {}: {}", l.level, cut(&l.names.join(", "), 160)))
        .collect();
    (!parts.is_empty()).then(|| format!("then {}", parts.join(" · ")))
}

/// "PagerDuty, as of 3 min ago", "stale: as of 40 min ago (reason)" or "unavailable (reason)".
pub fn freshness_text(live: &LiveOnCall) -> String {
    let reason = live.reason.as_deref().map(|r| format!(" ({})", cut(r.trim(), 200))).unwrap_or_default();
    let age = live.age_secs.map(age_text);
    match live.state {
        LiveState::Current => format!("{}, {}", live.provider.label(), age.unwrap_or_else(|| "just asked".to_owned())),
        LiveState::Stale => {
            format!("{} did not answer: last known, {}{reason}", live.provider.label(), age.unwrap_or_default())
        }
        LiveState::Unavailable => format!("{} on-call unavailable right now{reason}", live.provider.label()),
    }
}

/// One person on call: bold name, e-mail, catalog contacts (member ids as code, never as
/// mentions, which would notify), until when.
fn person(p: &OnCallPerson) -> Text {
    let mut t = Text::new().bold(cut(p.name.trim(), 80));
    let mut reach: Vec<Text> = Vec::new();
    if let Some(email) = p.email.as_deref() {
        reach.push(Span::Email(cut(email.trim(), 120)).into());
    }
    let others: Vec<_> = p.contacts.iter().filter(|c| c.channel != ContactChannel::Email).cloned().collect();
    reach.extend(merge_contacts(&others).iter().map(|g| contact_group(g)));
    if !reach.is_empty() {
        t = t.plain(" (").list(List::new(reach, Sep::Comma, 3)).plain(")");
    }
    if let Some(until) = until_text(p) {
        t = t.plain(format!(", {until}"));
    }
    t
}

/// The lines of one roster: level 1 (or the gap), then later levels collapsed.
fn roster_lines(r: &LiveRoster, live: &LiveOnCall, items: &mut Vec<Text>) {
    let name = roster_name(r, live);
    let head = match r.url.as_deref().filter(|u| super::reach::linkable(u)) {
        Some(url) => Text::new().link(url, name),
        None => Text::new().plain(name),
    };
    let first = match gap_text(r) {
        Some(gap) => head.plain(": ").icon(Icon::Warning).plain(format!(" {gap}")),
        None => {
            let people: Vec<Text> = r.level1.iter().map(person).collect();
            head.plain(": ").list(List::new(people, Sep::Dot, LEVEL1_PEOPLE))
        }
    };
    items.push(first);
    if let Some(later) = later_text(r) {
        items.push(Text::new().plain(later));
    }
}

/// The "On call now" blocks, one per looked-up annotation.
pub(super) fn live_block(c: &mut Card, live: &[LiveOnCall]) {
    for l in live {
        let mut items = Vec::new();
        for r in &l.rosters {
            roster_lines(r, l, &mut items);
        }
        let fresh = freshness_text(l);
        items.push(match l.state {
            LiveState::Current => Text::new().italic(fresh),
            LiveState::Stale | LiveState::Unavailable => Text::new().icon(Icon::Warning).plain(" ").italic(fresh),
        });
        list_block(c, Some(Icon::OnCall), "On call now", None, List::new(items, Sep::Line, LIST_ITEMS * 2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LaterLevel, OnCallGap, OnCallProvider};

    fn who(name: &str) -> OnCallPerson {
        OnCallPerson {
            name: name.into(),
            email: None,
            url: None,
            from: None,
            until: None,
            permanent: false,
            user: None,
            contacts: vec![],
        }
    }

    #[test]
    fn a_gap_names_who_a_page_reaches_instead() {
        let r = LiveRoster {
            name: Some("Payments".into()),
            url: None,
            level1: vec![],
            later: vec![
                LaterLevel { level: 2, names: vec!["Bob Li".into()] },
                LaterLevel { level: 3, names: vec!["Carol".into()] },
            ],
            gap: Some(OnCallGap {
                escalates_to: Some(2),
                next: vec![OnCallPerson { from: Some("2026-12-07T09:00:00Z".into()), ..who("Alice Ng") }],
            }),
        };
        assert_eq!(
            gap_text(&r).unwrap(),
            "nobody at level 1 — next: Bob Li (level 2); level 1 again from 2026-12-07 09:00 UTC: Alice Ng"
        );
        assert_eq!(later_text(&r).unwrap(), "then level 3: Carol");
    }

    #[test]
    fn times_are_said_in_the_askers_zone() {
        assert_eq!(at_offset("2026-12-07T09:00:00Z", 3600).as_deref(), Some("2026-12-07T10:00:00+01:00"));
        assert_eq!(at_offset("2026-12-31T23:30:00Z", 5 * 3600 + 1800).as_deref(), Some("2027-01-01T05:00:00+05:30"));
        assert_eq!(at_offset("2026-03-01T02:00:00Z", -8 * 3600).as_deref(), Some("2026-02-28T18:00:00-08:00"));
        assert_eq!(at_offset("2028-03-01T02:00:00.123Z", -3 * 3600).as_deref(), Some("2028-02-29T23:00:00-03:00"));
        assert_eq!(at_offset("2026-12-07T09:00:00+01:00", 3600), None);
        assert_eq!(at_offset("soon", 0), None);
        assert_eq!(short_time("2026-12-07T10:00:00+01:00"), "2026-12-07 10:00 UTC+01:00");
        assert_eq!(short_time("2026-12-07T09:00:00Z"), "2026-12-07 09:00 UTC");
    }

    #[test]
    fn freshness_says_how_old_and_why() {
        let mut l = LiveOnCall {
            provider: OnCallProvider::PagerDuty,
            account: Some("prod".into()),
            annotation: "pagerduty.com/service-id".into(),
            value: Some("P1".into()),
            from: "component:default/a".into(),
            state: LiveState::Current,
            reason: None,
            rosters: vec![],
            fetched_at: None,
            age_secs: Some(185),
        };
        assert_eq!(freshness_text(&l), "PagerDuty, as of 3 min ago");
        l.state = LiveState::Stale;
        l.reason = Some("PagerDuty account `prod` answered HTTP 503".into());
        l.age_secs = Some(7300);
        assert_eq!(
            freshness_text(&l),
            "PagerDuty did not answer: last known, as of 2 h ago (PagerDuty account `prod` answered HTTP 503)"
        );
        assert_eq!(until_text(&OnCallPerson { permanent: true, ..who("x") }).unwrap(), "permanent");
    }
}

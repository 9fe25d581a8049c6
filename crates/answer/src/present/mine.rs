//! Answers about the asker: "what do I own", "what does my team own", "am I on call", "when am I
//! on call next", and the asker nobody could match (why, and what to add to the catalog).
//!
//! The words are made here once: the card for Slack and Discord, and the `*_text` helpers the
//! one-line summary and the plain-text answer use, so the terminal says the same thing.

use std::collections::BTreeMap;

use super::oncall::{age_text, short_time, until_text};
use super::reach::reach;
use super::{LIST_ITEMS, PresentOptions, display, list_block, named, plural, short_name, short_ref, title};
use crate::card::Icon;
use crate::card::{Block, Card, List, Sep, Text, cut};
use crate::model::{
    AboutMe, AskerPlatform, DISCORD_USER_ANNOTATION, LiveState, MineAnswer, MyShift, NextOnCall, OnCallPerson,
    SLACK_USER_ANNOTATION, UnknownAsker, UnknownAskerReason,
};

/// Whether an on-call person is the asker: the catalog User matched by e-mail, or the same
/// e-mail (case-insensitively).
fn is_me(p: &OnCallPerson, a: &MineAnswer) -> bool {
    p.user.as_deref() == Some(a.me.entity.entity_ref.as_str())
        || matches!((&p.email, &a.me.email), (Some(x), Some(y)) if x.trim().eq_ignore_ascii_case(y.trim()))
}

/// "jane (team-a, team-b)": who the answer is about.
fn who(a: &MineAnswer) -> String {
    let me = a.me.display_name.clone().unwrap_or_else(|| short_name(&a.me.entity));
    cut(&me, 80)
}

fn team_names(a: &MineAnswer) -> String {
    let names: Vec<String> = a.teams.iter().take(5).map(short_name).collect();
    let more = a.teams.len().saturating_sub(5);
    let mut s = names.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    cut(&s, 300)
}

/// The verdict of an on-call question, one sentence per roster that says something about the
/// asker, or one sentence saying why nothing can be said.
pub fn on_call_text(a: &MineAnswer) -> Vec<String> {
    if a.about == AboutMe::OnCallNext {
        return next_text(a);
    }
    let live: Vec<_> = a.reach.live_on_call.iter().filter(|l| l.state != LiveState::Unavailable).collect();
    if live.is_empty() {
        let why = if a.reach.live_on_call.is_empty() && a.reach.on_call.is_empty() {
            if a.teams.is_empty() {
                format!("{} is in no team in the catalog, and has no on-call annotation.", who(a))
            } else {
                format!("None of your teams ({}) has an on-call annotation.", team_names(a))
            }
        } else if a.reach.live_on_call.is_empty() {
            "No on-call provider is configured, so Backline cannot say who is on call; your teams' on-call pages are below."
                .to_owned()
        } else {
            "The on-call provider did not answer; nothing is known right now.".to_owned()
        };
        return vec![why];
    }
    let mut now = Vec::new();
    let mut next = Vec::new();
    let mut not = Vec::new();
    for l in &live {
        for r in &l.rosters {
            let name = cut(r.name.as_deref().unwrap_or(l.provider.label()), 120);
            if let Some(p) = r.level1.iter().find(|p| is_me(p, a)) {
                let until = until_text(p).map(|u| format!(", {u}")).unwrap_or_default();
                now.push(format!("You are on call now for {name} ({}){until}.", l.provider.label()));
                continue;
            }
            let my_name = a.me.display_name.as_deref().unwrap_or(&a.me.entity.name);
            if let Some(level) = r.later.iter().find(|lv| lv.names.iter().any(|n| n.eq_ignore_ascii_case(my_name))) {
                now.push(format!("You are at level {} of {name} ({}) now.", level.level, l.provider.label()));
                continue;
            }
            if let Some(p) = r.gap.iter().flat_map(|g| &g.next).find(|p| is_me(p, a)) {
                let from = p.from.as_deref().map(super::oncall::short_time).unwrap_or_else(|| "later".to_owned());
                next.push(format!("You come on call for {name} ({}) from {from}.", l.provider.label()));
                continue;
            }
            not.push(name);
        }
    }
    let mut out = Vec::new();
    match a.about {
        AboutMe::OnCallNow | AboutMe::Own | AboutMe::TeamOwns => {
            out.extend(now);
            if out.is_empty() {
                out.push(format!("You are not on call now (for {}).", not.join(", ")));
            }
        }
        AboutMe::OnCallNext => out.extend(now.into_iter().chain(next)),
    }
    out
}

/// "Payments (PagerDuty, level 1)": what a shift is on.
fn shift_place(s: &MyShift, n: &NextOnCall) -> String {
    let name = cut(s.roster.as_deref().map(str::trim).filter(|r| !r.is_empty()).unwrap_or(n.provider.label()), 120);
    match s.level {
        Some(level) => format!("{name} ({}, level {level})", n.provider.label()),
        None => format!("{name} ({})", n.provider.label()),
    }
}

/// "from 2026-12-07 08:00 UTC until 2026-12-07 16:00 UTC", "permanent", or "until …" for one
/// under way.
fn shift_times(s: &MyShift) -> String {
    if s.permanent {
        return "permanently (until the policy changes)".to_owned();
    }
    let until = s.until.as_deref().map(|u| format!("until {}", short_time(u)));
    match (&s.from, s.now) {
        (Some(from), false) => {
            let from = format!("from {}", short_time(from));
            until.map_or(from.clone(), |u| format!("{from} {u}"))
        }
        _ => until.unwrap_or_default(),
    }
}

/// "PagerDuty did not answer: last known, as of 5 min ago", for a stale answer.
fn next_freshness(n: &NextOnCall) -> Option<String> {
    (n.state == LiveState::Stale).then(|| {
        let age = n.age_secs.map(age_text).unwrap_or_default();
        format!("{} did not answer: last known, {age}", n.provider.label())
    })
}

/// "When am I on call next": per provider account, the shift under way and the next one, that
/// nothing is in the window, or why the provider cannot say. Never a guess.
pub fn next_text(a: &MineAnswer) -> Vec<String> {
    if a.next_on_call.is_empty() {
        let why = if a.reach.live_on_call.is_empty() {
            "No on-call provider is configured, so Backline cannot say when you are on call next."
        } else {
            "Backline could not ask when you are on call next; your teams' on-call now is below."
        };
        return vec![why.to_owned()];
    }
    let mut out = Vec::new();
    for n in &a.next_on_call {
        let stale = next_freshness(n).map(|f| format!(" ({f})")).unwrap_or_default();
        if n.state == LiveState::Unavailable {
            let reason = n.reason.as_deref().map(|r| format!(": {}", cut(r.trim(), 200))).unwrap_or_default();
            out.push(format!("{} cannot say when you are on call next{reason}.", n.provider.label()));
            continue;
        }
        let mut said = false;
        for s in n.shifts.iter().filter(|s| s.now) {
            let times = shift_times(s);
            let times = if times.is_empty() { String::new() } else { format!(", {times}") };
            out.push(format!("You are on call now for {}{times}{stale}.", shift_place(s, n)));
            said = true;
        }
        if let Some(s) = n.shifts.iter().find(|s| !s.now) {
            out.push(format!("Your next on-call shift: {} {}{stale}.", shift_place(s, n), shift_times(s)));
            said = true;
        }
        if !said {
            let until = n.searched_until.as_deref().map(|u| format!(" until {}", short_time(u))).unwrap_or_default();
            out.push(format!("{} has no on-call shift for you{until}{stale}.", n.provider.label()));
        }
    }
    out
}

/// "now  Payments (PagerDuty, level 1) until …", one shift for the plain-text answer.
pub fn shift_line(s: &MyShift, n: &NextOnCall) -> String {
    let now = if s.now { "now  " } else { "" };
    let url = s.url.as_deref().map(|u| format!("  {u}")).unwrap_or_default();
    format!("{now}{} {}{url}", shift_place(s, n), shift_times(s))
}

/// The card's list of the asker's shifts, one block per provider account with shifts.
fn next_blocks(c: &mut Card, a: &MineAnswer) {
    for n in a.next_on_call.iter().filter(|n| !n.shifts.is_empty()) {
        let items: Vec<Text> = n
            .shifts
            .iter()
            .map(|s| {
                let place = shift_place(s, n);
                let head = match s.url.as_deref().filter(|u| super::reach::linkable(u)) {
                    Some(url) => Text::new().link(url, place),
                    None => Text::new().plain(place),
                };
                let head = if s.now { Text::new().bold("now").plain(" ").then(head) } else { head };
                head.plain(format!(" {}", shift_times(s)))
            })
            .collect();
        let mut items = items;
        let fresh = match next_freshness(n) {
            Some(f) => Text::new().icon(Icon::Warning).plain(" ").italic(f),
            None => Text::new().italic(format!(
                "{}, {}",
                n.provider.label(),
                n.age_secs.map(age_text).unwrap_or_else(|| "just asked".to_owned())
            )),
        };
        items.push(fresh);
        list_block(c, Some(Icon::OnCall), "Your on-call shifts", None, List::new(items, Sep::Line, LIST_ITEMS));
    }
}

/// "Backline cannot tell who you are: …" and what to add, for the summary, the card and the text.
pub fn unknown_text(u: &UnknownAsker) -> (String, String) {
    match &u.reason {
        UnknownAskerReason::NoIdentity => match u.platform {
            AskerPlatform::Cli => (
                "The command line does not know who you are.".to_owned(),
                "Ask as someone: `backline ask --as <user or e-mail> what do I own`.".to_owned(),
            ),
            AskerPlatform::Slack | AskerPlatform::Discord => (
                format!("{} did not say who asked.", u.platform.label()),
                "Ask in a direct message or a channel where you are a member.".to_owned(),
            ),
        },
        UnknownAskerReason::NoEmail { user_id, problem } => {
            let why = problem.as_deref().map(|p| format!(" ({})", cut(p.trim(), 200))).unwrap_or_default();
            let id = user_id.as_deref().map_or_else(|| "<your Slack member id>".to_owned(), |i| cut(i, 40));
            (
                format!("Slack did not give your e-mail address{why}."),
                format!(
                    "Add the annotation `{SLACK_USER_ANNOTATION}: {id}` to your User in the catalog, or give the Slack app the `users:read.email` scope."
                ),
            )
        }
        UnknownAskerReason::NoUserWithEmail { email, user_id } => {
            let also = match (u.platform, user_id) {
                (AskerPlatform::Slack, Some(id)) => {
                    format!(" (or the annotation `{SLACK_USER_ANNOTATION}: {}`)", cut(id, 40))
                }
                _ => String::new(),
            };
            (
                format!("No User in the catalog has the e-mail address {}.", cut(email, 200)),
                format!("Add `spec.profile.email: {}` to your User entity{also}.", cut(email, 200)),
            )
        }
        UnknownAskerReason::NoUserWithId { annotation, user_id } => (
            format!("No User in the catalog carries your {} id.", u.platform.label()),
            format!(
                "Add the annotation `{}: \"{}\"` to your User entity ({} does not give bots e-mail addresses).",
                cut(annotation, 80),
                cut(user_id, 40),
                u.platform.label()
            ),
        ),
        UnknownAskerReason::SeveralUsers { users } => {
            let names: Vec<String> = users.iter().take(5).map(|r| short_ref(r)).collect();
            (
                format!("Several Users match you ({}), and Backline does not guess.", cut(&names.join(", "), 300)),
                "Keep your e-mail address or id annotation on one User only.".to_owned(),
            )
        }
        UnknownAskerReason::NoSuchUser { name } => (
            format!("No User in the catalog is called \"{}\".", cut(name, 120)),
            "Give a User's name, its reference (`user:default/jane`) or its e-mail address.".to_owned(),
        ),
    }
}

/// The annotation a platform's users are matched by, for the docs and the help.
pub fn id_annotation(platform: AskerPlatform) -> Option<&'static str> {
    match platform {
        AskerPlatform::Slack => Some(SLACK_USER_ANNOTATION),
        AskerPlatform::Discord => Some(DISCORD_USER_ANNOTATION),
        AskerPlatform::Cli => None,
    }
}

/// The one-line summary of an answer about the asker.
pub fn summary_text(a: &MineAnswer) -> String {
    let n = a.owns.len();
    match a.about {
        AboutMe::Own if a.teams.is_empty() => {
            format!("You ({}) own {n} entit{} and are in no team.", who(a), plural(n, "y", "ies"))
        }
        AboutMe::Own => {
            format!("You ({}) and your teams ({}) own {n} entit{}.", who(a), team_names(a), plural(n, "y", "ies"))
        }
        AboutMe::TeamOwns if a.teams.is_empty() => format!("You ({}) are in no team in the catalog.", who(a)),
        AboutMe::TeamOwns => format!("Your teams ({}) own {n} entit{}.", team_names(a), plural(n, "y", "ies")),
        AboutMe::OnCallNow | AboutMe::OnCallNext => on_call_text(a).join(" "),
    }
}

pub(super) fn mine(c: &mut Card, a: &MineAnswer, opts: &PresentOptions) {
    let head = match a.about {
        AboutMe::Own => "What you own",
        AboutMe::TeamOwns => "What your teams own",
        AboutMe::OnCallNow => "Are you on call?",
        AboutMe::OnCallNext => "When are you on call next?",
    };
    title(c, format!("{head} — {}", display(&a.me.entity)), Some(&a.me.entity), opts);
    let mut me = Text::new().plain("You are ").then(named(&a.me.entity, opts));
    if !a.teams.is_empty() {
        let teams: Vec<Text> = a.teams.iter().map(|t| named(t, opts)).collect();
        me = me.plain(", in ").list(List::new(teams, Sep::Comma, 5));
    }
    c.blocks.push(Block::Paragraph(me.plain(".")));
    match a.about {
        AboutMe::Own | AboutMe::TeamOwns => owned(c, a, opts),
        AboutMe::OnCallNow | AboutMe::OnCallNext => {
            for line in on_call_text(a) {
                c.blocks.push(Block::Paragraph(Text::new().bold(line)));
            }
            next_blocks(c, a);
            reach(c, &a.reach, &[], &a.me.entity.entity_ref, opts);
        }
    }
    c.footer = vec![format!("matched by {}", matched_by_text(a))];
}

fn matched_by_text(a: &MineAnswer) -> &'static str {
    match a.matched_by {
        crate::model::AskerMatch::Annotation => "your chat user id annotation",
        crate::model::AskerMatch::Email => "your e-mail address",
        crate::model::AskerMatch::Name => "the name given",
    }
}

fn owned(c: &mut Card, a: &MineAnswer, opts: &PresentOptions) {
    if a.owns.is_empty() {
        c.blocks.push(Block::Paragraph(Text::new().bold("Owns:").plain(" nothing in the catalog.")));
        return;
    }
    // Grouped by owner (you first, then each team), so "whose is it" is answered at a glance.
    let mut by_owner: BTreeMap<(bool, String), Vec<Text>> = BTreeMap::new();
    for o in &a.owns {
        let owner = o.via.as_deref().map(short_ref);
        let key = (owner.is_some(), owner.unwrap_or_else(|| "you".to_owned()));
        by_owner.entry(key).or_default().push(super::code_name(&o.entity, opts));
    }
    let lines: Vec<Text> = by_owner
        .into_iter()
        .map(|((_, owner), items)| {
            let n = items.len();
            Text::new()
                .bold(cut(&owner, 60))
                .plain(format!(" ({n}): "))
                .list(List::new(items, Sep::Comma, 12).max_chars(400))
        })
        .collect();
    let label = format!("Owns {} entit{}", a.owns.len(), plural(a.owns.len(), "y", "ies"));
    list_block(c, None, &label, None, List::new(lines, Sep::Line, LIST_ITEMS));
}

pub(super) fn unknown(c: &mut Card, u: &UnknownAsker) {
    let (why, fix) = unknown_text(u);
    c.title = Some(crate::card::Title { text: "Who are you?".to_owned(), url: None });
    c.blocks.push(Block::Paragraph(Text::new().plain(why)));
    c.blocks.push(Block::Note(Text::new().bold("To fix: ").plain(fix)));
}

//! How to reach someone, as ownership, contact and team cards show it: on-call first (who is on
//! call now, from `oncall`, then the catalog's on-call hints not looked up), then the
//! places to write (contacts merged once), people, then links in ranked order.
//!
//! Contacts are merged by what they point at: a `slack.com/channel` annotation `#payments-oncall`,
//! a `chat` link to `…/archives/C0123ABCD` labelled `#payments-oncall` and the bare id
//! `C0123ABCD` are one place, shown once in its most useful form (a link, then a channel mention,
//! then an e-mail address, then the text as written). Member ids are never turned into user
//! mentions, which would notify.

use std::collections::HashSet;

use super::{LIST_ITEMS, PEOPLE, list_block, short_name, short_ref};
use crate::card::{Card, ChatPlatform, Icon, List, Sep, Span, Text, cut};
use crate::model::{Contact, ContactChannel, LinkInfo, OnCall, OnCallProvider, Person, Reach};

/// URLs we link: `http(s)` only, short, with nothing that could end a platform's link syntax.
pub fn linkable(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() <= 2000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '|'))
}

/// A Slack channel (`C…`, `G…`) or member (`U…`) id.
pub fn is_slack_id(s: &str, first: char) -> bool {
    (9..=20).contains(&s.len())
        && s.starts_with(first)
        && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn is_discord_id(s: &str) -> bool {
    (15..=21).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
}

/// A Slack channel id in a link like `https://x.slack.com/archives/C0123ABCD`.
fn archive_id(url: &str) -> Option<&str> {
    let id = url.split("/archives/").nth(1)?.split(['/', '?', '#']).next()?;
    (is_slack_id(id, 'C') || is_slack_id(id, 'G')).then_some(id)
}

/// What a contact points at (channel ids, `#names`, addresses, URLs): contacts sharing a key are
/// the same place written several ways.
fn contact_keys(c: &Contact) -> Vec<String> {
    let value = c.value.trim();
    let mut keys = vec![value.to_lowercase()];
    let bare = value.trim_start_matches('#');
    if is_slack_id(bare, 'C') || is_slack_id(bare, 'G') {
        keys.push(bare.to_owned());
    } else if value.starts_with('#') {
        keys.push(format!("#{}", bare.to_lowercase()));
    }
    if c.channel == ContactChannel::Email {
        keys.push(format!("mailto:{}", value.to_lowercase()));
    }
    if let Some(url) = c.url.as_deref() {
        keys.push(url.to_lowercase());
        if let Some(id) = archive_id(url) {
            keys.push(id.to_owned());
        }
    }
    if let Some(label) = c.label.as_deref().map(str::trim).filter(|l| l.starts_with('#')) {
        keys.push(label.to_lowercase());
    }
    keys
}

/// Contacts grouped by the place they name, nearest first (a group keeps the position of its
/// first contact).
pub fn merge_contacts(contacts: &[Contact]) -> Vec<Vec<&Contact>> {
    let mut groups: Vec<(HashSet<String>, Vec<&Contact>)> = Vec::new();
    for c in contacts {
        let mut merged: (HashSet<String>, Vec<&Contact>) = (contact_keys(c).into_iter().collect(), vec![c]);
        let mut first: Option<usize> = None;
        let mut i = 0;
        while i < groups.len() {
            if groups[i].0.is_disjoint(&merged.0) {
                i += 1;
                continue;
            }
            let (keys, mut cs) = groups.remove(i);
            merged.0.extend(keys);
            cs.append(&mut merged.1);
            merged.1 = cs;
            first = Some(first.map_or(i, |f| f.min(i)));
        }
        match first {
            Some(at) => groups.insert(at.min(groups.len()), merged),
            None => groups.push(merged),
        }
    }
    groups.into_iter().map(|(_, cs)| cs).collect()
}

/// One place, in its most useful form.
pub(super) fn contact_group(group: &[&Contact]) -> Text {
    let name = group
        .iter()
        .map(|c| c.value.trim())
        .chain(group.iter().filter_map(|c| c.label.as_deref()))
        .find(|v| v.starts_with('#'));
    if let Some(c) = group.iter().find(|c| c.url.as_deref().is_some_and(linkable)) {
        let url = c.url.clone().unwrap_or_default();
        let label = c.label.as_deref().or(name).unwrap_or(c.value.trim());
        return Text::new().link(url, cut(label.trim(), 200));
    }
    for c in group {
        let value = c.value.trim();
        let bare = value.trim_start_matches('#');
        if is_slack_id(bare, 'C') || is_slack_id(bare, 'G') {
            return Span::Channel { platform: ChatPlatform::Slack, id: bare.to_owned() }.into();
        }
        if c.channel == ContactChannel::DiscordChannel && is_discord_id(value) {
            return Span::Channel { platform: ChatPlatform::Discord, id: value.to_owned() }.into();
        }
        if c.channel == ContactChannel::Email {
            return Span::Email(cut(value, 200)).into();
        }
    }
    Text::new().code(cut(group.first().map_or("", |c| c.value.trim()), 80))
}

fn provider_name(p: &str) -> &str {
    match p {
        "pagerduty" => "PagerDuty",
        "opsgenie" => "Opsgenie",
        "splunk-on-call" => "Splunk On-Call",
        other => other,
    }
}

/// The provider as the catalog hints name it.
fn provider_key(p: OnCallProvider) -> String {
    match p {
        OnCallProvider::PagerDuty => "pagerduty",
        OnCallProvider::Opsgenie => "opsgenie",
    }
    .to_owned()
}

fn on_call(o: &OnCall, subject: &str) -> Text {
    let what = match o.annotation.rsplit('/').next() {
        Some("service-id" | "service") => "service",
        Some("team") => "team",
        Some("integration-key") => "integration",
        Some("component-selector") => "alerts",
        Some(other) => other,
        None => "",
    };
    let label = cut(&format!("{} {} {}", provider_name(&o.provider), what, o.value.trim()), 200);
    let mut t = match o.url.as_deref() {
        // An integration key is a secret for sending alerts; never shown.
        _ if what == "integration" => {
            Text::new().plain(format!("{} integration configured", provider_name(&o.provider)))
        }
        Some(url) => Text::new().link(url, label),
        None => Text::new().plain(label),
    };
    if o.from != subject {
        t = t.plain(format!(" (of {})", cut(&short_ref(&o.from), 60)));
    }
    t
}

/// Runbooks first, then dashboards, documentation, source: what is opened during an incident.
pub fn link_rank(l: &LinkInfo) -> u8 {
    let t = l.link_type.as_deref().unwrap_or("").to_ascii_lowercase();
    let title = l.title.as_deref().unwrap_or("").to_ascii_lowercase();
    if t.contains("runbook") || title.contains("runbook") || title.contains("playbook") {
        0
    } else if t.contains("dashboard") || title.contains("dashboard") {
        1
    } else if t.contains("doc") || title.contains("doc") {
        2
    } else if t.contains("source") || t.contains("repo") || title.contains("source") || title.contains("repo") {
        3
    } else {
        4
    }
}

/// Linkable links, each URL once (and none already shown as a contact), in ranked order.
pub fn ranked_links(links: &[LinkInfo], skip: &HashSet<String>) -> List {
    let mut seen = skip.clone();
    let mut sorted: Vec<&LinkInfo> =
        links.iter().filter(|l| linkable(&l.url) && seen.insert(l.url.to_lowercase())).collect();
    sorted.sort_by_key(|l| link_rank(l));
    let items = sorted
        .iter()
        .map(|l| {
            let label = l.title.as_deref().or(l.link_type.as_deref()).unwrap_or(&l.url);
            Text::new().link(l.url.clone(), cut(label.trim(), 200))
        })
        .collect();
    List::new(items, Sep::Dot, LIST_ITEMS)
}

fn person(p: &Person, opts: &super::PresentOptions) -> Text {
    let name = cut(p.display_name.as_deref().unwrap_or(&short_name(&p.entity)).trim(), 80);
    let who = match super::catalog_link(&p.entity, opts) {
        Some(url) => Text::new().link(url, name),
        None => Text::new().plain(name),
    };
    match p.email.as_deref() {
        Some(email) => who.plain(" (").span(Span::Email(cut(email, 120))).plain(")"),
        None => who,
    }
}

/// The reach blocks; `subject` is the entity asked about, so hints written on its owner or
/// parents can say so.
pub(super) fn reach(c: &mut Card, reach: &Reach, members: &[Person], subject: &str, opts: &super::PresentOptions) {
    super::oncall::live_block(c, &reach.live_on_call);
    // Hints already looked up live are said once, by the live block.
    let mut seen: HashSet<(String, String, String)> = reach
        .live_on_call
        .iter()
        .filter_map(|l| Some((provider_key(l.provider), l.annotation.clone(), l.value.clone()?)))
        .collect();
    let on_call: Vec<Text> = reach
        .on_call
        .iter()
        .filter(|o| seen.insert((o.provider.clone(), o.annotation.clone(), o.value.clone())))
        .map(|o| on_call(o, subject))
        .collect();
    list_block(c, Some(Icon::OnCall), "On call", None, List::new(on_call, Sep::Dot, LIST_ITEMS));
    let groups = merge_contacts(&reach.contacts);
    let shown: HashSet<String> =
        groups.iter().flat_map(|g| g.iter().filter_map(|c| c.url.as_deref().map(str::to_lowercase))).collect();
    let contacts: Vec<Text> = groups.iter().map(|g| contact_group(g)).collect();
    list_block(c, Some(Icon::Reach), "Reach", None, List::new(contacts, Sep::Dot, LIST_ITEMS));
    let people: Vec<Text> = members.iter().map(|p| person(p, opts)).collect();
    list_block(c, Some(Icon::People), "People", None, List::new(people, Sep::Dot, PEOPLE));
    list_block(c, Some(Icon::Link), "Links", None, ranked_links(&reach.links, &shown));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(channel: ContactChannel, value: &str, url: Option<&str>, label: Option<&str>) -> Contact {
        Contact {
            channel,
            value: value.into(),
            url: url.map(Into::into),
            label: label.map(Into::into),
            from: "group:default/team-payments".into(),
        }
    }

    #[test]
    fn one_place_written_three_ways_is_one_contact() {
        let archive = "https://northwind.slack.com/archives/C0123ABCD";
        let contacts = [
            contact(ContactChannel::SlackChannel, "#payments-oncall", None, None),
            contact(
                ContactChannel::Email,
                "payments@northwind.example",
                Some("mailto:payments@northwind.example"),
                None,
            ),
            contact(ContactChannel::ChatLink, archive, Some(archive), Some("#payments-oncall")),
            contact(ContactChannel::SlackNotify, "C0123ABCD", None, None),
        ];
        let groups = merge_contacts(&contacts);
        assert_eq!(groups.len(), 2, "{groups:?}");
        assert_eq!(groups[0].len(), 3, "the channel, its link and its id, first where the first was");
        assert_eq!(contact_group(&groups[0]), Text::new().link(archive, "#payments-oncall"));
        assert_eq!(contact_group(&groups[1]), Span::Email("payments@northwind.example".into()).into());
    }

    #[test]
    fn runbooks_first_then_dashboards_docs_source() {
        let link = |t: &str| LinkInfo {
            url: format!("https://x.example/{t}"),
            title: None,
            link_type: Some(t.into()),
            icon: None,
            from: String::new(),
        };
        let links = ["chat", "source", "documentation", "dashboard", "runbook"].map(link);
        let ranked = ranked_links(&links, &HashSet::new());
        let labels: Vec<&Text> = ranked.items.iter().collect();
        let want: Vec<Text> = ["runbook", "dashboard", "documentation", "source", "chat"]
            .iter()
            .map(|t| Text::new().link(format!("https://x.example/{t}"), *t))
            .collect();
        assert_eq!(labels, want.iter().collect::<Vec<_>>());
    }
}

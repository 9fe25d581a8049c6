//! Who to reach about an entity: the contacts, on-call hints and links written on it, and a
//! person (a User or Group member) with theirs.

use backline_answer::*;

use super::summary::summary;
use crate::store::EntityRecord;

/// Contacts, on-call hints and links written on one entity.
pub(super) fn reach_of(rec: &EntityRecord, reach: &mut Reach) {
    let from = &rec.entity_ref;
    let mut push = |channel: ContactChannel, value: &str, url: Option<String>, label: Option<String>| {
        if !reach.contacts.iter().any(|c| c.channel == channel && c.value == value) {
            reach.contacts.push(Contact { channel, value: value.to_owned(), url, label, from: from.clone() });
        }
    };
    if let Some(email) = &rec.email {
        push(ContactChannel::Email, email, Some(format!("mailto:{email}")), None);
    }
    if let Some(v) = rec.annotation("slack.com/channel") {
        push(ContactChannel::SlackChannel, v, None, None);
    }
    if let Some(v) = rec.annotation("slack.com/bot-notify") {
        push(ContactChannel::SlackNotify, v, None, None);
    }
    if let Some(v) = rec.annotation("discord.com/channel") {
        push(ContactChannel::DiscordChannel, v, None, None);
    }
    for l in &rec.links {
        let chat_url =
            ["slack.com", "discord.com", "discord.gg", "teams.microsoft.com"].iter().any(|h| l.url.contains(h));
        if l.link_type.as_deref() == Some("chat") || chat_url {
            push(ContactChannel::ChatLink, &l.url, Some(l.url.clone()), l.title.clone());
        }
    }
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    for (key, value) in &rec.annotations {
        let (provider, url) = match key.as_str() {
            "pagerduty.com/service-id" => {
                let host = rec
                    .annotation("pagerduty.com/account")
                    .map_or_else(|| "app".to_owned(), |a| a.trim().to_lowercase());
                ("pagerduty", Some(format!("https://{host}.pagerduty.com/service-directory/{}", encode(value))))
            }
            // An integration key triggers incidents: never repeat it in an answer.
            "pagerduty.com/integration-key" | "pagerduty.com/account" => continue,
            "opsgenie.com/team" => ("opsgenie", Some("https://app.opsgenie.com/schedule/whoIsOnCall".to_owned())),
            "opsgenie.com/component-selector" => {
                ("opsgenie", Some(format!("https://app.opsgenie.com/alert/list?query={}", encode(value))))
            }
            k if k.starts_with("pagerduty.com/") => ("pagerduty", None),
            k if k.starts_with("opsgenie.com/") => ("opsgenie", None),
            "splunk.com/on-call-team" => ("splunk-on-call", None),
            "splunk.com/on-call-routing-key" => continue,
            _ => continue,
        };
        reach.on_call.push(OnCall {
            provider: provider.to_owned(),
            annotation: key.clone(),
            value: value.clone(),
            url,
            from: from.clone(),
        });
    }
    for l in &rec.links {
        if !reach.links.iter().any(|x| x.url == l.url) {
            reach.links.push(LinkInfo {
                url: l.url.clone(),
                title: l.title.clone(),
                link_type: l.link_type.clone(),
                icon: l.icon.clone(),
                from: from.clone(),
            });
        }
    }
}

pub(super) fn person(rec: &EntityRecord) -> Person {
    let mut reach = Reach::default();
    reach_of(rec, &mut reach);
    Person {
        entity: summary(rec),
        display_name: rec.display_name.clone(),
        email: rec.email.clone(),
        contacts: reach.contacts,
    }
}

//! Answers as Block Kit messages, made for someone in the middle of an incident.
//!
//! Order of what is shown follows what an on-call engineer needs first: who owns it, who is on
//! call and where to page them, which channel and people to reach, then runbooks and the rest.
//! Long lists are cut with a count of what was left out; everything is escaped
//! ([`super::mrkdwn`]); and every message stays within Slack's documented limits (50 blocks,
//! 3000 characters of section text, 10 fields of 2000, 75-character button labels, 150-character
//! headers) and within a total budget well under the ~13k characters at which Slack has been seen
//! to refuse messages (`msg_blocks_too_long`, ../shared/spec/chat-platforms.md §2.7). The limits
//! are enforced here, by construction, and checked over rendered JSON by the tests.

use std::collections::{BTreeMap, HashSet};

use backline_answer::{
    Ambiguous, Answer, AnswerBody, Candidate, Contact, ContactAnswer, ContactChannel, DependencyAnswer, Direction,
    EntityAnswer, EntitySummary, FindAnswer, FindingSummary, HealthAnswer, Help, LinkInfo, NotFound, OnCall,
    OwnershipAnswer, Person, Reach, SearchAnswer, StaleSource, TeamAnswer,
};
use slack_morphism::prelude::*;

use super::command::{SUBCOMMANDS, Subcommand};
use super::mrkdwn::{cut, escape, escape_cut, link, linkable};

/// Slack's documented limits (chat-platforms.md §2.7).
pub mod limits {
    pub const MAX_BLOCKS: usize = 50;
    pub const SECTION_TEXT: usize = 3000;
    pub const MAX_FIELDS: usize = 10;
    pub const FIELD_TEXT: usize = 2000;
    pub const HEADER_TEXT: usize = 150;
    pub const BUTTON_TEXT: usize = 75;
    pub const BUTTON_VALUE: usize = 2000;
    pub const BUTTON_URL: usize = 3000;
    pub const ACTIONS_ELEMENTS: usize = 25;
    pub const CONTEXT_ELEMENTS: usize = 10;
    pub const ACTION_ID: usize = 255;
    /// Our own budget for all text in a message: well under the ~13k at which Slack was seen to
    /// answer `msg_blocks_too_long`.
    pub const TOTAL_TEXT: usize = 9000;
    /// The top-level `text` (notification and accessibility fallback).
    pub const FALLBACK_TEXT: usize = 2000;
}

/// `action_id` of a disambiguation or "did you mean" button; its value is a question.
pub const ACTION_ASK: &str = "backline.ask";
/// `action_id` of the "Share in channel" button; its value is a serialised [`crate::engine::Ask`].
pub const ACTION_SHARE: &str = "backline.share";

/// Items shown before "…and N more".
const LIST_ITEMS: usize = 8;
const PEOPLE: usize = 6;
const MAX_CANDIDATES: usize = 10;

/// A message ready to send: blocks plus the fallback `text` Slack shows in notifications.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: String,
    pub blocks: Vec<SlackBlock>,
}

impl Rendered {
    pub fn content(&self) -> SlackMessageContent {
        SlackMessageContent::new().with_text(self.text.clone()).with_blocks(self.blocks.clone())
    }
}

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// When set, a "Share in channel" button carrying this value (an ephemeral slash answer).
    pub share_value: Option<String>,
    /// Base URL of the Backstage UI, to link entities to their catalog page.
    pub catalog_url: Option<String>,
}

/// Renders an answer of the question engine.
pub fn render(answer: &Answer, opts: &Options) -> Rendered {
    let mut m = Msg::new(opts);
    match &answer.body {
        AnswerBody::Ownership(a) => ownership(&mut m, a),
        AnswerBody::Contact(a) => contact(&mut m, a),
        AnswerBody::Entity(a) => entity(&mut m, a),
        AnswerBody::Dependencies(a) => dependencies(&mut m, a),
        AnswerBody::Team(a) => team(&mut m, a),
        AnswerBody::Search(a) => search(&mut m, a),
        AnswerBody::Find(a) => find(&mut m, a),
        AnswerBody::Health(a) => health(&mut m, a),
        AnswerBody::Ambiguous(a) => ambiguous(&mut m, a),
        AnswerBody::NotFound(a) => not_found(&mut m, a),
        AnswerBody::Help(a) => help(&mut m, a),
        // The model only ever gains variants; a new one degrades to its summary.
        #[allow(unreachable_patterns)]
        _ => m.section(escape_cut(&answer.summary, limits::SECTION_TEXT)),
    }
    stale(&mut m, &answer.stale_sources);
    // Buttons that re-ask need their own answer to mean the same thing, which only questions do.
    let shareable = !matches!(answer.body, AnswerBody::Ambiguous(_) | AnswerBody::NotFound(_));
    m.finish(&answer.summary, shareable)
}

/// A short message that is not an answer (errors, refusals, usage).
pub fn notice(text: &str) -> Rendered {
    let opts = Options::default();
    let mut m = Msg::new(&opts);
    m.section(escape_cut(text, limits::SECTION_TEXT));
    m.finish(text, false)
}

/// The usage of a subcommand given without its argument.
pub fn usage(command: &str, sub: &Subcommand) -> Rendered {
    let line = format!("Usage: `{} {} {}` — {}", escape(command), sub.name, escape(sub.args), escape(sub.about));
    let opts = Options::default();
    let mut m = Msg::new(&opts);
    m.section(line);
    m.finish(&format!("Usage: {command} {} {}", sub.name, sub.args), false)
}

// ---------------------------------------------------------------------------------------------
// The message builder: enforces the limits as blocks are added.

struct Msg<'o> {
    opts: &'o Options,
    blocks: Vec<SlackBlock>,
    used: usize,
    /// Something was left out to stay within the limits.
    cut: bool,
}

/// Blocks kept free for what [`Msg::finish`] appends (cut notice, share button).
const RESERVED_BLOCKS: usize = 2;
const RESERVED_TEXT: usize = 300;

impl<'o> Msg<'o> {
    fn new(opts: &'o Options) -> Msg<'o> {
        Msg { opts, blocks: Vec::new(), used: 0, cut: false }
    }

    fn room(&mut self, chars: usize) -> bool {
        let ok = self.blocks.len() + RESERVED_BLOCKS < limits::MAX_BLOCKS
            && self.used + chars + RESERVED_TEXT <= limits::TOTAL_TEXT;
        if !ok {
            self.cut = true;
        }
        ok
    }

    /// Text left for one more block.
    fn budget(&self) -> usize {
        limits::TOTAL_TEXT.saturating_sub(self.used + RESERVED_TEXT).min(limits::SECTION_TEXT)
    }

    fn header(&mut self, text: &str) {
        let text = cut(text.trim(), limits::HEADER_TEXT);
        if text.is_empty() || !self.room(text.chars().count()) {
            return;
        }
        self.used += text.chars().count();
        self.blocks.push(SlackHeaderBlock::new(text.into()).into());
    }

    /// A section of mrkdwn that the caller built from escaped pieces within [`Msg::budget`].
    fn section(&mut self, text: String) {
        let n = text.chars().count();
        if text.is_empty() || n > limits::SECTION_TEXT || !self.room(n) {
            if n > limits::SECTION_TEXT {
                self.cut = true;
            }
            return;
        }
        self.used += n;
        self.blocks.push(SlackSectionBlock::new().with_text(SlackBlockMarkDownText::new(text).into()).into());
    }

    /// A section of two-column fields (label/value pairs), at most 10.
    fn fields(&mut self, fields: Vec<String>) {
        let fields: Vec<String> = fields
            .into_iter()
            .filter(|f| !f.is_empty() && f.chars().count() <= limits::FIELD_TEXT)
            .take(limits::MAX_FIELDS)
            .collect();
        let n: usize = fields.iter().map(|f| f.chars().count()).sum();
        if fields.is_empty() || !self.room(n) {
            return;
        }
        self.used += n;
        let fields = fields.into_iter().map(|f| SlackBlockMarkDownText::new(f).into()).collect();
        self.blocks.push(SlackSectionBlock::new().with_fields(fields).into());
    }

    fn context(&mut self, parts: Vec<String>) {
        let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).take(limits::CONTEXT_ELEMENTS).collect();
        let n: usize = parts.iter().map(|p| p.chars().count()).sum();
        if parts.is_empty() || parts.iter().any(|p| p.chars().count() > limits::SECTION_TEXT) || !self.room(n) {
            return;
        }
        self.used += n;
        let elements = parts.into_iter().map(|p| SlackBlockMarkDownText::new(p).into()).collect();
        self.blocks.push(SlackContextBlock::new(elements).into());
    }

    fn buttons(&mut self, buttons: Vec<SlackBlockButtonElement>) {
        let buttons: Vec<_> = buttons.into_iter().take(limits::ACTIONS_ELEMENTS).collect();
        if buttons.is_empty() || !self.room(buttons.len() * 40) {
            return;
        }
        self.used += buttons.len() * 40;
        self.blocks
            .push(SlackActionsBlock::new(buttons.into_iter().map(SlackActionBlockElement::Button).collect()).into());
    }

    fn finish(mut self, summary: &str, shareable: bool) -> Rendered {
        if self.cut {
            self.blocks.push(
                SlackContextBlock::new(vec![SlackBlockMarkDownText::new("Some of this answer was left out to fit in a Slack message; narrow the question or use `backline ask` for all of it.".into()).into()])
                    .into(),
            );
        }
        if let (true, Some(value)) = (shareable, &self.opts.share_value)
            && value.len() <= limits::BUTTON_VALUE
        {
            let button = SlackBlockButtonElement::new("Share in channel".into())
                .with_action_id(SlackActionId(ACTION_SHARE.into()))
                .with_value(value.clone());
            self.blocks.push(SlackActionsBlock::new(vec![SlackActionBlockElement::Button(button)]).into());
        }
        let text = cut(&escape(summary.trim()), limits::FALLBACK_TEXT);
        let text = if text.is_empty() { "Backline".to_owned() } else { text };
        Rendered { text, blocks: self.blocks }
    }
}

/// Joins complete mrkdwn items with `sep` within `max` characters, ending with "…and N more"
/// for what did not fit or was beyond `show` (`total` counts items the engine already left out).
fn join_list(items: &[String], sep: &str, show: usize, total: usize, max: usize) -> String {
    let mut out = String::new();
    let mut shown = 0;
    let mut len = 0;
    for item in items.iter().take(show) {
        let n = item.chars().count() + if shown > 0 { sep.chars().count() } else { 0 };
        // Keep room for the "…and N more" tail.
        if len + n + 24 > max {
            break;
        }
        if shown > 0 {
            out.push_str(sep);
        }
        out.push_str(item);
        len += n;
        shown += 1;
    }
    let total = total.max(items.len());
    if shown < total {
        if shown > 0 {
            out.push_str(sep);
        }
        out.push_str(&format!("…and {} more", total - shown));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Pieces.

/// `payments-api`, or `ns/name` outside the default namespace.
fn short_name(e: &EntitySummary) -> String {
    if e.namespace.is_empty() || e.namespace == "default" {
        e.name.clone()
    } else {
        format!("{}/{}", e.namespace, e.name)
    }
}

/// Short form of a canonical reference `kind:ns/name`.
fn short_ref(entity_ref: &str) -> String {
    let no_kind = entity_ref.split_once(':').map_or(entity_ref, |(_, rest)| rest);
    no_kind.strip_prefix("default/").unwrap_or(no_kind).to_owned()
}

/// A human name for an entity: its title (display name) when it has one.
fn display(e: &EntitySummary) -> String {
    e.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| short_name(e))
}

/// `*Payments Team* (team-payments)`, linked to the catalog page when a catalog URL is set.
fn named(e: &EntitySummary, opts: &Options) -> String {
    let name = short_name(e);
    let title = e.title.as_deref().filter(|t| !t.trim().is_empty() && *t != name);
    let main = match (&opts.catalog_url, e.exists) {
        (Some(base), true) => {
            let url = format!(
                "{}/catalog/{}/{}/{}",
                base.trim_end_matches('/'),
                e.namespace,
                e.kind.to_ascii_lowercase(),
                e.name
            );
            format!("*{}*", link(&url, title.unwrap_or(&name)))
        }
        _ => format!("*{}*", escape_cut(title.unwrap_or(&name), 120)),
    };
    match title {
        Some(_) => format!("{main} (`{}`)", escape_cut(&name, 120)),
        None => main,
    }
}

/// A compact mention in lists: `name` (owner).
fn compact(e: &EntitySummary) -> String {
    let mut s = format!("`{}`", escape_cut(&short_name(e), 100));
    if let Some(owner) = &e.owner {
        s.push_str(&format!(" ({})", escape_cut(&short_ref(owner), 60)));
    }
    if !e.exists {
        s.push_str(" _(not defined)_");
    }
    s
}

fn description(e: &EntitySummary) -> String {
    e.description.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(|d| escape_cut(d, 200)).unwrap_or_default()
}

fn where_defined(e: &EntitySummary) -> String {
    match &e.defined_at {
        Some(at) => format!("defined in `{}:{}` ({})", escape_cut(&at.file, 200), at.line, escape_cut(&at.source, 60)),
        None => String::new(),
    }
}

fn facts(e: &EntitySummary) -> String {
    let mut parts = vec![escape_cut(&e.kind, 40)];
    if let Some(t) = &e.spec_type {
        parts.push(escape_cut(t, 40));
    }
    if let Some(l) = &e.lifecycle {
        let l = escape_cut(l, 40);
        parts.push(if l.eq_ignore_ascii_case("deprecated") { format!(":warning: {l}") } else { l });
    }
    parts.join(" · ")
}

/// A Slack channel id in a link like `https://x.slack.com/archives/C0123ABCD`.
fn archive_id(url: &str) -> Option<&str> {
    let id = url.split("/archives/").nth(1)?.split(['/', '?', '#']).next()?;
    (is_slack_id(id, 'C') || is_slack_id(id, 'G')).then_some(id)
}

/// What a contact points at (channel ids, `#names`, addresses, URLs): contacts sharing a key are
/// the same place written several ways (an annotation, a `chat` link), shown once.
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

/// One place to reach, from the contacts that name it; the most useful form wins: a link
/// (works in any workspace), then a channel mention `<#C…>` (renders as #name, pings nobody),
/// then the text as written. Member ids are never turned into `<@U…>`, which would notify.
fn contact_group_text(group: &[&Contact]) -> String {
    let name = group
        .iter()
        .map(|c| c.value.trim())
        .chain(group.iter().filter_map(|c| c.label.as_deref()))
        .find(|v| v.starts_with('#'));
    if let Some(c) = group.iter().find(|c| c.url.as_deref().is_some_and(linkable)) {
        let url = c.url.as_deref().unwrap_or_default();
        let label = c.label.as_deref().or(name).unwrap_or(c.value.trim());
        return link(url, label);
    }
    for c in group {
        let bare = c.value.trim().trim_start_matches('#');
        if is_slack_id(bare, 'C') || is_slack_id(bare, 'G') {
            return format!("<#{bare}>");
        }
        if c.channel == ContactChannel::Email {
            return link(&format!("mailto:{}", c.value.trim()), c.value.trim());
        }
    }
    format!("`{}`", escape_cut(group[0].value.trim(), 80))
}

/// The contacts, one per place, nearest first; and the URLs shown (so links do not repeat them).
fn contacts_text(contacts: &[Contact]) -> (Vec<String>, HashSet<String>) {
    let mut groups: Vec<(HashSet<String>, Vec<&Contact>)> = Vec::new();
    for c in contacts {
        let keys: HashSet<String> = contact_keys(c).into_iter().collect();
        let mut merged = (keys, vec![c]);
        // Merge every group this contact connects; keep the position of the first.
        let mut first: Option<usize> = None;
        let mut i = 0;
        while i < groups.len() {
            if !groups[i].0.is_disjoint(&merged.0) {
                let (k, cs) = groups.remove(i);
                merged.0.extend(k);
                let mut cs = cs;
                cs.append(&mut merged.1);
                merged.1 = cs;
                first = Some(first.map_or(i, |f: usize| f.min(i)));
            } else {
                i += 1;
            }
        }
        match first {
            Some(at) => groups.insert(at.min(groups.len()), merged),
            None => groups.push(merged),
        }
    }
    let shown =
        groups.iter().flat_map(|(_, cs)| cs.iter().filter_map(|c| c.url.as_deref().map(str::to_lowercase))).collect();
    (groups.iter().map(|(_, cs)| contact_group_text(cs)).collect(), shown)
}

fn is_slack_id(s: &str, first: char) -> bool {
    s.len() >= 9
        && s.len() <= 20
        && s.starts_with(first)
        && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn provider_name(p: &str) -> &str {
    match p {
        "pagerduty" => "PagerDuty",
        "opsgenie" => "Opsgenie",
        "splunk-on-call" => "Splunk On-Call",
        other => other,
    }
}

fn on_call_text(o: &OnCall, subject: &str) -> String {
    let what = match o.annotation.rsplit('/').next() {
        Some("service-id") | Some("service") => "service",
        Some("team") => "team",
        Some("integration-key") => "integration",
        Some("component-selector") => "alerts",
        Some(other) => other,
        None => "",
    };
    let whose =
        if o.from != subject { format!(" (of {})", escape_cut(&short_ref(&o.from), 60)) } else { String::new() };
    let label = format!("{} {} {}", provider_name(&o.provider), what, o.value.trim());
    let text = match o.url.as_deref() {
        // An integration key is a secret for sending alerts; never shown.
        _ if what == "integration" => format!("{} integration configured", escape(provider_name(&o.provider))),
        Some(url) => link(url, &label),
        None => escape_cut(&label, 200),
    };
    format!("{text}{whose}")
}

/// Runbooks and dashboards first: they are what is opened during an incident.
fn link_rank(l: &LinkInfo) -> u8 {
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

fn links_text(links: &[LinkInfo], skip: &HashSet<String>, max: usize) -> String {
    let mut seen = skip.clone();
    let mut sorted: Vec<&LinkInfo> = links
        .iter()
        .filter(|l| linkable(&l.url) && l.url.len() <= limits::BUTTON_URL && seen.insert(l.url.to_lowercase()))
        .collect();
    sorted.sort_by_key(|l| link_rank(l));
    let items: Vec<String> = sorted
        .iter()
        .map(|l| {
            let label = l.title.clone().or_else(|| l.link_type.clone()).unwrap_or_else(|| l.url.clone());
            link(&l.url, &label)
        })
        .collect();
    join_list(&items, " · ", LIST_ITEMS, items.len(), max)
}

fn person_text(p: &Person) -> String {
    let name = p.display_name.clone().unwrap_or_else(|| short_name(&p.entity));
    match p.email.as_deref() {
        Some(email) => format!("{} ({})", escape_cut(&name, 80), link(&format!("mailto:{email}"), email)),
        None => escape_cut(&name, 80),
    }
}

/// The "how to reach them" lines shared by ownership, contact and team answers. `subject` is
/// the entity asked about, so hints written on its owner or parents can say so.
fn reach_sections(m: &mut Msg<'_>, reach: &Reach, members: &[Person], subject: &str) {
    if !reach.on_call.is_empty() {
        let mut seen = HashSet::new();
        let items: Vec<String> = reach
            .on_call
            .iter()
            .filter(|o| seen.insert((o.provider.clone(), o.annotation.clone(), o.value.clone())))
            .map(|o| on_call_text(o, subject))
            .collect();
        let list = join_list(&items, " · ", LIST_ITEMS, items.len(), m.budget().saturating_sub(20));
        m.section(format!(":rotating_light: *On call:* {list}"));
    }
    let (contacts, shown) = contacts_text(&reach.contacts);
    if !contacts.is_empty() {
        let list = join_list(&contacts, " · ", LIST_ITEMS, contacts.len(), m.budget().saturating_sub(20));
        m.section(format!(":speech_balloon: *Reach:* {list}"));
    }
    if !members.is_empty() {
        let items: Vec<String> = members.iter().map(person_text).collect();
        let list = join_list(&items, " · ", PEOPLE, items.len(), m.budget().saturating_sub(20));
        m.section(format!(":busts_in_silhouette: *People:* {list}"));
    }
    if !reach.links.is_empty() {
        let list = links_text(&reach.links, &shown, m.budget().saturating_sub(20));
        if !list.is_empty() {
            m.section(format!(":link: *Links:* {list}"));
        }
    }
}

fn findings_context(m: &mut Msg<'_>, findings: &[FindingSummary]) {
    let errors: Vec<&FindingSummary> = findings.iter().filter(|f| f.severity == "error").collect();
    if let Some(first) = errors.first() {
        m.context(vec![format!(
            ":warning: Its file has {} error{} (Backstage would refuse it): `{}` {} at `{}:{}`",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            escape_cut(&first.code, 20),
            escape_cut(&first.message, 300),
            escape_cut(&first.location.file, 200),
            first.location.line
        )]);
    }
}

fn stale(m: &mut Msg<'_>, stale: &[StaleSource]) {
    if stale.is_empty() {
        return;
    }
    let items: Vec<String> = stale
        .iter()
        .map(|s| {
            let since = s
                .last_success
                .as_deref()
                .map(|t| format!(", last good index {}", escape_cut(t, 40)))
                .unwrap_or_default();
            format!("`{}` ({}{since})", escape_cut(&s.name, 60), escape_cut(&s.error, 200))
        })
        .collect();
    m.context(vec![format!(
        ":warning: Possibly out of date: source {} failed to index.",
        join_list(&items, ", ", 3, items.len(), 1500)
    )]);
}

fn owner_line(owner: Option<&EntitySummary>, opts: &Options) -> String {
    match owner {
        None => ":warning: *Owner:* none in the catalog".to_owned(),
        Some(o) if !o.exists => format!(
            ":warning: *Owner:* `{}`, which is not defined in the catalog",
            escape_cut(&short_ref(&o.entity_ref), 200)
        ),
        Some(o) => format!("*Owner:* {}", named(o, opts)),
    }
}

fn parents_line(parents: &[EntitySummary]) -> String {
    if parents.is_empty() {
        return String::new();
    }
    let chain: Vec<String> = parents.iter().take(4).map(|p| escape_cut(&display(p), 80)).collect();
    format!("part of {}", chain.join(" › "))
}

// ---------------------------------------------------------------------------------------------
// Bodies.

fn ownership(m: &mut Msg<'_>, a: &OwnershipAnswer) {
    m.header(&display(&a.entity));
    let mut text = owner_line(a.owner.as_ref(), m.opts);
    let parents = parents_line(&a.parents);
    if !parents.is_empty() {
        text.push_str(&format!("\n{parents}"));
    }
    if !a.entity.valid {
        text.push_str("\n:warning: Backstage would refuse this entity (see below).");
    }
    m.section(text);
    reach_sections(m, &a.reach, &a.members, &a.entity.entity_ref);
    findings_context(m, &a.findings);
    m.context(vec![facts(&a.entity), description(&a.entity), where_defined(&a.entity)]);
}

fn contact(m: &mut Msg<'_>, a: &ContactAnswer) {
    m.header(&format!("Reach {}", display(a.team.as_ref().unwrap_or(&a.subject))));
    if a.team.as_ref().is_some_and(|t| t.entity_ref != a.subject.entity_ref) || a.team.is_none() {
        m.section(format!("{} — {}", named(&a.subject, m.opts), owner_line(a.team.as_ref(), m.opts)));
    }
    if a.reach.is_empty() && a.members.is_empty() {
        m.section("No on-call, channel or people are recorded for it in the catalog.".to_owned());
    }
    reach_sections(m, &a.reach, &a.members, &a.subject.entity_ref);
    m.context(vec![facts(&a.subject), where_defined(&a.subject)]);
}

fn entity(m: &mut Msg<'_>, a: &EntityAnswer) {
    let e = &a.entity;
    m.header(&display(e));
    if let Some(d) = e.description.as_deref().filter(|d| !d.trim().is_empty()) {
        m.section(escape_cut(d.trim(), 600));
    }
    let mut fields = vec![format!("*Kind*\n{}", facts(e))];
    if let Some(owner_ref) = &e.owner {
        let owner = a.relations.iter().find(|r| r.relation == "ownedBy").map(|r| &r.target);
        fields.push(match owner {
            Some(o) if o.exists => format!("*Owner*\n{}", named(o, m.opts)),
            _ => format!("*Owner*\n`{}`", escape_cut(&short_ref(owner_ref), 200)),
        });
    }
    for (relation, label) in
        [("partOf", "Part of"), ("providesApi", "Provides"), ("consumesApi", "Consumes"), ("dependsOn", "Depends on")]
    {
        let targets: Vec<String> = a
            .relations
            .iter()
            .filter(|r| r.relation == relation)
            .map(|r| format!("`{}`", escape_cut(&short_name(&r.target), 80)))
            .collect();
        if !targets.is_empty() {
            fields.push(format!("*{label}*\n{}", join_list(&targets, ", ", 5, targets.len(), 600)));
        }
    }
    if !a.tags.is_empty() {
        let tags: Vec<String> = a.tags.iter().map(|t| format!("`{}`", escape_cut(t, 60))).collect();
        fields.push(format!("*Tags*\n{}", join_list(&tags, " ", 10, tags.len(), 600)));
    }
    m.fields(fields);
    if !a.links.is_empty() {
        let list = links_text(&a.links, &HashSet::new(), m.budget().saturating_sub(20));
        if !list.is_empty() {
            m.section(format!(":link: *Links:* {list}"));
        }
    }
    findings_context(m, &a.findings);
    m.context(vec![where_defined(e)]);
}

fn dependencies(m: &mut Msg<'_>, a: &DependencyAnswer) {
    let root = display(&a.root);
    let (title, verb) = match a.direction {
        Direction::Dependents => (format!("Blast radius of {root}"), "depend on it"),
        Direction::Dependencies => (format!("{root} depends on"), "it depends on"),
    };
    m.header(&title);
    if a.nodes.is_empty() {
        let none = match a.direction {
            Direction::Dependents => format!("Nothing in the catalog depends on {}.", named(&a.root, m.opts)),
            Direction::Dependencies => format!("{} depends on nothing in the catalog.", named(&a.root, m.opts)),
        };
        m.section(none);
    } else {
        let direct = a.nodes.iter().filter(|n| n.depth == 1).count();
        m.section(format!(
            "*{}* entit{} {verb} ({direct} directly), up to depth {}.",
            a.nodes.len(),
            if a.nodes.len() == 1 { "y" } else { "ies" },
            a.max_depth
        ));
        if a.direction == Direction::Dependents {
            // Who to tell: the owners of everything that breaks, most affected first.
            let mut owners: BTreeMap<String, usize> = BTreeMap::new();
            for n in &a.nodes {
                *owners
                    .entry(n.entity.owner.as_deref().map(short_ref).unwrap_or_else(|| "no owner".into()))
                    .or_default() += 1;
            }
            let mut owners: Vec<(String, usize)> = owners.into_iter().collect();
            owners.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
            let items: Vec<String> = owners.iter().map(|(o, n)| format!("`{}` ({n})", escape_cut(o, 80))).collect();
            let list = join_list(&items, " · ", LIST_ITEMS, items.len(), m.budget().saturating_sub(30));
            m.section(format!(":busts_in_silhouette: *Teams affected:* {list}"));
        }
        let max_depth = a.nodes.iter().map(|n| n.depth).max().unwrap_or(0);
        for depth in 1..=max_depth {
            let items: Vec<String> = a.nodes.iter().filter(|n| n.depth == depth).map(|n| compact(&n.entity)).collect();
            if items.is_empty() {
                continue;
            }
            let label = if depth == 1 { "Directly".to_owned() } else { format!("Depth {depth}") };
            let list = join_list(&items, ", ", 15, items.len(), m.budget().saturating_sub(40));
            m.section(format!("*{label}* ({}): {list}", items.len()));
        }
    }
    if a.truncated {
        m.context(vec![format!(
            "More entities are reachable beyond depth {}; ask again with a larger depth.",
            a.max_depth
        )]);
    }
    m.context(vec![facts(&a.root), where_defined(&a.root)]);
}

fn team(m: &mut Msg<'_>, a: &TeamAnswer) {
    m.header(&display(&a.team));
    let mut text = named(&a.team, m.opts);
    let parents = parents_line(&a.parents);
    if !parents.is_empty() {
        text.push_str(&format!(" — {parents}"));
    }
    if let Some(email) = &a.email {
        text.push_str(&format!("\n:email: {}", link(&format!("mailto:{email}"), email)));
    }
    m.section(text);
    reach_sections(m, &a.reach, &a.members, &a.team.entity_ref);
    if !a.children.is_empty() {
        let items: Vec<String> = a.children.iter().map(|c| format!("`{}`", escape_cut(&short_name(c), 80))).collect();
        m.section(format!("*Sub-teams:* {}", join_list(&items, ", ", LIST_ITEMS, items.len(), 1500)));
    }
    if a.owns.is_empty() {
        m.section("*Owns:* nothing in the catalog.".to_owned());
    } else {
        let mut by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for o in &a.owns {
            let mut item = format!("`{}`", escape_cut(&short_name(&o.entity), 80));
            if let Some(via) = &o.via {
                item.push_str(&format!(" (via {})", escape_cut(&short_ref(via), 60)));
            }
            by_kind.entry(o.entity.kind.clone()).or_default().push(item);
        }
        let mut lines = vec![format!("*Owns {} entit{}:*", a.owns.len(), if a.owns.len() == 1 { "y" } else { "ies" })];
        for (kind, items) in &by_kind {
            lines.push(format!(
                "• {} ({}): {}",
                escape_cut(kind, 40),
                items.len(),
                join_list(items, ", ", 12, items.len(), 600)
            ));
        }
        let text = join_list(&lines, "\n", 12, lines.len(), m.budget());
        m.section(text);
    }
    m.context(vec![where_defined(&a.team)]);
}

fn search(m: &mut Msg<'_>, a: &SearchAnswer) {
    if a.hits.is_empty() {
        m.section(format!("Nothing in the catalog matches “{}”.", escape_cut(&a.text, 200)));
        return;
    }
    m.section(format!(
        "*{}* result{} for “{}”",
        a.total,
        if a.total == 1 { "" } else { "s" },
        escape_cut(&a.text, 200)
    ));
    let items: Vec<String> = a
        .hits
        .iter()
        .map(|h| {
            let e = &h.entity;
            let mut line = format!("• {} — {}", named(e, m.opts), facts(e));
            if let Some(owner) = &e.owner {
                line.push_str(&format!(" · {}", escape_cut(&short_ref(owner), 60)));
            }
            if let Some(d) = e.description.as_deref().filter(|d| !d.trim().is_empty()) {
                line.push_str(&format!("\n   {}", escape_cut(d.trim(), 140)));
            }
            line
        })
        .collect();
    let list = join_list(&items, "\n", 10, a.total as usize, m.budget());
    m.section(list);
}

fn filters_text(a: &FindAnswer) -> String {
    a.filters
        .iter()
        .map(|f| {
            let field =
                serde_json::to_value(f.field).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            match (&f.key, &f.value) {
                (Some(k), Some(v)) => format!("{field}:{k}={v}"),
                (Some(k), None) => format!("{field}:{k}"),
                (None, Some(v)) => format!("{field}:{v}"),
                (None, None) => field,
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn find(m: &mut Msg<'_>, a: &FindAnswer) {
    let filters = escape_cut(&filters_text(a), 300);
    if a.total == 0 {
        m.section(format!("Nothing in the catalog matches `{filters}`."));
        return;
    }
    m.section(format!(
        "*{}* entit{} match `{filters}`, owned by {} owner{}:",
        a.total,
        if a.total == 1 { "y" } else { "ies" },
        a.groups.len(),
        if a.groups.len() == 1 { "" } else { "s" }
    ));
    let lines: Vec<String> = a
        .groups
        .iter()
        .map(|g| {
            let owner = match &g.owner {
                Some(o) if o.exists => named(o, m.opts),
                Some(o) => format!("`{}` _(not defined)_", escape_cut(&short_ref(&o.entity_ref), 80)),
                None => "_no owner_".to_owned(),
            };
            let items: Vec<String> =
                g.entities.iter().map(|e| format!("`{}`", escape_cut(&short_name(e), 80))).collect();
            format!("• {owner} ({}): {}", items.len(), join_list(&items, ", ", 10, items.len(), 500))
        })
        .collect();
    let list = join_list(&lines, "\n", 20, lines.len(), m.budget());
    m.section(list);
}

fn health(m: &mut Msg<'_>, a: &HealthAnswer) {
    m.header("Catalog health");
    m.section(format!(
        "{} entities in {} files from {} source{}.",
        a.entity_count,
        a.file_count,
        a.source_count,
        if a.source_count == 1 { "" } else { "s" }
    ));
    let item = |m: &mut Msg<'_>, title: &str, entries: Vec<String>| {
        if entries.is_empty() {
            return;
        }
        let list = join_list(&entries, ", ", LIST_ITEMS, entries.len(), m.budget().saturating_sub(80));
        m.section(format!("*{title}* ({}): {list}", entries.len()));
    };
    item(
        m,
        "Owner not defined",
        a.missing_owners
            .iter()
            .map(|x| {
                format!("`{}` → `{}`", escape_cut(&short_name(&x.entity), 80), escape_cut(&short_ref(&x.owner_ref), 80))
            })
            .collect(),
    );
    item(
        m,
        "Deprecated but still used in production",
        a.deprecated_in_use
            .iter()
            .map(|x| format!("`{}` (used by {})", escape_cut(&short_name(&x.entity), 80), x.dependents.len()))
            .collect(),
    );
    item(
        m,
        "Groups without members",
        a.groups_without_members.iter().map(|x| format!("`{}`", escape_cut(&short_name(x), 80))).collect(),
    );
    item(
        m,
        "Users in no group",
        a.users_without_group.iter().map(|x| format!("`{}`", escape_cut(&short_name(x), 80))).collect(),
    );
    item(
        m,
        "Entities with findings",
        a.entities_with_findings
            .iter()
            .map(|x| format!("`{}` ({})", escape_cut(&short_name(&x.entity), 80), x.findings.len()))
            .collect(),
    );
    item(
        m,
        "Files with errors",
        a.file_findings
            .iter()
            .map(|f| format!("`{}:{}` {}", escape_cut(&f.location.file, 120), f.location.line, escape_cut(&f.code, 12)))
            .collect(),
    );
}

fn candidate_buttons(candidates: &[Candidate]) -> Vec<SlackBlockButtonElement> {
    candidates
        .iter()
        .take(MAX_CANDIDATES)
        .enumerate()
        .filter(|(_, c)| !c.follow_up.is_empty() && c.follow_up.len() <= limits::BUTTON_VALUE)
        .map(|(i, c)| {
            let label = cut(&format!("{} ({})", short_name(&c.entity), c.entity.kind), limits::BUTTON_TEXT);
            SlackBlockButtonElement::new(label.into())
                .with_action_id(SlackActionId(format!("{ACTION_ASK}.{i}")))
                .with_value(c.follow_up.clone())
        })
        .collect()
}

fn candidate_lines(candidates: &[Candidate], max: usize) -> String {
    let items: Vec<String> = candidates
        .iter()
        .take(MAX_CANDIDATES)
        .map(|c| {
            let e = &c.entity;
            let mut line = format!("• `{}` — {}", escape_cut(&short_name(e), 100), facts(e));
            if let Some(owner) = &e.owner {
                line.push_str(&format!(" · {}", escape_cut(&short_ref(owner), 60)));
            }
            if let Some(d) = e.description.as_deref().filter(|d| !d.trim().is_empty()) {
                line.push_str(&format!(" — {}", escape_cut(d.trim(), 100)));
            }
            line
        })
        .collect();
    join_list(&items, "\n", MAX_CANDIDATES, items.len(), max)
}

fn ambiguous(m: &mut Msg<'_>, a: &Ambiguous) {
    m.section(format!("Several entities match “{}”. Which one do you mean?", escape_cut(&a.name, 200)));
    let lines = candidate_lines(&a.candidates, m.budget().min(2000));
    m.section(lines);
    m.buttons(candidate_buttons(&a.candidates));
}

fn not_found(m: &mut Msg<'_>, a: &NotFound) {
    if a.closest.is_empty() {
        m.section(format!(
            "Nothing in the catalog is called “{}”. Try `search` with part of the name.",
            escape_cut(&a.name, 200)
        ));
        return;
    }
    m.section(format!("Nothing in the catalog is called “{}”. Did you mean:", escape_cut(&a.name, 200)));
    let lines = candidate_lines(&a.closest, m.budget().min(2000));
    m.section(lines);
    m.buttons(candidate_buttons(&a.closest));
}

fn help(m: &mut Msg<'_>, a: &Help) {
    if let Some(reason) = &a.reason {
        m.section(escape_cut(reason, 500));
    }
    let subs: Vec<String> = SUBCOMMANDS
        .iter()
        .map(|s| {
            format!(
                "• `/backline {}{}{}` — {}",
                s.name,
                if s.args.is_empty() { "" } else { " " },
                escape(s.args),
                s.about
            )
        })
        .collect();
    m.section(format!("*Ask me with `/backline`:*\n{}", subs.join("\n")));
    if !a.examples.is_empty() {
        let items: Vec<String> = a
            .examples
            .iter()
            .map(|e| format!("• “{}” — {}", escape_cut(&e.question, 200), escape_cut(&e.explanation, 200)))
            .collect();
        let list = join_list(&items, "\n", 12, items.len(), m.budget().saturating_sub(80));
        m.section(format!("*Or mention me, or DM me, in plain words:*\n{list}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_list_counts_what_it_leaves_out() {
        let items: Vec<String> = (0..20).map(|i| format!("item{i}")).collect();
        assert_eq!(join_list(&items[..3], ", ", 8, 3, 1000), "item0, item1, item2");
        assert_eq!(join_list(&items, ", ", 3, 20, 1000), "item0, item1, item2, …and 17 more");
        assert_eq!(join_list(&items[..3], ", ", 8, 50, 1000), "item0, item1, item2, …and 47 more");
        let tight = join_list(&items, ", ", 20, 20, 40);
        assert!(tight.chars().count() <= 40, "{tight}");
        assert!(tight.ends_with("more"), "{tight}");
    }

    #[test]
    fn slack_ids() {
        assert!(is_slack_id("C0123ABCD", 'C'));
        assert!(!is_slack_id("payments-oncall", 'C'));
        assert!(!is_slack_id("C01", 'C'));
    }
}

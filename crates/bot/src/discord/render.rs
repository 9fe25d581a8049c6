//! Answers as Discord embeds, with the same content and order as the Slack answers: who owns it,
//! who is on call, where to reach them, people, then runbooks and the rest.
//!
//! Discord's limits (chat-platforms.md §4.4) are enforced here by construction: title 256,
//! description 4096, 25 fields of name 256 and value 1024, footer 2048, 6000 characters across
//! an embed; buttons 5 per row, labels 80, `custom_id` 1–100. Long lists are cut with a count of
//! what was left out. Catalog text is escaped for Discord markdown; mentions are disabled by the
//! sender (`allowed_mentions` with nothing to parse), so a catalog saying `@everyone` pings
//! nobody. The output is plain data ([`Rendered`]) so tests can check limits without serenity.

use std::collections::{BTreeMap, HashSet};

use backline_answer::{
    Ambiguous, Answer, AnswerBody, Candidate, Contact, ContactAnswer, ContactChannel, DependencyAnswer, Direction,
    EntityAnswer, EntitySummary, FindAnswer, FindingSummary, HealthAnswer, Help, LinkInfo, NotFound, OnCall,
    OwnershipAnswer, Person, Reach, SearchAnswer, StaleSource, TeamAnswer,
};
use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed, CreateEmbedFooter,
    CreateInteractionResponseMessage, EditInteractionResponse,
};

use super::command::SUBCOMMANDS;

/// Discord's documented limits.
pub mod limits {
    pub const TITLE: usize = 256;
    pub const DESCRIPTION: usize = 4096;
    pub const FIELDS: usize = 25;
    pub const FIELD_NAME: usize = 256;
    pub const FIELD_VALUE: usize = 1024;
    pub const FOOTER: usize = 2048;
    pub const EMBED_TOTAL: usize = 6000;
    pub const EMBEDS: usize = 10;
    pub const BUTTONS_PER_ROW: usize = 5;
    pub const ROWS: usize = 5;
    pub const BUTTON_LABEL: usize = 80;
    pub const CUSTOM_ID: usize = 100;
    pub const CONTENT: usize = 2000;
    pub const URL: usize = 2048;
}

/// `custom_id` prefix of a button whose press asks the rest of the id as a question.
pub const BUTTON_ASK: &str = "bl:ask:";

const LIST_ITEMS: usize = 8;
const PEOPLE: usize = 6;
const MAX_CANDIDATES: usize = 10;
/// Kept free in every embed for the "left out" notice.
const RESERVED: usize = 200;
const COLOR: u32 = 0x5865F2;
const COLOR_WARN: u32 = 0xE67E22;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Embed {
    pub title: Option<String>,
    pub url: Option<String>,
    pub description: String,
    pub fields: Vec<Field>,
    pub footer: Option<String>,
    pub color: u32,
}

impl Embed {
    /// Characters Discord counts towards the 6000 limit.
    pub fn total_chars(&self) -> usize {
        let n = |s: &str| s.chars().count();
        self.title.as_deref().map_or(0, n)
            + n(&self.description)
            + self.fields.iter().map(|f| n(&f.name) + n(&f.value)).sum::<usize>()
            + self.footer.as_deref().map_or(0, n)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    pub custom_id: String,
}

/// A message ready to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub embeds: Vec<Embed>,
    pub buttons: Vec<Button>,
}

fn create_embed(e: &Embed) -> CreateEmbed {
    let mut c = CreateEmbed::new().description(e.description.clone()).colour(e.color);
    if let Some(t) = &e.title {
        c = c.title(t.clone());
    }
    if let Some(u) = &e.url {
        c = c.url(u.clone());
    }
    for f in &e.fields {
        c = c.field(f.name.clone(), f.value.clone(), f.inline);
    }
    if let Some(f) = &e.footer {
        c = c.footer(CreateEmbedFooter::new(f.clone()));
    }
    c
}

impl Rendered {
    fn embeds(&self) -> Vec<CreateEmbed> {
        self.embeds.iter().take(limits::EMBEDS).map(create_embed).collect()
    }

    fn rows(&self) -> Vec<CreateActionRow> {
        self.buttons
            .chunks(limits::BUTTONS_PER_ROW)
            .take(limits::ROWS)
            .map(|row| {
                CreateActionRow::Buttons(
                    row.iter()
                        .map(|b| {
                            CreateButton::new(b.custom_id.clone()).label(b.label.clone()).style(ButtonStyle::Secondary)
                        })
                        .collect(),
                )
            })
            .collect()
    }

    /// As an interaction response message; mentions disabled.
    pub fn message(&self, ephemeral: bool) -> CreateInteractionResponseMessage {
        CreateInteractionResponseMessage::new()
            .embeds(self.embeds())
            .components(self.rows())
            .allowed_mentions(CreateAllowedMentions::new())
            .ephemeral(ephemeral)
    }

    /// As an edit of the original (deferred) response; mentions disabled.
    pub fn edit(&self) -> EditInteractionResponse {
        EditInteractionResponse::new()
            .embeds(self.embeds())
            .components(self.rows())
            .allowed_mentions(CreateAllowedMentions::new())
    }
}

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Base URL of the Backstage UI, to link entities to their catalog page.
    pub catalog_url: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Text helpers.

/// Cuts to at most `max` characters, ending with `…` when something was cut.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Escapes Discord markdown (and mention syntax) in catalog text.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut line_start = true;
    for c in s.chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '(' | ')' | '<' | '@' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '>' | '-' if line_start => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
        line_start = false;
    }
    out
}

fn escape_cut(s: &str, max: usize) -> String {
    escape(&cut(s.trim(), max))
}

/// Inline code: backticks cannot be escaped inside, so they are replaced; `@` gets a zero-width
/// space after it, so not even a client that renders mentions in code sees `@everyone`.
fn code(s: &str, max: usize) -> String {
    let s = cut(&s.trim().replace('`', "'").replace(['\n', '\r'], " ").replace('@', "@\u{200b}"), max);
    if s.is_empty() { String::new() } else { format!("`{s}`") }
}

fn linkable(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 512
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `[label](url)` for http(s) URLs; the escaped label otherwise.
fn link(url: &str, label: &str) -> String {
    let label = escape_cut(label, 80);
    if linkable(url) { format!("[{label}]({})", url.replace('(', "%28").replace(')', "%29")) } else { label }
}

/// Joins items with `sep` within `max` characters, ending with "…and N more" for what did not fit
/// or was beyond `show` (`total` counts items the engine already left out).
fn join_list(items: &[String], sep: &str, show: usize, total: usize, max: usize) -> String {
    let mut out = String::new();
    let (mut shown, mut len) = (0, 0);
    for item in items.iter().take(show) {
        let n = item.chars().count() + if shown > 0 { sep.chars().count() } else { 0 };
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

fn short_name(e: &EntitySummary) -> String {
    if e.namespace.is_empty() || e.namespace == "default" {
        e.name.clone()
    } else {
        format!("{}/{}", e.namespace, e.name)
    }
}

fn short_ref(entity_ref: &str) -> String {
    let no_kind = entity_ref.split_once(':').map_or(entity_ref, |(_, rest)| rest);
    no_kind.strip_prefix("default/").unwrap_or(no_kind).to_owned()
}

fn display(e: &EntitySummary) -> String {
    e.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| short_name(e))
}

fn catalog_link(e: &EntitySummary, opts: &Options) -> Option<String> {
    let base = opts.catalog_url.as_deref()?;
    e.exists.then(|| {
        format!("{}/catalog/{}/{}/{}", base.trim_end_matches('/'), e.namespace, e.kind.to_ascii_lowercase(), e.name)
    })
}

/// `**Payments** (`team-payments`)`, linked to the catalog page when a catalog URL is set.
fn named(e: &EntitySummary, opts: &Options) -> String {
    let name = short_name(e);
    let title = e.title.as_deref().filter(|t| !t.trim().is_empty() && *t != name);
    let main = match catalog_link(e, opts) {
        Some(url) => format!("**{}**", link(&url, title.unwrap_or(&name))),
        None => format!("**{}**", escape_cut(title.unwrap_or(&name), 120)),
    };
    match title {
        Some(_) => format!("{main} ({})", code(&name, 120)),
        None => main,
    }
}

fn compact(e: &EntitySummary) -> String {
    let mut s = code(&short_name(e), 100);
    if let Some(owner) = &e.owner {
        s.push_str(&format!(" ({})", escape_cut(&short_ref(owner), 60)));
    }
    if !e.exists {
        s.push_str(" *(not defined)*");
    }
    s
}

/// Plain text (footers do not render markdown).
fn facts(e: &EntitySummary) -> String {
    let mut parts = vec![cut(&e.kind, 40)];
    parts.extend(e.spec_type.iter().map(|t| cut(t, 40)));
    if let Some(l) = &e.lifecycle {
        parts.push(if l.eq_ignore_ascii_case("deprecated") { format!("⚠ {}", cut(l, 40)) } else { cut(l, 40) });
    }
    parts.join(" · ")
}

fn where_defined(e: &EntitySummary) -> String {
    e.defined_at
        .as_ref()
        .map(|at| format!("defined in {}:{} ({})", cut(&at.file, 200), at.line, cut(&at.source, 60)))
        .unwrap_or_default()
}

fn footer_of(e: &EntitySummary) -> String {
    [facts(e), where_defined(e)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" — ")
}

// ---------------------------------------------------------------------------------------------
// The embed builder: enforces the limits as content is added.

struct Msg<'o> {
    opts: &'o Options,
    embed: Embed,
    buttons: Vec<Button>,
    cut: bool,
}

impl<'o> Msg<'o> {
    fn new(opts: &'o Options) -> Msg<'o> {
        Msg { opts, embed: Embed { color: COLOR, ..Embed::default() }, buttons: Vec::new(), cut: false }
    }

    fn used(&self) -> usize {
        self.embed.total_chars()
    }

    /// Characters left for one more field value.
    fn field_budget(&self) -> usize {
        limits::EMBED_TOTAL.saturating_sub(self.used() + RESERVED + 40).min(limits::FIELD_VALUE)
    }

    fn description_budget(&self) -> usize {
        limits::EMBED_TOTAL
            .saturating_sub(self.used() + RESERVED)
            .min(limits::DESCRIPTION.saturating_sub(self.embed.description.chars().count() + 1))
    }

    fn title(&mut self, text: &str, url: Option<String>) {
        // Titles render no markdown, but a zero-width space after `@` keeps `@everyone` inert
        // for any client that would render mentions there.
        let t = cut(&text.trim().replace('@', "@\u{200b}"), limits::TITLE);
        if !t.is_empty() {
            self.embed.title = Some(t);
            self.embed.url = url.filter(|u| linkable(u) && u.len() <= limits::URL);
        }
    }

    /// A paragraph of the description (markdown built from escaped pieces).
    fn line(&mut self, text: String) {
        if text.is_empty() {
            return;
        }
        if text.chars().count() > self.description_budget() {
            self.cut = true;
            return;
        }
        if !self.embed.description.is_empty() {
            self.embed.description.push('\n');
        }
        self.embed.description.push_str(&text);
    }

    fn field(&mut self, name: &str, value: String, inline: bool) {
        if value.is_empty() {
            return;
        }
        let name = cut(name, limits::FIELD_NAME);
        if self.embed.fields.len() >= limits::FIELDS - 1 || value.chars().count() > self.field_budget() {
            self.cut = true;
            return;
        }
        self.embed.fields.push(Field { name, value, inline });
    }

    fn footer(&mut self, text: String) {
        let text = cut(text.trim(), 1000);
        if !text.is_empty() && self.used() + text.chars().count() + RESERVED <= limits::EMBED_TOTAL {
            self.embed.footer = Some(text);
        }
    }

    fn finish(mut self) -> Rendered {
        if self.cut {
            let note = "Some of this answer was left out to fit in a Discord message; narrow the question or use `backline ask` for all of it.";
            self.embed.fields.truncate(limits::FIELDS - 1);
            self.embed.fields.push(Field { name: "…".into(), value: note.into(), inline: false });
        }
        if self.embed.description.is_empty() && self.embed.title.is_none() && self.embed.fields.is_empty() {
            self.embed.description = "Backline".into();
        }
        Rendered { embeds: vec![self.embed], buttons: self.buttons }
    }
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
        _ => m.line(escape_cut(&answer.summary, 2000)),
    }
    stale(&mut m, &answer.stale_sources);
    m.finish()
}

/// A short message that is not an answer (errors, refusals).
pub fn notice(text: &str) -> Rendered {
    let opts = Options::default();
    let mut m = Msg::new(&opts);
    m.embed.color = COLOR_WARN;
    m.line(escape_cut(text, 2000));
    m.finish()
}

// ---------------------------------------------------------------------------------------------
// Reach: contacts, on-call, people, links.

fn contact_key(c: &Contact) -> String {
    c.url.as_deref().unwrap_or(c.value.trim()).trim().trim_start_matches('#').to_lowercase()
}

fn contact_text(c: &Contact) -> String {
    let value = c.value.trim();
    if let Some(url) = c.url.as_deref().filter(|u| linkable(u)) {
        return link(url, c.label.as_deref().unwrap_or(value));
    }
    if c.channel == ContactChannel::DiscordChannel && !value.is_empty() && value.chars().all(|ch| ch.is_ascii_digit()) {
        // Renders as #channel and notifies nobody.
        return format!("<#{value}>");
    }
    let label = match c.channel {
        ContactChannel::Email => "✉ ",
        ContactChannel::SlackChannel | ContactChannel::SlackNotify => "Slack ",
        ContactChannel::DiscordChannel => "Discord ",
        ContactChannel::ChatLink => "",
    };
    format!("{label}{}", code(value, 80))
}

fn contacts(list: &[Contact]) -> (Vec<String>, HashSet<String>) {
    let mut seen = HashSet::new();
    let mut urls = HashSet::new();
    let mut out = Vec::new();
    for c in list {
        if !seen.insert(contact_key(c)) {
            continue;
        }
        if let Some(u) = &c.url {
            urls.insert(u.to_lowercase());
        }
        out.push(contact_text(c));
    }
    (out, urls)
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
    } else {
        3
    }
}

fn links_text(links: &[LinkInfo], skip: &HashSet<String>, max: usize) -> String {
    let mut seen = skip.clone();
    let mut sorted: Vec<&LinkInfo> =
        links.iter().filter(|l| linkable(&l.url) && seen.insert(l.url.to_lowercase())).collect();
    sorted.sort_by_key(|l| link_rank(l));
    let items: Vec<String> =
        sorted.iter().map(|l| link(&l.url, l.title.as_deref().or(l.link_type.as_deref()).unwrap_or(&l.url))).collect();
    join_list(&items, " · ", LIST_ITEMS, items.len(), max)
}

fn person_text(p: &Person) -> String {
    let name = escape_cut(p.display_name.as_deref().unwrap_or(&short_name(&p.entity)), 80);
    match p.email.as_deref() {
        Some(email) => format!("{name} ({})", escape_cut(email, 120)),
        None => name,
    }
}

fn reach_fields(m: &mut Msg<'_>, reach: &Reach, members: &[Person], subject: &str) {
    if !reach.on_call.is_empty() {
        let mut seen = HashSet::new();
        let items: Vec<String> = reach
            .on_call
            .iter()
            .filter(|o| seen.insert((o.provider.clone(), o.annotation.clone(), o.value.clone())))
            .map(|o| on_call_text(o, subject))
            .collect();
        let v = join_list(&items, "\n", LIST_ITEMS, items.len(), m.field_budget());
        m.field("🚨 On call", v, false);
    }
    let (contacts, shown) = contacts(&reach.contacts);
    if !contacts.is_empty() {
        let v = join_list(&contacts, " · ", LIST_ITEMS, contacts.len(), m.field_budget());
        m.field("💬 Reach", v, false);
    }
    if !members.is_empty() {
        let items: Vec<String> = members.iter().map(person_text).collect();
        let v = join_list(&items, "\n", PEOPLE, items.len(), m.field_budget());
        m.field("👥 People", v, false);
    }
    if !reach.links.is_empty() {
        let v = links_text(&reach.links, &shown, m.field_budget());
        m.field("🔗 Links", v, false);
    }
}

fn findings_field(m: &mut Msg<'_>, findings: &[FindingSummary]) {
    let errors: Vec<&FindingSummary> = findings.iter().filter(|f| f.severity == "error").collect();
    if let Some(first) = errors.first() {
        m.field(
            "⚠ Backstage would refuse it",
            format!(
                "{} error{}: {} {} at {}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                code(&first.code, 20),
                escape_cut(&first.message, 300),
                code(&format!("{}:{}", first.location.file, first.location.line), 200)
            ),
            false,
        );
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
            format!("{} ({}{since})", code(&s.name, 60), escape_cut(&s.error, 200))
        })
        .collect();
    let v = join_list(&items, "\n", 3, items.len(), m.field_budget());
    m.field(
        "⚠ Possibly out of date",
        format!("{v}\nThese sources failed to index; answers use their last good state."),
        false,
    );
    m.embed.color = COLOR_WARN;
}

fn owner_line(owner: Option<&EntitySummary>, opts: &Options) -> String {
    match owner {
        None => "⚠ **Owner:** none in the catalog".to_owned(),
        Some(o) if !o.exists => {
            format!("⚠ **Owner:** {}, which is not defined in the catalog", code(&short_ref(&o.entity_ref), 200))
        }
        Some(o) => format!("**Owner:** {}", named(o, opts)),
    }
}

fn parents_line(parents: &[EntitySummary]) -> String {
    if parents.is_empty() {
        return String::new();
    }
    let chain: Vec<String> = parents.iter().take(4).map(|p| escape_cut(&display(p), 80)).collect();
    format!("part of {}", chain.join(" › "))
}

fn description_line(e: &EntitySummary) -> String {
    e.description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| format!("*{}*", escape_cut(d, 300)))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Bodies.

fn ownership(m: &mut Msg<'_>, a: &OwnershipAnswer) {
    m.title(&display(&a.entity), catalog_link(&a.entity, m.opts));
    m.line(owner_line(a.owner.as_ref(), m.opts));
    m.line(parents_line(&a.parents));
    if !a.entity.valid {
        m.line("⚠ Backstage would refuse this entity (see below).".into());
    }
    m.line(description_line(&a.entity));
    reach_fields(m, &a.reach, &a.members, &a.entity.entity_ref);
    findings_field(m, &a.findings);
    m.footer(footer_of(&a.entity));
}

fn contact(m: &mut Msg<'_>, a: &ContactAnswer) {
    let whom = a.team.as_ref().unwrap_or(&a.subject);
    m.title(&format!("Reach {}", display(whom)), catalog_link(whom, m.opts));
    if a.team.as_ref().is_none_or(|t| t.entity_ref != a.subject.entity_ref) {
        m.line(format!("{} — {}", named(&a.subject, m.opts), owner_line(a.team.as_ref(), m.opts)));
    }
    if a.reach.is_empty() && a.members.is_empty() {
        m.line("No on-call, channel or people are recorded for it in the catalog.".into());
    }
    reach_fields(m, &a.reach, &a.members, &a.subject.entity_ref);
    m.footer(footer_of(&a.subject));
}

fn entity(m: &mut Msg<'_>, a: &EntityAnswer) {
    let e = &a.entity;
    m.title(&display(e), catalog_link(e, m.opts));
    m.line(description_line(e));
    m.field("Kind", escape(&facts(e)), true);
    if let Some(owner_ref) = &e.owner {
        let owner = a.relations.iter().find(|r| r.relation == "ownedBy").map(|r| &r.target);
        let v = match owner {
            Some(o) if o.exists => named(o, m.opts),
            _ => code(&short_ref(owner_ref), 200),
        };
        m.field("Owner", v, true);
    }
    for (relation, label) in
        [("partOf", "Part of"), ("providesApi", "Provides"), ("consumesApi", "Consumes"), ("dependsOn", "Depends on")]
    {
        let targets: Vec<String> =
            a.relations.iter().filter(|r| r.relation == relation).map(|r| code(&short_name(&r.target), 80)).collect();
        if !targets.is_empty() {
            let v = join_list(&targets, ", ", 5, targets.len(), 600);
            m.field(label, v, true);
        }
    }
    if !a.tags.is_empty() {
        let tags: Vec<String> = a.tags.iter().map(|t| code(t, 60)).collect();
        let v = join_list(&tags, " ", 10, tags.len(), 600);
        m.field("Tags", v, true);
    }
    if !a.links.is_empty() {
        let v = links_text(&a.links, &HashSet::new(), m.field_budget());
        m.field("🔗 Links", v, false);
    }
    findings_field(m, &a.findings);
    m.footer(where_defined(e));
}

fn dependencies(m: &mut Msg<'_>, a: &DependencyAnswer) {
    let root = display(&a.root);
    let (title, verb) = match a.direction {
        Direction::Dependents => (format!("Blast radius of {root}"), "depend on it"),
        Direction::Dependencies => (format!("{root} depends on"), "it depends on"),
    };
    m.title(&title, catalog_link(&a.root, m.opts));
    if a.nodes.is_empty() {
        m.line(match a.direction {
            Direction::Dependents => format!("Nothing in the catalog depends on {}.", named(&a.root, m.opts)),
            Direction::Dependencies => format!("{} depends on nothing in the catalog.", named(&a.root, m.opts)),
        });
    } else {
        let direct = a.nodes.iter().filter(|n| n.depth == 1).count();
        m.line(format!(
            "**{}** entit{} {verb} ({direct} directly), up to depth {}.",
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
            let items: Vec<String> = owners.iter().map(|(o, n)| format!("{} ({n})", code(o, 80))).collect();
            let v = join_list(&items, " · ", LIST_ITEMS, items.len(), m.field_budget());
            m.field("👥 Teams affected", v, false);
        }
        let max_depth = a.nodes.iter().map(|n| n.depth).max().unwrap_or(0);
        for depth in 1..=max_depth {
            let items: Vec<String> = a.nodes.iter().filter(|n| n.depth == depth).map(|n| compact(&n.entity)).collect();
            if items.is_empty() {
                continue;
            }
            let label = if depth == 1 {
                format!("Directly ({})", items.len())
            } else {
                format!("Depth {depth} ({})", items.len())
            };
            let v = join_list(&items, ", ", 15, items.len(), m.field_budget());
            m.field(&label, v, false);
        }
    }
    if a.truncated {
        m.line(format!("More entities are reachable beyond depth {}; ask again with a larger depth.", a.max_depth));
    }
    m.footer(footer_of(&a.root));
}

fn team(m: &mut Msg<'_>, a: &TeamAnswer) {
    m.title(&display(&a.team), catalog_link(&a.team, m.opts));
    let mut text = named(&a.team, m.opts);
    let parents = parents_line(&a.parents);
    if !parents.is_empty() {
        text.push_str(&format!(" — {parents}"));
    }
    m.line(text);
    if let Some(email) = &a.email {
        m.line(format!("✉ {}", escape_cut(email, 200)));
    }
    reach_fields(m, &a.reach, &a.members, &a.team.entity_ref);
    if !a.children.is_empty() {
        let items: Vec<String> = a.children.iter().map(|c| code(&short_name(c), 80)).collect();
        let v = join_list(&items, ", ", LIST_ITEMS, items.len(), m.field_budget());
        m.field("Sub-teams", v, false);
    }
    if a.owns.is_empty() {
        m.line("**Owns:** nothing in the catalog.".into());
    } else {
        let mut by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for o in &a.owns {
            let mut item = code(&short_name(&o.entity), 80);
            if let Some(via) = &o.via {
                item.push_str(&format!(" (via {})", escape_cut(&short_ref(via), 60)));
            }
            by_kind.entry(o.entity.kind.clone()).or_default().push(item);
        }
        let name = format!("Owns {} entit{}", a.owns.len(), if a.owns.len() == 1 { "y" } else { "ies" });
        let lines: Vec<String> = by_kind
            .iter()
            .map(|(kind, items)| {
                format!(
                    "**{}** ({}): {}",
                    escape_cut(kind, 40),
                    items.len(),
                    join_list(items, ", ", 12, items.len(), 400)
                )
            })
            .collect();
        let v = join_list(&lines, "\n", 12, lines.len(), m.field_budget());
        m.field(&name, v, false);
    }
    m.footer(where_defined(&a.team));
}

fn search(m: &mut Msg<'_>, a: &SearchAnswer) {
    if a.hits.is_empty() {
        m.line(format!("Nothing in the catalog matches “{}”.", escape_cut(&a.text, 200)));
        return;
    }
    m.line(format!("**{}** result{} for “{}”", a.total, if a.total == 1 { "" } else { "s" }, escape_cut(&a.text, 200)));
    let items: Vec<String> = a
        .hits
        .iter()
        .map(|h| {
            let e = &h.entity;
            let mut line = format!("• {} — {}", named(e, m.opts), escape(&facts(e)));
            if let Some(owner) = &e.owner {
                line.push_str(&format!(" · {}", escape_cut(&short_ref(owner), 60)));
            }
            if let Some(d) = e.description.as_deref().filter(|d| !d.trim().is_empty()) {
                line.push_str(&format!("\n  {}", escape_cut(d, 140)));
            }
            line
        })
        .collect();
    let max = m.description_budget();
    m.line(join_list(&items, "\n", 10, a.total as usize, max));
}

fn filters_text(a: &FindAnswer) -> String {
    a.filters.iter().map(backline_answer::question::filter_text).collect::<Vec<_>>().join(" ")
}

fn find(m: &mut Msg<'_>, a: &FindAnswer) {
    let filters = code(&filters_text(a), 300);
    if a.total == 0 {
        m.line(format!("Nothing in the catalog matches {filters}."));
        return;
    }
    m.line(format!(
        "**{}** entit{} match {filters}, owned by {} owner{}:",
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
                Some(o) => format!("{} *(not defined)*", code(&short_ref(&o.entity_ref), 80)),
                None => "*no owner*".to_owned(),
            };
            let items: Vec<String> = g.entities.iter().map(|e| code(&short_name(e), 80)).collect();
            format!("• {owner} ({}): {}", items.len(), join_list(&items, ", ", 10, items.len(), 500))
        })
        .collect();
    let max = m.description_budget();
    m.line(join_list(&lines, "\n", 20, lines.len(), max));
}

fn health(m: &mut Msg<'_>, a: &HealthAnswer) {
    m.title("Catalog health", None);
    m.line(format!(
        "{} entities in {} files from {} source{}.",
        a.entity_count,
        a.file_count,
        a.source_count,
        if a.source_count == 1 { "" } else { "s" }
    ));
    let item = |m: &mut Msg<'_>, title: &str, entries: Vec<String>| {
        if !entries.is_empty() {
            let v = join_list(&entries, ", ", LIST_ITEMS, entries.len(), m.field_budget());
            m.field(&format!("{title} ({})", entries.len()), v, false);
        }
    };
    item(
        m,
        "Owner not defined",
        a.missing_owners
            .iter()
            .map(|x| format!("{} → {}", code(&short_name(&x.entity), 80), code(&short_ref(&x.owner_ref), 80)))
            .collect(),
    );
    item(
        m,
        "Deprecated but still used in production",
        a.deprecated_in_use
            .iter()
            .map(|x| format!("{} (used by {})", code(&short_name(&x.entity), 80), x.dependents.len()))
            .collect(),
    );
    item(m, "Groups without members", a.groups_without_members.iter().map(|x| code(&short_name(x), 80)).collect());
    item(m, "Users in no group", a.users_without_group.iter().map(|x| code(&short_name(x), 80)).collect());
    item(
        m,
        "Entities with findings",
        a.entities_with_findings
            .iter()
            .map(|x| format!("{} ({})", code(&short_name(&x.entity), 80), x.findings.len()))
            .collect(),
    );
    item(
        m,
        "Files with errors",
        a.file_findings
            .iter()
            .map(|f| {
                format!("{} {}", code(&format!("{}:{}", f.location.file, f.location.line), 120), code(&f.code, 12))
            })
            .collect(),
    );
}

/// The `custom_id` of a button asking `question`, if it fits.
pub fn ask_button_id(question: &str) -> Option<String> {
    let id = format!("{BUTTON_ASK}{question}");
    (!question.is_empty() && id.len() <= limits::CUSTOM_ID).then_some(id)
}

fn candidate_buttons(m: &mut Msg<'_>, candidates: &[Candidate]) {
    let mut seen = HashSet::new();
    for c in candidates.iter().take(MAX_CANDIDATES) {
        let Some(custom_id) = ask_button_id(&c.follow_up) else { continue };
        if seen.insert(custom_id.clone()) {
            let label = cut(&format!("{} ({})", short_name(&c.entity), c.entity.kind), limits::BUTTON_LABEL);
            m.buttons.push(Button { label, custom_id });
        }
    }
}

fn candidate_lines(candidates: &[Candidate], max: usize) -> String {
    let items: Vec<String> = candidates
        .iter()
        .take(MAX_CANDIDATES)
        .map(|c| {
            let e = &c.entity;
            let mut line = format!("• {} — {}", code(&short_name(e), 100), escape(&facts(e)));
            if let Some(owner) = &e.owner {
                line.push_str(&format!(" · {}", escape_cut(&short_ref(owner), 60)));
            }
            if let Some(d) = e.description.as_deref().filter(|d| !d.trim().is_empty()) {
                line.push_str(&format!(" — {}", escape_cut(d, 100)));
            }
            line
        })
        .collect();
    join_list(&items, "\n", MAX_CANDIDATES, items.len(), max)
}

fn ambiguous(m: &mut Msg<'_>, a: &Ambiguous) {
    m.line(format!("Several entities match “{}”. Which one do you mean?", escape_cut(&a.name, 200)));
    let max = m.description_budget().min(2000);
    m.line(candidate_lines(&a.candidates, max));
    candidate_buttons(m, &a.candidates);
}

fn not_found(m: &mut Msg<'_>, a: &NotFound) {
    if a.closest.is_empty() {
        m.line(format!(
            "Nothing in the catalog is called “{}”. Try `/backline search` with part of the name.",
            escape_cut(&a.name, 200)
        ));
        return;
    }
    m.line(format!("Nothing in the catalog is called “{}”. Did you mean:", escape_cut(&a.name, 200)));
    let max = m.description_budget().min(2000);
    m.line(candidate_lines(&a.closest, max));
    candidate_buttons(m, &a.closest);
}

fn help(m: &mut Msg<'_>, a: &Help) {
    if let Some(reason) = &a.reason {
        m.line(escape_cut(reason, 500));
    }
    let subs: Vec<String> = SUBCOMMANDS.iter().map(|s| format!("• `/backline {}` — {}", s.name, s.about)).collect();
    m.line(format!("**Ask me with `/backline`:**\n{}", subs.join("\n")));
    if !a.examples.is_empty() {
        let items: Vec<String> = a
            .examples
            .iter()
            .map(|e| format!("• “{}” — {}", escape_cut(&e.question, 200), escape_cut(&e.explanation, 200)))
            .collect();
        let v = join_list(&items, "\n", 12, items.len(), m.field_budget());
        m.field("Questions the engine understands", v, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_cutting() {
        assert_eq!(
            escape("**bold** @everyone <@123> [x](http://e)"),
            "\\*\\*bold\\*\\* \\@everyone \\<\\@123> \\[x\\]\\(http://e\\)"
        );
        assert_eq!(escape("# title\n- item"), "\\# title - item");
        assert_eq!(escape("payments-api"), "payments-api");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(code("a`b", 10), "`a'b`");
        assert_eq!(link("javascript:alert(1)", "x"), "x");
        assert_eq!(link("https://e.example/a_(b)", "Run"), "[Run](https://e.example/a_%28b%29)");
    }

    #[test]
    fn join_list_counts_what_it_leaves_out() {
        let items: Vec<String> = (0..20).map(|i| format!("item{i}")).collect();
        assert_eq!(join_list(&items, ", ", 3, 20, 1000), "item0, item1, item2, …and 17 more");
        let tight = join_list(&items, ", ", 20, 20, 40);
        assert!(tight.chars().count() <= 40 && tight.ends_with("more"), "{tight}");
    }

    #[test]
    fn long_questions_get_no_button() {
        assert_eq!(ask_button_id("who owns x").as_deref(), Some("bl:ask:who owns x"));
        assert!(ask_button_id(&"x".repeat(100)).is_none());
    }
}

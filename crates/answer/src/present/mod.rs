//! Answers to [`Card`]s: what a chat answer says, in which order, decided once for Slack and
//! Discord.
//!
//! The order follows what an on-call engineer needs first: who owns it, who is on call and where
//! to page them, which channel and people to reach, then runbooks and the rest. One file per
//! kind of answer; [`reach`] holds what ownership, contact and team answers share (contacts
//! merged once, on-call, people, links in ranked order), [`oncall`] who is on call right now,
//! and [`migration`] how a migration is going.

mod ask_back;
mod entity;
mod graph;
mod lists;
pub mod migration;
pub mod mine;
pub mod oncall;
pub mod reach;
mod scorecard;

use crate::card::{Block, Card, Icon, List, Sep, Span, Text, Title, cut};
use crate::model::{Answer, AnswerBody, EntitySummary, FindingSeverity, FindingSummary, StaleSource};

/// Items shown before "…and N more".
pub const LIST_ITEMS: usize = 8;
/// People shown before "…and N more".
pub const PEOPLE: usize = 6;
/// Candidates (and their buttons) offered when a name is ambiguous or not found.
pub const MAX_CANDIDATES: usize = 10;

/// How to present.
#[derive(Debug, Clone, Default)]
pub struct PresentOptions {
    /// Base URL of the Backstage UI, to link entities to their catalog page.
    pub catalog_url: Option<String>,
}

/// The card of an answer.
pub fn card(answer: &Answer, opts: &PresentOptions) -> Card {
    let mut c = Card {
        summary: answer.summary.clone(),
        title: None,
        blocks: Vec::new(),
        choices: Vec::new(),
        footer: Vec::new(),
        warning: false,
        // Buttons that re-ask need their own answer to mean the same thing, which only questions do.
        // Answers about the asker are about whoever presses the button, not whoever asked.
        shareable: !matches!(
            answer.body,
            AnswerBody::Ambiguous(_) | AnswerBody::NotFound(_) | AnswerBody::Mine(_) | AnswerBody::UnknownAsker(_)
        ),
        chart: None,
    };
    match &answer.body {
        AnswerBody::Ownership(a) => entity::ownership(&mut c, a, opts),
        AnswerBody::Contact(a) => entity::contact(&mut c, a, opts),
        AnswerBody::Entity(a) => entity::entity(&mut c, a, opts),
        AnswerBody::Dependencies(a) => graph::dependencies(&mut c, a, opts),
        AnswerBody::Team(a) => graph::team(&mut c, a, opts),
        AnswerBody::Search(a) => lists::search(&mut c, a, opts),
        AnswerBody::Find(a) => lists::find(&mut c, a, opts),
        AnswerBody::Health(a) => lists::health(&mut c, a, opts),
        AnswerBody::Migration(a) => migration::migration(&mut c, a, opts),
        AnswerBody::Migrations(a) => migration::migrations(&mut c, a),
        AnswerBody::Scorecard(a) => scorecard::scorecard(&mut c, a, opts),
        AnswerBody::Ambiguous(a) => ask_back::ambiguous(&mut c, a, opts),
        AnswerBody::NotFound(a) => ask_back::not_found(&mut c, a, opts),
        AnswerBody::Help(a) => ask_back::help(&mut c, a),
        AnswerBody::Mine(a) => mine::mine(&mut c, a, opts),
        AnswerBody::UnknownAsker(a) => mine::unknown(&mut c, a),
    }
    if let Some(f) = &answer.fuzzy {
        // Said before anything else: the answer is about another name than the one asked.
        c.blocks.insert(0, Block::Note(Text::new().plain(crate::render::fuzzy_line(f))));
    }
    stale(&mut c, &answer.stale_sources);
    c
}

/// A card that is not an answer (errors, refusals, usage): one paragraph.
pub fn notice(text: &str) -> Card {
    Card {
        summary: text.to_owned(),
        title: None,
        blocks: vec![Block::Paragraph(Text::new().plain(cut(text.trim(), 2000)))],
        choices: Vec::new(),
        footer: Vec::new(),
        warning: false,
        shareable: false,
        chart: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Pieces every answer uses.

/// `payments-api`, or `ns/name` outside the default namespace.
pub fn short_name(e: &EntitySummary) -> String {
    if e.namespace.is_empty() || e.namespace == "default" {
        e.name.clone()
    } else {
        format!("{}/{}", e.namespace, e.name)
    }
}

/// Short form of a canonical reference `kind:ns/name`.
pub fn short_ref(entity_ref: &str) -> String {
    let no_kind = entity_ref.split_once(':').map_or(entity_ref, |(_, rest)| rest);
    no_kind.strip_prefix("default/").unwrap_or(no_kind).to_owned()
}

/// A human name for an entity: its title (display name) when it has one.
pub fn display(e: &EntitySummary) -> String {
    e.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| short_name(e))
}

/// The entity's page in the Backstage UI: the one the answer carries, else one built from the
/// platform's catalog URL, when the entity exists.
pub fn catalog_link(e: &EntitySummary, opts: &PresentOptions) -> Option<String> {
    if !e.exists {
        return None;
    }
    if let Some(url) = e.url.as_deref().filter(|u| reach::linkable(u)) {
        return Some(url.to_owned());
    }
    let base = opts.catalog_url.as_deref()?;
    Some(crate::links::entity_page(base, &e.namespace, &e.kind, &e.name))
}

fn title(c: &mut Card, text: String, e: Option<&EntitySummary>, opts: &PresentOptions) {
    c.title = Some(Title { text: cut(text.trim(), 150), url: e.and_then(|e| catalog_link(e, opts)) });
}

/// **Payments Team** (`team-payments`), linked to the catalog page when a catalog URL is set.
pub fn named(e: &EntitySummary, opts: &PresentOptions) -> Text {
    let name = short_name(e);
    let title = e.title.as_deref().filter(|t| !t.trim().is_empty() && *t != name);
    let label = cut(title.unwrap_or(&name).trim(), 120);
    let main = match catalog_link(e, opts) {
        Some(url) => Span::Bold(vec![Span::Link { url, label }]),
        None => Span::Bold(vec![Span::Plain(label)]),
    };
    let text = Text::from(main);
    match title {
        Some(_) => text.plain(" (").code(cut(&name, 120)).plain(")"),
        None => text,
    }
}

/// A compact mention in lists: `name` (owner), the name linked to the entity's page.
pub fn compact(e: &EntitySummary, opts: &PresentOptions) -> Text {
    let mut t = linked_name(e, opts, 100);
    if let Some(owner) = &e.owner {
        t = t.plain(format!(" ({})", cut(&short_ref(owner), 60)));
    }
    if !e.exists {
        t = t.plain(" ").italic("(not defined)");
    }
    t
}

/// `name` as code, for lists of names; linked to the entity's page instead when it has one.
pub fn code_name(e: &EntitySummary, opts: &PresentOptions) -> Text {
    linked_name(e, opts, 80)
}

/// The short name linked to the entity's Backstage page, or as code when there is none.
fn linked_name(e: &EntitySummary, opts: &PresentOptions, max: usize) -> Text {
    let name = cut(&short_name(e), max);
    match catalog_link(e, opts) {
        Some(url) => Text::from(Span::Link { url, label: name }),
        None => Text::new().code(name),
    }
}

/// Kind · type · lifecycle, plain (footers render no markup).
pub fn facts(e: &EntitySummary) -> String {
    let mut parts = vec![cut(&e.kind, 40)];
    parts.extend(e.spec_type.iter().map(|t| cut(t, 40)));
    if let Some(l) = &e.lifecycle {
        parts.push(if l.eq_ignore_ascii_case("deprecated") { format!("⚠ {}", cut(l, 40)) } else { cut(l, 40) });
    }
    parts.join(" · ")
}

/// "defined in file:line (source)", plain.
pub fn where_defined(e: &EntitySummary) -> String {
    e.defined_at
        .as_ref()
        .map(|at| format!("defined in {} ({})", cut(&at.display(), 200), cut(&at.source, 60)))
        .unwrap_or_default()
}

fn footer_of(c: &mut Card, e: &EntitySummary) {
    c.footer = [facts(e), where_defined(e)].into_iter().filter(|s| !s.is_empty()).collect();
}

/// The description, in italics.
fn description(e: &EntitySummary) -> Option<Text> {
    let d = e.description.as_deref().map(str::trim).filter(|d| !d.is_empty())?;
    Some(Text::from(Span::Italic(vec![Span::Plain(cut(d, 300))])))
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// "Backstage would refuse it: 2 errors: `BS0401` message at `file:line`".
fn findings(c: &mut Card, findings: &[FindingSummary]) {
    let errors: Vec<&FindingSummary> = findings.iter().filter(|f| f.severity == FindingSeverity::Error).collect();
    if let Some(first) = errors.first() {
        c.blocks.push(Block::Warning {
            label: "Backstage would refuse it".into(),
            text: Text::new()
                .plain(format!("{} error{}: ", errors.len(), plural(errors.len(), "", "s")))
                .code(cut(&first.code, 20))
                .plain(format!(" {} at ", cut(first.message.trim(), 300)))
                .code(cut(&first.location.display(), 200)),
        });
    }
}

fn stale(c: &mut Card, stale: &[StaleSource]) {
    if stale.is_empty() {
        return;
    }
    let items: Vec<Text> = stale
        .iter()
        .map(|s| {
            let since =
                s.last_success.as_deref().map(|t| format!(", last good index {}", cut(t, 40))).unwrap_or_default();
            Text::new().code(cut(&s.name, 60)).plain(format!(" ({}{since})", cut(s.error.trim(), 200)))
        })
        .collect();
    c.blocks.push(Block::Warning {
        label: "Possibly out of date".into(),
        text: Text::new()
            .list(List::new(items, Sep::Line, 3).max_chars(1500))
            .br()
            .plain("These sources failed to index; answers use their last good state."),
    });
    c.warning = true;
}

/// A labelled list block.
fn list_block(c: &mut Card, icon: Option<Icon>, label: &str, count: Option<usize>, list: List) {
    if list.items.is_empty() && list.total == 0 {
        return;
    }
    c.blocks.push(Block::List(crate::card::ListBlock { icon, label: Some(label.to_owned()), count, list }));
}

/// An unlabelled list block (results, candidates).
fn lines_block(c: &mut Card, list: List) {
    c.blocks.push(Block::List(crate::card::ListBlock { icon: None, label: None, count: None, list }));
}

//! Cards ([`backline_answer::card`]) as Discord embeds and buttons.
//!
//! What an answer shows, and in which order, is decided once for every platform by
//! [`backline_answer::present`]; this file only maps a card to an embed (title, description,
//! fields, footer) and buttons, escapes its text for Discord markdown and enforces Discord's
//! limits by construction: title 256, description 4096, 25 fields of name 256 and value 1024,
//! footer 2048, 6000 characters across an embed; buttons 5 per row, labels 80, `custom_id`
//! 1–100. Mentions are also disabled by the sender (`allowed_mentions` with nothing to parse), so
//! a catalog saying `@everyone` pings nobody. The output is plain data ([`Rendered`]) so tests
//! can check limits without serenity.

use std::collections::HashSet;

use backline_answer::Answer;
use backline_answer::card::{Block, Card, Chart, ChatPlatform, Icon, ListBlock, Markup, render_list, render_text};
use backline_answer::present::{self, PresentOptions};
use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateAttachment, CreateButton, CreateEmbed,
    CreateEmbedFooter, CreateInteractionResponseMessage, CreateMessage, EditInteractionResponse,
};

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

/// A message ready to send, and the chart the answer comes with (attached by a later edit of the
/// message, once drawn: [`Rendered::edit_with_chart`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub embeds: Vec<Embed>,
    pub buttons: Vec<Button>,
    pub chart: Option<Chart>,
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

    /// The embeds with the chart shown in the first one, from the attachment `png` becomes.
    fn embeds_with_chart(&self) -> Vec<CreateEmbed> {
        let mut embeds = self.embeds();
        if let Some(first) = embeds.first_mut() {
            *first = first.clone().attachment(Chart::FILE_NAME);
        }
        embeds
    }

    /// As an edit of the original response that attaches the chart's PNG (sent as
    /// `multipart/form-data`: `payload_json` and `files[0]`) and shows it in the first embed
    /// (`attachment://burn-down.png`).
    pub fn edit_with_chart(&self, png: Vec<u8>) -> EditInteractionResponse {
        EditInteractionResponse::new()
            .embeds(self.embeds_with_chart())
            .components(self.rows())
            .allowed_mentions(CreateAllowedMentions::new())
            .new_attachment(CreateAttachment::bytes(png, Chart::FILE_NAME))
    }

    /// As a new message in a channel (a scheduled post), with the chart's PNG when drawn.
    pub fn channel_message(&self, png: Option<Vec<u8>>) -> CreateMessage {
        let message = CreateMessage::new().components(self.rows()).allowed_mentions(CreateAllowedMentions::new());
        match png {
            Some(png) => {
                message.embeds(self.embeds_with_chart()).add_file(CreateAttachment::bytes(png, Chart::FILE_NAME))
            }
            None => message.embeds(self.embeds()),
        }
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

/// Discord markdown for card spans.
struct DiscordMarkdown;

impl Markup for DiscordMarkdown {
    fn plain(&self, s: &str) -> String {
        escape(s)
    }
    fn bold(&self, inner: &str) -> String {
        format!("**{inner}**")
    }
    fn italic(&self, inner: &str) -> String {
        format!("*{inner}*")
    }
    fn code(&self, s: &str) -> String {
        code(s, limits::FIELD_VALUE)
    }
    fn link(&self, url: &str, label: &str) -> String {
        link(url, label)
    }
    /// Discord links only http(s) URLs, so an address is text.
    fn email(&self, address: &str) -> String {
        escape(address.trim())
    }
    fn channel(&self, platform: ChatPlatform, id: &str) -> String {
        match platform {
            // Renders as #channel and notifies nobody.
            ChatPlatform::Discord => format!("<#{id}>"),
            ChatPlatform::Slack => code(id, 80),
        }
    }
    fn icon(&self, icon: Icon) -> String {
        match icon {
            Icon::Warning => "⚠",
            Icon::OnCall => "🚨",
            Icon::Reach => "💬",
            Icon::People => "👥",
            Icon::Link => "🔗",
            Icon::Email => "✉",
        }
        .to_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// The embed builder: enforces the limits as content is added.

struct Msg {
    embed: Embed,
    buttons: Vec<Button>,
    cut: bool,
}

impl Msg {
    fn new() -> Msg {
        Msg { embed: Embed { color: COLOR, ..Embed::default() }, buttons: Vec::new(), cut: false }
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
        Rendered { embeds: vec![self.embed], buttons: self.buttons, chart: None }
    }
}

/// Renders an answer of the question engine.
pub fn render(answer: &Answer, opts: &Options) -> Rendered {
    render_card(&present::card(answer, &PresentOptions { catalog_url: opts.catalog_url.clone() }))
}

/// A short message that is not an answer (errors, refusals).
pub fn notice(text: &str) -> Rendered {
    let mut card = present::notice(text);
    card.warning = true;
    render_card(&card)
}

fn render_card(card: &Card) -> Rendered {
    let md = DiscordMarkdown;
    let mut m = Msg::new();
    if card.warning {
        m.embed.color = COLOR_WARN;
    }
    if let Some(title) = &card.title {
        m.title(&title.text, title.url.clone());
    }
    for block in &card.blocks {
        match block {
            Block::Paragraph(text) | Block::Note(text) => {
                let t = render_text(&md, text, m.description_budget());
                m.line(t);
            }
            Block::List(list) => list_block(&mut m, list),
            Block::Fields(fields) => {
                for f in fields {
                    let v = render_text(&md, &f.value, m.field_budget());
                    m.field(&f.label, v, true);
                }
            }
            Block::Warning { label, text } => {
                let v = render_text(&md, text, m.field_budget());
                m.field(&format!("{} {label}", md.icon(Icon::Warning)), v, false);
            }
        }
    }
    let mut seen = HashSet::new();
    for c in &card.choices {
        let Some(custom_id) = ask_button_id(&c.question) else { continue };
        if seen.insert(custom_id.clone()) {
            m.buttons.push(Button { label: cut(&c.label, limits::BUTTON_LABEL), custom_id });
        }
    }
    m.footer(card.footer.join(" — "));
    let mut rendered = m.finish();
    rendered.chart = card.chart.clone();
    rendered
}

/// A labelled list as a field ("🚨 On call"); an unlabelled one as part of the description.
fn list_block(m: &mut Msg, b: &ListBlock) {
    let md = DiscordMarkdown;
    match &b.label {
        Some(label) => {
            let mut name = b.icon.map(|i| format!("{} ", md.icon(i))).unwrap_or_default();
            name.push_str(label);
            if let Some(n) = b.count {
                name.push_str(&format!(" ({n})"));
            }
            let budget = m.field_budget();
            let v = render_list(&md, &b.list, b.list.max_chars.unwrap_or(budget).min(budget));
            m.field(&name, v, false);
        }
        None => {
            let budget = m.description_budget();
            let v = render_list(&md, &b.list, b.list.max_chars.unwrap_or(budget).min(budget));
            m.line(v);
        }
    }
}

/// The `custom_id` of a button asking `question`, if it fits.
pub fn ask_button_id(question: &str) -> Option<String> {
    let id = format!("{BUTTON_ASK}{question}");
    (!question.is_empty() && id.len() <= limits::CUSTOM_ID).then_some(id)
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
    fn long_questions_get_no_button() {
        assert_eq!(ask_button_id("who owns x").as_deref(), Some("bl:ask:who owns x"));
        assert!(ask_button_id(&"x".repeat(100)).is_none());
    }
}

//! Cards ([`backline_answer::card`]) as Block Kit messages.
//!
//! What an answer shows, and in which order, is decided once for every platform by
//! [`backline_answer::present`]; this file only maps a card to blocks, escapes its text for mrkdwn
//! ([`super::mrkdwn`]) and keeps every message within Slack's documented limits (50 blocks, 3000
//! characters of section text, 10 fields of 2000, 75-character button labels, 150-character
//! headers) and within a total budget well under the ~13k characters at which Slack has been
//! seen to refuse messages (`msg_blocks_too_long`). The limits are enforced here, by
//! construction, and checked over rendered JSON by the tests.

use backline_answer::Answer;
use backline_answer::card::{Block, Card, Chart, ChatPlatform, Icon, ListBlock, Markup, Sep, render_list, render_text};
use backline_answer::present::{self, PresentOptions};
use slack_morphism::prelude::*;

use super::command::Subcommand;
use super::mrkdwn::{cut, escape, escape_cut, link};

/// Slack's documented limits.
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
    /// An image block's `alt_text` and `title`.
    pub const IMAGE_ALT_TEXT: usize = 2000;
    pub const IMAGE_TITLE: usize = 2000;
}

/// `action_id` of a disambiguation or "did you mean" button; its value is a question.
pub const ACTION_ASK: &str = "backline.ask";
/// `action_id` of the "Share in channel" button; its value is a serialised [`crate::engine::Ask`].
pub const ACTION_SHARE: &str = "backline.share";

/// A message ready to send: blocks plus the fallback `text` Slack shows in notifications, and
/// the chart the answer comes with, delivered after the message (`super::chart`).
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: String,
    pub blocks: Vec<SlackBlock>,
    pub chart: Option<Chart>,
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
    let card = present::card(answer, &PresentOptions { catalog_url: opts.catalog_url.clone() });
    render_card(&card, opts)
}

/// A short message that is not an answer (errors, refusals, usage).
pub fn notice(text: &str) -> Rendered {
    render_card(&present::notice(text), &Options::default())
}

/// The usage of a subcommand given without its argument.
pub fn usage(command: &str, sub: &Subcommand) -> Rendered {
    let line = format!("Usage: `{} {} {}` — {}", escape(command), sub.name, escape(sub.usage), escape(sub.about));
    let opts = Options::default();
    let mut m = Msg::new(&opts);
    m.section(line);
    m.finish(&format!("Usage: {command} {} {}", sub.name, sub.usage), false)
}

/// mrkdwn for card spans.
struct Mrkdwn;

impl Markup for Mrkdwn {
    fn plain(&self, s: &str) -> String {
        escape(s)
    }
    fn bold(&self, inner: &str) -> String {
        format!("*{inner}*")
    }
    fn italic(&self, inner: &str) -> String {
        format!("_{inner}_")
    }
    fn code(&self, s: &str) -> String {
        // A backtick would end the code span early.
        format!("`{}`", escape(&s.trim().replace('`', "'")))
    }
    fn link(&self, url: &str, label: &str) -> String {
        link(url, label)
    }
    fn email(&self, address: &str) -> String {
        link(&format!("mailto:{}", address.trim()), address.trim())
    }
    fn channel(&self, platform: ChatPlatform, id: &str) -> String {
        match platform {
            // Renders as #name and notifies nobody.
            ChatPlatform::Slack => format!("<#{id}>"),
            ChatPlatform::Discord => self.code(id),
        }
    }
    fn icon(&self, icon: Icon) -> String {
        match icon {
            Icon::Warning => ":warning:",
            Icon::OnCall => ":rotating_light:",
            Icon::Reach => ":speech_balloon:",
            Icon::People => ":busts_in_silhouette:",
            Icon::Link => ":link:",
            Icon::Email => ":email:",
        }
        .to_owned()
    }
}

fn render_card(card: &Card, opts: &Options) -> Rendered {
    let mut m = Msg::new(opts);
    if let Some(title) = &card.title {
        m.header(&title.text);
    }
    for block in &card.blocks {
        match block {
            Block::Paragraph(text) => {
                let t = render_text(&Mrkdwn, text, m.budget());
                m.section(t);
            }
            Block::List(list) => list_block(&mut m, list),
            Block::Fields(fields) => {
                let fields = fields
                    .iter()
                    .map(|f| {
                        let value = render_text(&Mrkdwn, &f.value, limits::FIELD_TEXT - 100);
                        format!("*{}*\n{value}", escape_cut(&f.label, 80))
                    })
                    .collect();
                m.fields(fields);
            }
            Block::Warning { label, text } => {
                let head = format!("{} *{}:* ", Mrkdwn.icon(Icon::Warning), escape_cut(label, 100));
                let budget = m.budget().saturating_sub(head.chars().count());
                m.context(vec![format!("{head}{}", render_text(&Mrkdwn, text, budget))]);
            }
            Block::Note(text) => {
                let t = render_text(&Mrkdwn, text, m.budget());
                m.context(vec![t]);
            }
        }
    }
    m.buttons(
        card.choices
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.question.is_empty() && c.question.len() <= limits::BUTTON_VALUE)
            .map(|(i, c)| {
                SlackBlockButtonElement::new(cut(&c.label, limits::BUTTON_TEXT).into())
                    .with_action_id(SlackActionId(format!("{ACTION_ASK}.{i}")))
                    .with_value(c.question.clone())
            })
            .collect(),
    );
    m.context(card.footer.iter().map(|f| escape_cut(f, 1000)).collect());
    let mut rendered = m.finish(&card.summary, card.shareable);
    rendered.chart = card.chart.clone();
    rendered
}

/// A message that is only a chart's image, shown from `url` (an image block: Slack fetches it).
pub fn image(chart: &Chart, url: url::Url) -> Rendered {
    let alt = cut(chart.alt_text.trim(), limits::IMAGE_ALT_TEXT);
    let title = cut(chart.alt_text.trim(), limits::IMAGE_TITLE);
    let block = SlackImageBlock::new(SlackImageUrlOrFile::ImageUrl { image_url: url }, alt.clone())
        .with_title(SlackBlockPlainTextOnly::from(title));
    Rendered { text: escape(&alt), blocks: vec![block.into()], chart: None }
}

/// `:rotating_light: *On call:* a · b`, or the list alone when it has no label.
fn list_block(m: &mut Msg<'_>, b: &ListBlock) {
    let mut head = String::new();
    if let Some(icon) = b.icon {
        head.push_str(&Mrkdwn.icon(icon));
        head.push(' ');
    }
    if let Some(label) = &b.label {
        head.push_str(&format!("*{}*", escape_cut(label, 200)));
        if let Some(n) = b.count {
            head.push_str(&format!(" ({n})"));
        }
        head.push_str(if b.list.sep == Sep::Line { ":\n" } else { ": " });
    }
    let budget = m.budget().saturating_sub(head.chars().count());
    let list = render_list(&Mrkdwn, &b.list, b.list.max_chars.unwrap_or(budget).min(budget));
    if !list.is_empty() {
        m.section(format!("{head}{list}"));
    }
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

    /// A section of mrkdwn built from escaped pieces within [`Msg::budget`].
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
            let note = "Some of this answer was left out to fit in a Slack message; narrow the question or use `backline ask` for all of it.";
            self.blocks.push(SlackContextBlock::new(vec![SlackBlockMarkDownText::new(note.into()).into()]).into());
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
        Rendered { text, blocks: self.blocks, chart: None }
    }
}

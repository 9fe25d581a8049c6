//! The platform-neutral card: what a chat answer shows, decided once for every chat platform.
//!
//! [`crate::present::card`] turns an [`Answer`](crate::Answer) into a [`Card`]: a title, blocks
//! (paragraphs, labelled lists, fact fields, warnings, notes), choices (buttons that ask a
//! follow-up question) and a plain footer. Everything a reader sees is decided there: the order,
//! which links come first, how duplicate contacts merge, how many items show before "…and N
//! more". A platform renderer (Slack's Block Kit, Discord's embeds) only maps the card to its
//! message shape, escapes each [`Span`] by its own rules and enforces its own limits, so the two
//! cannot drift apart in content.
//!
//! Catalog text is never markup here: it is carried as [`Span::Plain`] (or code, or a link label)
//! and escaped by the platform, so a catalog that says `<!channel>` or `@everyone` pings nobody.

/// One chat answer, before any platform markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// One plain sentence (notifications, fallbacks).
    pub summary: String,
    pub title: Option<Title>,
    pub blocks: Vec<Block>,
    /// Follow-up questions offered as buttons, best first.
    pub choices: Vec<Choice>,
    /// Plain-text facts about the subject (kind, where defined); footers render no markup.
    pub footer: Vec<String>,
    /// Something needs the reader's attention (a source failed to index): platforms may colour it.
    pub warning: bool,
    /// Re-asking the same question gives the same answer, so it may be shared (not true of
    /// "which one do you mean?").
    pub shareable: bool,
    /// A picture the answer comes with (a migration's burn-down), named only: see [`Chart`].
    pub chart: Option<Chart>,
}

/// A picture a card comes with. The card only names it, so answers stay plain data: whoever
/// answered draws it (`backline serve` draws burn-downs from the index's history with
/// `backline-chart`, once for every platform), and each platform only delivers the image (Slack
/// as a file or an image block, Discord as an attachment of the message). An image that cannot be
/// drawn or delivered is left out; the card says everything without it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Chart {
    pub kind: ChartKind,
    /// What the picture shows, in words: its alternative text and title.
    pub alt_text: String,
}

/// What a [`Chart`] draws.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// A migration's burn-down: what remains over the recorded days, in total and for the teams
    /// furthest behind, with the due date.
    BurnDown { migration: String },
}

impl Chart {
    /// The image's file name (Discord's `attachment://` URL names the attachment by it).
    pub const FILE_NAME: &'static str = "burn-down.png";
}

/// The headline of a card; `url` links it (the entity's catalog page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title {
    pub text: String,
    pub url: Option<String>,
}

/// A button asking `question`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub question: String,
}

/// One part of a card's body, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Paragraph(Text),
    /// A list, labelled or not ("On call: a · b · …and 3 more").
    List(ListBlock),
    /// Short label/value facts shown side by side (kind, owner, tags).
    Fields(Vec<Field>),
    /// Something wrong the reader should know ("Backstage would refuse it: …").
    Warning { label: String, text: Text },
    /// A small note (more is reachable beyond the depth asked).
    Note(Text),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListBlock {
    pub icon: Option<Icon>,
    /// `None`: the list stands alone (search results, candidates).
    pub label: Option<String>,
    /// Shown after the label, e.g. "Directly (3)".
    pub count: Option<usize>,
    pub list: List,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: String,
    pub value: Text,
}

/// Items joined by `sep`, at most `show` of them, then "…and N more" (`total` counts items the
/// engine already left out). The platform cuts further to fit its limits, counting what it cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub items: Vec<Text>,
    pub sep: Sep,
    pub show: usize,
    pub total: usize,
    /// Characters the rendered list may take; `None`: whatever room the platform has left.
    pub max_chars: Option<usize>,
}

impl List {
    pub fn new(items: Vec<Text>, sep: Sep, show: usize) -> List {
        let total = items.len();
        List { items, sep, show, total, max_chars: None }
    }

    pub fn total(mut self, total: usize) -> List {
        self.total = total;
        self
    }

    pub fn max_chars(mut self, max: usize) -> List {
        self.max_chars = Some(max);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sep {
    /// `, `
    Comma,
    /// ` · `
    Dot,
    /// ` `
    Space,
    /// A new line.
    Line,
}

impl Sep {
    pub fn as_str(self) -> &'static str {
        match self {
            Sep::Comma => ", ",
            Sep::Dot => " · ",
            Sep::Space => " ",
            Sep::Line => "\n",
        }
    }
}

/// Pictograms each platform draws its own way (Slack emoji codes, Unicode on Discord).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Warning,
    OnCall,
    Reach,
    People,
    Link,
    Email,
}

/// The chat platform a channel id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatPlatform {
    Slack,
    Discord,
}

/// Rich text: spans in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub Vec<Span>);

/// One piece of rich text. Strings are as written in the catalog; platforms escape them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// Text shown literally: no markup, no mentions, no links.
    Plain(String),
    Bold(Vec<Span>),
    Italic(Vec<Span>),
    /// Inline code (names, references, paths).
    Code(String),
    /// A link; platforms show only the label when the URL is not one they link (not http(s)).
    Link {
        url: String,
        label: String,
    },
    /// An e-mail address: a `mailto:` link where the platform links those, else text.
    Email(String),
    /// A channel by id: a channel mention on its own platform (pings nobody), code elsewhere.
    Channel {
        platform: ChatPlatform,
        id: String,
    },
    Icon(Icon),
    /// A line break.
    Break,
    /// A list inside text (the kinds a team owns, each with its entities).
    List(List),
}

impl Text {
    pub fn new() -> Text {
        Text(Vec::new())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn span(mut self, span: Span) -> Text {
        self.0.push(span);
        self
    }

    pub fn spans(mut self, spans: impl IntoIterator<Item = Span>) -> Text {
        self.0.extend(spans);
        self
    }

    /// Plain text; empty strings add nothing.
    pub fn plain(self, s: impl Into<String>) -> Text {
        let s = s.into();
        if s.is_empty() { self } else { self.span(Span::Plain(s)) }
    }

    pub fn bold(self, s: impl Into<String>) -> Text {
        self.span(Span::Bold(vec![Span::Plain(s.into())]))
    }

    pub fn italic(self, s: impl Into<String>) -> Text {
        self.span(Span::Italic(vec![Span::Plain(s.into())]))
    }

    /// Inline code; empty strings add nothing.
    pub fn code(self, s: impl Into<String>) -> Text {
        let s = s.into();
        if s.trim().is_empty() { self } else { self.span(Span::Code(s)) }
    }

    pub fn link(self, url: impl Into<String>, label: impl Into<String>) -> Text {
        self.span(Span::Link { url: url.into(), label: label.into() })
    }

    pub fn icon(self, icon: Icon) -> Text {
        self.span(Span::Icon(icon))
    }

    pub fn br(self) -> Text {
        self.span(Span::Break)
    }

    pub fn list(self, list: List) -> Text {
        self.span(Span::List(list))
    }

    /// Appends another text.
    pub fn then(mut self, other: Text) -> Text {
        self.0.extend(other.0);
        self
    }
}

impl From<Span> for Text {
    fn from(span: Span) -> Text {
        Text(vec![span])
    }
}

/// Cuts to at most `max` characters, ending with `…` when something was cut. Catalog text is cut
/// before it is escaped, so an escape is never split.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Joins rendered items with `sep` within `max` characters, ending with "…and N more" for what
/// did not fit or was beyond `show` (`total` counts items the engine already left out). Items are
/// never cut in the middle, so markup stays balanced.
pub fn join_list(items: &[String], sep: &str, show: usize, total: usize, max: usize) -> String {
    let mut out = String::new();
    let (mut shown, mut len) = (0, 0);
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

/// Renders [`Text`] with one platform's markup; [`render_text`] does the walking and budgeting.
pub trait Markup {
    /// Catalog text shown literally.
    fn plain(&self, s: &str) -> String;
    fn bold(&self, inner: &str) -> String;
    fn italic(&self, inner: &str) -> String;
    fn code(&self, s: &str) -> String;
    fn link(&self, url: &str, label: &str) -> String;
    fn email(&self, address: &str) -> String;
    fn channel(&self, platform: ChatPlatform, id: &str) -> String;
    fn icon(&self, icon: Icon) -> String;
}

/// Renders `text` within `max` characters: fixed spans first, then lists without their own
/// `max_chars` share what is left. Text that still does not fit is returned whole; the caller
/// drops it and says something was left out.
pub fn render_text(m: &dyn Markup, text: &Text, max: usize) -> String {
    let fixed: usize = text
        .0
        .iter()
        .filter(|s| !matches!(s, Span::List(List { max_chars: None, .. })))
        .map(|s| render_span(m, s, usize::MAX).chars().count())
        .sum();
    let open = text.0.iter().filter(|s| matches!(s, Span::List(List { max_chars: None, .. }))).count();
    let room = max.saturating_sub(fixed) / open.max(1);
    text.0.iter().map(|s| render_span(m, s, room)).collect()
}

fn render_span(m: &dyn Markup, span: &Span, room: usize) -> String {
    let inner = |spans: &[Span]| spans.iter().map(|s| render_span(m, s, room)).collect::<String>();
    match span {
        Span::Plain(s) => m.plain(s),
        Span::Bold(spans) => m.bold(&inner(spans)),
        Span::Italic(spans) => m.italic(&inner(spans)),
        Span::Code(s) => m.code(s),
        Span::Link { url, label } => m.link(url, label),
        Span::Email(address) => m.email(address),
        Span::Channel { platform, id } => m.channel(*platform, id),
        Span::Icon(icon) => m.icon(*icon),
        Span::Break => "\n".to_owned(),
        Span::List(list) => render_list(m, list, list.max_chars.unwrap_or(room)),
    }
}

/// A list within `max` characters.
pub fn render_list(m: &dyn Markup, list: &List, max: usize) -> String {
    let items: Vec<String> =
        list.items.iter().take(list.show).map(|t| render_text(m, t, list.max_chars.unwrap_or(max))).collect();
    join_list(&items, list.sep.as_str(), list.show, list.total.max(list.items.len()), max)
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
        assert!(tight.chars().count() <= 40 && tight.ends_with("more"), "{tight}");
    }

    #[test]
    fn cut_marks_what_it_cut() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 3), "abc");
    }
}

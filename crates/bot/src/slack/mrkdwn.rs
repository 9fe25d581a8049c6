//! Slack's `mrkdwn` made safe for catalog text, and Slack's own escapes undone for questions.
//!
//! Catalog files are written by many people; a description containing `<!channel>` would ping a
//! whole channel and `<https://evil|docs>` would disguise a link. Every piece of catalog text that
//! goes into mrkdwn passes through [`escape`] (`&`, `<`, `>` as Slack documents), links are only
//! built from `http(s)`/`mailto` URLs, and text is cut by characters, never inside an escape.

/// Escapes text for mrkdwn. After this, Slack shows the text literally: no mentions, no links.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        // Control characters (other than newline and tab) have no business in a message.
        c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
        c => out.push(c),
    }
}

/// Characters `c` takes once escaped.
fn weight(c: char) -> usize {
    match c {
        '&' => 5,
        '<' | '>' => 4,
        _ => 1,
    }
}

/// Escapes and cuts so that the result has at most `max` characters, ending in `…` when cut.
pub fn escape_cut(text: &str, max: usize) -> String {
    let total: usize = text.chars().map(weight).sum();
    if total <= max {
        return escape(text);
    }
    let budget = max.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let n = weight(c);
        if used + n > budget {
            break;
        }
        used += n;
        push_escaped(&mut out, c);
    }
    out.push('…');
    out
}

/// Cuts plain text (for `plain_text` objects, which Slack never interprets) to `max` characters.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// True for URLs we are willing to turn into links: `http`, `https` and `mailto`, with no
/// characters that could end the `<url|label>` syntax early.
pub fn linkable(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:"))
        && url.len() <= 2000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '|'))
}

/// A link `<url|label>`, or the escaped label alone when the URL is not [`linkable`].
pub fn link(url: &str, label: &str) -> String {
    let label = escape_cut(label, 200);
    if linkable(url) { format!("<{}|{}>", url.replace('&', "&amp;"), label) } else { label }
}

/// Turns the text of a Slack message or slash command back into what the user typed: strips the
/// leading mention of the bot, resolves `<#C123|name>`, `<@U123>`, `<https://x|label>` and
/// undoes `&amp;`, `&lt;`, `&gt;`.
pub fn to_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = &after[..end];
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(l)),
            None => (inner, None),
        };
        match (target.chars().next(), label) {
            // User and user-group mentions carry no catalog meaning (the bot's own included).
            (Some('@'), _) | (Some('!'), _) => {}
            (Some('#'), Some(l)) => {
                out.push('#');
                out.push_str(l);
            }
            (_, Some(l)) => out.push_str(l),
            (_, None) => out.push_str(target.strip_prefix("mailto:").unwrap_or(target)),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    let out = out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_slack_interprets() {
        let cases = [
            ("plain", "plain"),
            ("a & b", "a &amp; b"),
            ("<!channel> ping", "&lt;!channel&gt; ping"),
            ("<!here|here>", "&lt;!here|here&gt;"),
            ("<https://evil.example|docs>", "&lt;https://evil.example|docs&gt;"),
            ("<@U123>", "&lt;@U123&gt;"),
            ("&lt;", "&amp;lt;"),
            ("bell\u{7}", "bell "),
            ("*bold* _it_", "*bold* _it_"),
        ];
        for (input, want) in cases {
            assert_eq!(escape(input), want, "{input}");
        }
    }

    #[test]
    fn cuts_never_split_an_escape() {
        assert_eq!(escape_cut("abc", 3), "abc");
        assert_eq!(escape_cut("abcd", 3), "ab…");
        assert_eq!(escape_cut("a<b", 5), "a…");
        assert_eq!(escape_cut("a<b", 6), "a&lt;b");
        assert_eq!(escape_cut("&&&", 10), "&amp;…");
        for max in 0..20 {
            let s = escape_cut("<&>é<&>", max);
            assert!(s.chars().count() <= max.max(1), "{max}: {s}");
            assert!(!s.contains("&a…") && !s.contains("&l…"), "{s}");
        }
    }

    #[test]
    fn links() {
        assert_eq!(link("https://x.example/a?b=1&c=2", "Docs"), "<https://x.example/a?b=1&amp;c=2|Docs>");
        assert_eq!(link("mailto:a@b.example", "a@b.example"), "<mailto:a@b.example|a@b.example>");
        assert_eq!(link("javascript:alert(1)", "x"), "x");
        assert_eq!(link("https://x.example/|<!channel>", "x"), "x");
        assert_eq!(link("https://x.example", "<!channel>"), "<https://x.example|&lt;!channel&gt;>");
    }

    #[test]
    fn plain_text_from_slack() {
        let cases = [
            ("<@U0BOT> who owns payments-api", "who owns payments-api"),
            ("<@U0BOT|backline>   owner   <#C123|payments>", "owner #payments"),
            ("search a &amp; b &lt;x&gt;", "search a & b <x>"),
            ("docs <https://x.example|x.example> please", "docs x.example please"),
            ("mail <mailto:a@b.example>", "mail a@b.example"),
            ("<!here> help", "help"),
            ("unclosed <thing", "unclosed <thing"),
        ];
        for (input, want) in cases {
            assert_eq!(to_plain(input), want, "{input}");
        }
    }
}

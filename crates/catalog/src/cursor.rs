//! What is at a cursor in a catalog file: for editors (completion, hover, navigation, rename).
//!
//! Two views, because an editor asks about text that is usually mid-edit:
//! - [`line_context`] reads the *lines* around the cursor (indentation, `- ` markers, `key:`
//!   prefixes) and works on any text, including YAML that does not parse at all (`owner: ` with
//!   nothing after it, a half-typed key, a broken quote three lines up). It is also cheap: it only
//!   reads the document (between `---` lines) that holds the cursor, so it costs the same in a
//!   20-line file and in a 20,000-line one.
//! - [`reference_at`], [`entity_named_at`] and [`document_at`] use a [`ParsedFile`] (exact ranges
//!   from the YAML tree) for questions about what is written, not what is being typed.
//!
//! Offsets are UTF-8 byte offsets, like everywhere in the core.

use crate::model::{CatalogDocument, Entity, ParsedFile, Reference};
use crate::text::TextRange;

/// What is being written at the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A mapping key (being typed, or under the cursor). `path` is the mapping that holds it.
    Key,
    /// The scalar value of the last key of `path` (`owner: te|`).
    Value,
    /// An item of the sequence that is the value of the last key of `path`: after `- ` on a line
    /// of its own, or inside a flow sequence `[a, b|`. After `- ` the item may also be the first
    /// key of a mapping (a link, a step): which one is for the caller, who knows the schema.
    Item,
    /// Nothing to complete: a comment, a block scalar's text, a document marker, a flow mapping.
    Other,
}

/// Top-level facts about the document holding the cursor, read from its lines (so they are
/// known even when the document does not parse).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentHeader {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    /// Root keys written in the document, apart from the one on the cursor's line.
    pub root_keys: Vec<String>,
}

/// The cursor's context, from the lines alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineContext {
    pub slot: Slot,
    /// Keys from the document root to the mapping that holds the cursor ([`Slot::Key`]) or to the
    /// key whose value is written ([`Slot::Value`], [`Slot::Item`]). Sequence items are `-`.
    pub path: Vec<String>,
    /// The word at the cursor: from where the key or value being written starts to the end of the
    /// token the cursor is in (a completion replaces it; a hover names it). Quotes are excluded.
    pub word: TextRange,
    /// For [`Slot::Key`]: the other keys of the same mapping, before and after the cursor.
    pub siblings: Vec<String>,
    /// Column (in bytes) where the key or item at the cursor starts: the indentation a snippet
    /// must continue with.
    pub column: u32,
    /// The document (between `---` lines) that holds the cursor.
    pub document: TextRange,
    pub header: DocumentHeader,
}

impl LineContext {
    /// The word's text.
    pub fn word_text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.word.as_usize()]
    }

    /// The part of the word before the cursor: what the user has typed so far.
    pub fn typed<'t>(&self, text: &'t str, offset: u32) -> &'t str {
        let end = offset.clamp(self.word.start, self.word.end);
        &text[self.word.start as usize..end as usize]
    }
}

/// A `---` line starts a document (the same rule the YAML reader splits streams with).
fn is_document_start(line: &str) -> bool {
    let b = line.as_bytes();
    b.starts_with(b"---") && matches!(b.get(3), None | Some(b' ' | b'\t' | b'\r'))
}

/// The lines of `text[range]`, each as (start offset, line without its terminator).
fn lines_in(text: &str, range: TextRange) -> impl Iterator<Item = (u32, &str)> {
    let chunk = &text[range.as_usize()];
    let mut start = range.start;
    chunk.split_inclusive('\n').map(move |raw| {
        let line_start = start;
        start += raw.len() as u32;
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        (line_start, line.strip_suffix('\r').unwrap_or(line))
    })
}

/// The document holding `offset`: from its `---` line (or the start of the text) to the next
/// `---` line (or the end of the text).
pub fn document_bounds(text: &str, offset: u32) -> TextRange {
    let offset = (offset as usize).min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut start = 0;
    let mut cursor = line_start;
    loop {
        let line_end = text[cursor..].find('\n').map_or(text.len(), |i| cursor + i);
        if is_document_start(&text[cursor..line_end]) {
            start = cursor;
            break;
        }
        if cursor == 0 {
            break;
        }
        cursor = text[..cursor - 1].rfind('\n').map_or(0, |i| i + 1);
    }
    let mut end = text.len();
    let mut next = text[line_start..].find('\n').map(|i| line_start + i + 1);
    while let Some(ls) = next {
        if ls >= text.len() {
            break;
        }
        let le = text[ls..].find('\n').map_or(text.len(), |i| ls + i);
        if is_document_start(&text[ls..le]) {
            end = ls;
            break;
        }
        next = Some(le + 1);
    }
    TextRange::new(start as u32, end.max(start) as u32)
}

/// A mapping key at the start of `s`: the key's text and the byte index just after its `:`.
fn split_key(s: &str) -> Option<(String, usize)> {
    let bytes = s.as_bytes();
    let (key, after_key) = match bytes.first()? {
        b'"' | b'\'' => {
            let q = bytes[0];
            let mut i = 1;
            let mut out = String::new();
            loop {
                let c = *bytes.get(i)?;
                if c == q {
                    if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                        out.push('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                if q == b'"' && c == b'\\' {
                    i += 1;
                }
                let ch = s[i..].chars().next()?;
                out.push(ch);
                i += ch.len_utf8();
            }
            let rest = &s[i + 1..];
            let ws = rest.len() - rest.trim_start().len();
            if !rest[ws..].starts_with(':') {
                return None;
            }
            (out, i + 1 + ws)
        }
        b'#' | b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' => return None,
        _ => {
            let mut i = 0;
            loop {
                let c = *bytes.get(i)?;
                if c == b':' && matches!(bytes.get(i + 1), None | Some(b' ' | b'\t')) {
                    break;
                }
                if c == b'#' && i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
                    return None;
                }
                i += 1;
            }
            let key = s[..i].trim_end();
            if key.is_empty() {
                return None;
            }
            (key.to_owned(), i)
        }
    };
    Some((key, after_key + 1))
}

/// A scalar as written on one line, without quotes and a trailing comment.
fn plain_value(v: &str) -> String {
    let v = v.trim();
    if let Some(inner) = v.strip_prefix('"').and_then(|r| r.split('"').next()) {
        return inner.to_owned();
    }
    if let Some(inner) = v.strip_prefix('\'').and_then(|r| r.split('\'').next()) {
        return inner.to_owned();
    }
    let cut = v.find(" #").unwrap_or(v.len());
    v[..cut].trim_end().to_owned()
}

/// Whether a `#` outside quotes starts a comment before the end of `s`.
fn has_comment(s: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'')
                && (prev == ' ' || prev == ':' || prev == '[' || prev == ',' || prev == '-') =>
            {
                quote = Some(c);
            }
            None if c == '#' && (prev == ' ' || prev == '\t') => return true,
            None => {}
        }
        prev = c;
    }
    s.trim_start().starts_with('#')
}

struct Frame {
    /// Column of the key (or of the `-` of a sequence item); `-1` for the document root.
    col: i64,
    key: String,
    item: bool,
    id: usize,
    children: Vec<String>,
}

/// The open keys above a line, by indentation.
struct Stack {
    frames: Vec<Frame>,
    next_id: usize,
    /// A block scalar (`key: |`) is open: lines indented deeper than this column are its text.
    block: Option<i64>,
}

/// One line's structure: where its `- ` markers are and where its content starts.
struct LineShape<'a> {
    indent: usize,
    dashes: Vec<usize>,
    content_col: usize,
    content: &'a str,
}

fn shape(line: &str) -> LineShape<'_> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let mut col = indent;
    let mut rest = &line[indent..];
    let mut dashes = Vec::new();
    while rest == "-" || rest.starts_with("- ") || rest.starts_with("-\t") {
        dashes.push(col);
        let after = &rest[1..];
        let trimmed = after.trim_start_matches([' ', '\t']);
        col += 1 + (after.len() - trimmed.len());
        rest = trimmed;
    }
    LineShape { indent, dashes, content_col: col, content: rest }
}

impl Stack {
    fn new() -> Self {
        Stack {
            frames: vec![Frame { col: -1, key: String::new(), item: false, id: 0, children: Vec::new() }],
            next_id: 1,
            block: None,
        }
    }

    /// Closes the keys and items a line starting at `col` is not nested in.
    fn pop_to(&mut self, col: usize, is_item: bool) {
        let col = col as i64;
        while let Some(top) = self.frames.last() {
            if top.col < 0 {
                break;
            }
            if top.col > col || (top.col == col && (!is_item || top.item)) {
                self.frames.pop();
            } else {
                break;
            }
        }
    }

    fn push(&mut self, col: usize, key: String, item: bool) {
        self.frames.push(Frame { col: col as i64, key, item, id: self.next_id, children: Vec::new() });
        self.next_id += 1;
    }

    fn path(&self) -> Vec<String> {
        self.frames.iter().skip(1).map(|f| f.key.clone()).collect()
    }

    /// Reads one complete line. Returns the key it adds to its mapping, with that mapping's id.
    fn line(&mut self, line: &str, header: &mut DocumentHeader) -> Option<(usize, String)> {
        let s = shape(line);
        if let Some(c) = self.block {
            if s.content.is_empty() && s.dashes.is_empty() || s.indent as i64 > c {
                return None;
            }
            self.block = None;
        }
        if s.dashes.is_empty() && (s.content.is_empty() || s.content.starts_with('#')) {
            return None;
        }
        if is_document_start(line) || line == "..." {
            return None;
        }
        let first = s.dashes.first().copied().unwrap_or(s.indent);
        self.pop_to(first, !s.dashes.is_empty());
        for &d in &s.dashes {
            self.push(d, "-".into(), true);
        }
        let (key, after) = split_key(s.content)?;
        let parent = self.frames.last_mut().expect("the root frame is never popped");
        parent.children.push(key.clone());
        let parent_id = parent.id;
        let value = s.content[after..].trim();
        let value = if value.starts_with('#') { "" } else { value };
        if value.is_empty() {
            self.push(s.content_col, key.clone(), false);
        } else if value.starts_with('|') || value.starts_with('>') {
            self.block = Some(s.content_col as i64);
        } else if !self.frames.iter().any(|f| f.item) {
            let depth = self.frames.len();
            let slot = match (depth, self.frames.last().map(|f| f.key.as_str()), key.as_str()) {
                (1, _, "kind") => Some(&mut header.kind),
                (1, _, "apiVersion") => Some(&mut header.api_version),
                (2, Some("metadata"), "name") => Some(&mut header.name),
                (2, Some("metadata"), "namespace") => Some(&mut header.namespace),
                _ => None,
            };
            if let Some(slot) = slot
                && slot.is_none()
            {
                *slot = Some(plain_value(value));
            }
        }
        Some((parent_id, key))
    }
}

fn is_word_end(c: char, key: bool) -> bool {
    if key {
        c == ':' || c.is_whitespace() || c == '#'
    } else {
        c.is_whitespace() || matches!(c, ',' | ']' | '}' | '"' | '\'' | '#')
    }
}

/// The cursor's context from the lines of its document. Never fails: text it cannot make sense
/// of yields [`Slot::Other`].
pub fn line_context(text: &str, offset: u32) -> LineContext {
    let mut offset = (offset as usize).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let document = document_bounds(text, offset as u32);
    let cursor_line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1) as u32;
    let mut stack = Stack::new();
    let mut header = DocumentHeader::default();
    let mut result: Option<(LineContext, Option<usize>)> = None;
    let mut cursor_key: Option<String> = None;
    let mut siblings_after: Vec<String> = Vec::new();

    let mut saw_cursor = false;
    for (start, line) in lines_in(text, document) {
        if start == cursor_line_start {
            saw_cursor = true;
            let col = offset - start as usize;
            let (ctx, parent) = cursor_line(&stack, line, start, col.min(line.len()), document);
            cursor_key = (ctx.slot == Slot::Key && parent == Some(0)).then(|| ctx.word_text(text).to_owned());
            result = Some((ctx, parent));
            // Keep reading the rest of the document for the header and the later siblings; the
            // cursor line's own key is not a sibling of itself.
            let _own_key = stack.line(line, &mut header);
            continue;
        }
        if let Some((pid, key)) = stack.line(line, &mut header)
            && let Some((_, Some(parent))) = &result
            && *parent == pid
        {
            siblings_after.push(key);
        }
    }
    if !saw_cursor {
        // The cursor is on an empty last line after a final newline.
        let (ctx, parent) = cursor_line(&stack, "", cursor_line_start, 0, document);
        result = Some((ctx, parent));
    }
    let (mut ctx, _) = result.expect("the cursor line is always visited");
    ctx.siblings.extend(siblings_after);
    let root_children: Vec<String> = stack.frames[0].children.clone();
    let mut root_keys = root_children;
    if let Some(k) = &cursor_key
        && let Some(i) = root_keys.iter().position(|r| r == k)
    {
        root_keys.remove(i);
    }
    header.root_keys = root_keys;
    ctx.header = header;
    ctx
}

/// The context of the cursor line, given the keys open above it. Also returns the id of the
/// mapping the cursor's key belongs to (for collecting siblings after the cursor).
fn cursor_line(
    stack: &Stack,
    line: &str,
    line_start: u32,
    col: usize,
    document: TextRange,
) -> (LineContext, Option<usize>) {
    let mut col = col;
    while !line.is_char_boundary(col) {
        col -= 1;
    }
    let before = &line[..col];
    let after = &line[col..];
    let at = |c: usize| line_start + c as u32;
    let other = |stack: &Stack| LineContext {
        slot: Slot::Other,
        path: stack.path(),
        word: TextRange::empty(at(col)),
        siblings: Vec::new(),
        column: col as u32,
        document,
        header: DocumentHeader::default(),
    };
    let s = shape(before);
    let blank = s.content.is_empty() && s.dashes.is_empty();
    if let Some(c) = stack.block {
        let deeper = if blank { col as i64 > c } else { s.indent as i64 > c };
        if deeper {
            return (other(stack), None);
        }
    }
    if is_document_start(line) || has_comment(before) {
        return (other(stack), None);
    }
    let mut stack_here = Stack {
        frames: stack
            .frames
            .iter()
            .map(|f| Frame { col: f.col, key: f.key.clone(), item: f.item, id: f.id, children: f.children.clone() })
            .collect(),
        next_id: stack.next_id,
        block: None,
    };
    let first = s.dashes.first().copied().unwrap_or(if blank { col } else { s.indent });
    stack_here.pop_to(first, !s.dashes.is_empty());
    for &d in &s.dashes {
        stack_here.push(d, "-".into(), true);
    }
    let content = s.content;
    let content_col = if blank { col } else { s.content_col };

    // The word runs on after the cursor to the end of the token.
    let word_end = |key: bool| -> usize { col + after.find(|c: char| is_word_end(c, key)).unwrap_or(after.len()) };

    if let Some((key, after_colon)) = split_key(content) {
        let mut path = stack_here.path();
        path.push(key);
        let value = &content[after_colon..];
        let trimmed = value.trim_start();
        let value_col = content_col + after_colon + (value.len() - trimmed.len());
        let (slot, start) = if let Some(flow) = trimmed.strip_prefix('[') {
            let last = flow.rfind([',', '[']).map_or(0, |i| i + 1);
            let item = &flow[last..];
            let lead = item.len() - item.trim_start().len();
            let mut start = value_col + 1 + last + lead;
            if item.trim_start().starts_with(['"', '\'']) {
                start += 1;
            }
            (Slot::Item, start)
        } else if trimmed.starts_with(['{', '|', '>', '&', '*', '!']) {
            return (other(&stack_here), None);
        } else if trimmed.starts_with(['"', '\'']) {
            (Slot::Value, value_col + 1)
        } else {
            (Slot::Value, value_col)
        };
        let end = word_end(false);
        let ctx = LineContext {
            slot,
            path,
            word: TextRange::new(at(start.min(col)), at(end)),
            siblings: Vec::new(),
            column: content_col as u32,
            document,
            header: DocumentHeader::default(),
        };
        return (ctx, None);
    }
    if content.starts_with(['[', '{', '|', '>', '&', '*', '!']) {
        return (other(&stack_here), None);
    }
    let quoted = content.starts_with(['"', '\'']);
    let start = content_col + usize::from(quoted);
    if !s.dashes.is_empty() {
        let mut path = stack_here.path();
        path.pop();
        let end = word_end(false);
        let ctx = LineContext {
            slot: Slot::Item,
            path,
            word: TextRange::new(at(start.min(col)), at(end)),
            siblings: Vec::new(),
            column: content_col as u32,
            document,
            header: DocumentHeader::default(),
        };
        return (ctx, None);
    }
    let parent = stack_here.frames.last().expect("root frame");
    let end = word_end(true);
    let ctx = LineContext {
        slot: Slot::Key,
        path: stack_here.path(),
        word: TextRange::new(at(start.min(col)), at(end)),
        siblings: parent.children.clone(),
        column: content_col as u32,
        document,
        header: DocumentHeader::default(),
    };
    (ctx, Some(parent.id))
}

/// The non-empty document whose range holds `offset` (its end included: a cursor after the last
/// character still belongs to it).
pub fn document_at(file: &ParsedFile, offset: u32) -> Option<&CatalogDocument> {
    file.documents.iter().find(|d| d.range.contains_inclusive(offset))
}

/// The reference written at `offset`, with the entity that writes it.
pub fn reference_at(file: &ParsedFile, offset: u32) -> Option<(&Entity, &Reference)> {
    file.entities().find_map(|e| e.references.iter().find(|r| r.range.contains_inclusive(offset)).map(|r| (e, r)))
}

/// The entity whose `metadata.name` value is at `offset`.
pub fn entity_named_at(file: &ParsedFile, offset: u32) -> Option<&Entity> {
    file.entities().find(|e| e.name_range.contains_inclusive(offset) && e.name_range.start < e.name_range.end)
}

/// Where the name part of a written reference (or a `metadata.name` value) is: the text a rename
/// replaces so that `group:default/team-a` keeps its kind and namespace. `range` is the value's
/// range as written (quotes included), `written` its text without quotes and `name` the parsed
/// name (always a suffix of `written`). `None` when the value uses escapes, so that the written
/// text is not the value itself.
pub fn name_part(range: TextRange, written: &str, name: &str) -> Option<TextRange> {
    if !written.ends_with(name) {
        return None;
    }
    let name_len = name.len() as u32;
    let written_len = written.len() as u32;
    if range.len() == written_len {
        Some(TextRange::new(range.end - name_len, range.end))
    } else if range.len() == written_len + 2 {
        Some(TextRange::new(range.end - 1 - name_len, range.end - 1))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` with `$0` marking the cursor.
    fn ctx(marked: &str) -> (String, LineContext) {
        let offset = marked.find("$0").expect("cursor marker");
        let text = marked.replacen("$0", "", 1);
        let c = line_context(&text, offset as u32);
        (text, c)
    }

    fn check(marked: &str, slot: Slot, path: &[&str], word: &str) {
        let (text, c) = ctx(marked);
        assert_eq!(c.slot, slot, "slot in {marked:?}: {c:?}");
        assert_eq!(c.path, path, "path in {marked:?}");
        assert_eq!(c.word_text(&text), word, "word in {marked:?}");
    }

    const HEAD: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n";

    #[test]
    fn contexts() {
        let cases: &[(&str, Slot, &[&str], &str)] = &[
            ("$0", Slot::Key, &[], ""),
            ("ki$0", Slot::Key, &[], "ki"),
            ("kind: $0", Slot::Value, &["kind"], ""),
            ("kind: Comp$0onent", Slot::Value, &["kind"], "Component"),
            ("kind:$0", Slot::Value, &["kind"], ""),
            ("spec:\n  owner: $0\n", Slot::Value, &["spec", "owner"], ""),
            ("spec:\n  owner: \"te$0am-a\"\n", Slot::Value, &["spec", "owner"], "team-a"),
            ("spec:\n  type: service\n  $0\n", Slot::Key, &["spec"], ""),
            ("spec:\n  type: service\n  li$0\n", Slot::Key, &["spec"], "li"),
            ("spec:\n  type: service\n$0", Slot::Key, &[], ""),
            ("spec:\n  dependsOn:\n    - $0\n", Slot::Item, &["spec", "dependsOn"], ""),
            ("spec:\n  dependsOn:\n  - component:a\n  - re$0\n", Slot::Item, &["spec", "dependsOn"], "re"),
            ("spec:\n  dependsOn: [component:a, re$0]\n", Slot::Item, &["spec", "dependsOn"], "re"),
            ("spec:\n  dependsOn: [$0]\n", Slot::Item, &["spec", "dependsOn"], ""),
            (
                "metadata:\n  annotations:\n    backstage.io/te$0\n",
                Slot::Key,
                &["metadata", "annotations"],
                "backstage.io/te",
            ),
            (
                "metadata:\n  annotations:\n    github.com/pro$0ject-slug: a/b\n",
                Slot::Key,
                &["metadata", "annotations"],
                "github.com/project-slug",
            ),
            ("metadata:\n  links:\n    - url: https://x\n      ti$0\n", Slot::Key, &["metadata", "links", "-"], "ti"),
            ("metadata:\n  links:\n    - $0\n", Slot::Item, &["metadata", "links"], ""),
            ("metadata:\n  description: |\n    some text: here\n    $0\n", Slot::Other, &["metadata"], ""),
            ("metadata:\n  description: |\n    some text: here\n  $0\n", Slot::Key, &["metadata"], ""),
            ("# a comment $0\n", Slot::Other, &[], ""),
            ("spec:\n  owner: team-a # who $0\n", Slot::Other, &["spec"], ""),
            ("a: 1\n---\nspec:\n  owner: $0", Slot::Value, &["spec", "owner"], ""),
        ];
        for (marked, slot, path, word) in cases {
            check(marked, *slot, path, word);
        }
    }

    #[test]
    fn broken_yaml_above_does_not_matter() {
        let text = format!("{HEAD}  description: \"unclosed\nspec:\n  type: service\n  owner: $0\n");
        check(&text, Slot::Value, &["spec", "owner"], "");
    }

    #[test]
    fn header_and_siblings_come_from_the_whole_document() {
        let (_, c) = ctx(&format!("{HEAD}spec:\n  type: service\n  $0\n  owner: team-a\n---\nkind: API\n"));
        assert_eq!(c.header.kind.as_deref(), Some("Component"));
        assert_eq!(c.header.name.as_deref(), Some("payments"));
        assert_eq!(c.siblings, vec!["type".to_string(), "owner".to_string()]);
        assert_eq!(c.header.root_keys, vec!["apiVersion", "kind", "metadata", "spec"]);
        let (_, c) = ctx("kind: Group\nmetadata:\n  namespace: 'ops'\n  name: x\n---\nkind: User\n$0");
        assert_eq!(c.header.kind.as_deref(), Some("User"));
        assert_eq!(c.header.namespace, None);
    }

    #[test]
    fn document_bounds_follow_markers() {
        let text = "a: 1\n---\nb: 2\n--- \nc: 3\n";
        let b = text.find("b:").unwrap() as u32;
        let r = document_bounds(text, b);
        assert_eq!(&text[r.as_usize()], "---\nb: 2\n");
        assert_eq!(document_bounds(text, 0), TextRange::new(0, 5));
        let c = text.find("c:").unwrap() as u32;
        assert_eq!(&text[document_bounds(text, c).as_usize()], "--- \nc: 3\n");
    }

    #[test]
    fn name_part_keeps_kind_and_namespace() {
        let text = "owner: group:default/team-a";
        let r = TextRange::new(7, text.len() as u32);
        let p = name_part(r, "group:default/team-a", "team-a").unwrap();
        assert_eq!(&text[p.as_usize()], "team-a");
        let text = "owner: \"group:team-a\"";
        let r = TextRange::new(7, text.len() as u32);
        let p = name_part(r, "group:team-a", "team-a").unwrap();
        assert_eq!(&text[p.as_usize()], "team-a");
    }

    #[test]
    fn tree_lookups() {
        let text = format!("{HEAD}spec:\n  type: service\n  lifecycle: production\n  owner: group:team-a\n");
        let file = crate::parse_file("c.yaml".into(), &text);
        let at = text.find("team-a").unwrap() as u32 + 2;
        let (e, r) = reference_at(&file, at).unwrap();
        assert_eq!(e.name(), "payments");
        assert_eq!(r.raw, "group:team-a");
        let at = text.find("payments").unwrap() as u32;
        assert_eq!(entity_named_at(&file, at).unwrap().name(), "payments");
        assert!(document_at(&file, at).is_some());
    }
}

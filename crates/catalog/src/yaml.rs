//! YAML 1.2 streams to trees with a byte range on every node, one tree per document.
//!
//! Why not a ready-made tree: catalog files are hand-written and often broken, and Backstage
//! (which parses with the npm `yaml` package) reports a YAML error *per document* while still
//! reading the other documents of the file. `saphyr-parser` stops at the first error of a stream,
//! so the stream is first split at `---` lines (a `---` at column 0 can only ever be a document
//! marker in YAML) and each piece is parsed on its own. The tree is built from parser events so
//! we control exactly what Backstage's parser does: core-schema scalar resolution (`yes`/`no` are
//! strings), duplicate keys as errors (found in linear time: a mapping's keys are indexed once it
//! grows past a few entries), aliases expanded with a budget in nodes *and* bytes shared by the
//! whole stream, and a nesting limit that counts the depth an alias brings with it.
//!
//! The parser reports character offsets; they are converted to byte offsets here so the rest of
//! the crate only ever sees [`TextRange`]s in bytes.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::text::TextRange;

/// Deeper nesting than this is refused: no catalog entity needs it, and it protects every later
/// recursive walk (validation, JSON conversion) from stack exhaustion.
pub const MAX_DEPTH: usize = 128;
/// Nodes aliases may expand to in one stream (a "billion laughs" guard).
const MAX_ALIAS_NODES: usize = 100_000;
/// Bytes aliases may expand to in one stream, counting each copied node's own size and its text:
/// a node budget alone lets one alias of a megabyte string be copied thousands of times. No
/// hand-written catalog comes near this; it bounds what one file can add to memory.
const MAX_ALIAS_BYTES: usize = 16 * 1024 * 1024;
/// Mappings with fewer entries than this find duplicate keys by scanning; larger ones keep an
/// index of their keys so a mapping of `n` keys costs `O(n)`, not `O(n²)`.
const KEY_INDEX_FROM: usize = 16;

/// One YAML node: its value and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub range: TextRange,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// What JavaScript's `typeof` would say of the JSON value, as Backstage's messages use it.
    pub fn js_type(&self) -> &'static str {
        match self {
            Value::Null | Value::Seq(_) | Value::Map(_) => "object",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::String(_) => "string",
        }
    }

    /// The JSON-schema type name, as Ajv reports it ("must be string").
    pub fn schema_type(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::String(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The entry whose key is the string `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?.iter().find(|(k, _)| k.key_text().as_deref() == Some(key)).map(|(k, v)| (k, v))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// A mapping key as JSON would spell it (`7: x` has key `"7"`), or `None` for keys that are
    /// collections.
    pub fn key_text(&self) -> Option<Cow<'_, str>> {
        match &self.value {
            Value::String(s) => Some(Cow::Borrowed(s)),
            Value::Null => Some(Cow::Borrowed("")),
            Value::Bool(b) => Some(Cow::Owned(b.to_string())),
            Value::Int(i) => Some(Cow::Owned(i.to_string())),
            Value::Float(f) => Some(Cow::Owned(js_number(*f))),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// The node as JSON, the way the npm `yaml` package's `toJSON()` converts it.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut map = serde_json::Map::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = k.key_text().map_or_else(|| k.to_json().to_string(), Cow::into_owned);
                    map.insert(key, v.to_json());
                }
                J::Object(map)
            }
        }
    }
}

/// Formats a float the way JavaScript's `String(number)` does for the common cases.
fn js_number(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// What went wrong while reading one document.
#[derive(Debug, Clone, PartialEq)]
pub enum YamlErrorKind {
    /// The scanner or parser refused the text.
    Syntax(String),
    /// The same key twice in one mapping ("Map keys must be unique" in Backstage).
    DuplicateKey { key: String, first: TextRange },
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Aliases would expand to more than the budget allows.
    AliasBudget,
    /// An alias to an anchor that was never defined.
    UnknownAlias,
}

#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub kind: YamlErrorKind,
    pub range: TextRange,
}

impl YamlError {
    pub fn message(&self) -> String {
        match &self.kind {
            YamlErrorKind::Syntax(msg) => msg.clone(),
            YamlErrorKind::DuplicateKey { key, .. } => {
                format!("Map keys must be unique: \"{key}\" is defined more than once")
            }
            YamlErrorKind::TooDeep => {
                format!("the document is nested more than {MAX_DEPTH} levels deep")
            }
            YamlErrorKind::AliasBudget => format!(
                "aliases expand to more than {MAX_ALIAS_NODES} nodes or {} MiB in this file (possible \"billion laughs\" document)",
                MAX_ALIAS_BYTES / (1024 * 1024)
            ),
            YamlErrorKind::UnknownAlias => "alias to an undefined anchor".into(),
        }
    }
}

/// One document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document's text, from its first content (or `---`) to its end.
    pub range: TextRange,
    /// The root node; `None` when the document is empty or could not be read at all.
    pub root: Option<Node>,
    /// Errors in this document. A document with errors is refused by Backstage, but whatever
    /// could be read is kept in `root` so editors can still offer completion and hover.
    pub errors: Vec<YamlError>,
}

impl Document {
    /// Backstage silently skips documents whose value is null (an empty document, a trailing
    /// `---`).
    pub fn is_null(&self) -> bool {
        self.errors.is_empty() && self.root.as_ref().is_none_or(Node::is_null)
    }
}

/// Parses a whole stream into its documents. Never fails: errors are per document.
pub fn parse_stream(text: &str) -> Vec<Document> {
    let text = sanitize(text);
    let text = text.as_ref();
    let mut documents = Vec::new();
    let mut aliases = AliasBudget::default();
    for chunk in split_documents(text) {
        let before = documents.len();
        let spent_before = aliases;
        let mut end = parse_chunk(text, chunk, &mut documents, &mut aliases);
        if documents[before..]
            .iter()
            .any(|d| d.errors.iter().any(|e| e.message().contains("invalid Unicode character escape")))
        {
            // The npm `yaml` package accepts escapes of lone UTF-16 surrogates (`"\uD800"`) and
            // yields U+FFFD; saphyr refuses them. Read the piece again with such escapes spelled
            // `\uFFFD` (the same length, so ranges stay exact).
            if let Some(patched) = patch_surrogate_escapes(text, chunk) {
                documents.truncate(before);
                aliases = spent_before;
                end = parse_chunk(&patched, chunk, &mut documents, &mut aliases);
            }
        }
        if end == ChunkEnd::SwallowsRest {
            // An unterminated quoted scalar runs to the end of the stream, as it does for the npm
            // `yaml` package: one failed document, the rest of the file included.
            if let Some(last) = documents.last_mut() {
                last.range.end = text.len() as u32;
            }
            break;
        }
    }
    documents
}

/// `text` with every `\uD800`–`\uDFFF` escape inside `chunk` replaced by `\uFFFD`, or `None`.
fn patch_surrogate_escapes(text: &str, chunk: TextRange) -> Option<String> {
    let piece = &text[chunk.as_usize()];
    let mut patched = String::with_capacity(piece.len());
    let mut rest = piece;
    let mut changed = false;
    while let Some(i) = rest.find("\\u") {
        patched.push_str(&rest[..i]);
        let hex = rest.get(i + 2..i + 6).unwrap_or("");
        let surrogate = hex.len() == 4 && u32::from_str_radix(hex, 16).is_ok_and(|v| (0xD800..=0xDFFF).contains(&v));
        if surrogate {
            patched.push_str("\\uFFFD");
            changed = true;
            rest = &rest[i + 6..];
        } else {
            patched.push_str("\\u");
            rest = &rest[i + 2..];
        }
    }
    patched.push_str(rest);
    changed.then(|| format!("{}{patched}{}", &text[..chunk.start as usize], &text[chunk.end as usize..]))
}

#[derive(Debug, PartialEq, Eq)]
enum ChunkEnd {
    Normal,
    SwallowsRest,
}

/// Splits the stream at lines that start with `---` followed by a space, a tab or the end of the
/// line. Each piece holds at most one explicit document start.
fn split_documents(text: &str) -> Vec<TextRange> {
    let mut pieces = Vec::new();
    let mut piece_start = 0usize;
    let mut line_start = 0usize;
    // Directives (`%YAML`, `%TAG`) belong to the document they precede, so a split happens
    // before a run of directives, comments and blank lines that ends in `---`. They are only
    // directives at the start of the stream or after a `...` end marker; anywhere else a `%` line
    // is (invalid) content of the current document, as the npm `yaml` package reads it.
    let mut directives_start: Option<usize> = None;
    let mut directives_allowed = true;
    let bytes = text.as_bytes();
    while line_start < bytes.len() {
        let line_end = memchr_newline(bytes, line_start);
        let mut line = &bytes[line_start..line_end];
        if line_start == 0 {
            line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
        }
        if is_document_start(line) {
            let split_at = directives_start.unwrap_or(line_start);
            if split_at > piece_start {
                pieces.push(TextRange::new(piece_start as u32, split_at as u32));
                piece_start = split_at;
            }
            directives_start = None;
            directives_allowed = false;
        } else if line.starts_with(b"...") && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r')) {
            directives_start = None;
            directives_allowed = true;
        } else if line.first() == Some(&b'%') && directives_allowed {
            directives_start.get_or_insert(line_start);
        } else if !line.iter().all(u8::is_ascii_whitespace) && line.first() != Some(&b'#') {
            directives_start = None;
            directives_allowed = false;
        }
        line_start = line_end + 1;
    }
    pieces.push(TextRange::new(piece_start as u32, text.len() as u32));
    pieces
}

/// Characters the npm `yaml` package takes as content but `saphyr-parser` refuses, replaced by
/// characters of the same UTF-8 length that behave like them for every catalog rule: NUL becomes
/// `^` (invalid in every name, tag and key, as NUL is) and a byte-order mark after the start of
/// the stream becomes U+FFFD. Ranges stay byte-exact.
fn sanitize(text: &str) -> Cow<'_, str> {
    let needs = text.as_bytes().contains(&0) || text.get(3..).is_some_and(|rest| rest.contains('\u{feff}'));
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            '\0' => out.push('^'),
            '\u{feff}' if i > 0 => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| from + i)
}

fn is_document_start(line: &[u8]) -> bool {
    line.starts_with(b"---") && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r'))
}

/// Converts the parser's character indices within a chunk to byte offsets in the file.
struct Offsets<'a> {
    chunk: &'a str,
    base: u32,
    /// Byte offset of every character, built only when the chunk is not ASCII.
    char_bytes: Option<Vec<u32>>,
}

impl<'a> Offsets<'a> {
    fn new(chunk: &'a str, base: u32) -> Self {
        let char_bytes = (!chunk.is_ascii()).then(|| {
            let mut v: Vec<u32> = chunk.char_indices().map(|(i, _)| i as u32).collect();
            v.push(chunk.len() as u32);
            v
        });
        Offsets { chunk, base, char_bytes }
    }

    fn byte(&self, char_index: usize) -> u32 {
        let local = match &self.char_bytes {
            None => (char_index.min(self.chunk.len())) as u32,
            Some(v) => v[char_index.min(v.len() - 1)],
        };
        self.base + local
    }

    fn range(&self, span: Span) -> TextRange {
        let start = self.byte(span.start.index());
        let end = self.byte(span.end.index()).max(start);
        TextRange::new(start, end)
    }
}

/// A collection being built.
enum Frame {
    Seq {
        items: Vec<Node>,
        start: u32,
        anchor: usize,
        flow: bool,
    },
    Map {
        entries: Vec<(Node, Node)>,
        /// Where each scalar key was first written, once the mapping has [`KEY_INDEX_FROM`] entries.
        keys: Option<HashMap<ScalarKey, TextRange>>,
        pending_key: Option<Node>,
        start: u32,
        anchor: usize,
        flow: bool,
    },
}

/// What aliases have expanded to so far in one stream.
#[derive(Debug, Default, Clone, Copy)]
struct AliasBudget {
    nodes: usize,
    bytes: usize,
}

/// The size of a node's tree: what copying it for an alias costs, and how deep it nests.
#[derive(Debug, Clone, Copy)]
struct Weight {
    nodes: usize,
    bytes: usize,
    /// Collections nested inside each other (a scalar is 0, a flat list 1).
    depth: usize,
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    errors: Vec<YamlError>,
}

impl Builder {
    fn new() -> Self {
        Builder { stack: Vec::new(), anchors: HashMap::new(), root: None, errors: Vec::new() }
    }

    /// Adds a finished node to its parent (or makes it the root).
    fn push_node(&mut self, node: Node) {
        self.push_node_in(None, node);
    }

    /// Like [`push_node`](Self::push_node), also refusing tabs used as indentation in block
    /// collections ("Tabs are not allowed as indentation" in the npm `yaml` package).
    fn push_node_in(&mut self, text: Option<&str>, node: Node) {
        if let Some(text) = text {
            // A block mapping as the value of a key on the same line (`a: b: c`, `: :`).
            if let Some(Frame::Map { flow: false, pending_key: Some(key), .. }) = self.stack.last() {
                // The nested map's first key, not its start: an anchor or tag may sit on the key's
                // line while the mapping itself starts below (`a: &x` + newline + `  b: 1`).
                let first_key = match &node.value {
                    Value::Map(entries) if text.as_bytes().get(node.range.start as usize) != Some(&b'{') => {
                        entries.first().map(|(k, _)| k.range.start)
                    }
                    _ => None,
                };
                if first_key.is_some_and(|fk| {
                    fk >= key.range.start && !text[key.range.start as usize..fk as usize].contains('\n')
                }) {
                    self.errors.push(YamlError {
                        kind: YamlErrorKind::Syntax("nested mappings are not allowed in compact mappings".into()),
                        range: node.range,
                    });
                }
            }
            let starts_entry = matches!(
                self.stack.last(),
                Some(Frame::Seq { flow: false, .. } | Frame::Map { flow: false, pending_key: None, .. })
            );
            if starts_entry && tab_indented(text, node.range.start) {
                self.errors.push(YamlError {
                    kind: YamlErrorKind::Syntax("tabs are not allowed as indentation; indent with spaces".into()),
                    range: node.range,
                });
            }
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, keys, pending_key, .. }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => {
                    if let Some(dup) = find_duplicate(entries, keys, &key) {
                        self.errors.push(YamlError {
                            kind: YamlErrorKind::DuplicateKey {
                                key: key.key_text().map_or_else(|| "<complex key>".into(), Cow::into_owned),
                                first: dup,
                            },
                            range: key.range,
                        });
                    }
                    entries.push((key, node));
                }
            },
        }
    }

    /// Closes every open collection (after an error) so the partial tree is kept.
    fn unwind(&mut self, end: u32) {
        while let Some(frame) = self.stack.pop() {
            let node = match frame {
                Frame::Seq { items, start, .. } => {
                    Node { value: Value::Seq(items), range: TextRange::new(start, end.max(start)) }
                }
                Frame::Map { entries, start, .. } => {
                    Node { value: Value::Map(entries), range: TextRange::new(start, end.max(start)) }
                }
            };
            self.push_node(node);
        }
    }
}

/// Whether the line holding `offset` is indented with a tab before its first content (which is at
/// or before `offset`: the node itself or a `- ` / `? ` indicator in front of it).
fn tab_indented(text: &str, offset: u32) -> bool {
    let line_start = text[..offset as usize].rfind('\n').map_or(0, |i| i + 1);
    let line = &text.as_bytes()[line_start..offset as usize];
    let indent_len = line.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    line[..indent_len].contains(&b'\t')
}

/// A scalar mapping key, hashable, equal exactly when the two [`Value`]s are equal (`1` and `1.0`
/// differ, `0.0` and `-0.0` are one key, NaN is never equal to anything).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ScalarKey {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    String(String),
}

impl ScalarKey {
    fn of(value: &Value) -> Option<ScalarKey> {
        Some(match value {
            Value::Null => ScalarKey::Null,
            Value::Bool(b) => ScalarKey::Bool(*b),
            Value::Int(i) => ScalarKey::Int(*i),
            Value::Float(f) if f.is_nan() => return None,
            // `+ 0.0` turns -0.0 into 0.0, which `==` already treats as the same number.
            Value::Float(f) => ScalarKey::Float((f + 0.0).to_bits()),
            Value::String(s) => ScalarKey::String(s.clone()),
            Value::Seq(_) | Value::Map(_) => return None,
        })
    }
}

/// Where `key` was first written in the mapping, if it was. Small mappings are scanned; from
/// [`KEY_INDEX_FROM`] entries on, `keys` indexes them (built once, then kept up to date here).
fn find_duplicate(
    entries: &[(Node, Node)],
    keys: &mut Option<HashMap<ScalarKey, TextRange>>,
    key: &Node,
) -> Option<TextRange> {
    // Only scalar keys can be compared the way the npm `yaml` package does (by value and type).
    if matches!(key.value, Value::Seq(_) | Value::Map(_)) {
        return None;
    }
    if keys.is_none() && entries.len() + 1 < KEY_INDEX_FROM {
        return entries.iter().find(|(k, _)| k.value == key.value).map(|(k, _)| k.range);
    }
    let index = keys.get_or_insert_with(|| {
        let mut index = HashMap::with_capacity(entries.len() * 2);
        for (k, _) in entries {
            if let Some(sk) = ScalarKey::of(&k.value) {
                index.entry(sk).or_insert(k.range);
            }
        }
        index
    });
    match ScalarKey::of(&key.value) {
        None => None,
        Some(sk) => match index.entry(sk) {
            std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(key.range);
                None
            }
        },
    }
}

/// What copying `node` for an alias costs. The walk stops (with a weight over every budget) once
/// it has seen more than `limit` nodes, so weighing a huge anchor many times stays cheap.
fn weigh(node: &Node, limit: usize) -> Weight {
    let mut weight = Weight { nodes: 0, bytes: 0, depth: 0 };
    let mut pending: Vec<(&Node, usize)> = vec![(node, 0)];
    while let Some((n, level)) = pending.pop() {
        weight.nodes += 1;
        weight.bytes += std::mem::size_of::<Node>();
        if weight.nodes > limit {
            weight.bytes = usize::MAX;
            return weight;
        }
        match &n.value {
            Value::String(s) => weight.bytes += s.len(),
            Value::Seq(items) => {
                weight.depth = weight.depth.max(level + 1);
                pending.extend(items.iter().map(|i| (i, level + 1)));
            }
            Value::Map(entries) => {
                weight.depth = weight.depth.max(level + 1);
                weight.bytes += entries.len() * std::mem::size_of::<Node>();
                pending.extend(entries.iter().flat_map(|(k, v)| [(k, level + 1), (v, level + 1)]));
            }
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
    }
    weight
}

fn parse_chunk(text: &str, chunk_range: TextRange, out: &mut Vec<Document>, aliases: &mut AliasBudget) -> ChunkEnd {
    let chunk = &text[chunk_range.as_usize()];
    let offsets = Offsets::new(chunk, chunk_range.start);
    let mut parser = Parser::new_from_str(chunk);
    let mut builder = Builder::new();
    let mut doc_start: Option<u32> = None;
    let mut failed = false;
    let mut end = ChunkEnd::Normal;

    loop {
        let (event, span) = match parser.next() {
            None => break,
            Some(Ok(pair)) => pair,
            Some(Err(err)) => {
                if err.info().contains("quoted scalar") && err.info().contains("end of stream") {
                    end = ChunkEnd::SwallowsRest;
                }
                let at = offsets.byte(err.marker().index());
                builder.errors.push(YamlError {
                    kind: YamlErrorKind::Syntax(err.info().to_string()),
                    range: error_range(text, at),
                });
                failed = true;
                break;
            }
        };
        let range = offsets.range(span);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                doc_start = Some(range.start);
                builder = Builder::new();
            }
            Event::DocumentEnd => {
                let start = doc_start.take().unwrap_or(chunk_range.start);
                let end = range.end.max(start);
                let b = std::mem::replace(&mut builder, Builder::new());
                out.push(Document { range: TextRange::new(start, end), root: b.root, errors: b.errors });
            }
            Event::Scalar(value, style, anchor, tag) => {
                if matches!(style, ScalarStyle::Plain)
                    && let Some(c) = value.chars().next().filter(|c| matches!(c, '%' | '@' | '`'))
                {
                    builder.errors.push(YamlError {
                        kind: YamlErrorKind::Syntax(format!(
                            "a plain value cannot start with the {} character `{c}`; quote the value",
                            if c == '%' { "directive indicator" } else { "reserved" }
                        )),
                        range,
                    });
                }
                let node = Node { value: resolve_scalar(&value, style, tag.as_deref()), range };
                if anchor > 0 {
                    builder.anchors.insert(anchor, node.clone());
                }
                builder.push_node_in(Some(text), node);
            }
            Event::Alias(id) => match builder.anchors.get(&id) {
                Some(target) => {
                    let weight = weigh(target, MAX_ALIAS_NODES.saturating_sub(aliases.nodes));
                    aliases.nodes += weight.nodes;
                    aliases.bytes = aliases.bytes.saturating_add(weight.bytes);
                    if aliases.nodes > MAX_ALIAS_NODES || aliases.bytes > MAX_ALIAS_BYTES {
                        builder.errors.push(YamlError { kind: YamlErrorKind::AliasBudget, range });
                        failed = true;
                        break;
                    }
                    // The copy nests as deep as its anchor did, below the collections open here.
                    if builder.stack.len() + weight.depth > MAX_DEPTH {
                        builder.errors.push(YamlError { kind: YamlErrorKind::TooDeep, range });
                        failed = true;
                        break;
                    }
                    let mut node = target.clone();
                    node.range = range;
                    builder.push_node(node);
                }
                None => {
                    builder.errors.push(YamlError { kind: YamlErrorKind::UnknownAlias, range });
                    builder.push_node(Node { value: Value::Null, range });
                }
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if builder.stack.len() >= MAX_DEPTH {
                    builder.errors.push(YamlError { kind: YamlErrorKind::TooDeep, range });
                    failed = true;
                    break;
                }
                let flow = matches!(text.as_bytes().get(range.start as usize), Some(b'{' | b'['));
                builder.stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq { items: Vec::new(), start: range.start, anchor, flow }
                } else {
                    Frame::Map { entries: Vec::new(), keys: None, pending_key: None, start: range.start, anchor, flow }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = builder.stack.pop() else { continue };
                let (value, start, anchor) = match frame {
                    Frame::Seq { items, start, anchor, .. } => (Value::Seq(items), start, anchor),
                    Frame::Map { entries, start, anchor, .. } => (Value::Map(entries), start, anchor),
                };
                let node = Node { value, range: TextRange::new(start, range.end.max(start)) };
                if anchor > 0 {
                    builder.anchors.insert(anchor, node.clone());
                }
                builder.push_node_in(Some(text), node);
            }
        }
    }

    if failed {
        // Keep whatever was read so far as this document; the error makes Backstage refuse it.
        builder.unwind(chunk_range.end);
        let start = doc_start.unwrap_or_else(|| first_content(text, chunk_range));
        out.push(Document {
            range: TextRange::new(start.min(chunk_range.end), chunk_range.end),
            root: builder.root,
            errors: builder.errors,
        });
    }
    end
}

/// Where a chunk's first non-blank, non-comment text starts (for documents that fail early).
fn first_content(text: &str, chunk: TextRange) -> u32 {
    let mut offset = chunk.start as usize;
    for line in text[chunk.as_usize()].split_inclusive('\n') {
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            return (offset + (line.len() - line.trim_start().len())) as u32;
        }
        offset += line.len();
    }
    chunk.start
}

/// An error points at one character (or the end of the text).
fn error_range(text: &str, at: u32) -> TextRange {
    let len = text[at as usize..].chars().next().map_or(0, |c| if c == '\n' { 0 } else { c.len_utf8() });
    TextRange::new(at, at + len as u32)
}

/// YAML 1.2 core-schema resolution of a scalar, as the npm `yaml` package does by default.
fn resolve_scalar(value: &str, style: ScalarStyle, tag: Option<&saphyr_parser::Tag>) -> Value {
    if let Some(tag) = tag {
        // `!!x`, `tag:yaml.org,2002:x` and the verbatim `!<tag:yaml.org,2002:x>` all name core tags.
        let core = if tag.is_yaml_core_schema() || tag.handle == "!!" {
            Some(tag.suffix.as_str())
        } else {
            tag.suffix.strip_prefix("tag:yaml.org,2002:")
        };
        let resolved = match core {
            Some("str") => Some(Value::String(value.to_owned())),
            Some("null") => matches!(value, "" | "~" | "null" | "Null" | "NULL").then_some(Value::Null),
            Some("bool") => parse_bool(value).map(Value::Bool),
            Some("int") => parse_int(value),
            Some("float") => parse_float(value).or_else(|| parse_int(value)).map(|v| match v {
                Value::Int(i) => Value::Float(i as f64),
                other => other,
            }),
            _ => None,
        };
        // A value that does not fit its tag, and any unknown tag: the npm `yaml` package warns and
        // keeps the text as a string.
        return resolved.unwrap_or_else(|| Value::String(value.to_owned()));
    }
    if !matches!(style, ScalarStyle::Plain) {
        return Value::String(value.to_owned());
    }
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = parse_bool(value) {
        return Value::Bool(b);
    }
    if let Some(v) = parse_int(value).or_else(|| parse_float(value)) {
        return v;
    }
    Value::String(value.to_owned())
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn parse_int(s: &str) -> Option<Value> {
    let as_value = |digits: &str, radix: u32, negative: bool| -> Option<Value> {
        if digits.is_empty() {
            return None;
        }
        match i64::from_str_radix(digits, radix) {
            Ok(v) => Some(Value::Int(if negative { -v } else { v })),
            // Beyond i64 JavaScript still has a (lossy) number.
            Err(_) => u128::from_str_radix(digits, radix)
                .ok()
                .map(|v| Value::Float(if negative { -(v as f64) } else { v as f64 })),
        }
    };
    if let Some(hex) = s.strip_prefix("0x") {
        return hex.bytes().all(|b| b.is_ascii_hexdigit()).then(|| as_value(hex, 16, false)).flatten();
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return oct.bytes().all(|b| (b'0'..=b'7').contains(&b)).then(|| as_value(oct, 8, false)).flatten();
    }
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return as_value(digits, 10, negative);
    }
    None
}

fn parse_float(s: &str) -> Option<Value> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(Value::Float(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    // Core schema: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - frac_start;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok().map(Value::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(text: &str) -> Vec<Document> {
        parse_stream(text)
    }

    #[test]
    fn yes_and_no_are_strings_and_numbers_are_numbers() {
        let docs = roots("a: yes\nb: no\nc: on\nd: true\ne: 7\nf: 1.0\ng: 0x1F\nh: '7'\ni: ~\n");
        let root = docs[0].root.as_ref().unwrap();
        assert_eq!(root.get("a").unwrap().value, Value::String("yes".into()));
        assert_eq!(root.get("b").unwrap().value, Value::String("no".into()));
        assert_eq!(root.get("c").unwrap().value, Value::String("on".into()));
        assert_eq!(root.get("d").unwrap().value, Value::Bool(true));
        assert_eq!(root.get("e").unwrap().value, Value::Int(7));
        assert_eq!(root.get("f").unwrap().value, Value::Float(1.0));
        assert_eq!(root.get("g").unwrap().value, Value::Int(31));
        assert_eq!(root.get("h").unwrap().value, Value::String("7".into()));
        assert_eq!(root.get("i").unwrap().value, Value::Null);
    }

    #[test]
    fn byte_ranges_after_non_ascii() {
        let text = "description: Größe 😀\nname: x\n";
        let docs = roots(text);
        let name = docs[0].root.as_ref().unwrap().get("name").unwrap();
        assert_eq!(&text[name.range.as_usize()], "x");
    }

    #[test]
    fn broken_document_does_not_hide_its_siblings() {
        let text = "a: 1\n---\nb: [unclosed\nc: d\n---\ne: 2\n";
        let docs = roots(text);
        assert_eq!(docs.len(), 3);
        assert!(docs[0].errors.is_empty());
        assert!(!docs[1].errors.is_empty());
        assert!(docs[2].errors.is_empty());
        assert_eq!(docs[2].root.as_ref().unwrap().get("e").unwrap().value, Value::Int(2));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let docs = roots("a: 1\nb: 2\na: 3\n");
        assert!(matches!(docs[0].errors[0].kind, YamlErrorKind::DuplicateKey { .. }));
        assert_eq!(docs[0].errors[0].range, TextRange::new(10, 11));
    }

    #[test]
    fn empty_documents_are_null() {
        let docs = roots("---\na: 1\n---\n");
        assert_eq!(docs.iter().filter(|d| !d.is_null()).count(), 1);
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let text = "[".repeat(100_000);
        let docs = roots(&text);
        assert!(!docs[0].errors.is_empty());
    }

    #[test]
    fn aliases_expand_with_a_budget() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 { "a".to_string() } else { format!("l{}", i - 1) };
            text.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let docs = roots(&text);
        assert!(docs[0].errors.iter().any(|e| e.kind == YamlErrorKind::AliasBudget));
    }
}

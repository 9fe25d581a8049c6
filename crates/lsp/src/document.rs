//! An open document: its text at one version, and what is derived from that text on demand.
//!
//! A `Document` is immutable; an edit makes a new one (cheap: the text is copied once, derived
//! data is recomputed lazily). Whoever needs the parse first computes it, everybody else waits
//! for that one computation (`OnceLock`), so a diagnostics job and a hover that race on a new
//! version parse it once. Requests hold an `Arc<Document>` of the version they started on and can
//! tell afterwards, by [`Document::seq`], whether they were overtaken by an edit.

use std::sync::{Arc, OnceLock};

use backline_catalog::{CustomKinds, Encoding, LineIndex, ParsedFile, parse_file_with};
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use crate::convert;

#[derive(Debug)]
pub(crate) struct Document {
    pub uri: Uri,
    /// The file key (see [`convert::uri_key`]), shared with the catalog so the cross-file lints
    /// recognise the file as the same one.
    pub path: Arc<str>,
    /// The client's version number.
    pub version: i32,
    /// The server's own, strictly increasing change counter over all documents.
    pub seq: u64,
    pub text: Arc<str>,
    line_index: OnceLock<Arc<LineIndex>>,
    parsed: OnceLock<Arc<ParsedFile>>,
    is_catalog: OnceLock<bool>,
    /// The custom kinds the text is parsed with.
    kinds: Arc<CustomKinds>,
}

impl Document {
    pub(crate) fn new(uri: Uri, path: Arc<str>, version: i32, seq: u64, text: Arc<str>) -> Document {
        Document::with_kinds(uri, path, version, seq, text, CustomKinds::none())
    }

    /// A document whose text is parsed with the configuration's custom kinds.
    pub(crate) fn with_kinds(
        uri: Uri,
        path: Arc<str>,
        version: i32,
        seq: u64,
        text: Arc<str>,
        kinds: Arc<CustomKinds>,
    ) -> Document {
        Document {
            uri,
            path,
            version,
            seq,
            text,
            line_index: OnceLock::new(),
            parsed: OnceLock::new(),
            is_catalog: OnceLock::new(),
            kinds,
        }
    }

    /// Line starts of this version (shared with the parse when that exists already).
    pub(crate) fn line_index(&self) -> Arc<LineIndex> {
        if let Some(p) = self.parsed.get() {
            return self.line_index.get_or_init(|| Arc::new(p.line_index.clone())).clone();
        }
        self.line_index.get_or_init(|| Arc::new(LineIndex::new(&self.text))).clone()
    }

    /// The parse and per-file validation of this version, computed once.
    pub(crate) fn parsed(&self) -> Arc<ParsedFile> {
        self.parsed.get_or_init(|| Arc::new(parse_file_with(self.path.clone(), &self.text, &self.kinds))).clone()
    }

    /// Whether this document is a catalog file by name or by its head (the rule of
    /// [`crate::workspace::is_catalog_document`]). Clients such as Helix or Zed send every YAML
    /// file they open; a GitHub workflow or a Helm chart must get no catalog diagnostics.
    pub(crate) fn is_catalog(&self) -> bool {
        *self.is_catalog.get_or_init(|| {
            let name = self.path.rsplit(['/', '\\']).next().unwrap_or(&self.path);
            crate::workspace::is_catalog_document(name, self.text.as_bytes())
        })
    }

    pub(crate) fn parsed_if_ready(&self) -> Option<Arc<ParsedFile>> {
        self.parsed.get().cloned()
    }

    /// Applies a `didChange`'s changes in order (each one's range refers to the text left by the
    /// previous one; a change without a range replaces everything).
    pub(crate) fn changed(
        &self,
        changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
        seq: u64,
        encoding: Encoding,
    ) -> Document {
        let mut text: String = String::new();
        let mut current: Option<String> = None;
        let mut index: Option<Arc<LineIndex>> = Some(self.line_index());
        for change in changes {
            let base: &str = current.as_deref().unwrap_or(&self.text);
            match change.range {
                None => {
                    current = Some(change.text);
                    index = None;
                }
                Some(range) => {
                    let idx = index.take().unwrap_or_else(|| Arc::new(LineIndex::new(base)));
                    let start = convert::offset(&idx, base, range.start, encoding) as usize;
                    let end = (convert::offset(&idx, base, range.end, encoding) as usize).max(start);
                    text.clear();
                    text.reserve(base.len() + change.text.len());
                    text.push_str(&base[..start]);
                    text.push_str(&change.text);
                    text.push_str(&base[end..]);
                    current = Some(std::mem::take(&mut text));
                }
            }
        }
        let text: Arc<str> = match current {
            Some(t) => Arc::from(t),
            None => self.text.clone(),
        };
        Document::with_kinds(self.uri.clone(), self.path.clone(), version, seq, text, self.kinds.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use tower_lsp_server::ls_types::{Position, Range};

    use super::*;

    fn change(l1: u32, c1: u32, l2: u32, c2: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range { start: Position::new(l1, c1), end: Position::new(l2, c2) }),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn changes_apply_in_order_in_utf16() {
        let uri = Uri::from_str("file:///a.yaml").unwrap();
        let doc = Document::new(uri, "/a.yaml".into(), 1, 1, "name: 😀x\nb: 1\n".into());
        // After the emoji (2 UTF-16 units) sits `x` at column 8.
        let next = doc.changed(vec![change(0, 8, 0, 9, "y"), change(1, 3, 1, 4, "22")], 2, 2, Encoding::Utf16);
        assert_eq!(&*next.text, "name: 😀y\nb: 22\n");
        let whole = next.changed(
            vec![
                TextDocumentContentChangeEvent { range: None, range_length: None, text: "x: 1\n".into() },
                change(0, 3, 0, 4, "2"),
            ],
            3,
            3,
            Encoding::Utf16,
        );
        assert_eq!(&*whole.text, "x: 2\n");
    }
}

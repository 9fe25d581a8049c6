//! The language server's incremental edits driven by arbitrary bytes, for the `lsp_edits` fuzz
//! target and for the regression test that replays every input that ever found a bug
//! (`fuzz/regressions/lsp_edits/`).
//!
//! The bytes decode to a document, a position encoding and a series of `didChange` edits. Each
//! edit goes through [`Document::changed`] exactly as the server applies it, and the result is
//! compared with an independent model of the protocol's rules (positions past a line's end clamp
//! to it, past the last line to the text's end, inside a character to its start). Then every
//! version is parsed and its findings converted to diagnostics and back, and completion, hover and
//! go to definition run at the edit's position, against a catalog of that one document. Nothing
//! may panic and every range must land on a character boundary inside the text.
//!
//! Not part of the server's API: `#[doc(hidden)]`, public only so the fuzz crate can call it.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use backline_catalog::Encoding;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent, Uri};

use crate::convert;
use crate::document::Document;
use crate::settings::Settings;
use crate::state::{ClientCaps, Snapshot};
use crate::workspace::{Catalog, DiskFiles};

const PATH: &str = "/fuzz/catalog-info.yaml";

/// Decodes `data` into a document and its edits and replays them (see the module docs). Panics
/// on any violated rule, which is what the fuzzer and the regression test look for.
pub fn replay(data: &[u8]) {
    let mut input = Input { data, at: 0 };
    let encoding = match input.byte() % 3 {
        0 => Encoding::Utf8,
        1 => Encoding::Utf16,
        _ => Encoding::Utf32,
    };
    let initial_len = usize::from(input.byte()) * 4;
    let initial = input.text(initial_len);
    let uri = Uri::from_str("file:///fuzz/catalog-info.yaml").expect("a valid URI");
    let path: Arc<str> = Arc::from(PATH);
    let mut doc = Arc::new(Document::new(uri, path, 0, 0, Arc::from(initial.as_str())));
    check_version(&doc, encoding, None);
    let mut version = 0;
    while !input.done() && version < 64 {
        version += 1;
        // One didChange carries one to three changes, each relative to the text the previous left.
        let count = 1 + usize::from(input.byte() % 3);
        let mut changes = Vec::with_capacity(count);
        let mut expected = doc.text.to_string();
        let mut first_position = None;
        for _ in 0..count {
            let whole = input.byte().is_multiple_of(16);
            let start = input.position();
            let end = input.position();
            let text_len = usize::from(input.byte());
            let text = input.text(text_len);
            if whole {
                expected = text.clone();
                changes.push(TextDocumentContentChangeEvent { range: None, range_length: None, text });
                continue;
            }
            let from = reference_offset(&expected, start, encoding);
            let to = reference_offset(&expected, end, encoding).max(from);
            expected.replace_range(from..to, &text);
            first_position.get_or_insert(start);
            changes.push(TextDocumentContentChangeEvent {
                range: Some(Range { start, end }),
                range_length: None,
                text,
            });
        }
        let next = doc.changed(changes, version, version as u64, encoding);
        assert_eq!(&*next.text, expected, "version {version}: the edits applied differently from the protocol's rules");
        doc = Arc::new(next);
        check_version(&doc, encoding, first_position);
    }
}

/// Parses one version, converts its findings to diagnostics and back, and asks completion, hover
/// and definition at `at`.
fn check_version(doc: &Arc<Document>, encoding: Encoding, at: Option<Position>) {
    let text = &*doc.text;
    let parsed = doc.parsed();
    let index = doc.line_index();
    for f in &parsed.findings {
        for offset in [f.range.start, f.range.end] {
            assert!(
                (offset as usize) <= text.len() && text.is_char_boundary(offset as usize),
                "{:?} at {:?} is not a character boundary of the text",
                f.code,
                f.range
            );
            let position = convert::position(&index, offset, encoding);
            let back = convert::offset(&index, text, position, encoding);
            assert_eq!(back, offset, "{:?}: {offset} → {position:?} → {back}", f.code);
        }
    }
    let catalog = Catalog::build(&DiskFiles::default(), std::slice::from_ref(&parsed), true, false);
    let snap = Snapshot {
        encoding,
        caps: ClientCaps { snippets: true, hierarchical_symbols: true, markdown_hover: true, ..ClientCaps::default() },
        settings: Arc::new(Settings::default()),
        catalog: Arc::new(catalog),
        docs: HashMap::from([(doc.path.clone(), doc.clone())]),
    };
    let diagnostics = crate::analysis::diagnostics(
        &snap,
        &parsed,
        &crate::analysis::findings_for(&parsed, &snap.catalog, &snap.settings, false),
    );
    let lines = index.position(text.len() as u32, encoding).0;
    for d in &diagnostics {
        assert!(d.range.start <= d.range.end && d.range.end.line <= lines, "{d:?}");
    }
    let Some(at) = at else { return };
    let _ = crate::handlers::completion::completion(&snap, doc, at);
    let _ = crate::handlers::hover::hover(&snap, doc, at);
    let _ = crate::handlers::definition::definition(&snap, doc, at);
}

/// The byte offset of `position` by the protocol's rules, computed without [`LineIndex`]: lines
/// end at `\n`; a column counts the encoding's units; past a line's end means its end, past the
/// last line the text's end, inside a character that character's start.
fn reference_offset(text: &str, position: Position, encoding: Encoding) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i);
    let mut units = 0u64;
    let column = u64::from(position.character);
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= column {
            return line_start + i;
        }
        let width = match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf32 => 1,
        } as u64;
        if units + width > column {
            return line_start + i;
        }
        units += width;
    }
    line_end
}

/// A cursor over the fuzzer's bytes; reads past the end give zeros.
struct Input<'a> {
    data: &'a [u8],
    at: usize,
}

impl Input<'_> {
    fn done(&self) -> bool {
        self.at >= self.data.len()
    }

    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    /// Mostly small numbers (where the text is); `0xFF` escapes to any `u32`, so positions far
    /// past the text (a client's bug, or a hostile one) are tried too.
    fn number(&mut self) -> u32 {
        match self.byte() {
            0xFF => u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()]),
            b => u32::from(b % 64),
        }
    }

    fn position(&mut self) -> Position {
        Position { line: self.number() % 4096, character: self.number() }
    }

    fn text(&mut self, max: usize) -> String {
        let end = (self.at + max).min(self.data.len());
        let bytes = self.data.get(self.at.min(end)..end).unwrap_or_default();
        self.at = end;
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use backline_catalog::LineIndex;

    use super::*;

    #[test]
    fn the_reference_model_follows_the_protocol() {
        let text = "a😀b\nxy\r\n";
        let at = |line, character, e| reference_offset(text, Position { line, character }, e);
        assert_eq!(at(0, 1, Encoding::Utf16), 1);
        assert_eq!(at(0, 2, Encoding::Utf16), 1, "inside the surrogate pair: the emoji's start");
        assert_eq!(at(0, 3, Encoding::Utf16), 5);
        assert_eq!(at(0, 2, Encoding::Utf32), 5);
        assert_eq!(at(0, 99, Encoding::Utf8), 6, "past the line's end: its end");
        assert_eq!(at(1, 3, Encoding::Utf8), 10, "the \\r is the line's content");
        assert_eq!(at(9, 0, Encoding::Utf8), text.len());
        let index = LineIndex::new(text);
        for (line, character) in [(0, 2), (0, 3), (1, 1), (1, 7), (5, 0)] {
            for e in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
                let position = Position { line, character };
                assert_eq!(
                    convert::offset(&index, text, position, e) as usize,
                    reference_offset(text, position, e),
                    "{position:?} {e:?}"
                );
            }
        }
    }
}

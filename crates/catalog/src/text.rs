//! Byte ranges into a file's text and the conversions every consumer needs.
//!
//! The core speaks in UTF-8 byte offsets only: they are exact, cheap to slice with and independent
//! of any editor. Line/column (1-based, for humans), UTF-16 columns (for LSP clients, which mostly
//! speak nothing else) and UTF-8 columns are derived at the edge through [`LineIndex`], which
//! stores line starts plus, per line, only the non-ASCII characters ("wide chars"), the same design
//! as rust-analyzer's `line-index`.

use serde::Serialize;

/// A half-open range `start..end` of UTF-8 byte offsets into a file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub fn new(start: u32, end: u32) -> Self {
        debug_assert!(start <= end);
        TextRange { start, end }
    }

    pub fn empty(at: u32) -> Self {
        TextRange { start: at, end: at }
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset < self.end
    }

    /// Like [`contains`](Self::contains) but also true at the end, which is where a cursor sits
    /// right after typing a value.
    pub fn contains_inclusive(self, offset: u32) -> bool {
        self.start <= offset && offset <= self.end
    }

    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn as_usize(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A position as people read it: 1-based line, 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// The unit in which a client counts columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

/// A non-ASCII character on a line: its byte column and its UTF-8 length.
#[derive(Debug, Clone, Copy)]
struct WideChar {
    start: u32,
    len: u8,
}

/// Maps byte offsets to lines and columns and back. Built once per text version in O(n).
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the start of every line.
    line_starts: Vec<u32>,
    /// Non-ASCII characters per line (only lines that have any), sorted by line.
    wide: Vec<(u32, Vec<WideChar>)>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        let mut wide: Vec<(u32, Vec<WideChar>)> = Vec::new();
        let bytes = text.as_bytes();
        if text.is_ascii() {
            for (i, b) in bytes.iter().enumerate() {
                if *b == b'\n' {
                    line_starts.push(i as u32 + 1);
                }
            }
        } else {
            let mut line = 0u32;
            for (i, c) in text.char_indices() {
                if c == '\n' {
                    line_starts.push(i as u32 + 1);
                    line += 1;
                } else if !c.is_ascii() {
                    let col = i as u32 - line_starts[line as usize];
                    let entry = WideChar { start: col, len: c.len_utf8() as u8 };
                    match wide.last_mut() {
                        Some((l, chars)) if *l == line => chars.push(entry),
                        _ => wide.push((line, vec![entry])),
                    }
                }
            }
        }
        LineIndex { line_starts, wide, len: text.len() as u32 }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Zero-based line and zero-based byte column of `offset`.
    pub fn line_col_utf8(&self, offset: u32) -> (u32, u32) {
        let offset = offset.min(self.len);
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        (line as u32, offset - self.line_starts[line])
    }

    fn wide_chars(&self, line: u32) -> &[WideChar] {
        match self.wide.binary_search_by_key(&line, |(l, _)| *l) {
            Ok(i) => &self.wide[i].1,
            Err(_) => &[],
        }
    }

    /// Zero-based line and zero-based column in `encoding` units.
    pub fn position(&self, offset: u32, encoding: Encoding) -> (u32, u32) {
        let (line, col8) = self.line_col_utf8(offset);
        if encoding == Encoding::Utf8 {
            return (line, col8);
        }
        let mut col = col8;
        for wc in self.wide_chars(line) {
            if wc.start >= col8 {
                break;
            }
            let units = match encoding {
                Encoding::Utf16 if wc.len == 4 => 2,
                _ => 1,
            };
            // Saturating: an offset inside a character (never produced by the core, but cheap to
            // survive) must not underflow.
            col = col.saturating_sub(u32::from(wc.len)) + units;
        }
        (line, col)
    }

    /// A position for humans: 1-based line and 1-based character column.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let (line, col) = self.position(offset, Encoding::Utf32);
        LineCol { line: line + 1, column: col + 1 }
    }

    /// The byte offset of a zero-based (line, column) in `encoding` units. Positions past the end
    /// of a line clamp to the line's end, positions past the last line to the end of the text, as
    /// the LSP specification asks.
    pub fn offset(&self, line: u32, column: u32, encoding: Encoding) -> u32 {
        let Some(&line_start) = self.line_starts.get(line as usize) else {
            return self.len;
        };
        let line_end = self.line_starts.get(line as usize + 1).map_or(self.len, |&next| next - 1);
        let mut col8 = column;
        if encoding != Encoding::Utf8 {
            // Walk the wide chars of the line, converting units back to bytes.
            let mut units_seen = 0u32; // Units up to the current byte column.
            let mut byte_col = 0u32;
            let mut resolved = None;
            for wc in self.wide_chars(line) {
                let ascii_run = wc.start - byte_col;
                if units_seen + ascii_run >= column {
                    resolved = Some(byte_col + (column - units_seen));
                    break;
                }
                units_seen += ascii_run;
                byte_col = wc.start;
                let units = match encoding {
                    Encoding::Utf16 if wc.len == 4 => 2,
                    _ => 1,
                };
                if units_seen + units > column {
                    // Inside a surrogate pair: snap to the character's start.
                    resolved = Some(byte_col);
                    break;
                }
                units_seen += units;
                byte_col += u32::from(wc.len);
            }
            // Saturating: a client may send any column up to `u32::MAX` (positions past the end
            // clamp), and the sum must not wrap to an offset on an earlier line.
            col8 = resolved.unwrap_or(byte_col.saturating_add(column - units_seen));
        }
        line_start.saturating_add(col8).min(line_end.max(line_start))
    }

    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts.get(line as usize).copied()
    }

    /// The byte range of a zero-based line, without its line terminator.
    pub fn line_range(&self, line: u32, text: &str) -> Option<TextRange> {
        let start = self.line_start(line)?;
        let mut end = self.line_starts.get(line as usize + 1).map_or(self.len, |&n| n - 1);
        if end > start && text.as_bytes().get(end as usize - 1) == Some(&b'\r') {
            end -= 1;
        }
        Some(TextRange::new(start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_after_emoji_and_accents() {
        let text = "a: é\nname: 😀x\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(idx.position(x, Encoding::Utf16), (1, 8));
        assert_eq!(idx.position(x, Encoding::Utf32), (1, 7));
        assert_eq!(idx.position(x, Encoding::Utf8), (1, 10));
        assert_eq!(idx.offset(1, 8, Encoding::Utf16), x);
        assert_eq!(idx.offset(1, 7, Encoding::Utf32), x);
        assert_eq!(idx.offset(0, 99, Encoding::Utf16), 5);
        assert_eq!(idx.line_col(x), LineCol { line: 2, column: 8 });
    }

    proptest::proptest! {
        #[test]
        fn offsets_round_trip(text in "(a|é|😀|\n|\r\n| ){0,40}") {
            let idx = LineIndex::new(&text);
            for (offset, _) in text.char_indices() {
                for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
                    let (l, c) = idx.position(offset as u32, enc);
                    proptest::prop_assert_eq!(idx.offset(l, c, enc), offset as u32);
                }
            }
        }
    }
}

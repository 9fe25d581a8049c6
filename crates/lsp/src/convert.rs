//! Conversions at the protocol edge: byte offsets ↔ LSP positions in the negotiated encoding,
//! paths ↔ URIs, findings → diagnostics. Nothing else in the crate computes a column.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use backline_catalog::{Encoding, Finding, LineIndex, Severity, TextRange};
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range, Uri,
};

/// The byte offset of an LSP position, snapped to a character boundary of `text`.
pub(crate) fn offset(index: &LineIndex, text: &str, position: Position, encoding: Encoding) -> u32 {
    let mut o = index.offset(position.line, position.character, encoding).min(text.len() as u32) as usize;
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o as u32
}

pub(crate) fn position(index: &LineIndex, offset: u32, encoding: Encoding) -> Position {
    let (line, character) = index.position(offset, encoding);
    Position { line, character }
}

pub(crate) fn range(index: &LineIndex, range: TextRange, encoding: Encoding) -> Range {
    Range { start: position(index, range.start, encoding), end: position(index, range.end, encoding) }
}

/// The key a document or file is known by: its file path for `file:` URIs (so the same file
/// opened in the editor and found on disk is one file), the URI itself otherwise.
pub(crate) fn uri_key(uri: &Uri) -> String {
    file_path(uri).map_or_else(|| uri.as_str().to_owned(), |p| p.to_string_lossy().into_owned())
}

/// The local path of a `file:` URI.
pub(crate) fn file_path(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    uri.to_file_path().map(|p| backline_catalog::discover::normalize(&p))
}

/// The URI of a file key (see [`uri_key`]).
pub(crate) fn key_uri(key: &str) -> Option<Uri> {
    if Path::new(key).is_absolute() { Uri::from_file_path(key) } else { Uri::from_str(key).ok() }
}

pub(crate) fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// Resolves a range in any file (open, in the catalog, or on disk) to an LSP location.
pub(crate) trait FileLookup {
    fn location(&self, path: &str, range: TextRange) -> Option<Location>;
}

/// A finding as a diagnostic. `index` is the line index of the finding's own file.
pub(crate) fn diagnostic(
    finding: &Finding,
    index: &LineIndex,
    encoding: Encoding,
    files: &dyn FileLookup,
    related_support: bool,
) -> Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = if related_support {
        finding
            .related
            .iter()
            .filter_map(|r| {
                let location = files.location(&r.file, r.range)?;
                Some(DiagnosticRelatedInformation { location, message: r.message.clone() })
            })
            .collect()
    } else {
        Vec::new()
    };
    Diagnostic {
        range: range(index, finding.range, encoding),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.code.as_str().to_owned())),
        code_description: None,
        source: Some("backline".into()),
        message: finding.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

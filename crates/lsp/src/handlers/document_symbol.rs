//! `textDocument/documentSymbol`: one symbol per entity (per document of a multi-document file),
//! with its key fields (type, lifecycle, owner, system and the other single references) as
//! children. Files with more than [`CHILDREN_LIMIT`] entities get entities only: the full outline
//! of a 19,000-line file is megabytes of JSON, slower to send than the whole analysis takes.

use backline_catalog::{Entity, Kind, LineIndex, TextRange};
use tower_lsp_server::ls_types::{
    DocumentSymbol, DocumentSymbolResponse, Location, SymbolInformation, SymbolKind, Uri,
};

use crate::convert;
use crate::document::Document;
use crate::state::Snapshot;

pub(crate) const CHILDREN_LIMIT: usize = 300;

pub(crate) fn symbol_kind(kind: &str) -> SymbolKind {
    match Kind::from_name(kind) {
        Some(Kind::Component) => SymbolKind::CLASS,
        Some(Kind::Api) => SymbolKind::INTERFACE,
        Some(Kind::Resource) => SymbolKind::OBJECT,
        Some(Kind::System) => SymbolKind::PACKAGE,
        Some(Kind::Domain) => SymbolKind::NAMESPACE,
        Some(Kind::Group) => SymbolKind::STRUCT,
        Some(Kind::User) => SymbolKind::CONSTANT,
        Some(Kind::Location) => SymbolKind::FILE,
        Some(Kind::Template) => SymbolKind::CONSTRUCTOR,
        None => SymbolKind::OBJECT,
    }
}

#[allow(deprecated, reason = "DocumentSymbol's `deprecated` field must still be written")]
fn symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    range: tower_lsp_server::ls_types::Range,
    selection: tower_lsp_server::ls_types::Range,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    DocumentSymbol { name, detail, kind, tags: None, deprecated: None, range, selection_range: selection, children }
}

fn children(e: &Entity, index: &LineIndex, snap: &Snapshot, within: TextRange) -> Vec<DocumentSymbol> {
    let mut out = Vec::new();
    let mut field = |name: String, value: String, range: TextRange, kind: SymbolKind| {
        if range.start >= within.start && range.end <= within.end {
            let r = convert::range(index, range, snap.encoding);
            out.push(symbol(name, Some(value), kind, r, r, None));
        }
    };
    if let Some(t) = &e.spec_type {
        field("type".into(), t.value.clone(), t.range, SymbolKind::ENUM_MEMBER);
    }
    if let Some(l) = &e.lifecycle {
        field("lifecycle".into(), l.value.clone(), l.range, SymbolKind::ENUM_MEMBER);
    }
    // Single-valued references only: lists (`dependsOn`, `members`...) can be long, and an
    // outline of a large file must stay small enough to send in milliseconds.
    for r in e.references.iter().filter(|r| !r.field.many) {
        field(r.field.field.to_owned(), r.raw.clone(), r.range, SymbolKind::KEY);
    }
    out
}

#[allow(deprecated, reason = "SymbolInformation's `deprecated` field must still be written")]
pub(crate) fn document_symbol(snap: &Snapshot, doc: &Document) -> Option<DocumentSymbolResponse> {
    let parsed = doc.parsed();
    let index = &parsed.line_index;
    if snap.caps.hierarchical_symbols {
        let with_children = parsed.entities().count() <= CHILDREN_LIMIT;
        let symbols = parsed
            .documents
            .iter()
            .filter_map(|d| {
                let e = d.entity.as_ref()?;
                let range = d.range.cover(e.name_range);
                let detail = match &e.title {
                    Some(t) => format!("{} · {t}", e.kind()),
                    None => e.kind().to_owned(),
                };
                Some(symbol(
                    e.name().to_owned(),
                    Some(detail),
                    symbol_kind(e.kind()),
                    convert::range(index, range, snap.encoding),
                    convert::range(index, e.name_range, snap.encoding),
                    with_children.then(|| children(e, index, snap, range)),
                ))
            })
            .collect();
        return Some(DocumentSymbolResponse::Nested(symbols));
    }
    let uri: Uri = doc.uri.clone();
    let flat = parsed
        .entities()
        .map(|e| SymbolInformation {
            name: e.name().to_owned(),
            kind: symbol_kind(e.kind()),
            tags: None,
            deprecated: None,
            location: Location { uri: uri.clone(), range: convert::range(index, e.name_range, snap.encoding) },
            container_name: Some(e.kind().to_owned()),
        })
        .collect();
    Some(DocumentSymbolResponse::Flat(flat))
}

//! `workspace/symbol`: entities of the whole catalog whose name, title or reference matches, then
//! those of the org catalogs whose file is on this disk (the workspace's own copy wins).

use tower_lsp_server::ls_types::{Location, OneOf, WorkspaceSymbol, WorkspaceSymbolResponse};

use crate::convert;
use crate::handlers::Cancel;
use crate::handlers::document_symbol::symbol_kind;
use crate::lookup::Found;
use crate::state::Snapshot;

const LIMIT: usize = 256;

/// Whether every character of `query` appears in `text` in order (case-insensitive).
fn fuzzy(text: &str, query: &str) -> bool {
    let mut chars = text.chars().flat_map(char::to_lowercase);
    query.chars().flat_map(char::to_lowercase).all(|q| chars.any(|c| c == q))
}

pub(crate) fn workspace_symbol(snap: &Snapshot, query: &str, cancel: &Cancel) -> Option<WorkspaceSymbolResponse> {
    let query = query.trim();
    // Exact substring matches first, then fuzzy ones.
    let mut exact = Vec::new();
    let mut loose = Vec::new();
    let q = query.to_lowercase();
    for file in snap.files() {
        if cancel.is_cancelled() || exact.len() >= LIMIT {
            break;
        }
        for e in file.entities() {
            let name = e.name();
            let title = e.title.as_deref().unwrap_or("");
            let is_exact = q.is_empty() || name.to_lowercase().contains(&q) || title.to_lowercase().contains(&q);
            let bucket = if is_exact {
                &mut exact
            } else if loose.len() < LIMIT && (fuzzy(name, query) || fuzzy(title, query)) {
                &mut loose
            } else {
                continue;
            };
            let Some(uri) = snap.uri(&file.path) else { continue };
            bucket.push(WorkspaceSymbol {
                name: name.to_owned(),
                kind: symbol_kind(e.kind()),
                tags: None,
                container_name: Some(match &e.title {
                    Some(t) => format!("{} · {t}", e.kind()),
                    None => e.kind().to_owned(),
                }),
                location: OneOf::Left(Location {
                    uri,
                    range: convert::range(&file.line_index, e.name_range, snap.encoding),
                }),
                data: None,
            });
        }
    }
    for x in snap.catalog.external.entities() {
        if cancel.is_cancelled() || exact.len() >= LIMIT {
            break;
        }
        let r = &x.entity_ref;
        let title = x.title.as_deref().unwrap_or("");
        let is_exact = q.is_empty() || r.name.to_lowercase().contains(&q) || title.to_lowercase().contains(&q);
        let bucket = if is_exact {
            &mut exact
        } else if loose.len() < LIMIT && (fuzzy(&r.name, query) || fuzzy(title, query)) {
            &mut loose
        } else {
            continue;
        };
        if !snap.catalog.index.definitions(&r.canonical()).is_empty() {
            continue;
        }
        let Some(location) = Found::External(Box::new(x.clone())).location(snap) else { continue };
        bucket.push(WorkspaceSymbol {
            name: r.name.clone(),
            kind: symbol_kind(&r.kind),
            tags: None,
            container_name: Some(match &x.title {
                Some(t) => format!("{} · {t} (org catalog)", r.kind),
                None => format!("{} (org catalog)", r.kind),
            }),
            location: OneOf::Left(location),
            data: None,
        });
    }
    exact.extend(loose);
    exact.truncate(LIMIT);
    Some(WorkspaceSymbolResponse::Nested(exact))
}

#[cfg(test)]
mod tests {
    #[test]
    fn fuzzy_matches_in_order() {
        assert!(super::fuzzy("payments-api", "pmtapi"));
        assert!(!super::fuzzy("payments-api", "ipa"));
    }
}

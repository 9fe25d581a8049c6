//! `textDocument/prepareRename` and `textDocument/rename`: renames an entity — its
//! `metadata.name` and every reference to it, in every file — keeping each reference's written
//! form (`team-a`, `group:team-a` and `group:default/team-a` stay bare, kinded and qualified).

use std::collections::HashMap;

use backline_catalog::cursor;
use backline_catalog::format::is_object_name;
use backline_catalog::{LineIndex, TextRange};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Position, PrepareRenameResponse, TextEdit, Uri, WorkspaceEdit};

use crate::convert;
use crate::document::Document;
use crate::handlers::{Cancel, invalid_params};
use crate::lookup::{self, Target};
use crate::state::Snapshot;

/// The edit that renames one written value: its name part when the text is the value itself,
/// else the whole value rewritten (double-quoted, as it was quoted).
fn rename_value(range: TextRange, written: &str, old_name: &str, new_name: &str) -> (TextRange, String) {
    match cursor::name_part(range, written, old_name) {
        Some(part) => (part, new_name.to_owned()),
        None => {
            let prefix = &written[..written.len().saturating_sub(old_name.len())];
            let value = format!("{prefix}{new_name}");
            (range, serde_json::to_string(&value).unwrap_or(value))
        }
    }
}

pub(crate) fn prepare_rename(snap: &Snapshot, doc: &Document, position: Position) -> Option<PrepareRenameResponse> {
    let parsed = doc.parsed();
    let offset = convert::offset(&parsed.line_index, &doc.text, position, snap.encoding);
    let (range, written, name) = match lookup::target_at(&parsed, offset)? {
        Target::Reference(r, t) => (r.range, r.raw.as_str(), t.name.as_str()),
        Target::Name(e) => (e.name_range, e.name(), e.name()),
    };
    let part = cursor::name_part(range, written, name).unwrap_or(range);
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: convert::range(&parsed.line_index, part, snap.encoding),
        placeholder: name.to_owned(),
    })
}

pub(crate) fn rename(
    snap: &Snapshot,
    doc: &Document,
    position: Position,
    new_name: &str,
    cancel: &Cancel,
) -> Result<Option<WorkspaceEdit>> {
    if !is_object_name(new_name) {
        return Err(invalid_params(format!(
            "`{new_name}` is not a valid entity name: 1-63 letters, digits and `-_.`, starting and ending with a letter or digit"
        )));
    }
    let parsed = doc.parsed();
    let offset = convert::offset(&parsed.line_index, &doc.text, position, snap.encoding);
    let Some(target) = lookup::target_at(&parsed, offset).map(|t| t.entity_ref().clone()) else {
        return Ok(None);
    };
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    let mut push = |path: &str, index: &LineIndex, range: TextRange, text: String| {
        if let Some(uri) = snap.uri(path) {
            changes
                .entry(uri)
                .or_default()
                .push(TextEdit { range: convert::range(index, range, snap.encoding), new_text: text });
        }
    };
    // An org catalog's entity is renamed in its own repository: its index would not follow.
    for f in lookup::definitions(snap, &target).iter().filter_map(lookup::Found::local) {
        let e = f.entity();
        let (range, text) = rename_value(e.name_range, e.name(), e.name(), new_name);
        push(&f.file.path, &f.file.line_index, range, text);
    }
    for (file, r) in lookup::references_to(snap, &target, &|| cancel.is_cancelled()) {
        let Some(t) = &r.target else { continue };
        let (range, text) = rename_value(r.range, &r.raw, &t.name, new_name);
        push(&file.path, &file.line_index, range, text);
    }
    if cancel.is_cancelled() {
        return Ok(None);
    }
    Ok(Some(WorkspaceEdit { changes: Some(changes), document_changes: None, change_annotations: None }))
}

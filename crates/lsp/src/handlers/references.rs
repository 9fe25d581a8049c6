//! `textDocument/references`: every reference to the entity under the cursor (a reference or its
//! `metadata.name`), across the workspace, plus its definitions when asked.

use tower_lsp_server::ls_types::{Location, ReferenceParams};

use crate::convert;
use crate::document::Document;
use crate::handlers::Cancel;
use crate::lookup;
use crate::state::Snapshot;

pub(crate) fn references(
    snap: &Snapshot,
    doc: &Document,
    params: &ReferenceParams,
    cancel: &Cancel,
) -> Option<Vec<Location>> {
    let parsed = doc.parsed();
    let position = params.text_document_position.position;
    let offset = convert::offset(&parsed.line_index, &doc.text, position, snap.encoding);
    let target = lookup::target_at(&parsed, offset)?.entity_ref().clone();
    let mut out = Vec::new();
    if params.context.include_declaration {
        out.extend(lookup::definitions(snap, &target).iter().filter_map(|f| f.location(snap)));
    }
    for (file, r) in lookup::references_to(snap, &target, &|| cancel.is_cancelled()) {
        if let Some(uri) = snap.uri(&file.path) {
            out.push(Location { uri, range: convert::range(&file.line_index, r.range, snap.encoding) });
        }
    }
    Some(out)
}

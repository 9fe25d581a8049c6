//! `textDocument/definition`: from a reference to where its entity is defined (every definition,
//! the one Backstage keeps first); from a Location target to the files it names.

use std::path::Path;

use backline_catalog::discover::{self, RealFs};
use backline_catalog::model::LocationSpec;
use tower_lsp_server::ls_types::{GotoDefinitionResponse, Location, Position, Range, Uri};

use crate::convert;
use crate::document::Document;
use crate::lookup::{self, Target};
use crate::state::Snapshot;

pub(crate) fn definition(snap: &Snapshot, doc: &Document, position: Position) -> Option<GotoDefinitionResponse> {
    let parsed = doc.parsed();
    let offset = convert::offset(&parsed.line_index, &doc.text, position, snap.encoding);
    if let Some(Target::Reference(_, target)) = lookup::target_at(&parsed, offset) {
        let locations: Vec<Location> =
            lookup::definitions(snap, target).iter().filter_map(|f| f.location(snap)).collect();
        return (!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations));
    }
    // A Location's target: the files it reads.
    for e in parsed.entities() {
        let Some(spec) = &e.location else { continue };
        for (target, range) in &spec.targets {
            if !range.contains_inclusive(offset) || target.contains("://") {
                continue;
            }
            // Only where the workspace scan follows targets (its folders; for a file opened
            // without one, that file's folder): a target of `/**/*.yaml` must not walk the disk.
            let scope = snap.catalog.scope_for(Path::new(&*parsed.path));
            let one = LocationSpec { targets: vec![(target.clone(), *range)], optional: true, ..spec.clone() };
            let (found, _) = discover::resolve_location_targets_within(
                &RealFs,
                &scope,
                Path::new(&*parsed.path),
                &parsed.path,
                &one,
            );
            let locations: Vec<Location> = found
                .into_iter()
                .filter_map(Uri::from_file_path)
                .map(|uri| Location { uri, range: Range::default() })
                .collect();
            return (!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations));
        }
    }
    None
}

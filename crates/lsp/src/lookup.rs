//! Finding entities and references in the catalog, with open documents taking precedence over
//! what the catalog last saw of their files (positions move as the user types).

use std::collections::HashSet;
use std::sync::Arc;

use backline_catalog::cursor;
use backline_catalog::model::{Entity, Reference};
use backline_catalog::{EntityRef, ParsedFile};

use crate::state::Snapshot;

/// One definition of an entity: the file (in its current version) and the document index.
pub(crate) struct Found {
    pub file: Arc<ParsedFile>,
    pub doc: usize,
}

impl Found {
    pub(crate) fn entity(&self) -> &Entity {
        self.file.documents[self.doc].entity.as_ref().expect("Found always points at an entity")
    }

    pub(crate) fn line(&self) -> u32 {
        self.file.line_index.line_col(self.entity().name_range.start).line
    }
}

/// Whether `r` names the same entity as `canonical`'s parts, without allocating.
pub(crate) fn same_entity(r: &EntityRef, target: &EntityRef) -> bool {
    r.name.eq_ignore_ascii_case(&target.name)
        && r.kind.eq_ignore_ascii_case(&target.kind)
        && r.namespace.eq_ignore_ascii_case(&target.namespace)
}

fn matches_in(file: &Arc<ParsedFile>, target: &EntityRef, out: &mut Vec<Found>) {
    for (i, d) in file.documents.iter().enumerate() {
        if d.entity.as_ref().is_some_and(|e| same_entity(&e.entity_ref, target)) {
            out.push(Found { file: file.clone(), doc: i });
        }
    }
}

/// Every definition of `target`, in index order (the first is the one Backstage keeps).
pub(crate) fn definitions(snap: &Snapshot, target: &EntityRef) -> Vec<Found> {
    let mut out = Vec::new();
    let mut done: HashSet<&str> = HashSet::new();
    {
        for (fi, di) in snap.catalog.locate(&target.canonical()) {
            let file = &snap.catalog.files[fi as usize];
            match snap.docs.get(&file.path) {
                Some(doc) => {
                    if done.insert(&file.path) {
                        matches_in(&doc.parsed(), target, &mut out);
                    }
                }
                None => out.push(Found { file: file.clone(), doc: di as usize }),
            }
        }
    }
    // Open documents may define it since the last rebuild.
    for (path, doc) in &snap.docs {
        if !done.contains(&**path) {
            if let Some(parsed) = doc.parsed_if_ready() {
                matches_in(&parsed, target, &mut out);
            }
        }
    }
    out
}

/// What the cursor designates: a reference (its target) or an entity's own name.
pub(crate) enum Target<'a> {
    Reference(&'a Reference, &'a EntityRef),
    Name(&'a Entity),
}

impl Target<'_> {
    pub(crate) fn entity_ref(&self) -> &EntityRef {
        match self {
            Target::Reference(_, t) => t,
            Target::Name(e) => &e.entity_ref,
        }
    }
}

pub(crate) fn target_at(file: &ParsedFile, offset: u32) -> Option<Target<'_>> {
    if let Some((_, r)) = cursor::reference_at(file, offset) {
        return r.target.as_ref().map(|t| Target::Reference(r, t));
    }
    cursor::entity_named_at(file, offset).map(Target::Name)
}

/// Every reference to `target` in the catalog, with the file it is written in.
pub(crate) fn references_to(
    snap: &Snapshot,
    target: &EntityRef,
    cancelled: &dyn Fn() -> bool,
) -> Vec<(Arc<ParsedFile>, Reference)> {
    let mut out = Vec::new();
    for file in snap.files() {
        if cancelled() {
            break;
        }
        for e in file.entities() {
            for r in &e.references {
                if r.target.as_ref().is_some_and(|t| same_entity(t, target)) {
                    out.push((file.clone(), r.clone()));
                }
            }
        }
    }
    out
}

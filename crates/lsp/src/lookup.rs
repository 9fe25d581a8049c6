//! Finding entities and references in the catalog, with open documents taking precedence over
//! what the catalog last saw of their files (positions move as the user types).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use backline_catalog::cursor;
use backline_catalog::model::{Entity, Reference};
use backline_catalog::{Encoding, EntityRef, LineIndex, ParsedFile, TextRange};
use tower_lsp_server::ls_types::Location;

use crate::convert;
use crate::external::{DefinedAt, ExternalEntity};
use crate::handlers::completion::{entity_summary, external_summary};
use crate::state::Snapshot;

/// One definition of an entity in a file of the catalog: the file (in its current version) and
/// the document index.
pub(crate) struct Local {
    pub file: Arc<ParsedFile>,
    pub doc: usize,
}

impl Local {
    pub(crate) fn entity(&self) -> &Entity {
        self.file.documents[self.doc].entity.as_ref().expect("Local always points at an entity")
    }

    /// One-based line of the entity's name.
    pub(crate) fn line(&self) -> u32 {
        self.file.line_index.line_col(self.entity().name_range.start).line
    }
}

/// One definition of an entity: in a catalog file, or in an org-wide catalog.
pub(crate) enum Found {
    Local(Local),
    External(Box<ExternalEntity>),
}

impl Found {
    pub(crate) fn local(&self) -> Option<&Local> {
        match self {
            Found::Local(l) => Some(l),
            Found::External(_) => None,
        }
    }

    /// What hover and completion say about the entity.
    pub(crate) fn summary(&self) -> String {
        match self {
            Found::Local(l) => entity_summary(l.entity(), &l.file.path, l.line()),
            Found::External(x) => external_summary(x),
        }
    }

    /// Where go to definition lands: the name in its file, `None` for an external entity whose
    /// file is not on this disk.
    pub(crate) fn location(&self, snap: &Snapshot) -> Option<Location> {
        match self {
            Found::Local(l) => Some(Location {
                uri: snap.uri(&l.file.path)?,
                range: convert::range(&l.file.line_index, l.entity().name_range, snap.encoding),
            }),
            Found::External(x) => match &x.location {
                DefinedAt::File { path, line, column } => external_location(snap, path, *line, *column, &x.entity_ref),
                DefinedAt::Elsewhere { .. } => None,
            },
        }
    }
}

/// The name of an external entity in its file, from the one-based line and column (characters)
/// its org catalog recorded: the whole name when it is written there, else the position alone.
fn external_location(snap: &Snapshot, path: &Path, line: u32, column: u32, r: &EntityRef) -> Option<Location> {
    let key = path.to_string_lossy();
    let uri = snap.uri(&key)?;
    let text: Arc<str> = match snap.docs.get(key.as_ref()) {
        Some(d) => d.text.clone(),
        None => Arc::from(std::fs::read_to_string(path).ok()?),
    };
    let index = LineIndex::new(&text);
    let mut start = index.offset(line.saturating_sub(1), column.saturating_sub(1), Encoding::Utf32) as usize;
    if text[start..].starts_with(['"', '\'']) {
        start += 1;
    }
    let written = text[start..].get(..r.name.len()).is_some_and(|w| w.eq_ignore_ascii_case(&r.name));
    let end = if written { start + r.name.len() } else { start };
    Some(Location { uri, range: convert::range(&index, TextRange::new(start as u32, end as u32), snap.encoding) })
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
            out.push(Found::Local(Local { file: file.clone(), doc: i }));
        }
    }
}

/// Every definition of `target`, in index order (the first is the one Backstage keeps); the org
/// catalog's only when no file of the catalog defines it.
pub(crate) fn definitions(snap: &Snapshot, target: &EntityRef) -> Vec<Found> {
    let canonical = target.canonical();
    let mut out = Vec::new();
    let mut done: HashSet<&str> = HashSet::new();
    {
        for (fi, di) in snap.catalog.locate(&canonical) {
            let file = &snap.catalog.files[fi as usize];
            match snap.docs.get(&file.path) {
                Some(doc) => {
                    if done.insert(&file.path) {
                        matches_in(&doc.parsed(), target, &mut out);
                    }
                }
                None => out.push(Found::Local(Local { file: file.clone(), doc: di as usize })),
            }
        }
    }
    // Open documents may define it since the last rebuild.
    for (path, doc) in &snap.docs {
        if !done.contains(&**path)
            && let Some(parsed) = doc.parsed_if_ready()
        {
            matches_in(&parsed, target, &mut out);
        }
    }
    if out.is_empty()
        && let Some(x) = snap.catalog.external.get(&canonical)
    {
        out.push(Found::External(Box::new(x.clone())));
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

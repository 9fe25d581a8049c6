//! Org-wide catalogs from a Backline index (a SQLite index file or PostgreSQL), so that owners,
//! systems and APIs defined in other repositories are known to the editor.
//!
//! The index is read through its query API (`Index::find`, one query per kind) and each indexed
//! entity becomes an [`ExternalEntity`]: the summary the index keeps, and where it is defined (a
//! file on this disk when its source is a local directory, so go to definition lands on the real
//! line of the real file).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use backline_answer::{EntitySummary, Filter, FilterField};
use backline_catalog::model::BUILTIN_KINDS;
use backline_catalog::{EntityRef, parse_entity_ref};
use backline_index::{Index, IndexSettings, SearchLocation, StoreSettings};

use super::{DefinedAt, ExternalEntity};
use crate::settings::CatalogSource;

fn describe(source: &CatalogSource) -> String {
    match source {
        CatalogSource::IndexFile(p) => p.display().to_string(),
        CatalogSource::Postgres(url) => redact(url),
        CatalogSource::Directory(p) => p.display().to_string(),
    }
}

/// A PostgreSQL URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}***{}", &url[..s + 3], &url[at..]),
        _ => url.to_owned(),
    }
}

/// Reads every entity of an index. Errors are messages for the user's log.
pub(super) async fn load(source: &CatalogSource) -> Result<Vec<ExternalEntity>, String> {
    let store = match source {
        CatalogSource::IndexFile(path) => {
            if !path.is_file() {
                return Err(format!(
                    "the index file {} does not exist (build it with `backline index`)",
                    path.display()
                ));
            }
            let search = path.with_extension("search");
            StoreSettings {
                url: format!("sqlite://{}", path.display()),
                search: if search.is_dir() { SearchLocation::Dir(search) } else { SearchLocation::Memory },
            }
        }
        CatalogSource::Postgres(url) => StoreSettings { url: url.clone(), search: SearchLocation::Memory },
        CatalogSource::Directory(_) => return Ok(Vec::new()),
    };
    let index = Index::open(IndexSettings { store, sources: Vec::new(), migrations: Vec::new() })
        .await
        .map_err(|e| format!("cannot open the catalog index {}: {e}", describe(source)))?;
    let roots: HashMap<String, PathBuf> = index
        .sources()
        .await
        .map_err(|e| format!("cannot read the sources of {}: {e}", describe(source)))?
        .into_iter()
        .filter(|s| s.kind == "dir")
        .map(|s| (s.name, PathBuf::from(s.location)))
        .collect();
    let mut out: Vec<ExternalEntity> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for kind in BUILTIN_KINDS {
        let filter = Filter { field: FilterField::Kind, key: None, value: Some((*kind).to_owned()) };
        let answer = index
            .find(&[filter])
            .await
            .map_err(|e| format!("cannot list {kind} entities of {}: {e}", describe(source)))?;
        for e in answer.groups.into_iter().flat_map(|g| g.entities) {
            if e.exists && seen.insert(e.entity_ref.clone()) {
                out.push(external(e, &roots, &describe(source)));
            }
        }
    }
    index.close().await;
    Ok(out)
}

/// An index summary as an external entity.
fn external(e: EntitySummary, roots: &HashMap<String, PathBuf>, label: &str) -> ExternalEntity {
    let location = defined_at(&e, roots, label);
    ExternalEntity {
        entity_ref: EntityRef { kind: e.kind, namespace: e.namespace, name: e.name },
        title: e.title,
        description: e.description,
        spec_type: e.spec_type,
        lifecycle: e.lifecycle,
        owner: e.owner.and_then(|o| parse_entity_ref(&o, None, None).ok()),
        location,
    }
}

/// Where an entity is defined: a local file when its source is a directory on this disk, else a
/// label (`<source>/<file>`, or the index itself) that says where it is.
fn defined_at(e: &EntitySummary, roots: &HashMap<String, PathBuf>, label: &str) -> DefinedAt {
    let Some(at) = &e.defined_at else { return DefinedAt::Elsewhere { label: label.to_owned(), line: None } };
    if let Some(root) = roots.get(&at.source) {
        let path = if root.is_file() { root.clone() } else { root.join(&at.file) };
        if path.is_absolute() && path.is_file() {
            return DefinedAt::File {
                path: backline_catalog::discover::normalize(&path),
                line: at.line,
                column: at.column,
            };
        }
    }
    DefinedAt::Elsewhere { label: format!("{}/{}", at.source, at.file), line: Some(at.line) }
}

#[cfg(test)]
mod tests {
    use backline_answer::SourceLocation;

    use super::*;

    fn summary(kind: &str, name: &str, source: &str) -> EntitySummary {
        EntitySummary {
            entity_ref: format!("{}:default/{name}", kind.to_lowercase()),
            kind: kind.into(),
            namespace: "default".into(),
            name: name.into(),
            title: Some(format!("{name} title")),
            description: None,
            spec_type: Some("team".into()),
            lifecycle: None,
            owner: Some("group:default/team-a".into()),
            exists: true,
            valid: true,
            defined_at: Some(SourceLocation {
                source: source.into(),
                file: "groups.yaml".into(),
                line: 4,
                column: 9,
                stale: false,
            }),
            error_count: 0,
            warning_count: 0,
            first_error: None,
            url: None,
        }
    }

    #[test]
    fn local_sources_give_files_and_others_labels() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("groups.yaml"), "").unwrap();
        let roots = HashMap::from([("org".to_owned(), root.clone())]);
        let local = external(summary("Group", "team-a", "org"), &roots, "x.db");
        assert_eq!(local.location, DefinedAt::File { path: root.join("groups.yaml"), line: 4, column: 9 });
        assert_eq!(local.owner.map(|o| o.canonical()).as_deref(), Some("group:default/team-a"));
        assert_eq!(local.title.as_deref(), Some("team-a title"));
        let remote = external(summary("Group", "team-b", "github"), &roots, "x.db");
        assert_eq!(remote.location, DefinedAt::Elsewhere { label: "github/groups.yaml".into(), line: Some(4) });
        let mut nowhere = summary("Group", "team-c", "org");
        nowhere.defined_at = None;
        assert_eq!(
            external(nowhere, &roots, "x.db").location,
            DefinedAt::Elsewhere { label: "x.db".into(), line: None }
        );
    }
}

//! Org-wide catalogs from a Backline index (a SQLite index file or PostgreSQL), so that owners,
//! systems and APIs defined in other repositories are known to the editor.
//!
//! The index is read through core's query API (`Index::find`, one query per kind). Each indexed
//! entity becomes a small synthetic catalog document — kind, name, namespace, title,
//! description, type, lifecycle, owner — parsed by the same `parse_file` as everything else, so
//! the cross-file lints, completion and hover treat it like any other definition. The synthetic
//! text of a file puts every `metadata.name` on the line and column the index recorded, so
//! "go to definition" lands on the real line of the real file when that file is on this disk.
//!
//! What the index does not return (memberships, relations) is not invented: a synthetic Group
//! counts as having members and a synthetic User as belonging to a group, so the lints that need
//! memberships stay quiet about entities they cannot see, rather than report false problems.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;
use std::path::PathBuf;
use std::sync::Arc;

use backline_catalog::ParsedFile;
use backline_index::{Index, IndexSettings, SearchLocation, StoreSettings};
use backline_catalog::model::BUILTIN_KINDS;
use backline_answer::{EntitySummary, Filter, FilterField};

use crate::settings::CatalogSource;

/// Placeholder memberships (see the module docs); never shown, never linted.
const UNKNOWN_MEMBER: &str = "user:backline-index/unknown-member";
const UNKNOWN_GROUP: &str = "group:backline-index/unknown-group";

fn describe(source: &CatalogSource) -> String {
    match source {
        CatalogSource::IndexFile(p) => p.display().to_string(),
        CatalogSource::Postgres(url) => crate::analysis::redact(url),
        CatalogSource::Directory(p) => p.display().to_string(),
    }
}

/// Reads every entity of an index. Errors are messages for the user's log.
pub(super) async fn load(source: &CatalogSource, known: &HashSet<String>) -> Result<Vec<ParsedFile>, String> {
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
    let index = Index::open(IndexSettings { store, sources: Vec::new() })
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
    let mut entities: Vec<EntitySummary> = Vec::new();
    for kind in BUILTIN_KINDS {
        let filter = Filter { field: FilterField::Kind, key: None, value: Some((*kind).to_owned()) };
        let answer = index
            .find(&[filter])
            .await
            .map_err(|e| format!("cannot list {kind} entities of {}: {e}", describe(source)))?;
        entities.extend(
            answer.groups.into_iter().flat_map(|g| g.entities).filter(|e| e.exists && !known.contains(&e.entity_ref)),
        );
    }
    index.close().await;
    Ok(synthesize(entities, &roots, &describe(source)))
}

/// The file an entity is defined in: a local path when its source is a directory on this disk,
/// else a label (`backline-index:<source>/<file>`) that says where it is.
fn file_key(e: &EntitySummary, roots: &HashMap<String, PathBuf>, label: &str) -> String {
    let Some(at) = &e.defined_at else { return format!("backline-index:{label}") };
    if let Some(root) = roots.get(&at.source) {
        let path = if root.is_file() { root.clone() } else { root.join(&at.file) };
        if path.is_absolute() && path.is_file() {
            return backline_catalog::discover::normalize(&path).to_string_lossy().into_owned();
        }
    }
    format!("backline-index:{}/{}", at.source, at.file)
}

/// A name as YAML reads it back unchanged: plain when it is an ordinary word, else quoted.
fn name_value(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !matches!(name.to_ascii_lowercase().as_str(), "true" | "false" | "null");
    if plain { name.to_owned() } else { quote(name) }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// One synthetic document per entity, documents of the same file in one stream, each padded so
/// that its name sits on the recorded line and column.
fn synthesize(entities: Vec<EntitySummary>, roots: &HashMap<String, PathBuf>, label: &str) -> Vec<ParsedFile> {
    let mut by_file: BTreeMap<String, Vec<EntitySummary>> = BTreeMap::new();
    for e in entities {
        by_file.entry(file_key(&e, roots, label)).or_default().push(e);
    }
    let mut out = Vec::with_capacity(by_file.len());
    for (path, mut list) in by_file {
        list.sort_by_key(|e| e.defined_at.as_ref().map_or(0, |a| a.line));
        let mut text = String::new();
        let mut line = 0u32; // zero-based line the next write starts on
        for (i, e) in list.iter().enumerate() {
            if i > 0 {
                text.push_str("---\n");
                line += 1;
            }
            let _ = writeln!(
                text,
                "apiVersion: {}",
                if e.kind == "Template" { "scaffolder.backstage.io/v1beta3" } else { "backstage.io/v1alpha1" }
            );
            let _ = writeln!(text, "kind: {}", e.kind);
            text.push_str("metadata:\n");
            line += 3;
            let (want_line, want_col) =
                e.defined_at.as_ref().map_or((0, 9), |a| (a.line.saturating_sub(1), a.column.max(9)));
            while line < want_line {
                text.push('\n');
                line += 1;
            }
            let pad = " ".repeat(want_col.saturating_sub(9) as usize);
            let _ = writeln!(text, "  name:{pad} {}", name_value(&e.name));
            line += 1;
            let _ = writeln!(text, "  namespace: {}", quote(&e.namespace));
            line += 1;
            for (key, value) in [("title", &e.title), ("description", &e.description)] {
                if let Some(v) = value {
                    let _ = writeln!(text, "  {key}: {}", quote(v));
                    line += 1;
                }
            }
            text.push_str("spec:\n");
            line += 1;
            let mut spec: Vec<(String, String)> = Vec::new();
            if let Some(t) = &e.spec_type {
                spec.push(("type".into(), quote(t)));
            }
            if let Some(l) = &e.lifecycle {
                spec.push(("lifecycle".into(), quote(l)));
            }
            if let Some(o) = &e.owner {
                spec.push(("owner".into(), quote(o)));
            }
            match e.kind.as_str() {
                "Group" => {
                    spec.push(("children".into(), "[]".into()));
                    spec.push(("members".into(), format!("[{}]", quote(UNKNOWN_MEMBER))));
                }
                "User" => spec.push(("memberOf".into(), format!("[{}]", quote(UNKNOWN_GROUP)))),
                _ => {}
            }
            for (k, v) in spec {
                let _ = writeln!(text, "  {k}: {v}");
                line += 1;
            }
        }
        let mut parsed = crate::workspace::slim(backline_catalog::parse_file(Arc::from(path.as_str()), &text));
        // These are not the user's files: their findings would only be noise.
        parsed.findings.clear();
        out.push(parsed);
    }
    out
}

#[cfg(test)]
mod tests {
    use backline_answer::SourceLocation;

    use super::*;

    fn summary(kind: &str, name: &str, line: u32) -> EntitySummary {
        EntitySummary {
            entity_ref: format!("{}:default/{name}", kind.to_lowercase()),
            kind: kind.into(),
            namespace: "default".into(),
            name: name.into(),
            title: Some(format!("{name} title")),
            description: None,
            spec_type: Some("team".into()),
            lifecycle: None,
            owner: None,
            exists: true,
            valid: true,
            defined_at: Some(SourceLocation {
                source: "org".into(),
                file: "groups.yaml".into(),
                line,
                column: 9,
                stale: false,
            }),
            error_count: 0,
            warning_count: 0,
            first_error: None,
        }
    }

    #[test]
    fn names_land_on_the_recorded_lines() {
        let files =
            synthesize(vec![summary("Group", "team-a", 4), summary("Group", "team-b", 20)], &HashMap::new(), "x");
        assert_eq!(files.len(), 1);
        let f = &files[0];
        assert_eq!(&*f.path, "backline-index:org/groups.yaml");
        let lines: Vec<u32> = f.entities().map(|e| f.line_index.line_col(e.name_range.start).line).collect();
        assert_eq!(lines, vec![4, 20]);
        assert!(f.entities().all(|e| e.title.is_some()));
        assert!(f.findings.is_empty());
    }
}

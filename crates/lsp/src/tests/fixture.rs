//! Builds a workspace from a fixture (see the module docs of [`super`]) and renders answers.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use backline_catalog::{Encoding, LineIndex, parse_file};
use tower_lsp_server::ls_types::{Location, Position, Range, Uri};

use crate::document::Document;
use crate::external::{DefinedAt, ExternalEntity, OrgCatalog};
use crate::handlers::Cancel;
use crate::settings::Settings;
use crate::state::{ClientCaps, Snapshot};
use crate::workspace::{self, Catalog, DiskFile, DiskFiles, Origin};

const CURSOR: &str = "$0";
const DEFAULT_PATH: &str = "/ws/catalog-info.yaml";

pub(crate) struct Fixture {
    /// Where index files are written: go to definition reads an org catalog's file from disk.
    dir: tempfile::TempDir,
    /// Every file's text (index files included), by path.
    pub texts: HashMap<String, String>,
    pub snap: Snapshot,
    pub doc: Arc<Document>,
    pub position: Position,
}

/// How a fixture file reaches the server.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A file of the workspace.
    Workspace,
    /// An org catalog's entities, written in a file on this disk.
    Index,
    /// An org catalog's entities, written in a file of another machine.
    Remote,
}

/// The files of a fixture: (path, text, how it reaches the server).
fn split(fixture: &str) -> Vec<(String, String, Source)> {
    let mut files: Vec<(String, String, Source)> = Vec::new();
    for line in fixture.split_inclusive('\n') {
        if let Some(header) = line.strip_prefix("//- ") {
            let header = header.trim();
            if header == "org" {
                files.push(("/ws/org.yaml".into(), super::ORG.into(), Source::Workspace));
                continue;
            }
            let (path, source) = if let Some(p) = header.strip_suffix(" index") {
                (p, Source::Index)
            } else if let Some(p) = header.strip_suffix(" remote") {
                (p, Source::Remote)
            } else {
                (header, Source::Workspace)
            };
            files.push((path.to_owned(), String::new(), source));
            continue;
        }
        match files.last_mut() {
            Some((_, text, _)) => text.push_str(line),
            None => files.push((DEFAULT_PATH.into(), line.to_owned(), Source::Workspace)),
        }
    }
    files
}

/// The entities of an index file, as the org-catalog seam hands them over.
fn externals(path: &str, text: &str, on_disk: bool) -> Vec<ExternalEntity> {
    let parsed = parse_file(Arc::from(path), text);
    parsed
        .entities()
        .map(|e| {
            let at = parsed.line_index.line_col(e.name_range.start);
            ExternalEntity {
                entity_ref: e.entity_ref.clone(),
                title: e.title.clone(),
                description: e.description.clone(),
                spec_type: e.spec_type.as_ref().map(|t| t.value.clone()),
                lifecycle: e.lifecycle.as_ref().map(|l| l.value.clone()),
                owner: e.owner().cloned(),
                location: if on_disk {
                    DefinedAt::File { path: PathBuf::from(path), line: at.line, column: at.column }
                } else {
                    DefinedAt::Elsewhere { label: format!("github{path}"), line: Some(at.line) }
                },
            }
        })
        .collect()
}

pub(crate) fn caps() -> ClientCaps {
    ClientCaps {
        snippets: true,
        hierarchical_symbols: true,
        watch_registration: false,
        related_information: true,
        markdown_hover: true,
        label_details: false,
        resolve_documentation: false,
    }
}

impl Fixture {
    pub(crate) fn new(fixture: &str) -> Fixture {
        Fixture::with_caps(fixture, caps())
    }

    pub(crate) fn with_caps(fixture: &str, caps: ClientCaps) -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut cursor: Option<(String, u32)> = None;
        let mut texts = HashMap::new();
        let mut disk = DiskFiles::default();
        let mut external = Vec::new();
        for (path, mut text, source) in split(fixture) {
            if let Some(at) = text.find(CURSOR) {
                text.replace_range(at..at + CURSOR.len(), "");
                cursor = Some((path.clone(), at as u32));
            }
            if source == Source::Remote {
                external.extend(externals(&path, &text, false));
                continue;
            }
            if source == Source::Index {
                let real = dir.path().join(path.trim_start_matches('/'));
                std::fs::create_dir_all(real.parent().expect("a file in a directory")).expect("a fixture directory");
                std::fs::write(&real, &text).expect("a fixture file");
                let real = real.to_string_lossy().into_owned();
                external.extend(externals(&real, &text, true));
                texts.insert(real, text);
                continue;
            } else {
                let parsed = workspace::slim(parse_file(Arc::from(path.as_str()), &text));
                disk.push(DiskFile { parsed: Arc::new(parsed), origin: Origin::Workspace });
            }
            texts.insert(path, text);
        }
        disk.external = Arc::new(OrgCatalog::new(external));
        let (path, offset) = cursor.expect("the fixture has a $0 cursor");
        let key =
            disk.by_path.get_key_value(path.as_str()).map_or_else(|| Arc::from(path.as_str()), |(k, _)| k.clone());
        let uri = Uri::from_file_path(&path).expect("an absolute fixture path");
        let doc = Arc::new(Document::new(uri, key.clone(), 1, 1, Arc::from(texts[&path].as_str())));
        let catalog = Catalog::build(&disk, &[doc.parsed()], true, true);
        let position = crate::convert::position(&doc.line_index(), offset, Encoding::Utf16);
        let snap = Snapshot {
            encoding: Encoding::Utf16,
            caps,
            settings: Arc::new(Settings::default()),
            catalog: Arc::new(catalog),
            docs: HashMap::from([(key, doc.clone())]),
        };
        Fixture { dir, texts, snap, doc, position }
    }

    /// `file:line:column text`: where a range is, one-based, and what it covers.
    pub(crate) fn at(&self, path: &str, range: Range) -> String {
        let Some(text) = self.texts.get(path) else {
            return format!("{path}:{}:{} (not a fixture file)", range.start.line + 1, range.start.character + 1);
        };
        let index = LineIndex::new(text);
        let start = index.offset(range.start.line, range.start.character, Encoding::Utf16) as usize;
        let end = index.offset(range.end.line, range.end.character, Encoding::Utf16) as usize;
        let root = self.dir.path().to_string_lossy();
        let short = path.strip_prefix(root.as_ref()).unwrap_or(path);
        let short = short.strip_prefix("/ws/").unwrap_or(short);
        format!("{short}:{}:{} {:?}", range.start.line + 1, range.start.character + 1, &text[start..end.max(start)])
    }

    /// `text` with the temporary directory of index files left out of its paths.
    pub(crate) fn shorten(&self, text: &str) -> String {
        text.replace(self.dir.path().to_string_lossy().as_ref(), "")
    }

    pub(crate) fn location(&self, l: &Location) -> String {
        self.at(&uri_path(&l.uri), l.range)
    }

    /// A range of the cursor's document.
    pub(crate) fn here(&self, range: Range) -> String {
        self.at(&self.doc.path, range)
    }
}

pub(crate) fn uri_path(uri: &Uri) -> String {
    uri.to_file_path().map_or_else(|| uri.as_str().to_owned(), |p| p.to_string_lossy().into_owned())
}

pub(crate) fn never() -> Cancel {
    Cancel::never()
}

//! Entities a running Backstage serves, stored like entities read from files: the typed seam
//! between the binary, which fetches them (the index does no HTTP), and the store.
//!
//! Each served entity is one `files` row of its source: the path is the entity's page in the
//! Backstage frontend (or, without a frontend URL, the catalog API URL that serves it), so every
//! answer that says where an entity is defined links to it; `fingerprint` is its `metadata.uid`
//! and `hash` its `metadata.etag`. An entity whose uid and etag are stored is not parsed or
//! written again, so a full sync of an unchanged catalog writes nothing, and
//! [`Index::remote_snapshot`] gives a later process (a CLI run) what it needs to ask Backstage
//! only for what changed.
//!
//! What Backstage says is kept: the document is validated like a file's document (JSON is
//! YAML; without `relations` and `status`, which Backstage computes and a file may not carry),
//! but its relations are the ones Backstage served (both directions, targets as served),
//! its `status.items` become findings (`BS0801`), and its page is added to its links. A source
//! that fails keeps its last good entities and is marked stale ([`Index::remote_failed`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use backline_catalog::codes::Code;
use backline_catalog::finding::Severity;
use backline_catalog::lint_level::LintLevels;
use backline_catalog::validate::parse_file;
use rayon::prelude::*;

use crate::indexer::{ANALYZE_AFTER, CHUNK, IndexReport, Phase, Progress, RunOptions, SourceReport, rows_of};
use crate::store::{EncodedEntity, EntityRow, FindingRow, StoredFinding, StoredLink};
use crate::{Index, IndexError, SourceKind, SourceSettings};

/// The `sources.kind` of a Backstage source.
const KIND: &str = "backstage";
/// The `findings.origin` of what Backstage reported about an entity.
const ORIGIN: &str = "backstage";

/// How bad a `status.items` entry is, as Backstage says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusLevel {
    Error,
    Warning,
    Info,
}

/// One `status.items` entry of a served entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteStatus {
    pub level: StatusLevel,
    pub message: String,
}

/// One relation as Backstage materialised it (`ownedBy`, `dependencyOf`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRelation {
    pub relation_type: String,
    pub target_ref: String,
}

/// An entity as a running Backstage served it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEntity {
    /// `metadata.uid`: stable while the entity exists.
    pub uid: String,
    /// `metadata.etag`: changes exactly when what Backstage serves changes.
    pub etag: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The entity's JSON document as served.
    pub document: String,
    pub relations: Vec<RemoteRelation>,
    pub status: Vec<RemoteStatus>,
    /// The entity's page in the Backstage frontend, when its URL is configured.
    pub page_url: Option<String>,
}

/// What the store knows of one Backstage entity: enough to ask Backstage what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteStamp {
    pub uid: String,
    pub etag: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// What to apply to a Backstage source.
#[derive(Debug, Clone)]
pub enum RemoteChanges {
    /// Everything the source serves now; stored entities not among them are removed.
    Full(Vec<RemoteEntity>),
    /// What changed since [`Index::remote_snapshot`]: entities added or changed, uids removed.
    Delta { upserts: Vec<RemoteEntity>, removed: Vec<String> },
}

/// An entity parsed into rows, ready for the writer.
struct Parsed {
    uid: String,
    etag: String,
    path: String,
    rows: Vec<EncodedEntity>,
    findings: Vec<FindingRow>,
}

impl Index {
    /// The uid, etag and ref of every entity stored for the Backstage source `source` (empty
    /// when it was never synced): what a refresh diffs Backstage's listing against.
    pub async fn remote_snapshot(&self, source: &str) -> Result<Vec<RemoteStamp>, IndexError> {
        Ok(self
            .store()
            .remote_stamps(source)
            .await?
            .into_iter()
            .map(|(uid, etag, kind, namespace, name)| RemoteStamp { uid, etag, kind, namespace, name })
            .collect())
    }

    /// Applies what was fetched from the configured Backstage source `source` in one
    /// transaction, marks the source fresh, and brings search up to date.
    pub async fn apply_remote(
        &self,
        source: &str,
        changes: RemoteChanges,
        options: &RunOptions,
    ) -> Result<IndexReport, IndexError> {
        let (position, settings) = self.backstage_source(source)?;
        let lock = self.lock(options.wait_for_lock).await?.ok_or(IndexError::Busy)?;
        let started = Instant::now();
        let mut report = SourceReport { name: settings.name.clone(), ..SourceReport::default() };
        let mut w = self.store().begin().await?;
        w.defer_indexes_if_empty().await?;
        let source_id = w.upsert_source(&settings.name, KIND, &settings.location(), position).await?;
        let base = settings_url(&settings.kind);
        // A full sync compares with every stored row; a refresh reads only the rows of the
        // entities it names (by uid, and by page for a uid re-created at the same ref), so a
        // refresh that found nothing changed reads no row at all.
        let prior = match &changes {
            RemoteChanges::Full(_) => w.prior_files(source_id).await?,
            RemoteChanges::Delta { upserts, removed } if upserts.is_empty() && removed.is_empty() => HashMap::new(),
            RemoteChanges::Delta { upserts, removed } => {
                let paths: Vec<String> = upserts.iter().map(|e| path_of(e, &base)).collect();
                let uids: Vec<&str> =
                    upserts.iter().map(|e| e.uid.as_str()).chain(removed.iter().map(String::as_str)).collect();
                w.prior_files_matching(source_id, &uids, &paths.iter().map(String::as_str).collect::<Vec<_>>()).await?
            }
        };
        // uid → (file id, etag, path).
        let by_uid: HashMap<&str, (i64, &str, &str)> = prior
            .iter()
            .filter_map(|(path, p)| Some((p.fingerprint.as_deref()?, (p.id, p.hash.as_str(), path.as_str()))))
            .collect();
        let (upserts, removed) = match changes {
            RemoteChanges::Full(entities) => {
                let served: HashSet<&str> = entities.iter().map(|e| e.uid.as_str()).collect();
                let removed: Vec<String> =
                    by_uid.keys().filter(|uid| !served.contains(*uid)).map(|uid| (*uid).to_owned()).collect();
                (entities, removed)
            }
            RemoteChanges::Delta { upserts, removed } => (upserts, removed),
        };
        report.files_seen = upserts.len();
        let mut deleted: HashSet<i64> =
            removed.iter().filter_map(|uid| by_uid.get(uid.as_str())).map(|p| p.0).collect();
        let mut ids: Vec<i64> = deleted.iter().copied().collect();
        ids.sort_unstable();
        w.delete_files(&ids).await?;
        report.files_deleted = ids.len();

        // Unchanged etags are neither parsed nor written.
        let todo: Vec<RemoteEntity> = upserts
            .into_iter()
            .filter(|e| by_uid.get(e.uid.as_str()).is_none_or(|(_, etag, _)| *etag != e.etag))
            .collect();
        let levels = options.lint_levels.clone().map(Arc::new);
        // Pipelined as the file indexer is: the next chunk is parsed (blocking pool, rayon)
        // while this one is written (the store's connection).
        let mut chunks: VecDeque<Vec<RemoteEntity>> = VecDeque::new();
        let mut todo = todo.into_iter().peekable();
        while todo.peek().is_some() {
            chunks.push_back(todo.by_ref().take(CHUNK * 4).collect());
        }
        let spawn_parse = |chunk: Vec<RemoteEntity>| {
            let base = base.clone();
            let levels = levels.clone();
            tokio::task::spawn_blocking(move || -> Vec<Parsed> {
                chunk.into_par_iter().map(|e| parse_remote(e, &base, levels.as_deref())).collect()
            })
        };
        let mut pending = chunks.pop_front().map(spawn_parse);
        while let Some(handle) = pending.take() {
            let parse_started = Instant::now();
            let parsed: Vec<Parsed> =
                handle.await.map_err(|source| IndexError::Task { task: "parsing Backstage entities", source })?;
            report.parse_wait += parse_started.elapsed();
            pending = chunks.pop_front().map(spawn_parse);
            let writing = Instant::now();
            for p in parsed {
                report.files_parsed += 1;
                report.entities_written += p.rows.len();
                let id = match by_uid.get(p.uid.as_str()) {
                    Some((id, _, _)) if !deleted.contains(id) => {
                        w.clear_file(*id).await?;
                        w.update_file(*id, &p.etag, Some(&p.uid), None, None).await?;
                        *id
                    }
                    _ => {
                        // Another uid stored at the same ref (re-created in Backstage, and the old
                        // uid not reported gone): the new one replaces it.
                        if let Some(old) = prior.get(&p.path)
                            && deleted.insert(old.id)
                        {
                            w.delete_files(&[old.id]).await?;
                            report.files_deleted += 1;
                        }
                        w.new_file(source_id, &p.path, &p.etag, Some(p.uid), None, None)
                    }
                };
                for r in p.rows {
                    w.push_entity(id, r);
                }
                for f in p.findings {
                    w.push_finding(id, f);
                }
                w.maybe_flush().await?;
            }
            report.write_time += writing.elapsed();
            if let Some(progress) = &options.progress {
                progress(&Progress {
                    phase: Phase::Reading,
                    source: settings.name.clone(),
                    files_seen: report.files_seen,
                    files_parsed: report.files_parsed,
                });
            }
        }
        w.source_status(source_id, crate::now(), None, None).await?;
        let (generation, touched) = w.commit().await?;
        self.invalidate();
        if touched.len() >= ANALYZE_AFTER {
            self.store().analyze().await?;
        }
        let mut out = IndexReport {
            sources: vec![report],
            generation,
            changed_entities: touched.len(),
            store_time: started.elapsed(),
            ..IndexReport::default()
        };
        if let Some(progress) = &options.progress {
            progress(&Progress { phase: Phase::Search, ..Progress::default() });
        }
        let search_started = Instant::now();
        self.sync_search().await?;
        out.search_time = search_started.elapsed();
        lock.release().await;
        Ok(out)
    }

    /// Records that reading the Backstage source `source` failed: its entities stay as they
    /// were (its last good state) and answers report it stale, with `error` as the reason.
    pub async fn remote_failed(
        &self,
        source: &str,
        error: &str,
        options: &RunOptions,
    ) -> Result<IndexReport, IndexError> {
        let (position, settings) = self.backstage_source(source)?;
        let lock = self.lock(options.wait_for_lock).await?.ok_or(IndexError::Busy)?;
        let started = Instant::now();
        let mut w = self.store().begin().await?;
        let source_id = w.upsert_source(&settings.name, KIND, &settings.location(), position).await?;
        w.source_status(source_id, crate::now(), None, Some(error)).await?;
        let (generation, _) = w.commit().await?;
        self.invalidate();
        lock.release().await;
        Ok(IndexReport {
            sources: vec![SourceReport {
                name: settings.name.clone(),
                error: Some(error.to_owned()),
                ..SourceReport::default()
            }],
            generation,
            store_time: started.elapsed(),
            ..IndexReport::default()
        })
    }

    /// The configured Backstage source named `name`, with its position among the sources.
    fn backstage_source(&self, name: &str) -> Result<(i64, SourceSettings), IndexError> {
        self.settings()
            .sources
            .iter()
            .enumerate()
            .find(|(_, s)| s.name == name && matches!(s.kind, SourceKind::Backstage(_)))
            .map(|(i, s)| (i as i64, s.clone()))
            .ok_or_else(|| IndexError::UnknownSource(name.to_owned()))
    }
}

fn settings_url(kind: &SourceKind) -> String {
    match kind {
        SourceKind::Backstage(b) => b.url.trim_end_matches('/').to_owned(),
        SourceKind::Dir { .. } | SourceKind::Git { .. } | SourceKind::RemoteGit(_) => String::new(),
    }
}

/// Where answers say the entity is defined: its page in the frontend, else the catalog API URL
/// that serves it. Both follow from the ref, which Backstage keeps unique.
fn path_of(e: &RemoteEntity, base: &str) -> String {
    match &e.page_url {
        Some(url) => url.clone(),
        None => format!(
            "{base}/api/catalog/entities/by-name/{}/{}/{}",
            e.kind.to_lowercase(),
            e.namespace.to_lowercase(),
            e.name
        ),
    }
}

/// The document without `relations` and `status`: Backstage computes them and serves them on
/// every entity, but refuses them in a file (`BS0301`), and they are kept apart (relation rows,
/// findings). A document that is not a JSON object is validated as it is (and fails).
fn without_computed_fields(document: &str) -> Cow<'_, str> {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(document) {
        Ok(mut map) if map.contains_key("relations") || map.contains_key("status") => {
            map.remove("relations");
            map.remove("status");
            serde_json::to_string(&map).map_or(Cow::Borrowed(document), Cow::Owned)
        }
        Ok(_) | Err(_) => Cow::Borrowed(document),
    }
}

/// Validates a served document like a file's and turns it into rows, keeping what Backstage
/// said: its relations, its status, its page. Runs on a rayon thread.
fn parse_remote(e: RemoteEntity, base: &str, levels: Option<&LintLevels>) -> Parsed {
    let path = path_of(&e, base);
    let parsed = parse_file(Arc::from(path.as_str()), &without_computed_fields(&e.document));
    let mut findings = parsed.findings.clone();
    if let Some(levels) = levels {
        levels.apply(&mut findings);
    }
    let (rows, mut finding_rows) = rows_of(&parsed, &findings);
    let status: Vec<FindingRow> = e
        .status
        .iter()
        .map(|s| FindingRow {
            doc_index: Some(0),
            origin: ORIGIN,
            code: Code::BackstageProcessing.as_str().to_owned(),
            severity: match s.level {
                StatusLevel::Error => Severity::Error,
                StatusLevel::Warning => Severity::Warning,
                StatusLevel::Info => Severity::Hint,
            }
            .as_str()
            .to_owned(),
            message: format!("Backstage reports: {}", s.message),
            line: 1,
            column: 1,
        })
        .collect();
    let rows: Vec<EncodedEntity> = rows
        .into_iter()
        .map(|mut row: EntityRow| {
            let source = row.entity_ref.clone();
            row.relations = e
                .relations
                .iter()
                .map(|r| (source.clone(), Cow::Owned(r.relation_type.clone()), r.target_ref.to_lowercase()))
                .collect();
            if let Some(url) = &e.page_url {
                row.links.push(StoredLink {
                    url: url.clone(),
                    title: Some("Backstage".to_owned()),
                    icon: None,
                    link_type: Some("backstage".to_owned()),
                });
            }
            for (item, finding) in e.status.iter().zip(&status) {
                match item.level {
                    StatusLevel::Error => {
                        row.error_count += 1;
                        if row.first_error.is_none() {
                            row.first_error = Some(StoredFinding {
                                code: finding.code.clone(),
                                severity: finding.severity.clone(),
                                message: finding.message.clone(),
                                line: 1,
                                column: 1,
                            });
                        }
                    }
                    StatusLevel::Warning => row.warning_count += 1,
                    StatusLevel::Info => {}
                }
            }
            row.encode()
        })
        .collect();
    finding_rows.extend(status);
    Parsed { uid: e.uid, etag: e.etag, path, rows, findings: finding_rows }
}

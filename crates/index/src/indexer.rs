//! One index run: read every source, parse what changed, write it in one transaction.
//!
//! Per source, files are found the way `check` finds them (catalog file names in the tree, then
//! Location targets, globs and `presence` as Backstage reads them) and compared with the
//! previous run: an unchanged [`FileStat`] (size, times, inode; stored only when not racy) or git
//! blob id skips the file without reading it; a changed one with an unchanged content hash
//! skips parsing; only files
//! whose content changed are parsed and rewritten. Location targets of unchanged files come
//! from the store, so following them needs no parse either. Files no longer reached are deleted.
//!
//! Failure model: the run holds the [`super::IndexLock`] and writes in one transaction, so a
//! killed run leaves the previous index as it was. A source that fails (its directory is gone,
//! its git revision unreadable) is detected before anything of it is written: it keeps its last good rows and
//! is marked stale (`sources.last_error`); the other sources are unaffected. After the commit
//! the search index catches up from the store's change log.
//!
//! Memory stays flat at any catalog size: files are processed in chunks (parsed in parallel
//! with rayon on a blocking thread), turned into rows and written before the next chunk.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::filestat::{FileStat, RunClock};
use super::source::{DirFs, GitFs, SourceFs};
use super::store::{EncodedEntity, EntityRow, FindingRow, PriorFile, StoredFinding, StoredLink, Writer};
use super::walk::{self, WalkState};
use super::{Index, IndexError, SourceKind, SourceSettings};
use backline_catalog::CustomKinds;
use backline_catalog::codes::{Code, Stage};
use backline_catalog::discover::{
    TargetScope, is_catalog_file_name, normalize, read_failure, resolve_location_targets_within,
};
use backline_catalog::finding::{Finding, Severity};
use backline_catalog::lint_level::LintLevels;
use backline_catalog::model::{LocationSpec, ParsedFile};
use backline_catalog::text::{LineIndex, TextRange};
use backline_catalog::validate::parse_file_with;

/// Files handed to the parser at once.
pub(crate) const CHUNK: usize = 512;
/// Runs that change at least this many entities refresh the planner's statistics.
pub(crate) const ANALYZE_AFTER: usize = 1_000;

/// Called as a run makes progress (from the run's task; keep it cheap).
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// What a run is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Phase {
    /// Reading sources and writing the store's transaction (not committed yet).
    #[default]
    Reading,
    /// The store is committed; the search index is being brought up to date.
    Search,
}

#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub phase: Phase,
    pub source: String,
    /// Files looked at so far in this source.
    pub files_seen: usize,
    /// Of those, files parsed because their content changed.
    pub files_parsed: usize,
}

#[derive(Clone, Default)]
pub struct RunOptions {
    /// Wait for another indexer to finish instead of failing with [`IndexError::Busy`].
    pub wait_for_lock: bool,
    /// Remove sources that are in the store but not among the sources indexed.
    pub prune: bool,
    /// Lint levels from `[lints]`, applied to stored findings.
    pub lint_levels: Option<LintLevels>,
    /// Custom kinds from `[[kind]]`. A change to them re-parses every file once.
    pub kinds: Arc<CustomKinds>,
    pub progress: Option<ProgressFn>,
    /// The day (since the Unix epoch, UTC) the run records migration progress under; today
    /// when `None`. Set to replay history (tests, back-filling from old revisions).
    pub migration_day: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceReport {
    pub name: String,
    pub files_seen: usize,
    /// Files whose content was read: new files, and files whose stat (or git blob id) moved or
    /// was not stored because it was racy. The others were only stat-ed.
    pub files_read: usize,
    /// Files whose content changed (or new files): parsed and rewritten.
    pub files_parsed: usize,
    pub files_deleted: usize,
    /// Directories whose entries were read: all of them on a first run, then only those whose
    /// stat (or whose ignore files) changed since the last run (directory sources).
    pub dirs_listed: usize,
    pub entities_written: usize,
    /// The commit read, for git sources.
    pub revision: Option<String>,
    /// Why the source failed; it then keeps its last good index and is stale.
    pub error: Option<String>,
    /// Time spent waiting for files to be read and parsed (not overlapped with writing).
    #[serde(with = "millis")]
    pub parse_wait: Duration,
    /// Time spent writing rows into the run's transaction.
    #[serde(with = "millis")]
    pub write_time: Duration,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexReport {
    pub sources: Vec<SourceReport>,
    /// Sources removed from the store (with `prune`).
    pub pruned: Vec<String>,
    /// The store's generation after the run (unchanged when nothing changed).
    pub generation: i64,
    /// Entities whose rows were written or deleted.
    pub changed_entities: usize,
    /// Time to commit the store, and then to bring search up to date.
    #[serde(with = "millis")]
    pub store_time: Duration,
    #[serde(with = "millis")]
    pub search_time: Duration,
}

mod millis {
    pub(super) fn serialize<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}

impl IndexReport {
    /// Adds the report of another run over other sources (a Backstage source's run after the
    /// file sources'), as one report of both.
    pub fn absorb(&mut self, other: IndexReport) {
        self.sources.extend(other.sources);
        self.changed_entities += other.changed_entities;
        self.generation = self.generation.max(other.generation);
        self.store_time += other.store_time;
        self.search_time += other.search_time;
    }

    pub fn failed_sources(&self) -> impl Iterator<Item = &SourceReport> {
        self.sources.iter().filter(|s| s.error.is_some())
    }
}

/// A Location's targets as stored with its file (`files.locations`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredLocation {
    #[serde(rename = "type")]
    location_type: Option<String>,
    optional: bool,
    /// `(target, start, end, line, column)` of each written target.
    targets: Vec<(String, u32, u32, u32, u32)>,
}

impl StoredLocation {
    fn spec(&self) -> LocationSpec {
        LocationSpec {
            location_type: self.location_type.clone(),
            targets: self.targets.iter().map(|(t, s, e, _, _)| (t.clone(), TextRange::new(*s, *e))).collect(),
            optional: self.optional,
        }
    }

    fn position(&self, range: TextRange) -> (i64, i64) {
        self.targets
            .iter()
            .find(|(_, s, _, _, _)| *s == range.start)
            .map_or((1, 1), |(_, _, _, l, c)| (i64::from(*l), i64::from(*c)))
    }
}

enum Outcome {
    /// Nothing to rewrite; `refresh`: the file was read (its stat or fingerprint moved, or was
    /// racy), so its new fingerprint and stat are stored.
    Unchanged {
        id: i64,
        refresh: bool,
    },
    Changed {
        prior: Option<i64>,
        hash: String,
        rows: Vec<EncodedEntity>,
        findings: Vec<FindingRow>,
        carry: Option<(StoredFinding, i64)>,
    },
    Unreadable {
        prior: Option<i64>,
        findings: Vec<FindingRow>,
    },
}

struct FileOutcome {
    rel: String,
    fingerprint: Option<String>,
    /// The stat to store: `None` when unknown or racy.
    stat: Option<FileStat>,
    locations: Option<String>,
    /// Findings of following this file's Locations, recomputed every run.
    location_findings: Vec<FindingRow>,
    targets: Vec<PathBuf>,
    outcome: Outcome,
}

/// A source ready to be read: its file system, where to start, what paths are relative to.
struct OpenSource {
    fs: Arc<dyn SourceFs + Sync>,
    roots: Vec<PathBuf>,
    base: PathBuf,
    revision: Option<String>,
    /// Read, but not from the latest state: a remote whose fetch failed, read at its last good
    /// mirror. The source is indexed and still reported stale with this reason.
    stale: Option<String>,
}

/// Checks that a source can be read at all, before anything is written: a source that fails
/// here keeps its rows untouched (and becomes stale). Failures later in the run (a file that
/// cannot be read) are findings on that file, so no partial source is ever written.
async fn open_source(source: &SourceSettings) -> Result<Result<OpenSource, String>, IndexError> {
    Ok(match &source.kind {
        SourceKind::Dir { path } => {
            let path = normalize(path);
            if path.is_dir() {
                Ok(OpenSource {
                    fs: Arc::new(DirFs),
                    roots: vec![path.clone()],
                    base: path,
                    revision: None,
                    stale: None,
                })
            } else if path.is_file() {
                let base = path.parent().map(Path::to_owned).unwrap_or_default();
                Ok(OpenSource { fs: Arc::new(DirFs), roots: vec![path], base, revision: None, stale: None })
            } else {
                Err(format!("{} does not exist", path.display()))
            }
        }
        SourceKind::Backstage(b) => Err(format!("{} is a Backstage backend, read with Index::apply_remote", b.url)),
        SourceKind::Git { repo, rev, paths } => {
            let (repo, rev) = (repo.clone(), rev.clone());
            match tokio::task::spawn_blocking(move || GitFs::open(&repo, &rev))
                .await
                .map_err(|source| IndexError::Task { task: "opening the git source", source })?
            {
                Err(e) => Err(e.to_string()),
                Ok(git) => git_tree(source, git, paths, None),
            }
        }
        SourceKind::RemoteGit(remote) => {
            let remote = remote.clone();
            let paths = remote.paths.clone();
            match tokio::task::spawn_blocking(move || remote.sync())
                .await
                .map_err(|source| IndexError::Task { task: "fetching the git source", source })?
            {
                Err(e) => Err(e.to_string()),
                Ok(synced) => git_tree(source, synced.fs, &paths, synced.stale),
            }
        }
    })
}

/// A git tree as a source, once every configured path is found in it.
fn git_tree(
    source: &SourceSettings,
    git: GitFs,
    paths: &[String],
    stale: Option<String>,
) -> Result<OpenSource, String> {
    let roots: Vec<PathBuf> =
        if paths.is_empty() { vec![PathBuf::new()] } else { paths.iter().map(|p| normalize(Path::new(p))).collect() };
    let missing = roots.iter().find(|r| {
        !backline_catalog::discover::FileSystem::is_dir(&git, r)
            && !backline_catalog::discover::FileSystem::is_file(&git, r)
    });
    match missing {
        Some(r) => Err(format!("{} not found in {} at {}", r.display(), source.location(), git.commit())),
        None => {
            let revision = Some(git.commit().to_owned());
            Ok(OpenSource { fs: Arc::new(git), roots, base: PathBuf::new(), revision, stale })
        }
    }
}

pub(crate) async fn run(
    index: &Index,
    sources: &[SourceSettings],
    options: &RunOptions,
) -> Result<IndexReport, IndexError> {
    let lock = index.lock(options.wait_for_lock).await?.ok_or(IndexError::Busy)?;
    let started = Instant::now();
    let clock = RunClock::start();
    let mut report = IndexReport::default();
    let mut w = index.store().begin().await?;
    w.defer_indexes_if_empty().await?;
    for (position, source) in sources.iter().enumerate() {
        let kind = match source.kind {
            SourceKind::Dir { .. } => "dir",
            SourceKind::Git { .. } | SourceKind::RemoteGit(_) => "git",
            // Fetched by the binary and applied with `Index::apply_remote`; a file run leaves
            // its rows and status alone.
            SourceKind::Backstage(_) => continue,
        };
        let source_id = w.upsert_source(&source.name, kind, &source.location(), position as i64).await?;
        let mut source_report = SourceReport { name: source.name.clone(), ..SourceReport::default() };
        match open_source(source).await? {
            Ok(mut open) => {
                source_report.revision = open.revision.clone();
                let stale = open.stale.take();
                index_source(&mut w, source_id, source, open, options, clock, &mut source_report).await?;
                w.source_status(source_id, super::now(), source_report.revision.as_deref(), stale.as_deref()).await?;
                source_report.error = stale;
            }
            Err(message) => {
                w.source_status(source_id, super::now(), None, Some(&message)).await?;
                source_report.error = Some(message);
            }
        }
        report.sources.push(source_report);
    }
    if options.prune {
        let keep: HashSet<&str> = sources.iter().map(|s| s.name.as_str()).collect();
        for known in w.source_names().await? {
            if !keep.contains(known.as_str()) {
                w.delete_source(&known).await?;
                report.pruned.push(known);
            }
        }
    }
    w.record_migrations(
        index.migrations(),
        options.migration_day.unwrap_or_else(crate::migration::today),
        super::now(),
    );
    let (generation, touched) = w.commit().await?;
    index.invalidate();
    if touched.len() >= ANALYZE_AFTER {
        index.store().analyze().await?;
    }
    report.generation = generation;
    report.changed_entities = touched.len();
    report.store_time = started.elapsed();
    if let Some(progress) = &options.progress {
        progress(&Progress { phase: Phase::Search, ..Progress::default() });
    }
    let search_started = Instant::now();
    index.sync_search().await?;
    report.search_time = search_started.elapsed();
    lock.release().await;
    Ok(report)
}

/// Updates the given paths of one source, as a file watcher reports them: known files are
/// re-read (and re-parsed if their content changed) or removed if gone, a removed directory
/// removes the files known under it, all in one transaction, and search follows. No tree is
/// walked. What needs the walk's rules falls back to a full run of the source: a new YAML file
/// or directory (catalog file names, .gitignore, Location globs decide whether it belongs), a
/// file that holds or held a Location (its targets may change), and git sources. Paths that
/// are neither known nor YAML (editors' temporary files) are ignored.
pub(crate) async fn update(
    index: &Index,
    source_name: &str,
    paths: &[PathBuf],
    options: &RunOptions,
) -> Result<IndexReport, IndexError> {
    let position = index
        .settings()
        .sources
        .iter()
        .position(|s| s.name == source_name)
        .ok_or_else(|| IndexError::UnknownSource(source_name.to_owned()))?;
    let source = &index.settings().sources[position];
    if !matches!(source.kind, SourceKind::Dir { .. }) {
        return run(index, std::slice::from_ref(source), options).await;
    }
    let lock = index.lock(options.wait_for_lock).await?.ok_or(IndexError::Busy)?;
    let started = Instant::now();
    let clock = RunClock::start();
    let mut w = index.store().begin().await?;
    let source_id = w.upsert_source(&source.name, "dir", &source.location(), position as i64).await?;
    let open = match open_source(source).await? {
        Ok(open) => open,
        Err(_) => {
            // The source itself is gone: a full run records it as stale.
            w.rollback().await?;
            drop(lock);
            return run(index, std::slice::from_ref(source), options).await;
        }
    };
    let base = open.base.clone();
    let paths: Vec<PathBuf> = paths.iter().map(|p| normalize(p)).collect();
    let rels: Vec<String> = paths.iter().map(|p| relative(p, &base)).collect();
    let prior = Arc::new(w.prior_files_at(source_id, &rels).await?);
    // What this fast path settles alone: known files that changed or are gone, and removed
    // directories. New files and directories need the walk's rules (catalog file names,
    // .gitignore, Location globs), and so does a file that holds or held Locations (its
    // targets may change): those fall back to a full run of the source.
    let mut existing = Vec::new();
    let mut removed_dirs = Vec::new();
    let mut needs_walk = false;
    for (path, rel) in paths.iter().zip(&rels) {
        let known = prior.get(rel);
        if path.is_dir() {
            needs_walk = true;
        } else if path.is_file() {
            match known {
                Some(_) => existing.push(path.clone()),
                // Editors' temporary files and other non-YAML files are no catalog files.
                None => needs_walk |= is_yaml_path(path),
            }
        } else if let Some(k) = known {
            needs_walk |= k.locations.is_some();
        } else {
            removed_dirs.push(rel.clone());
        }
    }
    if needs_walk {
        w.rollback().await?;
        drop(lock);
        return run(index, std::slice::from_ref(source), options).await;
    }
    if existing.is_empty() && removed_dirs.is_empty() && prior.is_empty() {
        // Nothing the catalog knows or would read: no write at all.
        w.rollback().await?;
        lock.release().await;
        let generation = index.store().generation().await?;
        return Ok(IndexReport {
            sources: vec![SourceReport { name: source.name.clone(), ..SourceReport::default() }],
            generation,
            ..IndexReport::default()
        });
    }
    let levels = options.lint_levels.clone().map(Arc::new);
    let ctx = ReadContext::new(
        open.fs.clone(),
        base,
        prior.clone(),
        source.follow_locations,
        &source.allowed_locations,
        levels,
        options.kinds.clone(),
        clock,
    );
    let outcomes: Vec<FileOutcome> =
        tokio::task::spawn_blocking(move || existing.par_iter().map(|p| process_file(&ctx, p)).collect())
            .await
            .map_err(|source| IndexError::Task { task: "parsing changed files", source })?;
    let location_changed = outcomes.iter().any(|o| {
        matches!(o.outcome, Outcome::Changed { .. })
            && (o.locations.is_some() || prior.get(&o.rel).is_some_and(|p| p.locations.is_some()))
    });
    if location_changed {
        w.rollback().await?;
        drop(lock);
        return run(index, std::slice::from_ref(source), options).await;
    }
    let mut report = SourceReport { name: source.name.clone(), ..SourceReport::default() };
    let mut seen: HashSet<String> = HashSet::new();
    for o in outcomes {
        report.files_seen += 1;
        seen.insert(o.rel.clone());
        apply(&mut w, source_id, o, &mut report).await?;
    }
    let mut gone: Vec<i64> =
        rels.iter().filter(|r| !seen.contains(*r)).filter_map(|r| prior.get(r).map(|p| p.id)).collect();
    for dir in &removed_dirs {
        gone.extend(w.files_under(source_id, dir).await?);
    }
    gone.sort_unstable();
    gone.dedup();
    report.files_deleted = gone.len();
    w.delete_files(&gone).await?;
    w.source_status(source_id, super::now(), None, None).await?;
    w.record_migrations(
        index.migrations(),
        options.migration_day.unwrap_or_else(crate::migration::today),
        super::now(),
    );
    let (generation, touched) = w.commit().await?;
    index.invalidate();
    let mut out = IndexReport {
        sources: vec![report],
        generation,
        changed_entities: touched.len(),
        store_time: started.elapsed(),
        ..IndexReport::default()
    };
    let search_started = Instant::now();
    index.sync_search().await?;
    out.search_time = search_started.elapsed();
    lock.release().await;
    Ok(out)
}

fn is_yaml_path(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

fn relative(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() { ".".to_owned() } else { s }
}

async fn index_source(
    w: &mut Writer,
    source_id: i64,
    source: &SourceSettings,
    open: OpenSource,
    options: &RunOptions,
    clock: RunClock,
    report: &mut SourceReport,
) -> Result<(), IndexError> {
    let OpenSource { fs, roots, base, .. } = open;
    let prior = Arc::new(w.prior_files(source_id).await?);
    // The first wave: catalog files found by walking the roots. A directory source reuses its
    // last walk where directories did not change (see `walk.rs`); git sources list their tree.
    let dir_root = match (&source.kind, roots.as_slice()) {
        (SourceKind::Dir { .. }, [root]) if root.is_dir() => Some(root.clone()),
        _ => None,
    };
    let first: Vec<PathBuf> = match dir_root {
        Some(root) => {
            let stored = w.walk_state(source_id).await?;
            let prior_walk = stored.as_deref().and_then(WalkState::decode);
            let walked = tokio::task::spawn_blocking(move || walk::walk(&root, prior_walk, clock))
                .await
                .map_err(|source| IndexError::Task { task: "walking the source", source })?;
            report.dirs_listed = walked.dirs_listed;
            let state = walked.state.encode();
            if stored.as_ref() != Some(&state) {
                w.set_walk_state(source_id, Some(state)).await?;
            }
            walked.files.iter().map(|p| normalize(p)).collect()
        }
        None => {
            w.set_walk_state(source_id, None).await?;
            let walk_fs = fs.clone();
            let walk_roots = roots.clone();
            tokio::task::spawn_blocking(move || {
                let mut found = Vec::new();
                for root in &walk_roots {
                    if walk_fs.is_dir(root) {
                        let mut files: Vec<PathBuf> = walk_fs
                            .walk(root, true)
                            .into_iter()
                            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(is_catalog_file_name))
                            .map(|p| normalize(&p))
                            .collect();
                        files.sort();
                        found.extend(files);
                    } else {
                        found.push(normalize(root));
                    }
                }
                found
            })
            .await
            .map_err(|source| IndexError::Task { task: "walking the source", source })?
        }
    };

    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut queue: VecDeque<PathBuf> = VecDeque::new();
    for p in first {
        if seen.insert(p.clone()) {
            queue.push_back(p);
        }
    }
    let mut visited: HashSet<String> = HashSet::new();
    let levels = options.lint_levels.clone().map(Arc::new);
    let ctx = Arc::new(ReadContext::new(
        fs,
        base,
        prior.clone(),
        source.follow_locations,
        &source.allowed_locations,
        levels,
        options.kinds.clone(),
        clock,
    ));
    // Pipelined: the next chunk is read and parsed (blocking pool, rayon) while this one is
    // written (the store's connection), so both cores stay busy on a full index.
    let spawn_chunk = |queue: &mut VecDeque<PathBuf>| {
        let chunk: Vec<PathBuf> = queue.drain(..queue.len().min(CHUNK)).collect();
        let ctx = ctx.clone();
        tokio::task::spawn_blocking(move || -> Vec<FileOutcome> {
            chunk.par_iter().map(|p| process_file(&ctx, p)).collect()
        })
    };
    let mut pending = None;
    loop {
        let handle = match pending.take() {
            Some(h) => h,
            None if queue.is_empty() => break,
            None => spawn_chunk(&mut queue),
        };
        let waited = Instant::now();
        let outcomes: Vec<FileOutcome> =
            handle.await.map_err(|source| IndexError::Task { task: "parsing files", source })?;
        report.parse_wait += waited.elapsed();
        for o in &outcomes {
            for t in &o.targets {
                if seen.insert(t.clone()) {
                    queue.push_back(t.clone());
                }
            }
        }
        if !queue.is_empty() {
            pending = Some(spawn_chunk(&mut queue));
        }
        let writing = Instant::now();
        for o in outcomes {
            report.files_seen += 1;
            if !visited.insert(o.rel.clone()) {
                continue;
            }
            apply(w, source_id, o, report).await?;
            w.maybe_flush().await?;
        }
        report.write_time += writing.elapsed();
        if let Some(progress) = &options.progress {
            progress(&Progress {
                phase: Phase::Reading,
                source: source.name.clone(),
                files_seen: report.files_seen,
                files_parsed: report.files_parsed,
            });
        }
    }
    let gone: Vec<i64> = prior.iter().filter(|(path, _)| !visited.contains(*path)).map(|(_, f)| f.id).collect();
    report.files_deleted = gone.len();
    w.delete_files(&gone).await?;
    Ok(())
}

async fn apply(w: &mut Writer, source_id: i64, o: FileOutcome, report: &mut SourceReport) -> Result<(), IndexError> {
    report.files_read += usize::from(!matches!(o.outcome, Outcome::Unchanged { refresh: false, .. }));
    match o.outcome {
        Outcome::Unchanged { id, refresh } => {
            if refresh {
                w.set_fingerprint(id, o.fingerprint.as_deref(), o.stat).await?;
            }
            if o.locations.is_some() {
                w.replace_findings(id, "location", o.location_findings).await?;
            }
        }
        Outcome::Changed { prior, hash, rows, findings, carry } => {
            report.files_parsed += 1;
            report.entities_written += rows.len();
            let id = match prior {
                Some(id) => {
                    match &carry {
                        Some((first_error, errors)) => {
                            let keep: HashSet<String> = rows.iter().map(|r| r.entity_ref.clone()).collect();
                            w.carry_over(id, &keep, first_error, *errors).await?;
                        }
                        None => w.clear_file(id).await?,
                    }
                    w.update_file(id, &hash, o.fingerprint.as_deref(), o.stat, o.locations.as_deref()).await?;
                    id
                }
                None => w.new_file(source_id, &o.rel, &hash, o.fingerprint, o.stat, o.locations),
            };
            for r in rows {
                w.push_entity(id, r);
            }
            for f in findings.into_iter().chain(o.location_findings) {
                w.push_finding(id, f);
            }
        }
        Outcome::Unreadable { prior, findings } => match prior {
            Some(id) => {
                // Keep what the file said last time; an empty hash makes the next run re-read it.
                w.update_file(id, "", None, None, o.locations.as_deref()).await?;
                w.replace_findings(id, "read", findings).await?;
            }
            None => {
                let id = w.new_file(source_id, &o.rel, "", None, None, None);
                for f in findings {
                    w.push_finding(id, f);
                }
            }
        },
    }
    Ok(())
}

fn file_finding(code: Code, message: String, origin: &'static str) -> FindingRow {
    FindingRow {
        doc_index: None,
        origin,
        code: code.as_str().to_owned(),
        severity: code.default_severity().as_str().to_owned(),
        message,
        line: 1,
        column: 1,
    }
}

/// A stored fingerprint or hash that also names the custom kinds the file was parsed with, so a
/// change to `[[kind]]` re-parses files whose bytes did not change. Unchanged without custom
/// kinds.
fn with_kinds(stamp: String, kinds: &CustomKinds) -> String {
    match kinds.fingerprint() {
        None => stamp,
        Some(k) => format!("{stamp}+kinds:{k:016x}"),
    }
}

/// Whether a stored hash was made with the custom kinds in effect now (see [`with_kinds`]).
fn parsed_with(hash: &str, kinds: &CustomKinds) -> bool {
    let stored = hash.rsplit_once("+kinds:").map(|(_, k)| k);
    match (stored, kinds.fingerprint()) {
        (None, None) => true,
        (Some(stored), Some(now)) => stored == format!("{now:016x}"),
        _ => false,
    }
}

/// What every file of one source is read with; shared by the parsing threads.
struct ReadContext {
    fs: Arc<dyn SourceFs + Sync>,
    base: PathBuf,
    prior: Arc<HashMap<String, PriorFile>>,
    follow: bool,
    levels: Option<Arc<LintLevels>>,
    kinds: Arc<CustomKinds>,
    /// Location targets stay inside the source (its directory, or its git tree), or in the
    /// directories `[locations] allow` names, as for `check`. Resolved once: resolving it per
    /// file cost a `canonicalize` of the source's path per file.
    scope: TargetScope,
    clock: RunClock,
}

impl ReadContext {
    #[allow(clippy::too_many_arguments, reason = "one constructor, called twice, each field named at the call")]
    fn new(
        fs: Arc<dyn SourceFs + Sync>,
        base: PathBuf,
        prior: Arc<HashMap<String, PriorFile>>,
        follow: bool,
        allowed: &[PathBuf],
        levels: Option<Arc<LintLevels>>,
        kinds: Arc<CustomKinds>,
        clock: RunClock,
    ) -> ReadContext {
        let scope = TargetScope::new(&*fs, std::slice::from_ref(&base), allowed);
        ReadContext { fs, base, prior, follow, levels, kinds, scope, clock }
    }
}

/// Reads, compares and (when changed) parses one file. Runs on a rayon thread.
fn process_file(ctx: &ReadContext, path: &Path) -> FileOutcome {
    let (fs, scope, follow, kinds) = (&*ctx.fs, &ctx.scope, ctx.follow, &*ctx.kinds);
    let levels = ctx.levels.as_deref();
    let rel = relative(path, &ctx.base);
    let display: Arc<str> = Arc::from(rel.as_str());
    let fingerprint = fs.fingerprint(path).map(|f| with_kinds(f, kinds));
    let stat = fs.stat(path);
    let prior_file = ctx.prior.get(&rel);
    let mut out = FileOutcome {
        rel,
        fingerprint: fingerprint.clone(),
        stat: ctx.clock.storable(stat),
        locations: None,
        location_findings: Vec::new(),
        targets: Vec::new(),
        outcome: Outcome::Unreadable { prior: prior_file.map(|p| p.id), findings: Vec::new() },
    };

    // Stored Location targets of an unchanged file are followed without parsing it.
    let follow_stored = |out: &mut FileOutcome, stored: Option<&String>| {
        out.locations = stored.cloned();
        let Some(json) = stored else { return };
        let Ok(locations) = serde_json::from_str::<Vec<StoredLocation>>(json) else { return };
        if follow {
            for loc in &locations {
                let (targets, findings) = resolve_location_targets_within(fs, scope, path, &display, &loc.spec());
                out.targets.extend(targets);
                for f in findings {
                    let (line, column) = loc.position(f.range);
                    out.location_findings.push(finding_row(&f, None, line, column, "location"));
                }
            }
        }
    };

    if let Some(p) = prior_file
        && !p.hash.is_empty()
        && parsed_with(&p.hash, kinds)
        && ((fingerprint.is_some() && p.fingerprint == fingerprint) || (stat.is_some() && p.stat == stat))
    {
        follow_stored(&mut out, p.locations.as_ref());
        // A stat stored by an earlier run was not racy then, so it is not now.
        out.outcome = Outcome::Unchanged { id: p.id, refresh: false };
        return out;
    }

    let bytes = match fs.read(path) {
        Ok(b) => b,
        Err(e) => {
            out.outcome = Outcome::Unreadable {
                prior: prior_file.map(|p| p.id),
                findings: vec![file_finding(Code::Unreadable, read_failure(&e), "read")],
            };
            return out;
        }
    };
    let hash = with_kinds(fs.content_hash(path, &bytes), kinds);
    if let Some(p) = prior_file
        && p.hash == hash
    {
        follow_stored(&mut out, p.locations.as_ref());
        out.outcome = Outcome::Unchanged { id: p.id, refresh: true };
        return out;
    }

    let mut extra = Vec::new();
    let text: String = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let at = e.utf8_error().valid_up_to() as u32;
            extra.push(Finding::new(
                Code::NotUtf8,
                &display,
                TextRange::new(at, at + 1),
                format!("Invalid UTF-8 at byte {at}; Backstage replaces invalid bytes with U+FFFD and carries on, which silently corrupts text. Re-save the file as UTF-8."),
            ));
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    let parsed = parse_file_with(display.clone(), &text, kinds);
    let mut findings: Vec<Finding> = extra.into_iter().chain(parsed.findings.iter().cloned()).collect();
    if let Some(levels) = levels {
        levels.apply(&mut findings);
    }

    // Locations: store their targets, follow them.
    let mut locations = Vec::new();
    for entity in parsed.entities() {
        let Some(spec) = &entity.location else { continue };
        let stored = StoredLocation {
            location_type: spec.location_type.clone(),
            optional: spec.optional,
            targets: spec
                .targets
                .iter()
                .map(|(t, r)| {
                    let lc = parsed.line_index.line_col(r.start);
                    (t.clone(), r.start, r.end, lc.line, lc.column)
                })
                .collect(),
        };
        if follow {
            let (targets, loc_findings) = resolve_location_targets_within(fs, scope, path, &display, spec);
            out.targets.extend(targets);
            for f in loc_findings {
                let (line, column) = stored.position(f.range);
                out.location_findings.push(finding_row(&f, doc_of(&parsed, f.range.start), line, column, "location"));
            }
        }
        locations.push(stored);
    }
    out.locations = if locations.is_empty() { None } else { serde_json::to_string(&locations).ok() };

    let (rows, finding_rows) = rows_of(&parsed, &findings);
    let rows: Vec<EncodedEntity> = rows.into_iter().map(EntityRow::encode).collect();
    // A file that stopped parsing keeps the entities it had (Backstage keeps their last good
    // state); they are carried over, marked with the first YAML error.
    let carry = prior_file.and_then(|_| {
        let yaml_errors: Vec<&Finding> =
            findings.iter().filter(|f| f.code.stage() == Some(Stage::Yaml) && f.severity == Severity::Error).collect();
        let first = yaml_errors.first()?;
        let lc = parsed.line_index.line_col(first.range.start);
        Some((
            StoredFinding {
                code: first.code.as_str().to_owned(),
                severity: first.severity.as_str().to_owned(),
                message: first.message.clone(),
                line: lc.line,
                column: lc.column,
            },
            yaml_errors.len() as i64,
        ))
    });
    out.outcome = Outcome::Changed { prior: prior_file.map(|p| p.id), hash, rows, findings: finding_rows, carry };
    out
}

fn finding_row(f: &Finding, doc_index: Option<i64>, line: i64, column: i64, origin: &'static str) -> FindingRow {
    FindingRow {
        doc_index,
        origin,
        code: f.code.as_str().to_owned(),
        severity: f.severity.as_str().to_owned(),
        message: f.message.clone(),
        line,
        column,
    }
}

/// The document (by index) whose range contains `offset`.
fn doc_of(parsed: &ParsedFile, offset: u32) -> Option<i64> {
    parsed
        .documents
        .iter()
        .find(|d| d.range.contains_inclusive(offset) || d.range.contains(offset))
        .map(|d| d.index as i64)
}

/// Rows for the entities of a parsed file, and its findings placed on their documents.
pub(crate) fn rows_of(parsed: &ParsedFile, findings: &[Finding]) -> (Vec<EntityRow>, Vec<FindingRow>) {
    let li: &LineIndex = &parsed.line_index;
    let mut finding_rows = Vec::with_capacity(findings.len());
    // Per document: (errors, warnings, first error).
    let mut per_doc: HashMap<i64, (i64, i64, Option<StoredFinding>)> = HashMap::new();
    for f in findings {
        let doc = doc_of(parsed, f.range.start);
        let lc = li.line_col(f.range.start);
        if let Some(d) = doc {
            let entry = per_doc.entry(d).or_default();
            match f.severity {
                Severity::Error => {
                    entry.0 += 1;
                    if entry.2.is_none() {
                        entry.2 = Some(StoredFinding {
                            code: f.code.as_str().to_owned(),
                            severity: f.severity.as_str().to_owned(),
                            message: f.message.clone(),
                            line: lc.line,
                            column: lc.column,
                        });
                    }
                }
                Severity::Warning => entry.1 += 1,
                Severity::Hint => {}
            }
        }
        finding_rows.push(finding_row(f, doc, i64::from(lc.line), i64::from(lc.column), "parse"));
    }

    let mut rows = Vec::new();
    for doc in &parsed.documents {
        let Some(e) = &doc.entity else { continue };
        let d = doc.index as i64;
        let target_of = |field: &str| {
            e.references.iter().find(|r| r.field.field == field).and_then(|r| r.target.as_ref()).map(|t| t.canonical())
        };
        let (errors, warnings, first_error) = per_doc.remove(&d).unwrap_or_default();
        let lc = li.line_col(e.name_range.start);
        let document = doc.tree.as_ref().map_or_else(|| "null".to_owned(), |t| t.to_json().to_string());
        rows.push(EntityRow {
            doc_index: d,
            entity_ref: e.entity_ref.canonical(),
            kind: e.entity_ref.kind.clone(),
            namespace: e.entity_ref.namespace.clone(),
            name: e.entity_ref.name.clone(),
            title: e.title.clone(),
            description: e.description.clone(),
            spec_type: e.spec_type.as_ref().map(|s| s.value.clone()),
            lifecycle: e.lifecycle.as_ref().map(|s| s.value.clone()),
            owner_ref: e.owner().map(|o| o.canonical()),
            system_ref: target_of("system"),
            domain_ref: target_of("domain").or_else(|| target_of("subdomainOf")),
            display_name: e.profile.as_ref().and_then(|p| p.display_name.clone()),
            email: e.profile.as_ref().and_then(|p| p.email.clone()),
            tags: e.tags.clone(),
            labels: e.labels.clone(),
            annotations: e.annotations.clone(),
            links: e
                .links
                .iter()
                .map(|l| StoredLink {
                    url: l.url.clone(),
                    title: l.title.clone(),
                    icon: l.icon.clone(),
                    link_type: l.link_type.clone(),
                })
                .collect(),
            valid: doc.stage.is_none(),
            stage: doc.stage.map(|s| s.as_str().to_owned()),
            line: i64::from(lc.line),
            column: i64::from(lc.column),
            error_count: errors,
            warning_count: warnings,
            first_error,
            document,
            relations: e
                .relations()
                .iter()
                .map(|r| (r.source.canonical(), std::borrow::Cow::Borrowed(r.kind), r.target.canonical()))
                .collect(),
        });
    }
    (rows, finding_rows)
}

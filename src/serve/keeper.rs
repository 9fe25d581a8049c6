//! The catalog index inside `backline serve`: answering through it, and keeping it current.
//!
//! [`IndexEngine`] is the bots' [`QuestionEngine`] over the index's [`Index`]: questions go to
//! `Index::ask`, structured queries to `Index::answer`. Errors are logged and shown to the user
//! as a generic sentence, since their text can name store URLs.
//!
//! [`keep_current`] re-indexes: once at start, the changed paths whenever a watched directory
//! source changes (debounced; `Index::update_files` walks nothing, so a one-file edit costs
//! milliseconds even at 100,000 entities), and every `refresh` for all sources (git sources have nothing to watch; the
//! incremental indexer makes a run with no changes cheap). Core's indexer takes the store's
//! indexing lock (a lock file beside SQLite, an advisory lock on PostgreSQL) without waiting:
//! when another replica is indexing, this one skips the run and reads the result from the shared
//! store like any reader.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use backline_catalog::lint_level::LintLevels;
use backline_index::{Index, IndexError, RunOptions, SourceKind, SourceSettings};
use backline_answer::Answer;
use futures_util::future::BoxFuture;
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use backline_bot::engine::{Ask, EngineError, QuestionEngine};
use backline_bot::serve::{IndexHealth, Shutdown};

/// The question engine over an open index.
pub struct IndexEngine(pub Arc<Index>);

impl QuestionEngine for IndexEngine {
    fn answer<'a>(&'a self, ask: &'a Ask) -> BoxFuture<'a, Result<Answer, EngineError>> {
        Box::pin(async move {
            let result = match ask {
                Ask::Question(q) => self.0.ask(q).await,
                Ask::Query(q) => self.0.answer(q).await,
            };
            result.map_err(|e| {
                warn!(error = %e, "the catalog index could not answer");
                EngineError("the catalog index is not available right now; try again in a minute".into())
            })
        })
    }
}

#[derive(Clone)]
pub struct KeeperOptions {
    /// Index every source when serve starts.
    pub index_on_start: bool,
    /// Watch directory sources and re-index them on change.
    pub watch: bool,
    /// Re-index every source this often (git sources, and a safety net for directories).
    pub refresh: Duration,
    /// Quiet time after a file change before re-indexing (editors save in bursts).
    pub debounce: Duration,
    pub lint_levels: Option<LintLevels>,
}

impl Default for KeeperOptions {
    fn default() -> Self {
        KeeperOptions {
            index_on_start: true,
            watch: true,
            refresh: Duration::from_secs(60),
            debounce: Duration::from_millis(500),
            lint_levels: None,
        }
    }
}

/// Indexes `sources`; `Ok(false)` when another instance holds the lock.
async fn run(index: &Index, sources: &[SourceSettings], opts: &KeeperOptions) -> Result<bool, IndexError> {
    let run = RunOptions { wait_for_lock: false, prune: false, lint_levels: opts.lint_levels.clone(), progress: None };
    match index.index_sources(sources, &run).await {
        Ok(report) => {
            for failed in report.failed_sources() {
                warn!(source = %failed.name, error = failed.error.as_deref().unwrap_or(""), "source failed to index; answers use its last good state");
            }
            if report.changed_entities > 0 {
                info!(changed = report.changed_entities, generation = report.generation, "catalog index updated");
            } else {
                debug!("catalog index already current");
            }
            Ok(true)
        }
        Err(IndexError::Busy) => {
            debug!("another instance is indexing this store; skipping this run");
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// More changed paths than this in one burst (a branch switch, a bulk edit) re-index the whole
/// source: one walk is then cheaper than many single-file updates.
const MAX_WATCHED_PATHS: usize = 2_000;

/// Brings the changed paths of one directory source into the index without walking it (core
/// falls back to a full run of the source where a path needs the walk's rules).
async fn update(
    index: &Index,
    source: &SourceSettings,
    paths: Vec<PathBuf>,
    opts: &KeeperOptions,
) -> Result<(), IndexError> {
    if paths.len() > MAX_WATCHED_PATHS {
        run(index, std::slice::from_ref(source), opts).await?;
        return Ok(());
    }
    let run = RunOptions { wait_for_lock: false, prune: false, lint_levels: opts.lint_levels.clone(), progress: None };
    match index.update_files(&source.name, &paths, &run).await {
        Ok(report) => {
            if report.changed_entities > 0 {
                info!(source = %source.name, paths = paths.len(), changed = report.changed_entities, generation = report.generation, "catalog index updated");
            }
            Ok(())
        }
        Err(IndexError::Busy) => {
            debug!("another instance is indexing this store; the periodic refresh picks these changes up");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Whether a changed path can matter to the catalog: YAML files, and paths without an
/// extension (directories, which may have been removed). Everything else, and anything under
/// `.git` or Backline's own `.backline` directory (the index itself may live inside a watched
/// tree), is ignored, so the index's own writes never trigger a run.
fn may_hold_catalog(path: &std::path::Path) -> bool {
    if path.components().any(|c| matches!(c.as_os_str().to_str(), Some(".git" | ".backline"))) {
        return false;
    }
    match path.extension().and_then(|e| e.to_str()) {
        None => true,
        Some(e) => e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"),
    }
}

/// Starts watching the directory sources; returns the watcher (dropping it stops watching) and
/// a channel of `(source name, changed path)`.
fn watch(
    sources: &[SourceSettings],
) -> (Option<notify::RecommendedWatcher>, mpsc::UnboundedReceiver<(String, PathBuf)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let dirs: Vec<(String, PathBuf)> = sources
        .iter()
        .filter_map(|s| match &s.kind {
            SourceKind::Dir { path } => Some((s.name.clone(), path.clone())),
            SourceKind::Git { .. } => None,
        })
        .collect();
    if dirs.is_empty() {
        return (None, rx);
    }
    let roots = dirs.clone();
    let handler = move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        for (name, root) in &roots {
            for p in event.paths.iter().filter(|p| p.starts_with(root) && may_hold_catalog(p)) {
                let _ = tx.send((name.clone(), p.clone()));
            }
        }
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(w) => w,
        Err(e) => {
            warn!(error = %e, "cannot watch directory sources; relying on the periodic refresh");
            return (None, rx);
        }
    };
    for (name, path) in &dirs {
        if let Err(e) = watcher.watch(path, RecursiveMode::Recursive) {
            warn!(source = %name, error = %e, "cannot watch this source; relying on the periodic refresh");
        }
    }
    (Some(watcher), rx)
}

/// Keeps the index current until shutdown. Marks `health` loaded once the index has been
/// brought up to date at start (or another instance was doing so).
pub async fn keep_current(index: Arc<Index>, health: Arc<IndexHealth>, opts: KeeperOptions, mut shutdown: Shutdown) {
    let sources = index.settings().sources.clone();
    if opts.index_on_start {
        match run(&index, &sources, &opts).await {
            Ok(_) => {}
            Err(e) => warn!(error = %e, "indexing at start failed; serving the last good index"),
        }
    }
    health.set_loaded(true);

    let (_watcher, mut changes) = if opts.watch { watch(&sources) } else { (None, mpsc::unbounded_channel().1) };
    let mut tick = tokio::time::interval(opts.refresh);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = shutdown.wait() => break,
            _ = tick.tick() => {
                if let Err(e) = run(&index, &sources, &opts).await {
                    warn!(error = %e, "re-indexing failed; serving the last good index");
                }
            }
            Some(first) = changes.recv() => {
                // Debounce: collect every path touched until things are quiet.
                let mut touched: BTreeMap<String, BTreeSet<PathBuf>> = BTreeMap::new();
                touched.entry(first.0).or_default().insert(first.1);
                loop {
                    tokio::select! {
                        more = changes.recv() => match more {
                            Some((name, path)) => { touched.entry(name).or_default().insert(path); }
                            None => break,
                        },
                        _ = tokio::time::sleep(opts.debounce) => break,
                    }
                }
                for source in &sources {
                    if let Some(paths) = touched.remove(&source.name)
                        && let Err(e) = update(&index, source, paths.into_iter().collect(), &opts).await
                    {
                        warn!(source = %source.name, error = %e, "re-indexing failed; serving the last good index");
                    }
                }
            }
        }
    }
}

//! The catalog index inside `backline serve`: answering through it, and keeping it current.
//!
//! [`IndexEngine`] is the bots' [`QuestionEngine`] over core's [`Index`]: questions go to
//! `Index::ask`, structured queries to `Index::answer`. Errors are logged and shown to the user
//! as a generic sentence, since their text can name store URLs.
//!
//! [`keep_current`] re-indexes: once at start, whenever a watched directory source changes
//! (debounced), and every `refresh` for all sources (git sources have nothing to watch; the
//! incremental indexer makes a run with no changes cheap). Core's indexer takes the store's
//! indexing lock (a lock file beside SQLite, an advisory lock on PostgreSQL) without waiting:
//! when another replica is indexing, this one skips the run and reads the result from the shared
//! store like any reader.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use backline_core::config::LintLevels;
use backline_core::index::{Index, IndexError, RunOptions, SourceKind, SourceSettings};
use backline_core::query::answer::Answer;
use futures_util::future::BoxFuture;
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::engine::{Ask, EngineError, QuestionEngine};
use crate::serve::{IndexHealth, Shutdown};

/// Core's question engine over an open index.
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

/// Starts watching the directory sources; returns the watcher (dropping it stops watching) and
/// a channel of source names that changed.
fn watch(sources: &[SourceSettings]) -> (Option<notify::RecommendedWatcher>, mpsc::UnboundedReceiver<String>) {
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
            if event.paths.iter().any(|p| p.starts_with(root)) {
                let _ = tx.send(name.clone());
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
        let due: Vec<SourceSettings> = tokio::select! {
            _ = shutdown.wait() => break,
            _ = tick.tick() => sources.clone(),
            Some(first) = changes.recv() => {
                // Debounce: collect every source touched until things are quiet.
                let mut names = BTreeSet::from([first]);
                loop {
                    tokio::select! {
                        more = changes.recv() => match more {
                            Some(n) => { names.insert(n); }
                            None => break,
                        },
                        _ = tokio::time::sleep(opts.debounce) => break,
                    }
                }
                sources.iter().filter(|s| names.contains(&s.name)).cloned().collect()
            }
        };
        if due.is_empty() {
            continue;
        }
        if let Err(e) = run(&index, &due, &opts).await {
            warn!(error = %e, "re-indexing failed; serving the last good index");
        }
    }
}

//! The catalog index inside `backline serve`: answering through it, and keeping it current.
//!
//! [`IndexEngine`] is the bots' [`QuestionEngine`] over the index's [`Index`]: questions go to
//! `Index::ask`, structured queries to `Index::answer`, then on-call is added when configured
//! (`crate::oncall::enrich`: a provider failure never fails the answer). Errors are logged and shown to the user
//! as a generic sentence, since their text can name store URLs. Until the store has been opened
//! ([`open_index`] retries with back-off while it is unreachable, e.g. PostgreSQL starting after
//! the bot), the engine answers with that sentence and `/readyz` says not ready.
//!
//! After every run the index's freshness is exported as metrics (see [`register_metrics`]), read
//! back from the store so replicas that skipped a run (another held the lock) report the same.
//!
//! [`keep_current`] re-indexes: once at start, the changed paths whenever a watched directory
//! source changes (debounced; `Index::update_files` walks nothing, so a one-file edit costs
//! milliseconds even at 100,000 entities), and every `refresh` for all sources (git sources have nothing to watch; the
//! incremental indexer makes a run with no changes cheap; Backstage sources are refreshed by
//! etag after the file sources, see `crate::backstage`). Core's indexer takes the store's
//! indexing lock (a lock file beside SQLite, an advisory lock on PostgreSQL) without waiting:
//! when another replica is indexing, this one skips the run and reads the result from the shared
//! store like any reader.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use backline_answer::card::ChartKind;
use backline_answer::{Answer, AnswerBody, Asker, LiveOnCall, LiveState, Query};
use backline_catalog::CustomKinds;
use backline_catalog::lint_level::LintLevels;
use backline_index::{Index, IndexError, IndexReport, IndexSettings, RunOptions, SourceKind, SourceSettings};
use backline_oncall::{Clock, OnCall, SystemClock, Timestamp};
use futures_util::future::BoxFuture;
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use backline_bot::engine::{Ask, CachePolicy, EngineError, QuestionEngine};
use backline_bot::serve::{IndexHealth, Shutdown};

/// The index once it has been opened; empty while the store is unreachable.
pub type IndexSlot = OnceLock<Arc<Index>>;

/// What users are told when the index cannot answer (the error itself may name store URLs).
const UNAVAILABLE: &str = "the catalog index is not available right now; try again in a minute";

/// The question engine over the index, once open; with an on-call client, ownership and contact
/// answers also say who is on call now (`crate::oncall`).
pub struct IndexEngine {
    pub slot: Arc<IndexSlot>,
    pub oncall: Option<OnCall>,
}

impl QuestionEngine for IndexEngine {
    fn answer<'a>(&'a self, ask: &'a Ask) -> BoxFuture<'a, Result<Answer, EngineError>> {
        Box::pin(self.answer_from(ask, None))
    }

    fn answer_as<'a>(&'a self, ask: &'a Ask, asker: &'a Asker) -> BoxFuture<'a, Result<Answer, EngineError>> {
        Box::pin(self.answer_from(ask, Some(asker)))
    }

    /// The index's answer version: its generation and stale sources, read from the store at
    /// most once a second, so asking it before every answer costs nothing measurable.
    fn version(&self) -> BoxFuture<'_, Option<u64>> {
        Box::pin(async move { self.slot.get()?.answer_version().await.ok() })
    }

    /// Answers with live on-call data are reused only while that data would be served from the
    /// on-call client's own cache (see [`live_on_call_ttl`]); everything else until the index
    /// changes.
    fn cache_policy(&self, answer: &Answer) -> CachePolicy {
        let Some(oncall) = &self.oncall else { return CachePolicy::UntilChanged };
        let live = match &answer.body {
            AnswerBody::Ownership(a) => &a.reach.live_on_call,
            AnswerBody::Contact(a) => &a.reach.live_on_call,
            AnswerBody::Team(a) => &a.reach.live_on_call,
            AnswerBody::Mine(a) => &a.reach.live_on_call,
            AnswerBody::Dependencies(a) => &a.team_on_call,
            AnswerBody::Entity(_)
            | AnswerBody::Search(_)
            | AnswerBody::Find(_)
            | AnswerBody::Health(_)
            | AnswerBody::Ambiguous(_)
            | AnswerBody::NotFound(_)
            | AnswerBody::Help(_)
            | AnswerBody::UnknownAsker(_)
            | AnswerBody::Migration(_)
            | AnswerBody::Migrations(_)
            | AnswerBody::Scorecard(_) => return CachePolicy::UntilChanged,
        };
        let config = oncall.config();
        CachePolicy::For(live_on_call_ttl(live, config.cache_secs, config.retry_secs, SystemClock.now()))
    }

    /// Burn-down charts, drawn from the index's history (`crate::chart`), once for every
    /// platform. Errors are logged here; users are told nothing (the answer goes without it).
    fn chart<'a>(&'a self, kind: &'a ChartKind) -> BoxFuture<'a, Result<Vec<u8>, EngineError>> {
        Box::pin(async move {
            let Some(index) = self.slot.get() else { return Err(EngineError(UNAVAILABLE.into())) };
            match kind {
                ChartKind::BurnDown { migration } => crate::chart::png(index, migration).await.map_err(|e| {
                    warn!(error = %format!("{e:#}"), migration = %migration, "cannot draw a burn-down chart");
                    EngineError("the chart could not be drawn".into())
                }),
            }
        })
    }
}

impl IndexEngine {
    async fn answer_from(&self, ask: &Ask, asker: Option<&Asker>) -> Result<Answer, EngineError> {
        {
            let Some(index) = self.slot.get() else {
                return Err(EngineError(UNAVAILABLE.into()));
            };
            let result = match ask {
                Ask::Question(q) => index.ask_as(q, asker).await,
                Ask::Query(Query::Mine { about, asker: None }) => {
                    index.answer(&Query::Mine { about: *about, asker: asker.cloned() }).await
                }
                Ask::Query(q) => index.answer(q).await,
            };
            let mut answer = result.map_err(|e| {
                warn!(error = %e, "the catalog index could not answer");
                EngineError(UNAVAILABLE.into())
            })?;
            crate::oncall::enrich(self.oncall.as_ref(), index, &mut answer).await;
            // "until when" on the asker's clock, when the platform said where they are.
            if let Some(offset) = asker.and_then(|a| a.tz_offset_secs) {
                backline_answer::present::oncall::localize_answer(&mut answer, offset);
            }
            Ok(answer)
        }
    }
}

/// How long an answer holding `live` on-call data stays as true as the on-call client would
/// make it: what is left of the data's cache period (`cache_secs` after it was fetched), no later
/// than the first shift in it ends or starts, and no longer than `retry_secs` when a provider
/// failed (the client tries again then).
fn live_on_call_ttl(live: &[LiveOnCall], cache_secs: u64, retry_secs: u64, now: Timestamp) -> Duration {
    let mut secs = cache_secs;
    for l in live {
        secs = secs.min(cache_secs.saturating_sub(l.age_secs.unwrap_or(0)));
        if l.state != LiveState::Current {
            secs = secs.min(retry_secs);
        }
        let people = l.rosters.iter().flat_map(|r| r.level1.iter().chain(r.gap.iter().flat_map(|g| g.next.iter())));
        for p in people {
            for edge in [&p.until, &p.from].into_iter().flatten() {
                if let Some(at) = Timestamp::parse_rfc3339(edge)
                    && at > now
                {
                    secs = secs.min(at.secs_since(now));
                }
            }
        }
    }
    Duration::from_secs(secs)
}

/// First and longest pause between attempts to open an unreachable store.
const OPEN_RETRY_FIRST: Duration = Duration::from_secs(1);
const OPEN_RETRY_MAX: Duration = Duration::from_secs(60);

/// Opens the index, retrying with exponential back-off (1 s doubling to 60 s) until it opens or
/// shutdown is requested (`None`). The opened index is also put into `slot`.
pub async fn open_index(
    settings: IndexSettings,
    scorecards: Vec<backline_catalog::scorecard::Scorecard>,
    frontend_url: Option<String>,
    slot: &IndexSlot,
    mut shutdown: Shutdown,
) -> Option<Arc<Index>> {
    let mut delay = OPEN_RETRY_FIRST;
    loop {
        let opened = tokio::select! {
            _ = shutdown.wait() => return None,
            opened = Index::open(settings.clone()) => opened,
        };
        match opened {
            Ok(mut index) => {
                index.set_scorecards(scorecards);
                index.set_frontend_url(frontend_url);
                metrics::gauge!(STORE_UP).set(1.0);
                let index = Arc::new(index);
                let _ = slot.set(Arc::clone(&index));
                return Some(index);
            }
            Err(e) => {
                metrics::gauge!(STORE_UP).set(0.0);
                metrics::counter!(OPEN_FAILURES).increment(1);
                warn!(error = %e, retry_in_secs = delay.as_secs(), "cannot open the catalog index; not ready, retrying");
                tokio::select! {
                    _ = shutdown.wait() => return None,
                    _ = tokio::time::sleep(delay) => {}
                }
                delay = (delay * 2).min(OPEN_RETRY_MAX);
            }
        }
    }
}

const STORE_UP: &str = "backline_index_store_up";
const OPEN_FAILURES: &str = "backline_index_open_failures_total";
const RUNS: &str = "backline_index_runs_total";
const RUN_SECONDS: &str = "backline_index_last_run_seconds";
const LAST_SUCCESS: &str = "backline_index_source_last_success_timestamp_seconds";
const SOURCE_SECONDS: &str = "backline_index_source_last_run_seconds";
const SOURCE_ENTITIES: &str = "backline_index_source_entities";
const SOURCE_STALE: &str = "backline_index_source_stale";
const STALE_SOURCES: &str = "backline_index_stale_sources";

/// How an index run ended, for `backline_index_runs_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunOutcome {
    Ok,
    /// Another instance held the indexing lock.
    Busy,
    Failed,
}

impl RunOutcome {
    const ALL: [RunOutcome; 3] = [RunOutcome::Ok, RunOutcome::Busy, RunOutcome::Failed];

    fn label(self) -> &'static str {
        match self {
            RunOutcome::Ok => "ok",
            RunOutcome::Busy => "busy",
            RunOutcome::Failed => "failed",
        }
    }
}

/// Describes the index metrics and registers every series at zero for the configured sources:
/// - `backline_index_store_up`: 1 once the store is open, 0 while it cannot be reached;
///   `backline_index_open_failures_total`: failed attempts to open it.
/// - `backline_index_runs_total{outcome}`: runs `ok`, `busy` (another instance indexing),
///   `failed`; `backline_index_last_run_seconds`: wall time of the last run.
/// - per source: `backline_index_source_last_success_timestamp_seconds` (Unix time of the last
///   successful index, 0 if never), `backline_index_source_last_run_seconds` (read and write time
///   of its last run here), `backline_index_source_entities`, `backline_index_source_stale` (1 when
///   its last run failed and answers use its last good state); `backline_index_stale_sources`.
pub fn register_metrics(sources: &[SourceSettings]) {
    use metrics::{describe_counter, describe_gauge};
    describe_gauge!(STORE_UP, "1 once the catalog store is open, 0 while it cannot be reached.");
    describe_counter!(OPEN_FAILURES, "Failed attempts to open the catalog store.");
    describe_counter!(RUNS, "Index runs by outcome: ok, busy (another instance was indexing), failed.");
    describe_gauge!(RUN_SECONDS, metrics::Unit::Seconds, "Wall time of the last index run.");
    describe_gauge!(
        LAST_SUCCESS,
        metrics::Unit::Seconds,
        "Unix time of the last successful index of a source (0: never)."
    );
    describe_gauge!(SOURCE_SECONDS, metrics::Unit::Seconds, "Read and write time of a source's last index run here.");
    describe_gauge!(SOURCE_ENTITIES, "Entities a source holds in the index.");
    describe_gauge!(SOURCE_STALE, "1 when a source's last index run failed (answers use its last good state).");
    describe_gauge!(STALE_SOURCES, "Sources whose last index run failed.");
    metrics::gauge!(STORE_UP).set(0.0);
    metrics::counter!(OPEN_FAILURES).absolute(0);
    for outcome in RunOutcome::ALL {
        metrics::counter!(RUNS, "outcome" => outcome.label()).absolute(0);
    }
    metrics::gauge!(RUN_SECONDS).set(0.0);
    metrics::gauge!(STALE_SOURCES).set(0.0);
    for source in sources {
        let name = source.name.clone();
        metrics::gauge!(LAST_SUCCESS, "source" => name.clone()).set(0.0);
        metrics::gauge!(SOURCE_SECONDS, "source" => name.clone()).set(0.0);
        metrics::gauge!(SOURCE_ENTITIES, "source" => name.clone()).set(0.0);
        metrics::gauge!(SOURCE_STALE, "source" => name).set(0.0);
    }
}

/// Exports the freshness of every source as the store records it.
async fn record_freshness(index: &Index) {
    let records = match index.sources().await {
        Ok(r) => r,
        Err(e) => {
            debug!(error = %e, "cannot read source status for metrics");
            return;
        }
    };
    let mut stale = 0usize;
    for r in &records {
        let is_stale = r.last_error.is_some();
        stale += usize::from(is_stale);
        metrics::gauge!(LAST_SUCCESS, "source" => r.name.clone()).set(r.last_success.unwrap_or(0) as f64);
        metrics::gauge!(SOURCE_ENTITIES, "source" => r.name.clone()).set(r.entity_count as f64);
        metrics::gauge!(SOURCE_STALE, "source" => r.name.clone()).set(if is_stale { 1.0 } else { 0.0 });
    }
    metrics::gauge!(STALE_SOURCES).set(stale as f64);
}

fn record_report(report: &IndexReport) {
    for s in &report.sources {
        metrics::gauge!(SOURCE_SECONDS, "source" => s.name.clone()).set((s.parse_wait + s.write_time).as_secs_f64());
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
    /// Custom kinds from `[[kind]]`.
    pub kinds: Arc<CustomKinds>,
}

impl Default for KeeperOptions {
    fn default() -> Self {
        KeeperOptions {
            index_on_start: true,
            watch: true,
            refresh: Duration::from_secs(60),
            debounce: Duration::from_millis(500),
            lint_levels: None,
            kinds: CustomKinds::none(),
        }
    }
}

/// Indexes `sources`; `Ok(false)` when another instance holds the lock.
async fn run(index: &Index, sources: &[SourceSettings], opts: &KeeperOptions) -> Result<bool, IndexError> {
    let run = RunOptions {
        wait_for_lock: false,
        prune: false,
        lint_levels: opts.lint_levels.clone(),
        kinds: opts.kinds.clone(),
        progress: None,
        migration_day: None,
    };
    let started = Instant::now();
    // Backstage listings run while the directory and git sources are indexed.
    let (prefetch, mut result) = match crate::backstage::Prefetch::start(index, sources).await {
        Ok(prefetch) => (prefetch, index.index_sources(sources, &run).await),
        Err(e) => (crate::backstage::Prefetch::default(), Err(e)),
    };
    // Backstage sources: a refresh that asks Backstage only for what changed since the store's
    // snapshot; a failure marks the source stale, the other sources keep their run.
    if let Ok(report) = &mut result {
        match crate::backstage::sync_all(index, sources, &run, prefetch).await {
            Ok(remote) => remote.into_iter().for_each(|r| report.absorb(r)),
            Err(e) => result = Err(e),
        }
    }
    let outcome = match &result {
        Ok(_) => RunOutcome::Ok,
        Err(IndexError::Busy) => RunOutcome::Busy,
        Err(_) => RunOutcome::Failed,
    };
    metrics::counter!(RUNS, "outcome" => outcome.label()).increment(1);
    if outcome != RunOutcome::Busy {
        metrics::gauge!(RUN_SECONDS).set(started.elapsed().as_secs_f64());
    }
    if let Ok(report) = &result {
        record_report(report);
    }
    record_freshness(index).await;
    match result {
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
    let run = RunOptions {
        wait_for_lock: false,
        prune: false,
        lint_levels: opts.lint_levels.clone(),
        kinds: opts.kinds.clone(),
        progress: None,
        migration_day: None,
    };
    let result = index.update_files(&source.name, &paths, &run).await;
    record_freshness(index).await;
    match result {
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
            SourceKind::Git { .. } | SourceKind::RemoteGit(_) | SourceKind::Backstage(_) => None,
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
    record_freshness(&index).await;
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

#[cfg(test)]
mod tests {
    use super::*;
    use backline_answer::{LiveRoster, OnCallPerson, OnCallProvider};

    fn live(state: LiveState, age_secs: u64, until: Option<&str>) -> LiveOnCall {
        LiveOnCall {
            provider: OnCallProvider::PagerDuty,
            account: Some("main".into()),
            annotation: "pagerduty.com/service-id".into(),
            value: Some("PX".into()),
            from: "component:default/payments".into(),
            state,
            reason: None,
            rosters: vec![LiveRoster {
                name: None,
                url: None,
                level1: vec![OnCallPerson {
                    name: "Ada".into(),
                    email: None,
                    url: None,
                    from: None,
                    until: until.map(str::to_owned),
                    permanent: false,
                    user: None,
                    contacts: Vec::new(),
                }],
                later: Vec::new(),
                gap: None,
            }],
            fetched_at: None,
            age_secs: Some(age_secs),
        }
    }

    #[test]
    fn a_cached_answer_keeps_on_call_data_no_longer_than_the_on_call_cache() {
        let now = Timestamp::parse_rfc3339("2026-12-07T12:00:00Z").expect("time");
        let ttl = |l: &[LiveOnCall]| live_on_call_ttl(l, 60, 10, now).as_secs();
        // What is left of the data's own cache period.
        assert_eq!(ttl(&[live(LiveState::Current, 0, None)]), 60);
        assert_eq!(ttl(&[live(LiveState::Current, 45, None), live(LiveState::Current, 5, None)]), 15);
        assert_eq!(ttl(&[live(LiveState::Current, 90, None)]), 0);
        // Not past the end of a shift in it; a shift that ended already changes nothing.
        assert_eq!(ttl(&[live(LiveState::Current, 0, Some("2026-12-07T12:00:20Z"))]), 20);
        assert_eq!(ttl(&[live(LiveState::Current, 0, Some("2026-12-07T11:00:00Z"))]), 60);
        // A provider that failed is asked again after `retry_secs`.
        assert_eq!(ttl(&[live(LiveState::Stale, 0, None)]), 10);
        assert_eq!(ttl(&[]), 60);
    }
}

//! The catalog index: sources in, a SQL store and a search index out, kept up to date
//! incrementally. Everything that answers questions ([`query`], [`Index::ask`]) reads through [`Index`].
//!
//! - [`settings`]: `[store]` and `[[source]]` of `backline.toml`, `BACKLINE_*` overrides.
//! - [`source`]: directory trees and git revisions as [`backline_catalog::discover::FileSystem`]s;
//!   [`remote_git`]: remote repositories fetched into a bare mirror, then read as git revisions.
//! - [`store`]: SQLite or PostgreSQL through sqlx; [`migrate`] applies the schema.
//! - [`indexer`]: one run = one transaction; only files whose content changed are parsed, and
//!   files whose [`filestat`] did not change are not even read.
//! - [`search`]: tantivy, rebuilt or caught up from the store's change log.
//! - [`migration`]: `[[migration]]`, whose progress every run records and answers report.
//!
//! Concurrency: one indexer at a time per store ([`IndexLock`]: a lock file next to a SQLite
//! database, an advisory lock on PostgreSQL, so several instances can share one catalog); a
//! second run is refused at once ([`IndexError::Busy`]) unless asked to wait. Any number of
//! readers, which open the store without writing to it and keep answering from the last
//! committed state during a run. A store that cannot be written (a read-only filesystem) is
//! opened read-only and answers queries.

mod ask;
pub mod filestat;
pub mod indexer;
pub mod migrate;
pub mod migration;
pub mod query;
pub mod remote;
pub mod remote_git;
pub mod search;
pub mod settings;
pub mod source;
pub mod store;
mod walk;

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

pub use indexer::{IndexReport, Phase, Progress, ProgressFn, RunOptions, SourceReport};
pub use search::SearchIndex;
pub use settings::{
    BackstageSource, IndexSettings, SearchLocation, SourceKind, SourceSection, SourceSettings, StoreSection,
    StoreSettings,
};
pub use store::{Backend, EntityOrigin, SourceRecord, Store};

/// How often queries check whether the store moved on (another process indexed).
const SYNC_INTERVAL: Duration = Duration::from_secs(1);
/// Search documents (by ref, or files by id) read from the store at a time when the search
/// index catches up.
const SEARCH_PAGE: usize = 4_000;

/// What went wrong, with the error that caused it as its [`source`](std::error::Error::source)
/// (the messages say what was being done; a caller showing the chain shows why).
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Settings(#[from] settings::SettingsError),
    #[error("configuration: no source named `{0}`")]
    UnknownSource(String),
    #[error("configuration: schema `{0}` in the store URL must be lowercase letters, digits and `_`")]
    InvalidSchema(String),
    #[error("configuration: unsupported store url `{0}`")]
    UnsupportedUrl(String),
    #[error("cannot open the store {store}")]
    Connect {
        /// The SQLite file or the PostgreSQL URL (without its password).
        store: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("store: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("store migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("search index: cannot {action}")]
    Search {
        action: &'static str,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error("cannot {action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no migration is called `{0}`")]
    UnknownMigration(String),
    #[error("another `backline index` is running on this store")]
    Busy,
    #[error("the store {store} is read-only: cannot {doing}")]
    ReadOnly {
        store: String,
        /// What needed to write.
        doing: &'static str,
    },
    #[error("{task} stopped unexpectedly")]
    Task {
        /// What the background task was doing.
        task: &'static str,
        #[source]
        source: tokio::task::JoinError,
    },
}

/// Held while indexing: only one run per store at a time.
pub struct IndexLock {
    inner: LockInner,
}

enum LockInner {
    File(#[allow(dead_code, reason = "held for its lock")] std::fs::File),
    Postgres(sqlx::PgConnection, i64),
}

impl std::fmt::Debug for IndexLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexLock")
    }
}

impl IndexLock {
    /// Releases the lock now (dropping it releases it too; on PostgreSQL by closing the session).
    pub async fn release(self) {
        if let LockInner::Postgres(mut conn, key) = self.inner {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)").bind(key).execute(&mut conn).await;
            let _ = sqlx::Connection::close(conn).await;
        }
    }
}

/// An open index: the store, the search index, and the settings they came from.
pub struct Index {
    store: Store,
    search: SearchIndex,
    settings: IndexSettings,
    store_id: String,
    /// When search was last checked against the store.
    last_sync: Mutex<Option<Instant>>,
    /// A query is bringing search up to date: the others answer meanwhile instead of queueing
    /// behind it (they would each read the generation and reload the reader again).
    syncing: AtomicBool,
    /// The store's generation as last read (at most [`SYNC_INTERVAL`] old while queries come).
    generation: AtomicI64,
    /// Stale sources as of a moment: every answer reports them, so they are read at most once
    /// per [`SYNC_INTERVAL`] (and right after this process indexed).
    stale: Mutex<Option<(Instant, StaleList)>>,
    /// `[[scorecard]]`s, for scorecard answers ([`Index::set_scorecards`]).
    scorecards: Vec<backline_catalog::scorecard::Scorecard>,
    /// The organisation's Backstage frontend, for entity page links ([`Index::set_frontend_url`]).
    frontend_url: Option<String>,
}

type StaleList = Vec<(String, String, Option<i64>)>;

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("store", &self.store).finish_non_exhaustive()
    }
}

impl Index {
    /// Opens (creating and migrating if needed) the store and the search index, and brings the
    /// search index up to date with the store.
    ///
    /// A read-only store (see [`Store::open`]) is searched through its search directory when
    /// that opens and is current, else through a search index built in memory from the store.
    pub async fn open(settings: IndexSettings) -> Result<Index, IndexError> {
        let store = Store::open(&settings.store).await?;
        let search = match SearchIndex::open(&settings.store.search) {
            Ok(search) => search,
            Err(_) if store.is_read_only() => SearchIndex::open(&SearchLocation::Memory)?,
            Err(e) => return Err(e),
        };
        let store_id = store.store_id().await?;
        let mut index = Index {
            store,
            search,
            settings,
            store_id,
            last_sync: Mutex::new(None),
            syncing: AtomicBool::new(false),
            generation: AtomicI64::new(-1),
            stale: Mutex::new(None),
            scorecards: Vec::new(),
            frontend_url: None,
        };
        if index.store.is_read_only() && !index.search_is_current().await? {
            // It could never be caught up: its directory cannot be written either.
            index.search = SearchIndex::open(&SearchLocation::Memory)?;
        }
        match index.sync_search().await {
            Ok(()) => {}
            Err(_) if index.store.is_read_only() => {
                index.search = SearchIndex::open(&SearchLocation::Memory)?;
                index.sync_search().await?;
            }
            Err(e) => return Err(e),
        }
        Ok(index)
    }

    /// Whether the search index reflects the store's latest generation.
    async fn search_is_current(&self) -> Result<bool, IndexError> {
        let generation = self.store.generation().await?;
        if self.search.reload().is_err() {
            return Ok(false);
        }
        let (search_store, search_generation) = self.search.state();
        Ok(search_store.as_deref() == Some(self.store_id.as_str()) && search_generation == generation)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn search_index(&self) -> &SearchIndex {
        &self.search
    }

    pub fn settings(&self) -> &IndexSettings {
        &self.settings
    }

    /// `[[migration]]`s: recorded by every run, answered by `migration` questions.
    pub fn migrations(&self) -> &[migration::Migration] {
        &self.settings.migrations
    }

    /// Closes the store's connections.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Takes the indexing lock. With `wait`, waits for a running indexer to finish; without,
    /// returns `None` when another one holds it.
    pub async fn lock(&self, wait: bool) -> Result<Option<IndexLock>, IndexError> {
        if self.store.is_read_only() {
            return Err(IndexError::ReadOnly { store: self.store.describe(), doing: "index it" });
        }
        match &self.store.pool {
            store::Pool::Sqlite(_) => {
                let db = self.store.sqlite_path().map(PathBuf::from).unwrap_or_default();
                let mut name = db.file_name().unwrap_or_default().to_os_string();
                name.push(".lock");
                let path = db.with_file_name(name);
                let file =
                    std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(
                        |source| IndexError::Io { action: "open the lock file", path: path.clone(), source },
                    )?;
                if wait {
                    let file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
                        .await
                        .map_err(|source| IndexError::Task { task: "waiting for the index lock", source })?
                        .map_err(|source| IndexError::Io { action: "lock", path, source })?;
                    Ok(Some(IndexLock { inner: LockInner::File(file) }))
                } else {
                    match file.try_lock() {
                        Ok(()) => Ok(Some(IndexLock { inner: LockInner::File(file) })),
                        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
                        Err(std::fs::TryLockError::Error(source)) => {
                            Err(IndexError::Io { action: "lock", path, source })
                        }
                    }
                }
            }
            store::Pool::Postgres(pool) => {
                let key = store::advisory_key("index", self.store.schema().unwrap_or("public"));
                let mut conn = pool.acquire().await?.detach();
                let locked: bool = if wait {
                    sqlx::query("SELECT pg_advisory_lock($1)").bind(key).execute(&mut conn).await?;
                    true
                } else {
                    sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(key).fetch_one(&mut conn).await?
                };
                if locked {
                    Ok(Some(IndexLock { inner: LockInner::Postgres(conn, key) }))
                } else {
                    let _ = sqlx::Connection::close(conn).await;
                    Ok(None)
                }
            }
        }
    }

    /// Brings the search index up to date with the store now: applies the refs changed since
    /// the generation it reflects, or rebuilds it (another store, or too far behind).
    pub async fn sync_search(&self) -> Result<(), IndexError> {
        let generation = self.store.generation().await?;
        self.generation.store(generation, Ordering::Release);
        self.search.reload()?;
        let (search_store, search_generation) = self.search.state();
        if let Ok(mut t) = self.last_sync.lock() {
            *t = Some(Instant::now());
        }
        let same_store = search_store.as_deref() == Some(self.store_id.as_str());
        if same_store && search_generation == generation {
            return Ok(());
        }
        let oldest = self.store.oldest_change().await?;
        let can_catch_up = same_store
            && search_generation >= 0
            && search_generation < generation
            && oldest > 0
            && oldest <= search_generation + 1;
        // Rows are read and added a page at a time: holding 100,000 of them cost ~200 MB.
        // Past about a quarter of the catalog (file ids stand in for its size: a primary-key
        // lookup, where counting entities is a scan), a rebuild is cheaper than deleting and
        // re-adding every changed ref.
        let refs = if can_catch_up { self.store.changed_since(search_generation).await? } else { Vec::new() };
        let max_file_id = self.store.max_file_id().await?;
        if can_catch_up && refs.len() as i64 <= max_file_id / 4 + 1_000 {
            let Some(mut batch) = self.search.begin(false, &refs, refs.len()).await? else { return Ok(()) };
            for page in refs.chunks(SEARCH_PAGE) {
                batch.add(self.store.search_rows(page).await?)?;
            }
            batch.commit(&self.store_id, generation)?;
        } else {
            let Some(mut batch) = self.search.begin(true, &[], usize::MAX).await? else { return Ok(()) };
            let mut start = 0;
            while start <= max_file_id {
                let end = start + SEARCH_PAGE as i64;
                batch.add(self.store.search_rows_in_files(start..end).await?)?;
                start = end;
            }
            batch.commit(&self.store_id, generation)?;
        }
        Ok(())
    }

    /// `(name, error, last success)` of stale sources, at most [`SYNC_INTERVAL`] old.
    pub(crate) async fn stale_sources_cached(&self) -> Result<StaleList, IndexError> {
        if let Ok(guard) = self.stale.lock()
            && let Some((at, list)) = guard.as_ref()
            && at.elapsed() < SYNC_INTERVAL
        {
            return Ok(list.clone());
        }
        let list = self.store.stale_sources().await?;
        if let Ok(mut guard) = self.stale.lock() {
            *guard = Some((Instant::now(), list.clone()));
        }
        Ok(list)
    }

    /// Forgets cached state after this process changed the store.
    pub(crate) fn invalidate(&self) {
        if let Ok(mut guard) = self.stale.lock() {
            *guard = None;
        }
    }

    /// [`Self::sync_search`] at most once per second: what queries call. One query at a time
    /// does it; the others go on with the state as it is (at most a second behind, as between
    /// two syncs anyway).
    pub(crate) async fn maybe_sync_search(&self) -> Result<(), IndexError> {
        let due = self.last_sync.lock().map(|t| t.is_none_or(|t| t.elapsed() >= SYNC_INTERVAL)).unwrap_or(true);
        if !due || self.syncing.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        /// Clears the flag however the sync ends (a dropped request included).
        struct Syncing<'a>(&'a AtomicBool);
        impl Drop for Syncing<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        let _syncing = Syncing(&self.syncing);
        self.sync_search().await
    }

    /// What every answer is made from, as one number: the store's generation and the sources
    /// that are stale (a failed run marks its source stale without a new generation). Read at
    /// most once per [`SYNC_INTERVAL`], so it is cheap to ask before every answer; answers made
    /// at one version are the same until it moves (the bots cache them on it).
    pub async fn answer_version(&self) -> Result<u64, IndexError> {
        use std::hash::{Hash, Hasher};
        self.maybe_sync_search().await?;
        let mut generation = self.generation.load(Ordering::Acquire);
        if generation < 0 {
            generation = self.store.generation().await?;
        }
        let stale = self.stale_sources_cached().await?;
        if stale.is_empty() {
            return Ok(generation as u64);
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        generation.hash(&mut h);
        stale.hash(&mut h);
        // Kept apart from plain generations, which are small.
        Ok(h.finish() | (1 << 63))
    }

    /// Indexes every configured source (see [`indexer::run`]).
    pub async fn index(&self, options: &RunOptions) -> Result<IndexReport, IndexError> {
        indexer::run(self, &self.settings.sources, options).await
    }

    /// Indexes the given sources only (others in the store are left alone unless
    /// `options.prune` is set).
    pub async fn index_sources(
        &self,
        sources: &[SourceSettings],
        options: &RunOptions,
    ) -> Result<IndexReport, IndexError> {
        indexer::run(self, sources, options).await
    }

    /// Updates known changed, added or deleted files of one configured source without walking
    /// it (see [`indexer::update`]): the fast path for file watchers.
    pub async fn update_files(
        &self,
        source: &str,
        paths: &[PathBuf],
        options: &RunOptions,
    ) -> Result<IndexReport, IndexError> {
        indexer::update(self, source, paths, options).await
    }

    /// Sources as the store knows them, with their status.
    pub async fn sources(&self) -> Result<Vec<SourceRecord>, IndexError> {
        self.store.sources().await
    }

    /// Configured sources that were never indexed into this store.
    pub async fn unindexed_sources(&self) -> Result<Vec<String>, IndexError> {
        let known = self.store.sources().await?;
        Ok(self
            .settings
            .sources
            .iter()
            .filter(|s| !known.iter().any(|k| k.name == s.name && k.last_attempt.is_some()))
            .map(|s| s.name.clone())
            .collect())
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// RFC 3339 (UTC) for Unix seconds.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}

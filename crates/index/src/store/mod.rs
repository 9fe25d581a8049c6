//! The SQL store: SQLite (embedded, the default) or PostgreSQL (shared by several instances).
//!
//! One implementation serves both backends: the SQL is written in the subset both accept (`$N`
//! placeholders, `ON CONFLICT`, `BIGINT`-compatible integers) and each method is expanded once
//! per backend by the `on_pool!`/`on_tx!` macros, so a query is never written twice unless the
//! dialects really differ (JSON list parameters: `json_each` vs `jsonb_array_elements_text`).
//! sqlx's proc-macros are deliberately not used (they would compile a second bundled SQLite and
//! need a database or a `.sqlx` cache at build time), so rows are mapped by hand, by column name
//! ([`rows`]).
//!
//! The parts:
//! - this file: the pool, opening (connect, migrate) and the store's own metadata;
//! - [`rows`]: the records read back and how a row maps onto each;
//! - `read`: the reads that answers are built from; `health`: the catalog-wide reads of the
//!   health answer; `sync`: what the search index catches up from; `filter`: `find`'s typed
//!   filters and the SQL they become; `history`: migrations' counts, recorded history and nudges;
//! - `write`: the run's [`Writer`] transaction; `batch`: the rows it queues and writes in bulk.
//!
//! Writes happen in one [`Writer`] transaction per index run. SQLite runs in WAL mode so readers
//! keep answering from the last committed state while a run writes; a killed run leaves no trace
//! (SQLite rolls back the uncommitted WAL frames, PostgreSQL aborts the session's transaction).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

use super::IndexError;
use super::settings::StoreSettings;

/// Runs `$body` with `$c` bound to the backend's pool and `$pg` to whether it is PostgreSQL.
macro_rules! on_pool {
    ($pool:expr, $c:ident, $pg:ident => $body:expr) => {
        match $pool {
            Pool::Sqlite(p) => {
                let $c = p;
                #[allow(unused_variables)]
                let $pg = false;
                $body
            }
            Pool::Postgres(p) => {
                let $c = p;
                #[allow(unused_variables)]
                let $pg = true;
                $body
            }
        }
    };
}

/// The same for a transaction: `$c` is `&mut <Backend>Connection`.
macro_rules! on_tx {
    ($tx:expr, $c:ident, $pg:ident => $body:expr) => {
        match $tx {
            Tx::Sqlite(t) => {
                let $c = &mut **t;
                #[allow(unused_variables)]
                let $pg = false;
                $body
            }
            Tx::Postgres(t) => {
                let $c = &mut **t;
                #[allow(unused_variables)]
                let $pg = true;
                $body
            }
        }
    };
}

/// A JSON-array parameter used as a list: `IN (SELECT ... FROM <list>)`.
macro_rules! list {
    (sqlite) => {
        "IN (SELECT value FROM json_each($1))"
    };
    // `IN (SELECT jsonb_array_elements_text(..))` makes PostgreSQL hash-join over a sequential
    // scan; `= ANY(ARRAY(..))` evaluates the list once and uses the index.
    (pg) => {
        "= ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))"
    };
}

// First: its column-list macros are used by the reads below.
#[macro_use]
pub(crate) mod rows;
mod batch;
mod filter;
mod health;
mod history;
mod read;
mod remote;
mod scorecard;
mod sync;
mod write;

pub(crate) use batch::{EncodedEntity, EntityRow, FindingRow};
pub(crate) use filter::{EntityFilter, MetadataScope};
pub(crate) use history::OwnerCounts;
pub use read::EntityOrigin;
pub use rows::SourceRecord;
pub(crate) use rows::{EntityRecord, FindingRecord, PriorFile, SearchRow, StoredFinding, StoredLink};
pub(crate) use write::Writer;

/// SQLite page cache per pooled connection (KiB, negative as SQLite wants it); the writer takes
/// a bigger one for its run (see `write`).
const READER_CACHE_KIB: &str = "-8192";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open store: a connection pool and what it is.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    backend: Backend,
    sqlite_path: Option<PathBuf>,
    schema: Option<String>,
    read_only: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("sqlite_path", &self.sqlite_path)
            .field("read_only", &self.read_only)
            .finish()
    }
}

/// Splits `?schema=name` (Backline's own parameter) off a PostgreSQL URL.
fn split_schema(url: &str) -> Result<(String, Option<String>), IndexError> {
    let Some((base, query)) = url.split_once('?') else { return Ok((url.to_owned(), None)) };
    let mut schema = None;
    let mut rest = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("schema", v)) => schema = Some(v.to_owned()),
            _ => rest.push(pair),
        }
    }
    if let Some(s) = &schema
        && (s.is_empty() || !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
    {
        return Err(IndexError::InvalidSchema(s.clone()));
    }
    let base = if rest.is_empty() { base.to_owned() } else { format!("{base}?{}", rest.join("&")) };
    Ok((base, schema))
}

impl Store {
    /// Connects (creating the SQLite file and its directory if needed) and applies migrations.
    ///
    /// Opening never waits for a running index: a store whose schema is current is only read
    /// here (SQLite: a run holds the write lock for its whole transaction, and WAL readers must
    /// not queue behind it). A SQLite store that cannot be written (a read-only filesystem or
    /// file) is opened read-only and answers queries; it cannot be indexed. On PostgreSQL, the
    /// schema is created and migrated under an advisory lock, so replicas starting together
    /// take turns instead of colliding.
    pub async fn open(settings: &StoreSettings) -> Result<Store, IndexError> {
        let store = if let Some(path) = settings.sqlite_path() {
            let (pool, read_only) = open_sqlite(&path).await?;
            let store = Store {
                pool: Pool::Sqlite(pool),
                backend: Backend::Sqlite,
                sqlite_path: Some(path),
                schema: None,
                read_only,
            };
            store.prepare().await?;
            store
        } else if settings.is_postgres() {
            let (url, schema) = split_schema(&settings.url)?;
            let connect_err = |source: sqlx::Error| IndexError::Connect { store: redact(&settings.url), source };
            let mut options = PgConnectOptions::from_str(&url).map_err(connect_err)?;
            // Held from before the schema exists until it is migrated: `CREATE SCHEMA IF NOT
            // EXISTS` run by two sessions at once fails in one of them (a duplicate key in
            // `pg_namespace`), and so can the first migration.
            let mut lock_conn = sqlx::PgConnection::connect_with(&options).await.map_err(connect_err)?;
            let key = advisory_key("open", schema.as_deref().unwrap_or("public"));
            sqlx::query("SELECT pg_advisory_lock($1)").bind(key).execute(&mut lock_conn).await?;
            if let Some(schema) = &schema {
                sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {schema}")))
                    .execute(&mut lock_conn)
                    .await?;
                options = options.options([("search_path", schema.as_str())]);
            }
            let options = options.disable_statement_logging();
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(connect_err)?;
            let store = Store {
                pool: Pool::Postgres(pool),
                backend: Backend::Postgres,
                sqlite_path: None,
                schema,
                read_only: false,
            };
            store.prepare().await?;
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(key).execute(&mut lock_conn).await?;
            lock_conn.close().await?;
            store
        } else {
            return Err(IndexError::UnsupportedUrl(redact(&settings.url)));
        };
        Ok(store)
    }

    /// Brings the schema and the store's metadata up to date, writing only when they are not.
    async fn prepare(&self) -> Result<(), IndexError> {
        super::migrate::run(self).await?;
        self.init_meta().await
    }

    /// Whether this store was opened read-only (it answers queries but cannot be indexed).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn sqlite_path(&self) -> Option<&Path> {
        self.sqlite_path.as_deref()
    }

    pub(crate) fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The store as messages name it: the SQLite file, or the PostgreSQL schema.
    pub(crate) fn describe(&self) -> String {
        match (&self.sqlite_path, &self.schema) {
            (Some(path), _) => path.display().to_string(),
            (None, Some(schema)) => format!("schema {schema}"),
            (None, None) => "schema public".to_owned(),
        }
    }

    pub async fn close(&self) {
        on_pool!(&self.pool, c, _pg => c.close().await);
    }

    /// Creates the store's id and generation when they are missing (a new store).
    async fn init_meta(&self) -> Result<(), IndexError> {
        let present: i64 = on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar("SELECT COUNT(*) FROM meta WHERE key IN ('store_id', 'generation')").fetch_one(c).await?
        });
        if present == 2 {
            return Ok(());
        }
        if self.read_only {
            return Err(IndexError::ReadOnly { store: self.describe(), doing: "create its metadata" });
        }
        let id = random_id();
        on_pool!(&self.pool, c, _pg => {
            sqlx::query("INSERT INTO meta (key, value) VALUES ('store_id', $1) ON CONFLICT (key) DO NOTHING")
                .bind(id)
                .execute(c)
                .await?;
            sqlx::query("INSERT INTO meta (key, value) VALUES ('generation', '0') ON CONFLICT (key) DO NOTHING")
                .execute(c)
                .await?;
        });
        Ok(())
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(c).await?
        }))
    }

    /// A random id fixed when the store was created: a search index built from another store is
    /// recognised and rebuilt.
    pub async fn store_id(&self) -> Result<String, IndexError> {
        Ok(self.meta("store_id").await?.unwrap_or_default())
    }

    /// The number of committed index runs that changed something.
    pub async fn generation(&self) -> Result<i64, IndexError> {
        Ok(self.meta("generation").await?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Refreshes the planner's statistics after a run changed many rows. PostgreSQL needs them
    /// (without, it seq-scans entities for the recursive lookups: measured 20 ms instead of
    /// 0.2 ms at 20,000 entities) and autovacuum may not have run yet; SQLite's `optimize` runs
    /// ANALYZE only where it would help.
    pub(crate) async fn analyze(&self) -> Result<(), IndexError> {
        match &self.pool {
            Pool::Postgres(p) => {
                for t in ["sources", "files", "entities", "relations", "tags", "metadata_values", "findings", "changes"]
                {
                    sqlx::query(AssertSqlSafe(format!("ANALYZE {t}"))).execute(p).await?;
                }
            }
            Pool::Sqlite(p) => {
                sqlx::query("PRAGMA optimize").execute(p).await?;
            }
        }
        Ok(())
    }
}

/// Opens a SQLite store for reading and writing, or, when its file cannot be written, for
/// reading only. Returns the pool and whether it is read-only.
async fn open_sqlite(path: &Path) -> Result<(SqlitePool, bool), IndexError> {
    let connect = |options: SqliteConnectOptions| async move {
        SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .connect_with(
                options
                    .filename(path)
                    .busy_timeout(Duration::from_secs(30))
                    .foreign_keys(true)
                    .pragma("cache_size", READER_CACHE_KIB)
                    .pragma("temp_store", "memory")
                    // Our own reports time the runs; sqlx's per-statement logs would flood stderr.
                    .disable_statement_logging(),
            )
            .await
    };
    let connect_err = |source: sqlx::Error| IndexError::Connect { store: path.display().to_string(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
            action: "create",
            path: dir.to_owned(),
            source,
        })?;
    }
    let writable = SqliteConnectOptions::new()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    // Only an existing store that this process cannot write is opened read-only: any other
    // failure is reported as it is. SQLite itself may open such a file "read-write" and fail only
    // at the first write, so the file is asked directly.
    let cannot_write = || path.is_file() && std::fs::OpenOptions::new().append(true).open(path).is_err();
    match connect(writable).await {
        Ok(pool) if !cannot_write() => return Ok((pool, false)),
        Ok(pool) => pool.close().await,
        Err(error) if !cannot_write() => return Err(connect_err(error)),
        Err(_) => {}
    }
    // Read-only, sharing the WAL index of processes that write it (its `-shm` file must exist);
    // else immutable: nothing can change a store on a read-only filesystem, and SQLite then
    // needs no `-wal` or `-shm` file at all.
    let read_only = SqliteConnectOptions::new().read_only(true);
    if let Ok(pool) = connect(read_only.clone()).await
        && sqlx::query("SELECT COUNT(*) FROM sqlite_master").execute(&pool).await.is_ok()
    {
        return Ok((pool, true));
    }
    connect(read_only.immutable(true)).await.map(|pool| (pool, true)).map_err(connect_err)
}

/// A stable PostgreSQL advisory-lock key for `purpose` on `schema` (`"index"`: one indexer at a
/// time; `"open"`: one process creating or migrating the schema at a time).
pub(crate) fn advisory_key(purpose: &str, schema: &str) -> i64 {
    // FNV-1a: stable across processes and versions, unlike `DefaultHasher`.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"backline-".iter().chain(purpose.as_bytes()).chain(b":").chain(schema.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// The store URL as it may be shown: never a password.
fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

fn random_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_split_off_and_checked() {
        let (url, schema) = split_schema("postgres://u@h/db?schema=s1&sslmode=disable").expect("valid");
        assert_eq!(url, "postgres://u@h/db?sslmode=disable");
        assert_eq!(schema.as_deref(), Some("s1"));
        assert!(matches!(split_schema("postgres://h/db?schema=Bad-Name"), Err(IndexError::InvalidSchema(_))));
    }

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://***@h:5432/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }
}

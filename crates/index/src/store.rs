//! The SQL store: SQLite (embedded, the default) or PostgreSQL (shared by several instances).
//!
//! One implementation serves both backends: the SQL is written in the subset both accept (`$N`
//! placeholders, `ON CONFLICT`, `BIGINT`-compatible integers) and each method is expanded once
//! per backend by the `on_pool!`/`on_tx!` macros, so a query is never written twice unless the
//! dialects really differ (JSON list parameters: `json_each` vs `jsonb_array_elements_text`).
//! Rows are mapped by hand (`try_get` by position): sqlx's proc-macros are deliberately not used
//! (see rust-crates.md §4: they would compile a second bundled SQLite and need a database or a
//! `.sqlx` cache at build time).
//!
//! Writes happen in one [`Writer`] transaction per index run. SQLite runs in WAL mode so readers
//! keep answering from the last committed state while a run writes; a killed run leaves no trace
//! (SQLite rolls back the uncommitted WAL frames, PostgreSQL aborts the session's transaction).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Row};

use super::IndexError;
use super::settings::StoreSettings;

/// Rows per multi-row INSERT: large enough to amortise statement overhead, small enough to stay
/// under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters for the widest table.
const MAX_PARAMS: usize = 30_000;
const MAX_ROWS_PER_INSERT: usize = 1_000;
/// Generations of the `changes` log kept for search indexes catching up; one further behind
/// rebuilds its search index from the store.
const CHANGES_KEPT: i64 = 200;
/// SQLite page cache per pooled connection (KiB, negative as SQLite wants it), and the
/// writer's during a run: the pool has several connections, each with its own cache, so the
/// big one is only taken by the connection that writes.
const READER_CACHE_KIB: &str = "-8192";
const WRITER_CACHE: &str = "PRAGMA cache_size = -65536";
const WRITER_CACHE_RESET: &str = "PRAGMA cache_size = -8192";
/// A run that touched more refs than this is a bulk run: see [`Writer::commit`].
const BULK_REFS: usize = 20_000;
/// Entity rows carried over from a file's last good version get document indexes from here on.
pub(crate) const CARRIED_DOC_INDEX: i64 = 1_000_000;

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

/// The columns of [`EntityRecord`], in order, and the joins they need.
/// The columns [`entity_record!`] reads, in its order.
macro_rules! entity_columns {
    () => {
        "e.ref, e.kind, e.namespace, e.name, e.title, e.description, e.spec_type, e.lifecycle, \
         e.owner_ref, e.system_ref, e.domain_ref, e.display_name, e.email, e.tags, e.labels, e.annotations, \
         e.links, e.valid, e.line, e.col, e.error_count, e.warning_count, e.first_error, f.path, s.name, \
         s.last_error, e.file_id, e.doc_index, e.stage "
    };
}

macro_rules! entity_from {
    () => {
        "FROM entities e JOIN files f ON f.id = e.file_id JOIN sources s ON s.id = f.source_id "
    };
}

macro_rules! search_select {
    () => {
        "SELECT e.ref, e.kind, e.name, e.title, e.description, e.spec_type, e.lifecycle, e.owner_ref, \
         e.system_ref, e.display_name, e.tags FROM entities e "
    };
}

/// A row of [`search_select!`].
fn search_row<R: Row>(r: &R) -> Result<SearchRow, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(SearchRow {
        entity_ref: r.try_get(0)?,
        kind: r.try_get(1)?,
        name: r.try_get(2)?,
        title: r.try_get(3)?,
        description: r.try_get(4)?,
        spec_type: r.try_get(5)?,
        lifecycle: r.try_get(6)?,
        owner_ref: r.try_get(7)?,
        system_ref: r.try_get(8)?,
        display_name: r.try_get(9)?,
        tags: json_or_default(&r.try_get::<String, _>(10)?),
    })
}

macro_rules! entity_select {
    () => {
        concat!("SELECT ", entity_columns!(), entity_from!())
    };
}

macro_rules! entity_record {
    ($row:expr) => {{
        let r = $row;
        EntityRecord {
            entity_ref: r.try_get(0)?,
            kind: r.try_get(1)?,
            namespace: r.try_get(2)?,
            name: r.try_get(3)?,
            title: r.try_get(4)?,
            description: r.try_get(5)?,
            spec_type: r.try_get(6)?,
            lifecycle: r.try_get(7)?,
            owner_ref: r.try_get(8)?,
            system_ref: r.try_get(9)?,
            domain_ref: r.try_get(10)?,
            display_name: r.try_get(11)?,
            email: r.try_get(12)?,
            tags: json_or_default(&r.try_get::<String, _>(13)?),
            labels: json_or_default(&r.try_get::<String, _>(14)?),
            annotations: json_or_default(&r.try_get::<String, _>(15)?),
            links: json_or_default(&r.try_get::<String, _>(16)?),
            valid: r.try_get(17)?,
            line: r.try_get(18)?,
            column: r.try_get(19)?,
            error_count: r.try_get(20)?,
            warning_count: r.try_get(21)?,
            first_error: r.try_get::<Option<String>, _>(22)?.and_then(|s| serde_json::from_str(&s).ok()),
            path: r.try_get(23)?,
            source: r.try_get(24)?,
            stale: r.try_get::<Option<String>, _>(25)?.is_some(),
            file_id: r.try_get(26)?,
            doc_index: r.try_get(27)?,
            stage: r.try_get(28)?,
        }
    }};
}

fn json_or_default<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}

/// A link as stored (the model's `Link` with owned, serde-able fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredLink {
    pub url: String,
    pub title: Option<String>,
    pub icon: Option<String>,
    #[serde(rename = "type")]
    pub link_type: Option<String>,
}

/// The first error of an entity, stored with it so summaries need no join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredFinding {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub line: u32,
    pub column: u32,
}

/// An entity as read back from the store (everything but the document).
#[derive(Debug, Clone)]
pub(crate) struct EntityRecord {
    pub entity_ref: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner_ref: Option<String>,
    #[allow(dead_code, reason = "read for completeness; find filters on it in SQL")]
    pub system_ref: Option<String>,
    #[allow(dead_code, reason = "read for completeness; find filters on it in SQL")]
    pub domain_ref: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub tags: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub links: Vec<StoredLink>,
    pub valid: bool,
    pub line: i64,
    pub column: i64,
    pub error_count: i64,
    pub warning_count: i64,
    pub first_error: Option<StoredFinding>,
    pub path: String,
    pub source: String,
    pub stale: bool,
    pub file_id: i64,
    pub doc_index: i64,
    #[allow(dead_code, reason = "the Backstage stage that refuses the entity; kept for debugging output")]
    pub stage: Option<String>,
}

impl EntityRecord {
    pub(crate) fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FindingRecord {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub line: i64,
    pub column: i64,
    pub path: String,
    pub source: String,
    pub stale: bool,
    #[allow(dead_code, reason = "identifies the finding's file row")]
    pub file_id: i64,
    #[allow(dead_code, reason = "identifies the finding's document")]
    pub doc_index: Option<i64>,
}

macro_rules! finding_select {
    () => {
        "SELECT fi.code, fi.severity, fi.message, fi.line, fi.col, f.path, s.name, s.last_error, fi.file_id, fi.doc_index \
         FROM findings fi JOIN files f ON f.id = fi.file_id JOIN sources s ON s.id = f.source_id "
    };
}

macro_rules! finding_record {
    ($row:expr) => {{
        let r = $row;
        FindingRecord {
            code: r.try_get(0)?,
            severity: r.try_get(1)?,
            message: r.try_get(2)?,
            line: r.try_get(3)?,
            column: r.try_get(4)?,
            path: r.try_get(5)?,
            source: r.try_get(6)?,
            stale: r.try_get::<Option<String>, _>(7)?.is_some(),
            file_id: r.try_get(8)?,
            doc_index: r.try_get(9)?,
        }
    }};
}

/// A configured source as the store knows it.
#[derive(Debug, Clone)]
pub struct SourceRecord {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub location: String,
    pub revision: Option<String>,
    /// Unix seconds.
    pub last_attempt: Option<i64>,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
    pub file_count: i64,
    pub entity_count: i64,
}

/// A file of a previous run, for change detection.
#[derive(Debug, Clone)]
pub(crate) struct PriorFile {
    pub id: i64,
    pub hash: String,
    pub fingerprint: Option<String>,
    pub locations: Option<String>,
}

/// The search document of one entity, read from the store.
#[derive(Debug, Clone)]
pub(crate) struct SearchRow {
    pub entity_ref: String,
    pub kind: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner_ref: Option<String>,
    pub system_ref: Option<String>,
    pub display_name: Option<String>,
    pub tags: Vec<String>,
}

/// An open store: a connection pool and what it is.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    backend: Backend,
    sqlite_path: Option<PathBuf>,
    schema: Option<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).field("sqlite_path", &self.sqlite_path).finish()
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
        return Err(IndexError::Config(format!(
            "schema `{s}` in the store URL must be lowercase letters, digits and `_`"
        )));
    }
    let base = if rest.is_empty() { base.to_owned() } else { format!("{base}?{}", rest.join("&")) };
    Ok((base, schema))
}

impl Store {
    /// Connects (creating the SQLite file and its directory if needed) and applies migrations.
    pub async fn open(settings: &StoreSettings) -> Result<Store, IndexError> {
        let store = if let Some(path) = settings.sqlite_path() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| IndexError::Io(format!("cannot create {}: {e}", dir.display())))?;
            }
            let options = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                .pragma("cache_size", READER_CACHE_KIB)
                .pragma("temp_store", "memory")
                // Our own reports time the runs; sqlx's per-statement logs would flood stderr.
                .disable_statement_logging();
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .min_connections(1)
                .connect_with(options)
                .await
                .map_err(|e| IndexError::Connect(format!("{}: {e}", path.display())))?;
            Store { pool: Pool::Sqlite(pool), backend: Backend::Sqlite, sqlite_path: Some(path), schema: None }
        } else if settings.is_postgres() {
            let (url, schema) = split_schema(&settings.url)?;
            let mut options =
                PgConnectOptions::from_str(&url).map_err(|e| IndexError::Connect(redact(&settings.url, &e)))?;
            if let Some(schema) = &schema {
                // Create the schema once, on a connection of its own, before the pool sets
                // `search_path` to it.
                let mut conn = sqlx::PgConnection::connect_with(&options)
                    .await
                    .map_err(|e| IndexError::Connect(redact(&settings.url, &e)))?;
                sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {schema}"))).execute(&mut conn).await?;
                conn.close().await?;
                options = options.options([("search_path", schema.as_str())]);
            }
            let options = options.disable_statement_logging();
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|e| IndexError::Connect(redact(&settings.url, &e)))?;
            Store { pool: Pool::Postgres(pool), backend: Backend::Postgres, sqlite_path: None, schema }
        } else {
            return Err(IndexError::Config(format!("unsupported store url `{}`", settings.url)));
        };
        super::migrate::run(&store).await?;
        store.init_meta().await?;
        Ok(store)
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

    pub async fn close(&self) {
        on_pool!(&self.pool, c, _pg => c.close().await);
    }

    async fn init_meta(&self) -> Result<(), IndexError> {
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

    /// The oldest generation still in the change log (0 when empty).
    pub(crate) async fn oldest_change(&self) -> Result<i64, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar::<_, i64>("SELECT COALESCE(MIN(generation), 0) FROM changes").fetch_one(c).await?
        }))
    }

    /// Refs changed by runs after `generation`.
    pub(crate) async fn changed_since(&self, generation: i64) -> Result<Vec<String>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar::<_, String>("SELECT DISTINCT ref FROM changes WHERE generation > $1")
                .bind(generation)
                .fetch_all(c)
                .await?
        }))
    }

    pub async fn sources(&self) -> Result<Vec<SourceRecord>, IndexError> {
        const SQL: &str = "SELECT s.id, s.name, s.kind, s.location, s.revision, s.last_attempt, s.last_success, s.last_error, \
             (SELECT COUNT(*) FROM files f WHERE f.source_id = s.id), \
             (SELECT COUNT(*) FROM entities e JOIN files f ON f.id = e.file_id WHERE f.source_id = s.id AND e.active) \
             FROM sources s ORDER BY s.position, s.name";
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).fetch_all(c).await? {
                out.push(SourceRecord {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    location: r.try_get(3)?,
                    revision: r.try_get(4)?,
                    last_attempt: r.try_get(5)?,
                    last_success: r.try_get(6)?,
                    last_error: r.try_get(7)?,
                    file_count: r.try_get(8)?,
                    entity_count: r.try_get(9)?,
                });
            }
        });
        Ok(out)
    }

    /// `(name, error, last success)` of sources whose latest run failed: checked on every
    /// answer, so it must stay cheap (no counts).
    pub(crate) async fn stale_sources(&self) -> Result<Vec<(String, String, Option<i64>)>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, (String, String, Option<i64>)>(
                "SELECT name, last_error, last_success FROM sources WHERE last_error IS NOT NULL ORDER BY position, name",
            )
            .fetch_all(c)
            .await?
        }))
    }

    pub(crate) async fn counts(&self) -> Result<(i64, i64), IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            let entities: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entities WHERE active").fetch_one(c).await?;
            let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM files").fetch_one(c).await?;
            (entities, files)
        }))
    }

    pub(crate) async fn entity(&self, entity_ref: &str) -> Result<Option<EntityRecord>, IndexError> {
        const SQL: &str = concat!(entity_select!(), "WHERE e.ref = $1 AND e.active");
        Ok(on_pool!(&self.pool, c, _pg => {
            match sqlx::query(SQL).bind(entity_ref).fetch_optional(c).await? {
                Some(r) => Some(entity_record!(&r)),
                None => None,
            }
        }))
    }

    /// Active entities among `refs`, in no particular order.
    pub(crate) async fn entities(&self, refs: &[String]) -> Result<Vec<EntityRecord>, IndexError> {
        if refs.is_empty() {
            return Ok(Vec::new());
        }
        if refs.len() == 1 {
            return Ok(self.entity(&refs[0]).await?.into_iter().collect());
        }
        const SQLITE: &str = concat!(entity_select!(), "WHERE e.active AND e.ref ", list!(sqlite));
        const PG: &str = concat!(entity_select!(), "WHERE e.active AND e.ref ", list!(pg));
        let json = serde_json::to_string(refs).unwrap_or_default();
        let mut out = Vec::with_capacity(refs.len());
        on_pool!(&self.pool, c, pg => {
            for r in sqlx::query(if pg { PG } else { SQLITE }).bind(json).fetch_all(c).await? {
                out.push(entity_record!(&r));
            }
        });
        Ok(out)
    }

    /// Active entities with this lowercase name (any kind, any namespace).
    pub(crate) async fn entities_named(&self, name_lc: &str) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str = concat!(entity_select!(), "WHERE e.name_lc = $1 AND e.active ORDER BY e.ref");
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).bind(name_lc).fetch_all(c).await? {
                out.push(entity_record!(&r));
            }
        });
        Ok(out)
    }

    /// Active entities owned by any of `owners`.
    pub(crate) async fn owned_by(&self, owners: &[String]) -> Result<Vec<EntityRecord>, IndexError> {
        if owners.is_empty() {
            return Ok(Vec::new());
        }
        const SQLITE: &str = concat!(entity_select!(), "WHERE e.active AND e.owner_ref ", list!(sqlite));
        const PG: &str = concat!(entity_select!(), "WHERE e.active AND e.owner_ref ", list!(pg));
        let json = serde_json::to_string(owners).unwrap_or_default();
        let mut out = Vec::new();
        on_pool!(&self.pool, c, pg => {
            for r in sqlx::query(if pg { PG } else { SQLITE }).bind(json).fetch_all(c).await? {
                out.push(entity_record!(&r));
            }
        });
        Ok(out)
    }

    /// Active entities `entity_ref` points at with `relation` (members, children, groups of a
    /// user), sorted by ref: one query.
    pub(crate) async fn related(&self, entity_ref: &str, relation: &str) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str = concat!(
            entity_select!(),
            "WHERE e.active AND e.ref IN (SELECT target_ref FROM relations WHERE source_ref = $1 AND type = $2 AND active) \
             ORDER BY e.ref"
        );
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).bind(entity_ref).bind(relation).fetch_all(c).await? {
                out.push(entity_record!(&r));
            }
        });
        Ok(out)
    }

    /// Entities reached from `entity_ref` by following `relation` repeatedly (e.g. `childOf`:
    /// parent groups up to the root), nearest first: one recursive query, cycle-safe.
    pub(crate) async fn closure(&self, entity_ref: &str, relation: &str) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str = concat!(
            "WITH RECURSIVE walk(ref, depth) AS (SELECT CAST($1 AS TEXT), 0 UNION \
             SELECT r.target_ref, walk.depth + 1 FROM relations r JOIN walk ON r.source_ref = walk.ref \
             WHERE r.type = $2 AND r.active AND walk.depth < 32) ",
            entity_select!(),
            "JOIN (SELECT ref, MIN(depth) AS depth FROM walk WHERE depth > 0 GROUP BY ref) w ON w.ref = e.ref \
             WHERE e.active AND e.ref <> $1 ORDER BY w.depth, e.ref"
        );
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).bind(entity_ref).bind(relation).fetch_all(c).await? {
                out.push(entity_record!(&r));
            }
        });
        Ok(out)
    }

    /// An owner with what an ownership answer shows of it, in one query (the hot path of "who
    /// owns X"): the owner's record, its parent groups nearest first (`childOf`, transitively)
    /// and the entities it is related to by membership: a Group's members (`hasMember`) or a
    /// User's groups (`memberOf`), sorted by ref. `None` when the owner is not defined.
    pub(crate) async fn owner_bundle(&self, owner_ref: &str) -> Result<Option<OwnerBundle>, IndexError> {
        const SQL: &str = concat!(
            "WITH RECURSIVE walk(ref, depth) AS (SELECT CAST($1 AS TEXT), 0 UNION \
             SELECT r.target_ref, walk.depth + 1 FROM relations r JOIN walk ON r.source_ref = walk.ref \
             WHERE r.type = 'childOf' AND r.active AND walk.depth < 32), \
             picked(ref, role, ord) AS ( \
             SELECT CAST($1 AS TEXT), CAST(0 AS BIGINT), CAST(0 AS BIGINT) \
             UNION ALL SELECT ref, CAST(1 AS BIGINT), CAST(MIN(depth) AS BIGINT) FROM walk WHERE depth > 0 AND ref <> $1 GROUP BY ref \
             UNION ALL SELECT DISTINCT target_ref, CAST(2 AS BIGINT), CAST(0 AS BIGINT) FROM relations \
             WHERE source_ref = $1 AND type IN ('hasMember', 'memberOf') AND active) \
             SELECT ",
            entity_columns!(),
            ", p.role ",
            entity_from!(),
            "JOIN picked p ON p.ref = e.ref WHERE e.active ORDER BY p.role, p.ord, e.ref"
        );
        let mut bundle: Option<OwnerBundle> = None;
        let (mut parents, mut related) = (Vec::new(), Vec::new());
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).bind(owner_ref).fetch_all(c).await? {
                let role: i64 = r.try_get(29)?;
                let rec = entity_record!(&r);
                match role {
                    0 => bundle = Some(OwnerBundle { owner: rec, parents: Vec::new(), related: Vec::new() }),
                    1 => parents.push(rec),
                    _ => related.push(rec),
                }
            }
        });
        Ok(bundle.map(|b| OwnerBundle { parents, related, ..b }))
    }

    /// Refs reached from `entity_ref` by following `relation` repeatedly, defined or not.
    pub(crate) async fn closure_refs(&self, entity_ref: &str, relation: &str) -> Result<Vec<String>, IndexError> {
        const SQL: &str = "WITH RECURSIVE walk(ref, depth) AS (SELECT CAST($1 AS TEXT), 0 UNION \
             SELECT r.target_ref, walk.depth + 1 FROM relations r JOIN walk ON r.source_ref = walk.ref \
             WHERE r.type = $2 AND r.active AND walk.depth < 32) \
             SELECT DISTINCT ref FROM walk WHERE ref <> $1 ORDER BY ref";
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar::<_, String>(SQL).bind(entity_ref).bind(relation).fetch_all(c).await?
        }))
    }

    /// Every edge `(source, target)` of `relation` within `depth` steps of `entity_ref`,
    /// including the edges leaving the last step (so callers can tell whether there is more):
    /// one recursive query, the shortest paths are computed by the caller.
    pub(crate) async fn edges_within(
        &self,
        entity_ref: &str,
        relation: &str,
        depth: i64,
    ) -> Result<Vec<(String, String)>, IndexError> {
        const SQL: &str = "WITH RECURSIVE walk(ref, depth) AS (SELECT CAST($1 AS TEXT), 0 UNION \
             SELECT r.target_ref, walk.depth + 1 FROM relations r JOIN walk ON r.source_ref = walk.ref \
             WHERE r.type = $2 AND r.active AND walk.depth < $3) \
             SELECT DISTINCT r.source_ref, r.target_ref FROM relations r \
             WHERE r.type = $2 AND r.active AND r.source_ref IN (SELECT ref FROM walk) \
             ORDER BY r.source_ref, r.target_ref";
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, (String, String)>(SQL).bind(entity_ref).bind(relation).bind(depth).fetch_all(c).await?
        }))
    }

    /// Every active relation emitted about `entity_ref` (as source), sorted by type then target.
    pub(crate) async fn relations_of(&self, entity_ref: &str) -> Result<Vec<(String, String)>, IndexError> {
        const SQL: &str = "SELECT DISTINCT type, target_ref FROM relations WHERE source_ref = $1 AND active \
             ORDER BY type, target_ref";
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, (String, String)>(SQL).bind(entity_ref).fetch_all(c).await?
        }))
    }

    /// Findings of an entity's document plus the file-level findings of its file.
    pub(crate) async fn findings_of(&self, file_id: i64, doc_index: i64) -> Result<Vec<FindingRecord>, IndexError> {
        const SQL: &str = concat!(
            finding_select!(),
            "WHERE fi.file_id = $1 AND (fi.doc_index = $2 OR fi.doc_index IS NULL) ORDER BY fi.line, fi.col, fi.code"
        );
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).bind(file_id).bind(doc_index).fetch_all(c).await? {
                out.push(finding_record!(&r));
            }
        });
        Ok(out)
    }

    /// Error and warning findings not attached to an entity document.
    pub(crate) async fn file_findings(&self) -> Result<Vec<FindingRecord>, IndexError> {
        const SQL: &str = concat!(
            finding_select!(),
            "WHERE fi.severity <> 'hint' AND (fi.doc_index IS NULL OR NOT EXISTS \
             (SELECT 1 FROM entities e WHERE e.file_id = fi.file_id AND e.doc_index = fi.doc_index)) \
             ORDER BY s.name, f.path, fi.line, fi.col"
        );
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).fetch_all(c).await? {
                out.push(finding_record!(&r));
            }
        });
        Ok(out)
    }

    /// Error and warning findings attached to active entities: `(entity ref, finding)`.
    pub(crate) async fn entity_findings(&self) -> Result<Vec<(String, FindingRecord)>, IndexError> {
        const SQL: &str = "SELECT e.ref, fi.code, fi.severity, fi.message, fi.line, fi.col, f.path, s.name, s.last_error, \
             fi.file_id, fi.doc_index \
             FROM findings fi JOIN entities e ON e.file_id = fi.file_id AND e.doc_index = fi.doc_index \
             JOIN files f ON f.id = fi.file_id JOIN sources s ON s.id = f.source_id \
             WHERE e.active AND fi.severity <> 'hint' ORDER BY e.ref, fi.line, fi.col, fi.code";
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).fetch_all(c).await? {
                let entity_ref: String = r.try_get(0)?;
                out.push((
                    entity_ref,
                    FindingRecord {
                        code: r.try_get(1)?,
                        severity: r.try_get(2)?,
                        message: r.try_get(3)?,
                        line: r.try_get(4)?,
                        column: r.try_get(5)?,
                        path: r.try_get(6)?,
                        source: r.try_get(7)?,
                        stale: r.try_get::<Option<String>, _>(8)?.is_some(),
                        file_id: r.try_get(9)?,
                        doc_index: r.try_get(10)?,
                    },
                ));
            }
        });
        Ok(out)
    }

    /// Active entities with an error on the entity itself (invalid, or carried over), for
    /// health: those without findings rows of their own are found here.
    pub(crate) async fn invalid_entities(&self) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str = concat!(entity_select!(), "WHERE e.active AND NOT e.valid ORDER BY e.ref");
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).fetch_all(c).await? {
                out.push(entity_record!(&r));
            }
        });
        Ok(out)
    }

    /// The document of an entity, as JSON text.
    pub(crate) async fn document(&self, file_id: i64, doc_index: i64) -> Result<Option<String>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar::<_, String>("SELECT document FROM entities WHERE file_id = $1 AND doc_index = $2")
                .bind(file_id)
                .bind(doc_index)
                .fetch_optional(c)
                .await?
        }))
    }

    /// Entities with an owner that is defined nowhere.
    pub(crate) async fn missing_owners(&self) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str = concat!(
            entity_select!(),
            "WHERE e.active AND e.owner_ref IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM entities o WHERE o.ref = e.owner_ref AND o.active) ORDER BY e.ref"
        );
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).fetch_all(c).await? {
                out.push(entity_record!(&r));
            }
        });
        Ok(out)
    }

    /// Distinct owners of active entities.
    pub(crate) async fn owner_refs(&self) -> Result<Vec<String>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar::<_, String>(
                "SELECT DISTINCT owner_ref FROM entities WHERE active AND owner_ref IS NOT NULL ORDER BY owner_ref",
            )
            .fetch_all(c)
            .await?
        }))
    }

    /// Every active relation of one type, `(source, target)`.
    pub(crate) async fn relations_of_type(&self, relation: &str) -> Result<Vec<(String, String)>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, (String, String)>(
                "SELECT DISTINCT source_ref, target_ref FROM relations WHERE type = $1 AND active",
            )
            .bind(relation)
            .fetch_all(c)
            .await?
        }))
    }

    /// `(deprecated entity, production dependent)` pairs.
    pub(crate) async fn deprecated_in_use(&self) -> Result<Vec<(String, String)>, IndexError> {
        const SQL: &str = "SELECT DISTINCT d.ref, p.ref FROM entities d \
             JOIN relations r ON r.source_ref = d.ref AND r.type = 'dependencyOf' AND r.active \
             JOIN entities p ON p.ref = r.target_ref AND p.active \
             WHERE d.active AND d.lifecycle_lc = 'deprecated' AND p.lifecycle_lc = 'production' \
             ORDER BY d.ref, p.ref";
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, (String, String)>(SQL).fetch_all(c).await?
        }))
    }

    /// `(ref, lowercase name)` of every active entity: the fallback for "closest names".
    pub(crate) async fn all_names(&self) -> Result<Vec<(String, String)>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, (String, String)>("SELECT ref, name_lc FROM entities WHERE active").fetch_all(c).await?
        }))
    }

    /// Runs a `find` query built by the query module: `where_sql` uses `$1..$n` bound in order
    /// from `params`; SQL text never contains user input.
    pub(crate) async fn find(
        &self,
        where_sql: &str,
        params: &[String],
        limit: i64,
    ) -> Result<Vec<EntityRecord>, IndexError> {
        let sql =
            format!("{}WHERE e.active AND {where_sql} ORDER BY e.owner_ref, e.ref LIMIT {limit}", entity_select!());
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for p in params {
                q = q.bind(p.as_str());
            }
            for r in q.fetch_all(c).await? {
                out.push(entity_record!(&r));
            }
        });
        Ok(out)
    }

    /// How many active entities a `find` condition matches (when [`Self::find`] hit its limit).
    pub(crate) async fn count_find(&self, where_sql: &str, params: &[String]) -> Result<i64, IndexError> {
        let sql = format!("SELECT COUNT(*) FROM entities e WHERE e.active AND {where_sql}");
        Ok(on_pool!(&self.pool, c, _pg => {
            let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
            for p in params {
                q = q.bind(p.as_str());
            }
            q.fetch_one(c).await?
        }))
    }

    /// Search documents of `refs` (active rows only; refs without one were deleted).
    pub(crate) async fn search_rows(&self, refs: &[String]) -> Result<Vec<SearchRow>, IndexError> {
        const SQLITE: &str = concat!(search_select!(), "WHERE e.active AND e.ref ", list!(sqlite));
        const PG: &str = concat!(search_select!(), "WHERE e.active AND e.ref ", list!(pg));
        let json = serde_json::to_string(refs).unwrap_or_default();
        let mut out = Vec::with_capacity(refs.len());
        on_pool!(&self.pool, c, pg => {
            for r in sqlx::query(if pg { PG } else { SQLITE }).bind(json).fetch_all(c).await? {
                out.push(search_row(&r)?);
            }
        });
        Ok(out)
    }

    /// Search documents of active entities read from files with ids in `ids` (a full rebuild
    /// pages through the store by file id: a primary-key range, never a sort of the whole table,
    /// which SQLite's planner chose for `ORDER BY ref LIMIT n` pages and held in memory).
    pub(crate) async fn search_rows_in_files(&self, ids: std::ops::Range<i64>) -> Result<Vec<SearchRow>, IndexError> {
        const SQL: &str = concat!(search_select!(), "WHERE e.active AND e.file_id >= $1 AND e.file_id < $2");
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).bind(ids.start).bind(ids.end).fetch_all(c).await? {
                out.push(search_row(&r)?);
            }
        });
        Ok(out)
    }

    /// The largest file id in use (0 when there are none).
    pub(crate) async fn max_file_id(&self) -> Result<i64, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM files").fetch_one(c).await?.unwrap_or(0)
        }))
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

    /// Starts the run's write transaction. SQLite: `BEGIN IMMEDIATE`, so the write lock is taken
    /// up front instead of failing on upgrade.
    pub(crate) async fn begin(&self) -> Result<Writer, IndexError> {
        let tx = match &self.pool {
            Pool::Sqlite(p) => {
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                // A big page cache for the run's writes, on this connection only.
                sqlx::query(WRITER_CACHE).execute(&mut *tx).await?;
                Tx::Sqlite(tx)
            }
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        };
        let pg = self.backend == Backend::Postgres;
        let mut w = Writer {
            tx,
            next_file_id: 0,
            touched: HashSet::new(),
            deferred_indexes: Vec::new(),
            files: Batch::new("files", &["id", "source_id", "path", "hash", "fingerprint", "locations"], pg),
            entities: Batch::new("entities", ENTITY_COLUMNS, pg),
            relations: Batch::new(
                "relations",
                &["file_id", "doc_index", "source_ref", "type", "target_ref", "active"],
                pg,
            ),
            tags: Batch::new("tags", &["file_id", "doc_index", "tag"], pg),
            metadata: Batch::new("metadata_values", &["file_id", "doc_index", "scope", "key", "value"], pg),
            findings: Batch::new(
                "findings",
                &["file_id", "doc_index", "origin", "code", "severity", "message", "line", "col"],
                pg,
            ),
        };
        w.next_file_id = on_tx!(&mut w.tx, c, _pg => {
            sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM files").fetch_one(c).await?
        }) + 1;
        Ok(w)
    }
}

fn redact(url: &str, err: &dyn std::fmt::Display) -> String {
    // Never print a password from the URL.
    let shown = match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    };
    format!("{shown}: {err}")
}

fn random_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// A value of a batched row.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    I(i64),
    OptI(Option<i64>),
    S(String),
    OptS(Option<String>),
    B(bool),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::OptI(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::S(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::S(v.to_owned())
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        Val::OptS(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::B(v)
    }
}

/// Rows waiting to be written.
struct Batch {
    table: &'static str,
    columns: &'static [&'static str],
    values: Vec<Val>,
    rows_per_insert: usize,
    /// Rows to accumulate before writing: one INSERT's worth on SQLite; many more on
    /// PostgreSQL, where big batches go through COPY and each COPY costs a round trip stall
    /// (sqlx leaves Nagle's algorithm on: the small CopyDone after the data waits for the
    /// server's delayed ACK, ~40 ms).
    flush_rows: usize,
    /// The SQL of a full batch, built once.
    full_sql: Option<String>,
}

/// PostgreSQL batches at least this big are written with COPY, smaller ones with INSERT.
const COPY_MIN_ROWS: usize = 2_000;

impl Batch {
    fn new(table: &'static str, columns: &'static [&'static str], pg: bool) -> Batch {
        let rows_per_insert = (MAX_PARAMS / columns.len()).min(MAX_ROWS_PER_INSERT);
        let flush_rows = match (pg, table) {
            (false, _) => rows_per_insert,
            (true, "entities") => 10_000,
            (true, _) => 50_000,
        };
        Batch { table, columns, values: Vec::new(), rows_per_insert, flush_rows, full_sql: None }
    }

    fn rows(&self) -> usize {
        self.values.len() / self.columns.len()
    }

    fn is_full(&self) -> bool {
        self.rows() >= self.flush_rows
    }

    /// The INSERT for `rows` rows. SQLite gets anonymous `?` placeholders: its
    /// `sqlite3_bind_parameter_name` is linear in the number of named parameters, which makes
    /// binding a wide `$N` statement quadratic (measured: 1.7 s for 13,000 parameters).
    fn sql(&self, rows: usize, pg: bool) -> String {
        let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns.join(", "));
        let n = self.columns.len();
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..n {
                if c > 0 {
                    sql.push_str(", ");
                }
                if pg {
                    let _ = write!(sql, "${}", r * n + c + 1);
                } else {
                    sql.push('?');
                }
            }
            sql.push(')');
        }
        sql
    }
}

/// A value in PostgreSQL's COPY text format.
fn copy_value(out: &mut Vec<u8>, v: &Val) {
    let text = |out: &mut Vec<u8>, s: &str| {
        for b in s.bytes() {
            match b {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                _ => out.push(b),
            }
        }
    };
    match v {
        Val::I(i) | Val::OptI(Some(i)) => out.extend_from_slice(i.to_string().as_bytes()),
        Val::S(s) | Val::OptS(Some(s)) => text(out, s),
        Val::OptI(None) | Val::OptS(None) => out.extend_from_slice(b"\\N"),
        Val::B(b) => out.push(if *b { b't' } else { b'f' }),
    }
}

const ENTITY_COLUMNS: &[&str] = &[
    "file_id",
    "doc_index",
    "ref",
    "kind",
    "namespace",
    "name",
    "kind_lc",
    "name_lc",
    "title",
    "description",
    "spec_type",
    "type_lc",
    "lifecycle",
    "lifecycle_lc",
    "owner_ref",
    "system_ref",
    "domain_ref",
    "display_name",
    "email",
    "tags",
    "labels",
    "annotations",
    "links",
    "valid",
    "stage",
    "line",
    "col",
    "error_count",
    "warning_count",
    "first_error",
    "document",
    "active",
];

/// One entity to write, with its dependent rows.
#[derive(Debug, Clone)]
pub(crate) struct EntityRow {
    pub doc_index: i64,
    pub entity_ref: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner_ref: Option<String>,
    pub system_ref: Option<String>,
    pub domain_ref: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub tags: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub links: Vec<StoredLink>,
    pub valid: bool,
    pub stage: Option<String>,
    pub line: i64,
    pub column: i64,
    pub error_count: i64,
    pub warning_count: i64,
    pub first_error: Option<StoredFinding>,
    pub document: String,
    /// `(source, type, target)`, canonical refs.
    pub relations: Vec<(String, &'static str, String)>,
}

/// An entity's rows, encoded for the store but for their `file_id` (known only when written):
/// built on the parsing threads, so the single writer only binds values.
#[derive(Debug)]
pub(crate) struct EncodedEntity {
    pub entity_ref: String,
    /// The entity row without `file_id`.
    entity: Vec<Val>,
    /// Relation, tag and label/annotation rows without `file_id`, flattened.
    relations: Vec<Val>,
    tags: Vec<Val>,
    metadata: Vec<Val>,
}

impl EntityRow {
    pub(crate) fn encode(self) -> EncodedEntity {
        let e = self;
        let d = e.doc_index;
        let mut relations = Vec::with_capacity(e.relations.len() * 5);
        for (source, kind, target) in e.relations {
            relations.extend([Val::I(d), source.into(), kind.into(), target.into(), Val::B(true)]);
        }
        let mut tags = Vec::with_capacity(e.tags.len() * 2);
        for t in &e.tags {
            tags.extend([Val::I(d), t.to_lowercase().into()]);
        }
        let mut metadata = Vec::with_capacity((e.labels.len() + e.annotations.len()) * 4);
        for (scope, pairs) in [("label", &e.labels), ("annotation", &e.annotations)] {
            for (k, v) in pairs {
                metadata.extend([Val::I(d), scope.into(), k.clone().into(), v.clone().into()]);
            }
        }
        let lc = |s: &Option<String>| s.as_ref().map(|v| v.to_lowercase());
        let (kind_lc, name_lc) = (e.kind.to_lowercase(), e.name.to_lowercase());
        let entity = vec![
            Val::I(d),
            e.entity_ref.clone().into(),
            e.kind.into(),
            e.namespace.into(),
            e.name.into(),
            kind_lc.into(),
            name_lc.into(),
            e.title.into(),
            e.description.into(),
            e.spec_type.clone().into(),
            lc(&e.spec_type).into(),
            e.lifecycle.clone().into(),
            lc(&e.lifecycle).into(),
            e.owner_ref.into(),
            e.system_ref.into(),
            e.domain_ref.into(),
            e.display_name.into(),
            e.email.into(),
            serde_json::to_string(&e.tags).unwrap_or_default().into(),
            serde_json::to_string(&e.labels).unwrap_or_default().into(),
            serde_json::to_string(&e.annotations).unwrap_or_default().into(),
            serde_json::to_string(&e.links).unwrap_or_default().into(),
            Val::B(e.valid),
            e.stage.into(),
            Val::I(e.line),
            Val::I(e.column),
            Val::I(e.error_count),
            Val::I(e.warning_count),
            e.first_error.map(|f| serde_json::to_string(&f).unwrap_or_default()).into(),
            e.document.into(),
            Val::B(true),
        ];
        EncodedEntity { entity_ref: e.entity_ref, entity, relations, tags, metadata }
    }
}

/// `files` rows `(id, path, hash, fingerprint, locations)` by path.
fn prior_map(
    rows: Vec<(i64, String, String, Option<String>, Option<String>)>,
) -> std::collections::HashMap<String, PriorFile> {
    rows.into_iter()
        .map(|(id, path, hash, fingerprint, locations)| (path, PriorFile { id, hash, fingerprint, locations }))
        .collect()
}

/// See [`Store::owner_bundle`].
#[derive(Debug)]
pub(crate) struct OwnerBundle {
    pub owner: EntityRecord,
    /// Parent groups, nearest first.
    pub parents: Vec<EntityRecord>,
    /// A Group's members or a User's groups, sorted by ref.
    pub related: Vec<EntityRecord>,
}

#[derive(Debug, Clone)]
pub(crate) struct FindingRow {
    pub doc_index: Option<i64>,
    pub origin: &'static str,
    pub code: String,
    pub severity: String,
    pub message: String,
    pub line: i64,
    pub column: i64,
}

/// The run's transaction and its pending batches.
pub(crate) struct Writer {
    tx: Tx,
    next_file_id: i64,
    /// Refs whose rows this run inserted or deleted.
    pub touched: HashSet<String>,
    files: Batch,
    entities: Batch,
    relations: Batch,
    tags: Batch,
    metadata: Batch,
    findings: Batch,
    /// Secondary indexes dropped for a bulk load, recreated before the commit.
    deferred_indexes: Vec<String>,
}

impl Writer {
    /// On a store with no files yet (the first index), SQLite drops its secondary indexes for
    /// the run and builds them again before the commit: building an index from a scan and a sort
    /// is cheaper than a B-tree insert per row into each of them. Inside the transaction, so
    /// readers and a killed run see the indexes as they were. PostgreSQL keeps its indexes
    /// (`DROP INDEX` would block its readers until the commit).
    pub(crate) async fn defer_indexes_if_empty(&mut self) -> Result<(), IndexError> {
        let Tx::Sqlite(t) = &mut self.tx else { return Ok(()) };
        let any_file: Option<i64> = sqlx::query_scalar("SELECT id FROM files LIMIT 1").fetch_optional(&mut **t).await?;
        if any_file.is_some() {
            return Ok(());
        }
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ('entities', 'relations', 'tags', 'metadata_values', 'findings')",
        )
        .fetch_all(&mut **t)
        .await?;
        for (name, sql) in indexes {
            sqlx::query(AssertSqlSafe(format!("DROP INDEX \"{}\"", name.replace('"', "\"\""))))
                .execute(&mut **t)
                .await?;
            self.deferred_indexes.push(sql);
        }
        Ok(())
    }

    async fn flush_batch(tx: &mut Tx, batch: &mut Batch, all: bool) -> Result<(), IndexError> {
        if batch.rows() == 0 || !(all || batch.is_full()) {
            return Ok(());
        }
        if let Tx::Postgres(t) = tx
            && batch.rows() >= COPY_MIN_ROWS
        {
            // PostgreSQL: COPY, an order of magnitude faster than INSERTs for big batches.
            let mut data = Vec::with_capacity(batch.values.len() * 16);
            let n = batch.columns.len();
            for (i, v) in batch.values.drain(..).enumerate() {
                copy_value(&mut data, &v);
                data.push(if (i + 1) % n == 0 { b'\n' } else { b'\t' });
            }
            let statement = format!("COPY {} ({}) FROM STDIN", batch.table, batch.columns.join(", "));
            let mut copy = (&mut **t).copy_in_raw(&statement).await?;
            copy.send(data).await?;
            copy.finish().await?;
            return Ok(());
        }
        while batch.rows() > 0 {
            let rows = batch.rows().min(batch.rows_per_insert);
            let take = rows * batch.columns.len();
            let values: Vec<Val> = batch.values.drain(..take).collect();
            let pg = matches!(tx, Tx::Postgres(_));
            let sql = if rows == batch.rows_per_insert {
                if batch.full_sql.is_none() {
                    batch.full_sql = Some(batch.sql(rows, pg));
                }
                batch.full_sql.clone().unwrap_or_default()
            } else {
                batch.sql(rows, pg)
            };
            on_tx!(tx, c, _pg => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for v in values {
                    q = match v {
                        Val::I(i) => q.bind(i),
                        Val::OptI(i) => q.bind(i),
                        Val::S(s) => q.bind(s),
                        Val::OptS(s) => q.bind(s),
                        Val::B(b) => q.bind(b),
                    };
                }
                q.execute(c).await?;
            });
        }
        Ok(())
    }

    /// Writes the batches that are full (`all`: every batch). File rows are written before any
    /// child rows, so foreign keys hold; child tables are independent of each other.
    async fn flush(&mut self, all: bool) -> Result<(), IndexError> {
        let children_full = self.entities.is_full()
            || self.relations.is_full()
            || self.tags.is_full()
            || self.metadata.is_full()
            || self.findings.is_full();
        if all || children_full || self.files.is_full() {
            Self::flush_batch(&mut self.tx, &mut self.files, true).await?;
        }
        for batch in [&mut self.entities, &mut self.relations, &mut self.tags, &mut self.metadata, &mut self.findings] {
            Self::flush_batch(&mut self.tx, batch, all).await?;
        }
        Ok(())
    }

    /// Inserts or updates a source; returns its id.
    pub(crate) async fn upsert_source(
        &mut self,
        name: &str,
        kind: &str,
        location: &str,
        position: i64,
    ) -> Result<i64, IndexError> {
        const SQL: &str = "INSERT INTO sources (name, kind, location, position) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location, position = excluded.position \
             RETURNING id";
        Ok(on_tx!(&mut self.tx, c, pg => {
            if pg {
                // PostgreSQL has no rowid to default `id` from.
                const PG: &str = "INSERT INTO sources (id, name, kind, location, position) \
                     VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM sources), $1, $2, $3, $4) \
                     ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location, position = excluded.position \
                     RETURNING id";
                sqlx::query_scalar::<_, i64>(PG).bind(name).bind(kind).bind(location).bind(position).fetch_one(c).await?
            } else {
                sqlx::query_scalar::<_, i64>(SQL).bind(name).bind(kind).bind(location).bind(position).fetch_one(c).await?
            }
        }))
    }

    pub(crate) async fn source_status(
        &mut self,
        source_id: i64,
        now: i64,
        revision: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), IndexError> {
        on_tx!(&mut self.tx, c, _pg => {
            if let Some(error) = error {
                sqlx::query("UPDATE sources SET last_attempt = $1, last_error = $2 WHERE id = $3")
                    .bind(now)
                    .bind(error)
                    .bind(source_id)
                    .execute(c)
                    .await?;
            } else {
                sqlx::query("UPDATE sources SET last_attempt = $1, last_success = $1, last_error = NULL, revision = $2 WHERE id = $3")
                    .bind(now)
                    .bind(revision)
                    .bind(source_id)
                    .execute(c)
                    .await?;
            }
        });
        Ok(())
    }

    /// Files of a source from earlier runs, by path.
    pub(crate) async fn prior_files(
        &mut self,
        source_id: i64,
    ) -> Result<std::collections::HashMap<String, PriorFile>, IndexError> {
        let rows = on_tx!(&mut self.tx, c, _pg => {
            sqlx::query_as::<_, (i64, String, String, Option<String>, Option<String>)>(
                "SELECT id, path, hash, fingerprint, locations FROM files WHERE source_id = $1",
            )
            .bind(source_id)
            .fetch_all(c)
            .await?
        });
        Ok(prior_map(rows))
    }

    /// The given paths of a source from earlier runs (for an update of known files).
    pub(crate) async fn prior_files_at(
        &mut self,
        source_id: i64,
        paths: &[String],
    ) -> Result<std::collections::HashMap<String, PriorFile>, IndexError> {
        let json = serde_json::to_string(paths).unwrap_or_default();
        let rows = on_tx!(&mut self.tx, c, pg => {
            let sql = if pg {
                concat!("SELECT id, path, hash, fingerprint, locations FROM files WHERE source_id = $2 AND path ", list!(pg))
            } else {
                concat!("SELECT id, path, hash, fingerprint, locations FROM files WHERE source_id = $2 AND path ", list!(sqlite))
            };
            sqlx::query_as::<_, (i64, String, String, Option<String>, Option<String>)>(sql)
                .bind(json)
                .bind(source_id)
                .fetch_all(c)
                .await?
        });
        Ok(prior_map(rows))
    }

    /// Ids of a source's files under the directory `rel_dir` (for a directory that was removed
    /// or moved away: the watcher reports the directory, not the files that were in it). A
    /// prefix compare rather than `LIKE` or a range: no escaping, and PostgreSQL collations do
    /// not order `/` bytewise.
    pub(crate) async fn files_under(&mut self, source_id: i64, rel_dir: &str) -> Result<Vec<i64>, IndexError> {
        let prefix = format!("{}/", rel_dir.trim_end_matches('/'));
        let n = prefix.chars().count() as i64;
        Ok(on_tx!(&mut self.tx, c, _pg => {
            sqlx::query_scalar::<_, i64>("SELECT id FROM files WHERE source_id = $1 AND substr(path, 1, CAST($3 AS INTEGER)) = $2")
                .bind(source_id)
                .bind(&prefix)
                .bind(n)
                .fetch_all(c)
                .await?
        }))
    }

    /// Drops the run's transaction: nothing it wrote is kept.
    pub(crate) async fn rollback(self) -> Result<(), IndexError> {
        match self.tx {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// Deletes files (and, by cascade, everything read from them), remembering their refs.
    pub(crate) async fn delete_files(&mut self, ids: &[i64]) -> Result<(), IndexError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.flush(true).await?;
        for chunk in ids.chunks(5_000) {
            let json = serde_json::to_string(chunk).unwrap_or_default();
            on_tx!(&mut self.tx, c, pg => {
                let refs: Vec<String> = if pg {
                    sqlx::query_scalar(concat!("SELECT ref FROM entities WHERE file_id IN (SELECT CAST(jsonb_array_elements_text($1::jsonb) AS BIGINT))"))
                        .bind(&json).fetch_all(&mut *c).await?
                } else {
                    sqlx::query_scalar(concat!("SELECT ref FROM entities WHERE file_id ", list!(sqlite)))
                        .bind(&json).fetch_all(&mut *c).await?
                };
                self.touched.extend(refs);
                if pg {
                    sqlx::query("DELETE FROM files WHERE id IN (SELECT CAST(jsonb_array_elements_text($1::jsonb) AS BIGINT))")
                        .bind(&json).execute(&mut *c).await?;
                } else {
                    sqlx::query(concat!("DELETE FROM files WHERE id ", list!(sqlite))).bind(&json).execute(&mut *c).await?;
                }
            });
        }
        Ok(())
    }

    /// Removes a source and everything read from it.
    pub(crate) async fn delete_source(&mut self, name: &str) -> Result<(), IndexError> {
        self.flush(true).await?;
        on_tx!(&mut self.tx, c, _pg => {
            let refs: Vec<String> = sqlx::query_scalar(
                "SELECT e.ref FROM entities e JOIN files f ON f.id = e.file_id JOIN sources s ON s.id = f.source_id WHERE s.name = $1",
            )
            .bind(name)
            .fetch_all(&mut *c)
            .await?;
            self.touched.extend(refs);
            sqlx::query("DELETE FROM sources WHERE name = $1").bind(name).execute(&mut *c).await?;
        });
        Ok(())
    }

    pub(crate) async fn set_fingerprint(&mut self, file_id: i64, fingerprint: Option<&str>) -> Result<(), IndexError> {
        on_tx!(&mut self.tx, c, _pg => {
            sqlx::query("UPDATE files SET fingerprint = $1 WHERE id = $2").bind(fingerprint).bind(file_id).execute(c).await?;
        });
        Ok(())
    }

    /// Replaces the findings of one origin of an unchanged file (Location targets are
    /// re-checked every run; their findings change without the file changing).
    pub(crate) async fn replace_findings(
        &mut self,
        file_id: i64,
        origin: &'static str,
        findings: Vec<FindingRow>,
    ) -> Result<(), IndexError> {
        self.flush(true).await?;
        on_tx!(&mut self.tx, c, _pg => {
            sqlx::query("DELETE FROM findings WHERE file_id = $1 AND origin = $2").bind(file_id).bind(origin).execute(c).await?;
        });
        for f in findings {
            self.push_finding(file_id, f);
        }
        Ok(())
    }

    /// Keeps the entities of a file's previous version that its new version lost to a YAML
    /// error (Backstage keeps an entity's last good state when its file stops parsing): they
    /// are renumbered from [`CARRIED_DOC_INDEX`], marked invalid and given `first_error`.
    /// Everything else of the previous version is deleted. Returns the carried refs.
    pub(crate) async fn carry_over(
        &mut self,
        file_id: i64,
        keep_refs: &HashSet<String>,
        first_error: &StoredFinding,
        error_count: i64,
    ) -> Result<Vec<String>, IndexError> {
        self.flush(true).await?;
        let old: Vec<(i64, String)> = on_tx!(&mut self.tx, c, _pg => {
            sqlx::query_as("SELECT doc_index, ref FROM entities WHERE file_id = $1").bind(file_id).fetch_all(c).await?
        });
        let first_error = serde_json::to_string(first_error).unwrap_or_default();
        let mut carried = Vec::new();
        let mut carried_indexes = Vec::new();
        for (doc_index, entity_ref) in old {
            self.touched.insert(entity_ref.clone());
            if keep_refs.contains(&entity_ref) {
                continue;
            }
            let new_index = if doc_index >= CARRIED_DOC_INDEX { doc_index } else { CARRIED_DOC_INDEX + doc_index };
            carried.push(entity_ref);
            carried_indexes.push((doc_index, new_index));
        }
        on_tx!(&mut self.tx, c, _pg => {
            // Park carried rows at negative indexes, delete the rest, then put them back.
            for (old, _) in &carried_indexes {
                for sql in [
                    "UPDATE entities SET doc_index = -1 - doc_index WHERE file_id = $1 AND doc_index = $2",
                    "UPDATE relations SET doc_index = -1 - doc_index WHERE file_id = $1 AND doc_index = $2",
                    "UPDATE tags SET doc_index = -1 - doc_index WHERE file_id = $1 AND doc_index = $2",
                    "UPDATE metadata_values SET doc_index = -1 - doc_index WHERE file_id = $1 AND doc_index = $2",
                ] {
                    sqlx::query(sql).bind(file_id).bind(*old).execute(&mut *c).await?;
                }
            }
            for sql in [
                "DELETE FROM entities WHERE file_id = $1 AND doc_index >= 0",
                "DELETE FROM relations WHERE file_id = $1 AND doc_index >= 0",
                "DELETE FROM tags WHERE file_id = $1 AND doc_index >= 0",
                "DELETE FROM metadata_values WHERE file_id = $1 AND doc_index >= 0",
                "DELETE FROM findings WHERE file_id = $1",
            ] {
                sqlx::query(sql).bind(file_id).execute(&mut *c).await?;
            }
            for (old, new) in &carried_indexes {
                let parked = -1 - *old;
                sqlx::query(
                    "UPDATE entities SET doc_index = $3, valid = FALSE, stage = 'yaml', first_error = $4, \
                     error_count = $5 WHERE file_id = $1 AND doc_index = $2",
                )
                .bind(file_id)
                .bind(parked)
                .bind(*new)
                .bind(&first_error)
                .bind(error_count)
                .execute(&mut *c)
                .await?;
                for sql in [
                    "UPDATE relations SET doc_index = $3 WHERE file_id = $1 AND doc_index = $2",
                    "UPDATE tags SET doc_index = $3 WHERE file_id = $1 AND doc_index = $2",
                    "UPDATE metadata_values SET doc_index = $3 WHERE file_id = $1 AND doc_index = $2",
                ] {
                    sqlx::query(sql).bind(file_id).bind(parked).bind(*new).execute(&mut *c).await?;
                }
            }
        });
        Ok(carried)
    }

    /// Deletes what a file's previous version wrote (keeping the file row), remembering refs.
    pub(crate) async fn clear_file(&mut self, file_id: i64) -> Result<(), IndexError> {
        self.flush(true).await?;
        on_tx!(&mut self.tx, c, _pg => {
            let refs: Vec<String> =
                sqlx::query_scalar("SELECT ref FROM entities WHERE file_id = $1").bind(file_id).fetch_all(&mut *c).await?;
            self.touched.extend(refs);
            for sql in [
                "DELETE FROM entities WHERE file_id = $1",
                "DELETE FROM relations WHERE file_id = $1",
                "DELETE FROM tags WHERE file_id = $1",
                "DELETE FROM metadata_values WHERE file_id = $1",
                "DELETE FROM findings WHERE file_id = $1",
            ] {
                sqlx::query(sql).bind(file_id).execute(&mut *c).await?;
            }
        });
        Ok(())
    }

    pub(crate) async fn update_file(
        &mut self,
        file_id: i64,
        hash: &str,
        fingerprint: Option<&str>,
        locations: Option<&str>,
    ) -> Result<(), IndexError> {
        on_tx!(&mut self.tx, c, _pg => {
            sqlx::query("UPDATE files SET hash = $1, fingerprint = $2, locations = $3 WHERE id = $4")
                .bind(hash)
                .bind(fingerprint)
                .bind(locations)
                .bind(file_id)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Queues a new file row; returns its id.
    pub(crate) fn new_file(
        &mut self,
        source_id: i64,
        path: &str,
        hash: &str,
        fingerprint: Option<String>,
        locations: Option<String>,
    ) -> i64 {
        let id = self.next_file_id;
        self.next_file_id += 1;
        self.files.values.extend([
            Val::I(id),
            Val::I(source_id),
            path.into(),
            hash.into(),
            fingerprint.into(),
            locations.into(),
        ]);
        id
    }

    /// Queues an encoded entity and its relations, tags, labels and annotations.
    pub(crate) fn push_entity(&mut self, file_id: i64, e: EncodedEntity) {
        self.touched.insert(e.entity_ref);
        for (batch, values, width) in [
            (&mut self.entities, e.entity, ENTITY_COLUMNS.len() - 1),
            (&mut self.relations, e.relations, 5),
            (&mut self.tags, e.tags, 2),
            (&mut self.metadata, e.metadata, 4),
        ] {
            let mut it = values.into_iter();
            loop {
                let row: Vec<Val> = it.by_ref().take(width).collect();
                if row.is_empty() {
                    break;
                }
                batch.values.push(Val::I(file_id));
                batch.values.extend(row);
            }
        }
    }

    pub(crate) fn push_finding(&mut self, file_id: i64, f: FindingRow) {
        self.findings.values.extend([
            Val::I(file_id),
            Val::OptI(f.doc_index),
            f.origin.into(),
            f.code.into(),
            f.severity.into(),
            f.message.into(),
            Val::I(f.line),
            Val::I(f.column),
        ]);
    }

    /// Writes batches that are full; call between files.
    pub(crate) async fn maybe_flush(&mut self) -> Result<(), IndexError> {
        self.flush(false).await
    }

    /// Resolves duplicates among touched refs (exactly one active row per ref, valid first,
    /// then source order, path, and the later document of a file), records the changes, bumps
    /// the generation and commits. Returns the new generation (unchanged if nothing changed).
    pub(crate) async fn commit(mut self) -> Result<(i64, Vec<String>), IndexError> {
        self.flush(true).await?;
        let deferred = std::mem::take(&mut self.deferred_indexes);
        if let (false, Tx::Sqlite(t)) = (deferred.is_empty(), &mut self.tx) {
            // The sorts spill to a temporary file rather than to memory (the pool's default), in
            // runs of at most 16 MB: measured at 100,000 entities, 313 → 214 MB peak RSS and
            // faster (0.9 → 0.6 s for the relations index).
            sqlx::query("PRAGMA temp_store = FILE").execute(&mut **t).await?;
            sqlx::query("PRAGMA cache_size = -16384").execute(&mut **t).await?;
            for sql in deferred {
                sqlx::query(AssertSqlSafe(sql)).execute(&mut **t).await?;
            }
            sqlx::query("PRAGMA temp_store = MEMORY").execute(&mut **t).await?;
        }
        let touched: Vec<String> = {
            let mut t: Vec<String> = self.touched.drain().collect();
            t.sort();
            t
        };
        let generation = on_tx!(&mut self.tx, c, pg => {
            let current: i64 = sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = 'generation'")
                .fetch_one(&mut *c)
                .await?
                .parse()
                .unwrap_or(0);
            if touched.is_empty() {
                current
            } else {
                let generation = current + 1;
                // A bulk run (the first index, a branch switch) checks the whole table in one
                // index-ordered scan and records no per-ref changes: search indexes rebuild
                // instead of catching up (`sync_search` would rebuild for that many anyway),
                // and JSON lists of tens of thousands of refs cost SQLite hundreds of MB.
                let bulk = touched.len() > BULK_REFS;
                let chunks: Vec<&[String]> = if bulk { vec![&touched[..0]] } else { touched.chunks(20_000).collect() };
                for chunk in chunks {
                    let json = serde_json::to_string(chunk).unwrap_or_default();
                    let dup_sql = match (bulk, pg) {
                        (true, _) => "SELECT ref FROM entities GROUP BY ref HAVING COUNT(*) > 1 OR COUNT(CASE WHEN active THEN 1 END) <> 1",
                        (false, true) => concat!("SELECT ref FROM entities WHERE ref ", list!(pg),
                            " GROUP BY ref HAVING COUNT(*) > 1 OR COUNT(CASE WHEN active THEN 1 END) <> 1"),
                        (false, false) => concat!("SELECT ref FROM entities WHERE ref ", list!(sqlite),
                            " GROUP BY ref HAVING COUNT(*) > 1 OR COUNT(CASE WHEN active THEN 1 END) <> 1"),
                    };
                    let dups: Vec<String> = if bulk {
                        sqlx::query_scalar(dup_sql).fetch_all(&mut *c).await?
                    } else {
                        sqlx::query_scalar(dup_sql).bind(&json).fetch_all(&mut *c).await?
                    };
                    for r in dups {
                        let winner: Option<(i64, i64)> = sqlx::query_as(
                            "SELECT e.file_id, e.doc_index FROM entities e JOIN files f ON f.id = e.file_id \
                             JOIN sources s ON s.id = f.source_id WHERE e.ref = $1 \
                             ORDER BY e.valid DESC, s.position, f.path, e.doc_index DESC LIMIT 1",
                        )
                        .bind(&r)
                        .fetch_optional(&mut *c)
                        .await?;
                        let Some((wf, wd)) = winner else { continue };
                        sqlx::query("UPDATE entities SET active = (file_id = $2 AND doc_index = $3) WHERE ref = $1")
                            .bind(&r).bind(wf).bind(wd).execute(&mut *c).await?;
                        sqlx::query(
                            "UPDATE relations SET active = (file_id = $2 AND doc_index = $3) \
                             WHERE (file_id, doc_index) IN (SELECT file_id, doc_index FROM entities WHERE ref = $1)",
                        )
                        .bind(&r).bind(wf).bind(wd).execute(&mut *c).await?;
                    }
                    let insert = if pg {
                        concat!("INSERT INTO changes (generation, ref) SELECT $2, x FROM ",
                            "(SELECT jsonb_array_elements_text($1::jsonb) AS x) t ON CONFLICT DO NOTHING")
                    } else {
                        concat!("INSERT INTO changes (generation, ref) SELECT $2, value FROM json_each($1) WHERE true ON CONFLICT DO NOTHING")
                    };
                    if !bulk {
                        sqlx::query(insert).bind(&json).bind(generation).execute(&mut *c).await?;
                    }
                }
                // After a bulk run no generation can be caught up to: the log restarts.
                let keep_after = if bulk { generation } else { generation - CHANGES_KEPT };
                sqlx::query("DELETE FROM changes WHERE generation <= $1").bind(keep_after).execute(&mut *c).await?;
                sqlx::query("UPDATE meta SET value = $1 WHERE key = 'generation'")
                    .bind(generation.to_string())
                    .execute(&mut *c)
                    .await?;
                generation
            }
        });
        match self.tx {
            Tx::Sqlite(mut t) => {
                sqlx::query(WRITER_CACHE_RESET).execute(&mut *t).await?;
                t.commit().await?;
            }
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok((generation, touched))
    }
}

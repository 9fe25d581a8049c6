//! Shared set-up of the index and query tests: an index of a catalog on SQLite (a temporary
//! directory) or PostgreSQL (a fresh schema in database `test` on 127.0.0.1:5432, dropped
//! afterwards), so every test runs against both backends without colliding with parallel ones.
//!
//! PostgreSQL unreachable: the test fails when `CI` is set, and is skipped with a message
//! otherwise (`BACKLINE_TEST_PG_URL` overrides the server URL, without the schema).

#![allow(dead_code, unreachable_pub, reason = "each test binary uses part of this module")]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use backline_index::{Index, IndexSettings, RunOptions, SearchLocation, SourceSettings, StoreSettings};
use sqlx::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub fn example_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/catalog")
}

/// A test's store and search, removed on drop (SQLite) or with [`TestIndex::cleanup`] (PG).
pub struct TestIndex {
    pub dir: tempfile::TempDir,
    pub settings: IndexSettings,
    pub db: Db,
    pg: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// The PostgreSQL server URL to use, or `None` (skip) when unreachable outside CI.
pub async fn postgres_url() -> Option<String> {
    let candidates: Vec<String> = match std::env::var("BACKLINE_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => vec![u],
        _ => {
            vec!["postgres://postgres@127.0.0.1:5432/test".to_owned(), "postgres://root@127.0.0.1:5432/test".to_owned()]
        }
    };
    let mut errors = Vec::new();
    for url in &candidates {
        match sqlx::PgConnection::connect(url).await {
            Ok(c) => {
                let _ = c.close().await;
                return Some(url.clone());
            }
            Err(e) => errors.push(format!("{url}: {e}")),
        }
    }
    let message = format!("PostgreSQL is unreachable ({})", errors.join("; "));
    if std::env::var_os("CI").is_some() {
        panic!("{message}; CI requires the PostgreSQL tests to run");
    }
    eprintln!("skipping the PostgreSQL variant: {message}");
    None
}

impl TestIndex {
    /// A fresh, empty store on `db`; `None` when PostgreSQL is unavailable outside CI.
    pub async fn new(db: Db, sources: Vec<SourceSettings>) -> Option<TestIndex> {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, pg) = match db {
            Db::Sqlite => (StoreSettings::sqlite(&dir.path().join("index.db")), None),
            Db::Postgres => {
                let base = postgres_url().await?;
                let schema = unique("bltest");
                let store = StoreSettings {
                    url: format!("{base}?schema={schema}"),
                    search: SearchLocation::Dir(dir.path().join("search")),
                };
                (store, Some((base, schema)))
            }
        };
        Some(TestIndex { dir, settings: IndexSettings { store, sources, migrations: Vec::new() }, db, pg })
    }

    pub async fn open(&self) -> Index {
        Index::open(self.settings.clone()).await.expect("open index")
    }

    /// Drops the PostgreSQL schema.
    pub async fn cleanup(&self) {
        if let Some((base, schema)) = &self.pg
            && let Ok(mut c) = sqlx::PgConnection::connect(base).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
                .execute(&mut c)
                .await;
            let _ = c.close().await;
        }
    }
}

/// An index of the example catalog, indexed once.
pub async fn example(db: Db) -> Option<(TestIndex, Index)> {
    let t = TestIndex::new(db, vec![SourceSettings::dir("northwind", example_catalog())]).await?;
    let index = t.open().await;
    let report = index.index(&RunOptions::default()).await.expect("index the example catalog");
    assert!(report.failed_sources().next().is_none(), "{report:?}");
    Some((t, index))
}

/// Writes `files` (relative path, content) under `root`.
pub fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
    }
}

/// Generates `test_name_sqlite` and `test_name_postgres` from `async fn check(db: Db)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::index_support::Db::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::index_support::Db::Postgres).await;
                }
            )*
        }
    };
}

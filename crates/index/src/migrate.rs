//! Schema migrations, embedded in the binary and applied when a store is opened.
//!
//! The SQL lives in `migrations/sqlite/` and `migrations/postgres/` at the repository root (one
//! file per version, the same version numbers in both). sqlx's `migrate!` macro is not used: it
//! is a proc-macro, and this workspace builds sqlx without its macros: `macros` would compile a second bundled SQLite for the proc-macro host and need a database at build time. The
//! files are embedded with `include_str!` (Cargo rebuilds when they change) and handed to sqlx's
//! runtime [`Migrator`], which records applied versions and their checksums in
//! `backline_migrations` and, on PostgreSQL, takes an advisory lock so several instances
//! starting at once migrate exactly once.
//!
//! Opening a store whose schema is current writes nothing: the applied versions and checksums
//! are read and compared first, and the migrator (which takes SQLite's write lock, held by a
//! running index for its whole transaction) runs only when something is missing.
//!
//! To add a migration: add `NNNN_name.sql` to both folders and a line to each list below.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::IndexError;
use super::store::{Pool, Store};

const SQLITE: &[(i64, &str, &str)] = &[
    (1, "catalog", include_str!("../migrations/sqlite/0001_catalog.sql")),
    (2, "drop relations_target", include_str!("../migrations/sqlite/0002_drop_relations_target.sql")),
    (3, "migration history", include_str!("../migrations/sqlite/0003_migration_history.sql")),
    (4, "file stat", include_str!("../migrations/sqlite/0004_file_stat.sql")),
    (5, "walk", include_str!("../migrations/sqlite/0005_walk.sql")),
];
const POSTGRES: &[(i64, &str, &str)] = &[
    (1, "catalog", include_str!("../migrations/postgres/0001_catalog.sql")),
    (2, "drop relations_target", include_str!("../migrations/postgres/0002_drop_relations_target.sql")),
    (3, "migration history", include_str!("../migrations/postgres/0003_migration_history.sql")),
    (4, "file stat", include_str!("../migrations/postgres/0004_file_stat.sql")),
    (5, "walk", include_str!("../migrations/postgres/0005_walk.sql")),
];

fn migrator(list: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    let migrations = list
        .iter()
        .map(|(version, name, sql)| {
            Migration::new(*version, Cow::Borrowed(*name), MigrationType::Simple, sql.into_sql_str(), false)
        })
        .collect();
    let mut m = Migrator::with_migrations(migrations);
    m.dangerous_set_table_name("backline_migrations");
    m
}

pub(crate) async fn run(store: &Store) -> Result<(), IndexError> {
    let list = match &store.pool {
        Pool::Sqlite(_) => SQLITE,
        Pool::Postgres(_) => POSTGRES,
    };
    let migrator = migrator(list);
    if is_current(store, &migrator).await? {
        return Ok(());
    }
    if store.is_read_only() {
        return Err(IndexError::ReadOnly { store: store.describe(), doing: "migrate it" });
    }
    match &store.pool {
        Pool::Sqlite(p) => migrator.run(p).await?,
        Pool::Postgres(p) => migrator.run(p).await?,
    }
    Ok(())
}

/// Whether exactly the migrations of `migrator` were applied, with the same checksums: read
/// only, so it neither waits for nor blocks a running index.
async fn is_current(store: &Store, migrator: &Migrator) -> Result<bool, IndexError> {
    const APPLIED: &str = "SELECT version, checksum FROM backline_migrations WHERE success ORDER BY version";
    let applied: Vec<(i64, Vec<u8>)> = match &store.pool {
        Pool::Sqlite(p) => {
            let exists: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'backline_migrations'",
            )
            .fetch_one(p)
            .await?;
            if exists == 0 {
                return Ok(false);
            }
            sqlx::query_as(APPLIED).fetch_all(p).await?
        }
        Pool::Postgres(p) => {
            // Resolved through the pool's `search_path`: the store's schema.
            let exists: bool =
                sqlx::query_scalar("SELECT to_regclass('backline_migrations') IS NOT NULL").fetch_one(p).await?;
            if !exists {
                return Ok(false);
            }
            sqlx::query_as(APPLIED).fetch_all(p).await?
        }
    };
    let known: Vec<(i64, &[u8])> = migrator.iter().map(|m| (m.version, m.checksum.as_ref())).collect();
    Ok(applied.len() == known.len()
        && applied.iter().zip(&known).all(|((v, c), (kv, kc))| v == kv && c.as_slice() == *kc))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both backends must define the same versions.
    #[test]
    fn versions_match() {
        let s: Vec<i64> = SQLITE.iter().map(|m| m.0).collect();
        let p: Vec<i64> = POSTGRES.iter().map(|m| m.0).collect();
        assert_eq!(s, p);
    }
}

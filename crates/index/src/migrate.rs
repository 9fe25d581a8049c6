//! Schema migrations, embedded in the binary and applied when a store is opened.
//!
//! The SQL lives in `migrations/sqlite/` and `migrations/postgres/` at the repository root (one
//! file per version, the same version numbers in both). sqlx's `migrate!` macro is not used: it
//! is a proc-macro, and this workspace builds sqlx without its macros (rust-crates.md §4). The
//! files are embedded with `include_str!` (Cargo rebuilds when they change) and handed to sqlx's
//! runtime [`Migrator`], which records applied versions and their checksums in
//! `backline_migrations` and, on PostgreSQL, takes an advisory lock so several instances
//! starting at once migrate exactly once.
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
];
const POSTGRES: &[(i64, &str, &str)] = &[
    (1, "catalog", include_str!("../migrations/postgres/0001_catalog.sql")),
    (2, "drop relations_target", include_str!("../migrations/postgres/0002_drop_relations_target.sql")),
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
    match &store.pool {
        Pool::Sqlite(p) => migrator(SQLITE).run(p).await?,
        Pool::Postgres(p) => migrator(POSTGRES).run(p).await?,
    }
    Ok(())
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

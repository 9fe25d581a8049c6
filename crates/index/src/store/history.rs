//! Migrations in the store: the per-team counts of a [`Migration`] (live, from the entities, and
//! as recorded by each index run in `migration_history`), the entities a team still has to
//! migrate, and the nudges already posted (`migration_nudges`).
//!
//! A migration's three filters become one grouped statement: `COUNT(*)` of the entities in
//! scope per owner, with the done and remaining ones counted by `CASE` over the same rows, so
//! progress for the whole catalog is one scan and for one team one index lookup.

use std::collections::HashSet;

use sqlx::AssertSqlSafe;

use super::filter::condition_with;
use super::read::entity_records;
use super::rows::EntityRecord;
use super::write::Tx;
use super::{Pool, Store};
use crate::IndexError;
use crate::migration::Migration;

/// One owner's counts for a migration (`owner_ref` is `""` for entities without an owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnerCounts {
    pub owner_ref: String,
    pub in_scope: i64,
    pub done: i64,
    pub remaining: i64,
}

/// One recorded row of `migration_history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistoryRow {
    pub day: i64,
    pub counts: OwnerCounts,
}

/// The key a migration's rows are stored under (names are unique case-insensitively).
fn key(m: &Migration) -> String {
    m.name.to_lowercase()
}

/// "Done" for `m`, over `entities e`.
fn done_condition(m: &Migration, params: &mut Vec<String>) -> String {
    if m.done_sql.is_empty() {
        format!("NOT {}", condition_with(&m.todo_sql, params))
    } else {
        condition_with(&m.done_sql, params)
    }
}

/// "Remaining" for `m`: not done and (when `todo` is given) matching it.
fn remaining_condition(m: &Migration, params: &mut Vec<String>) -> String {
    let done = done_condition(m, params);
    let todo = condition_with(&m.todo_sql, params);
    format!("NOT {done} AND {todo}")
}

/// Scope, and the owner when one team is asked about.
fn scope_condition(m: &Migration, owner: Option<&str>, params: &mut Vec<String>) -> String {
    let scope = condition_with(&m.scope_sql, params);
    match owner {
        Some(o) => {
            params.push(o.to_owned());
            format!("{scope} AND e.owner_ref = ${}", params.len())
        }
        None => scope,
    }
}

/// Per-owner counts of `m` (one team's when `owner` is given).
fn counts_sql(m: &Migration, owner: Option<&str>) -> (String, Vec<String>) {
    let mut params = Vec::new();
    let done = done_condition(m, &mut params);
    let remaining = remaining_condition(m, &mut params);
    let scope = scope_condition(m, owner, &mut params);
    let sql = format!(
        "SELECT COALESCE(e.owner_ref, '') AS owner, COUNT(*) AS in_scope, \
         SUM(CASE WHEN {done} THEN 1 ELSE 0 END) AS done, SUM(CASE WHEN {remaining} THEN 1 ELSE 0 END) AS remaining \
         FROM entities e WHERE e.active AND {scope} GROUP BY COALESCE(e.owner_ref, '') ORDER BY owner"
    );
    (sql, params)
}

type CountsRow = (String, i64, Option<i64>, Option<i64>);

fn owner_counts(rows: Vec<CountsRow>) -> Vec<OwnerCounts> {
    rows.into_iter()
        .map(|(owner_ref, in_scope, done, remaining)| OwnerCounts {
            owner_ref,
            in_scope,
            done: done.unwrap_or(0),
            remaining: remaining.unwrap_or(0),
        })
        .collect()
}

/// Records today's counts of every migration inside the run's transaction, replacing what an
/// earlier run of the same day recorded (one snapshot per day). A migration with nothing in
/// scope still gets a row (owner `""`, zeros), so its history says it was looked at that day.
///
/// A run that changed no entity keeps a snapshot already taken that day: the counts cannot have
/// moved, and counting costs a scan of the scope (about a second at 100,000 entities).
pub(crate) async fn record(
    tx: &mut Tx,
    migrations: &[Migration],
    day: i64,
    at: i64,
    changed: bool,
) -> Result<(), IndexError> {
    for m in migrations {
        let (sql, params) = counts_sql(m, None);
        let name = key(m);
        on_tx!(tx, c, _pg => {
            let taken: Option<i64> = sqlx::query_scalar("SELECT day FROM migration_history WHERE migration = $1 AND day = $2 LIMIT 1")
                .bind(&name)
                .bind(day)
                .fetch_optional(&mut *c)
                .await?;
            if !changed && taken.is_some() {
                continue;
            }
            let mut q = sqlx::query_as::<_, CountsRow>(AssertSqlSafe(sql));
            for p in &params {
                q = q.bind(p.as_str());
            }
            let mut counts = owner_counts(q.fetch_all(&mut *c).await?);
            if counts.is_empty() {
                counts.push(OwnerCounts { owner_ref: String::new(), in_scope: 0, done: 0, remaining: 0 });
            }
            sqlx::query("DELETE FROM migration_history WHERE migration = $1 AND day = $2")
                .bind(&name)
                .bind(day)
                .execute(&mut *c)
                .await?;
            for o in counts {
                sqlx::query(
                    "INSERT INTO migration_history (migration, day, owner_ref, in_scope, done, remaining, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&name)
                .bind(day)
                .bind(&o.owner_ref)
                .bind(o.in_scope)
                .bind(o.done)
                .bind(o.remaining)
                .bind(at)
                .execute(&mut *c)
                .await?;
            }
        });
    }
    Ok(())
}

impl Store {
    /// `m`'s counts now, per owner (only `owner`'s when given), by owner ref.
    pub(crate) async fn migration_counts(
        &self,
        m: &Migration,
        owner: Option<&str>,
    ) -> Result<Vec<OwnerCounts>, IndexError> {
        let (sql, params) = counts_sql(m, owner);
        Ok(on_pool!(&self.pool, c, _pg => {
            let mut q = sqlx::query_as::<_, CountsRow>(AssertSqlSafe(sql));
            for p in &params {
                q = q.bind(p.as_str());
            }
            owner_counts(q.fetch_all(c).await?)
        }))
    }

    /// Entities of `m` still to migrate (only `owner`'s when given), by owner then ref, at most
    /// `limit`.
    pub(crate) async fn migration_remaining(
        &self,
        m: &Migration,
        owner: Option<&str>,
        limit: i64,
    ) -> Result<Vec<EntityRecord>, IndexError> {
        let mut params = Vec::new();
        let remaining = remaining_condition(m, &mut params);
        let scope = scope_condition(m, owner, &mut params);
        let sql = format!(
            "{}WHERE e.active AND {scope} AND {remaining} ORDER BY e.owner_ref, e.ref LIMIT {limit}",
            entity_select!()
        );
        Ok(on_pool!(&self.pool, c, _pg => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for p in &params {
                q = q.bind(p.as_str());
            }
            entity_records(&q.fetch_all(c).await?)?
        }))
    }

    /// The snapshot to compare today with: the latest recorded on or before `on_or_before`,
    /// else the earliest before `today` (a migration younger than a week compares with its
    /// first day). `None` when there is none.
    pub(crate) async fn migration_baseline(
        &self,
        m: &Migration,
        owner: Option<&str>,
        on_or_before: i64,
        today: i64,
    ) -> Result<Option<(i64, Vec<OwnerCounts>)>, IndexError> {
        let name = key(m);
        let day: Option<i64> = on_pool!(&self.pool, c, _pg => {
            let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(day) FROM migration_history WHERE migration = $1 AND day <= $2")
                .bind(&name).bind(on_or_before).fetch_one(c).await?;
            match latest {
                Some(d) => Some(d),
                None => sqlx::query_scalar("SELECT MIN(day) FROM migration_history WHERE migration = $1 AND day < $2")
                    .bind(&name).bind(today).fetch_one(c).await?,
            }
        });
        let Some(day) = day else { return Ok(None) };
        let rows = self.migration_history(m, owner, Some(day)).await?;
        Ok(Some((day, rows.into_iter().map(|r| r.counts).collect())))
    }

    /// Recorded history of `m`, by day then owner (one team's when `owner` is given; one day's
    /// when `day` is).
    pub(crate) async fn migration_history(
        &self,
        m: &Migration,
        owner: Option<&str>,
        day: Option<i64>,
    ) -> Result<Vec<HistoryRow>, IndexError> {
        let sql = format!(
            "SELECT day, owner_ref, in_scope, done, remaining FROM migration_history WHERE migration = $1{}{} \
             ORDER BY day, owner_ref",
            if owner.is_some() { " AND owner_ref = $2" } else { " AND $2 = ''" },
            if day.is_some() { " AND day = $3" } else { " AND $3 = 0" },
        );
        let rows: Vec<(i64, String, i64, i64, i64)> = on_pool!(&self.pool, c, _pg => {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(key(m))
                .bind(owner.unwrap_or_default())
                .bind(day.unwrap_or(0))
                .fetch_all(c)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(day, owner_ref, in_scope, done, remaining)| HistoryRow {
                day,
                counts: OwnerCounts { owner_ref, in_scope, done, remaining },
            })
            .collect())
    }

    /// The first day `m`'s progress was recorded.
    pub(crate) async fn migration_first_day(&self, m: &Migration) -> Result<Option<i64>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar("SELECT MIN(day) FROM migration_history WHERE migration = $1")
                .bind(key(m))
                .fetch_one(c)
                .await?
        }))
    }

    /// Teams already nudged about `m` in `period`.
    pub(crate) async fn nudged(&self, m: &Migration, period: &str) -> Result<HashSet<String>, IndexError> {
        let rows: Vec<String> = on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar("SELECT owner_ref FROM migration_nudges WHERE migration = $1 AND period = $2")
                .bind(key(m))
                .bind(period)
                .fetch_all(c)
                .await?
        });
        Ok(rows.into_iter().collect())
    }

    /// Remembers that `owner_ref` was nudged about `m` in `period`; false when it already was
    /// (another instance posted first).
    pub(crate) async fn mark_nudged(
        &self,
        m: &Migration,
        owner_ref: &str,
        period: &str,
        at: i64,
    ) -> Result<bool, IndexError> {
        let done = on_pool!(&self.pool, c, _pg => {
            sqlx::query(
                "INSERT INTO migration_nudges (migration, owner_ref, period, posted_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(key(m))
            .bind(owner_ref)
            .bind(period)
            .bind(at)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Forgets that `owner_ref` was nudged about `m` in `period` (its post did not go out, so a
    /// later attempt in the period may post it).
    pub(crate) async fn unmark_nudged(&self, m: &Migration, owner_ref: &str, period: &str) -> Result<(), IndexError> {
        on_pool!(&self.pool, c, _pg => {
            sqlx::query("DELETE FROM migration_nudges WHERE migration = $1 AND owner_ref = $2 AND period = $3")
                .bind(key(m))
                .bind(owner_ref)
                .bind(period)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}

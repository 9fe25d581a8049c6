//! What the search index and the index's status read: the change log a search index catches up
//! from, the search documents it is built from (a page at a time), and the sources' status.

use super::rows::{SearchRow, SourceRecord};
use super::{Pool, Store};
use crate::IndexError;

impl Store {
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
        const SQL: &str = concat!(source_select!(), "ORDER BY s.position, s.name");
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query(SQL).fetch_all(c).await?.iter().map(SourceRecord::from_row).collect::<Result<Vec<_>, _>>()?
        }))
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

    /// Search documents of `refs` (active rows only; refs without one were deleted).
    pub(crate) async fn search_rows(&self, refs: &[String]) -> Result<Vec<SearchRow>, IndexError> {
        const SQLITE: &str = concat!(search_select!(), "WHERE e.active AND e.ref ", list!(sqlite));
        const PG: &str = concat!(search_select!(), "WHERE e.active AND e.ref ", list!(pg));
        let json = serde_json::to_string(refs).unwrap_or_default();
        Ok(on_pool!(&self.pool, c, pg => {
            sqlx::query(if pg { PG } else { SQLITE })
                .bind(json)
                .fetch_all(c)
                .await?
                .iter()
                .map(SearchRow::from_row)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    /// Search documents of active entities read from files with ids in `ids` (a full rebuild
    /// pages through the store by file id: a primary-key range, never a sort of the whole table,
    /// which SQLite's planner chose for `ORDER BY ref LIMIT n` pages and held in memory).
    pub(crate) async fn search_rows_in_files(&self, ids: std::ops::Range<i64>) -> Result<Vec<SearchRow>, IndexError> {
        const SQL: &str = concat!(search_select!(), "WHERE e.active AND e.file_id >= $1 AND e.file_id < $2");
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query(SQL)
                .bind(ids.start)
                .bind(ids.end)
                .fetch_all(c)
                .await?
                .iter()
                .map(SearchRow::from_row)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    /// The largest file id in use (0 when there are none).
    pub(crate) async fn max_file_id(&self) -> Result<i64, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM files").fetch_one(c).await?.unwrap_or(0)
        }))
    }
}

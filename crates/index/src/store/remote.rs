//! What the store remembers of a Backstage source between runs: each stored entity's uid and
//! etag (kept in its `files` row as `fingerprint` and `hash`) with its ref, so a later process
//! can ask Backstage only for what changed.

use super::{Pool, Store};
use crate::IndexError;

/// `(uid, etag, kind, namespace, name)` of one stored Backstage entity.
pub(crate) type StampRow = (String, String, String, String, String);

impl Store {
    /// The stamps of the entities stored for the Backstage source `source`, in uid order.
    pub(crate) async fn remote_stamps(&self, source: &str) -> Result<Vec<StampRow>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, StampRow>(
                "SELECT f.fingerprint, f.hash, e.kind, e.namespace, e.name FROM files f \
                 JOIN sources s ON s.id = f.source_id JOIN entities e ON e.file_id = f.id \
                 WHERE s.name = $1 AND s.kind = 'backstage' AND f.fingerprint IS NOT NULL ORDER BY f.fingerprint",
            )
            .bind(source)
            .fetch_all(c)
            .await?
        }))
    }
}

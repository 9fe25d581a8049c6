//! The reads scorecards need beyond an entity's own row: the `dependsOn` targets of many
//! entities at once, and which groups have a direct member. One query each, whatever the
//! number of entities scored.

use std::collections::HashSet;

use super::{Pool, Store};
use crate::IndexError;

impl Store {
    /// `(source, target)` of every active `relation` edge leaving one of `sources`.
    pub(crate) async fn relation_targets(
        &self,
        sources: &[String],
        relation: &str,
    ) -> Result<Vec<(String, String)>, IndexError> {
        if sources.is_empty() {
            return Ok(Vec::new());
        }
        const SQLITE: &str = concat!(
            "SELECT DISTINCT source_ref, target_ref FROM relations WHERE type = $2 AND active AND source_ref ",
            list!(sqlite)
        );
        const PG: &str = concat!(
            "SELECT DISTINCT source_ref, target_ref FROM relations WHERE type = $2 AND active AND source_ref ",
            list!(pg)
        );
        let json = serde_json::to_string(sources).unwrap_or_default();
        Ok(on_pool!(&self.pool, c, pg => {
            sqlx::query_as::<_, (String, String)>(if pg { PG } else { SQLITE }).bind(json).bind(relation).fetch_all(c).await?
        }))
    }

    /// Those of `groups` with a direct member (a `hasMember` relation, written on either side).
    pub(crate) async fn with_direct_members(&self, groups: &[String]) -> Result<HashSet<String>, IndexError> {
        if groups.is_empty() {
            return Ok(HashSet::new());
        }
        const SQLITE: &str = concat!(
            "SELECT DISTINCT source_ref FROM relations WHERE type = 'hasMember' AND active AND source_ref ",
            list!(sqlite)
        );
        const PG: &str = concat!(
            "SELECT DISTINCT source_ref FROM relations WHERE type = 'hasMember' AND active AND source_ref ",
            list!(pg)
        );
        let json = serde_json::to_string(groups).unwrap_or_default();
        Ok(on_pool!(&self.pool, c, pg => {
            sqlx::query_scalar::<_, String>(if pg { PG } else { SQLITE }).bind(json).fetch_all(c).await?.into_iter().collect()
        }))
    }
}

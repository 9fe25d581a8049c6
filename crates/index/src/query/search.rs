//! Full-text search: hits from the search index, shown as the store has the entities now.

use std::collections::HashMap;

use backline_answer::*;

use super::summary::summary;
use crate::store::EntityRecord;
use crate::{Index, IndexError};

impl Index {
    /// Full-text search; best first.
    pub async fn search(&self, text: &str, limit: u32) -> Result<SearchAnswer, IndexError> {
        self.maybe_sync_search().await?;
        let (hits, total) = self.search_index().search(text, limit.max(1) as usize)?;
        let refs: Vec<String> = hits.iter().map(|h| h.entity_ref.clone()).collect();
        let found: HashMap<String, EntityRecord> =
            self.store().entities(&refs).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        Ok(SearchAnswer {
            text: text.to_owned(),
            hits: hits
                .into_iter()
                .filter_map(|h| {
                    let rec = found.get(&h.entity_ref)?;
                    Some(SearchHit { entity: summary(rec), score: h.score, matched: h.matched })
                })
                .collect(),
            total: total as u32,
        })
    }
}

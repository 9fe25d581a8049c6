//! "What is X": the entity with its tags, labels, annotations, links, relations, findings and
//! document.

use std::collections::{HashMap, HashSet};

use backline_answer::*;

use super::reach::reach_of;
use super::summary::{finding_summary, relation_info, summary};
use crate::store::EntityRecord;
use crate::{Index, IndexError};

impl Index {
    pub(super) async fn describe_record(&self, rec: &EntityRecord) -> Result<EntityAnswer, IndexError> {
        let relations = self.store().relations_of(&rec.entity_ref).await?;
        let targets: Vec<String> =
            relations.iter().map(|(_, t)| t.clone()).collect::<HashSet<_>>().into_iter().collect();
        let found: HashMap<String, EntityRecord> =
            self.store().entities(&targets).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        let findings = self.store().findings_of(rec.file_id, rec.doc_index).await?;
        let document = self
            .store()
            .document(rec.file_id, rec.doc_index)
            .await?
            .and_then(|d| serde_json::from_str(&d).ok())
            .unwrap_or(serde_json::Value::Null);
        let mut reach = Reach::default();
        reach_of(rec, &mut reach);
        Ok(EntityAnswer {
            entity: summary(rec),
            tags: rec.tags.clone(),
            labels: rec.labels.clone(),
            annotations: rec.annotations.clone(),
            links: reach.links,
            relations: relations.iter().map(|(kind, t)| relation_info(kind, found.get(t), t)).collect(),
            findings: findings.iter().map(finding_summary).collect(),
            document,
        })
    }
}

//! "Find": entities matching every filter, grouped by owner. Entity-valued filters (owner,
//! system, domain) are resolved to refs here; the store gets typed filters
//! ([`EntityFilter`]) and alone writes the SQL.

use std::collections::{BTreeMap, HashMap};

use backline_answer::*;
use backline_catalog::entity_ref::parse_entity_ref;

use super::summary::{missing, summary};
use super::{FIND_LIMIT, Resolved};
use crate::store::{EntityFilter, EntityRecord, MetadataScope};
use crate::{Index, IndexError};

impl Index {
    /// Entities matching every filter, grouped by owner.
    pub async fn find(&self, filters: &[Filter]) -> Result<FindAnswer, IndexError> {
        let mut typed = Vec::with_capacity(filters.len());
        for f in filters {
            typed.push(self.entity_filter(f).await?);
        }
        let recs = self.store().find(&typed, FIND_LIMIT).await?;
        let total = if recs.len() as i64 >= FIND_LIMIT {
            self.store().count_find(&typed).await? as u32
        } else {
            recs.len() as u32
        };
        let mut groups: BTreeMap<Option<String>, Vec<EntitySummary>> = BTreeMap::new();
        for r in &recs {
            groups.entry(r.owner_ref.clone()).or_default().push(summary(r));
        }
        let owner_refs: Vec<String> = groups.keys().flatten().cloned().collect();
        let owners: HashMap<String, EntityRecord> =
            self.store().entities(&owner_refs).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        let mut out: Vec<OwnerGroup> = groups
            .into_iter()
            .map(|(owner, mut entities)| {
                entities.sort_by(|a, b| a.entity_ref.cmp(&b.entity_ref));
                OwnerGroup { owner: owner.map(|o| owners.get(&o).map_or_else(|| missing(&o), summary)), entities }
            })
            .collect();
        // Entities without an owner last.
        out.sort_by_key(|g| g.owner.is_none());
        Ok(FindAnswer { filters: filters.to_vec(), groups: out, total })
    }

    /// The store's filter for a question's: values trimmed and lowercased (a label or
    /// annotation key is kept as written), entity values resolved to canonical refs.
    async fn entity_filter(&self, f: &Filter) -> Result<EntityFilter, IndexError> {
        let value = f.value.as_deref().map(str::trim).unwrap_or_default().to_lowercase();
        Ok(match f.field {
            FilterField::Kind => EntityFilter::Kind(value),
            FilterField::Type => EntityFilter::Type(value),
            FilterField::Lifecycle => EntityFilter::Lifecycle(value),
            FilterField::Namespace => EntityFilter::Namespace(value),
            FilterField::Tag => EntityFilter::Tag(value),
            FilterField::Owner => {
                EntityFilter::Owner(self.entity_value_ref(&value, "Group", &["group", "user"]).await?)
            }
            FilterField::System => EntityFilter::System(self.entity_value_ref(&value, "System", &["system"]).await?),
            FilterField::Domain => EntityFilter::Domain(self.entity_value_ref(&value, "Domain", &["domain"]).await?),
            FilterField::Label | FilterField::Annotation => EntityFilter::Metadata {
                scope: if f.field == FilterField::Label { MetadataScope::Label } else { MetadataScope::Annotation },
                key: f.key.clone().unwrap_or_default(),
                value: f.value.as_deref().map(|v| v.trim().to_lowercase()),
            },
        })
    }

    /// The canonical ref a filter value names: the entity it resolves to among `kinds`, else
    /// the value read as a reference with `default_kind`.
    pub(super) async fn entity_value_ref(
        &self,
        value: &str,
        default_kind: &str,
        kinds: &[&str],
    ) -> Result<String, IndexError> {
        if let Ok(r) = parse_entity_ref(value, Some(default_kind), Some("default")) {
            let canonical = r.canonical();
            if self.store().entity(&canonical).await?.is_some() {
                return Ok(canonical);
            }
        }
        if let Resolved::Found(rec) | Resolved::Fuzzy(rec) = self.resolve_record(value, kinds).await?
            && kinds.iter().any(|k| rec.kind.eq_ignore_ascii_case(k))
        {
            return Ok(rec.entity_ref);
        }
        Ok(parse_entity_ref(value, Some(default_kind), Some("default")).map(|r| r.canonical()).unwrap_or_default())
    }
}

//! "Tell me about team X": a Group's parents, sub-groups, members and everything it owns
//! (directly or through a sub-group), or a User's groups and what they own.

use std::collections::HashMap;

use backline_answer::*;

use super::reach::{person, reach_of};
use super::summary::summary;
use crate::store::EntityRecord;
use crate::{Index, IndexError};

impl Index {
    /// Parent groups, nearest first (following `childOf`), cycle-safe.
    pub(super) async fn parents(&self, group_ref: &str) -> Result<Vec<EntityRecord>, IndexError> {
        self.store().closure(group_ref, "childOf").await
    }

    pub(super) async fn members(&self, group_ref: &str) -> Result<Vec<Person>, IndexError> {
        Ok(self.store().related(group_ref, "hasMember").await?.iter().map(person).collect())
    }

    pub(super) async fn team_record(&self, rec: &EntityRecord) -> Result<TeamAnswer, IndexError> {
        let mut reach = Reach::default();
        reach_of(rec, &mut reach);
        let is_group = rec.kind.eq_ignore_ascii_case("group");
        let (parents, children, members, owners) = if is_group {
            let parents = self.parents(&rec.entity_ref).await?;
            let children = self.store().related(&rec.entity_ref, "parentOf").await?;
            // The team itself, then every sub-group at any depth (what they own is "via" them).
            let mut owners: Vec<(String, Option<String>)> = vec![(rec.entity_ref.clone(), None)];
            for sub in self.store().closure_refs(&rec.entity_ref, "parentOf").await? {
                owners.push((sub.clone(), Some(sub)));
            }
            let members = self.members(&rec.entity_ref).await?;
            (parents, children, members, owners)
        } else {
            let parents = self.store().related(&rec.entity_ref, "memberOf").await?;
            (parents, Vec::new(), vec![person(rec)], vec![(rec.entity_ref.clone(), None)])
        };
        let via: HashMap<String, Option<String>> = owners.iter().cloned().collect();
        let owner_refs: Vec<String> = owners.into_iter().map(|(r, _)| r).collect();
        let mut owned = self.store().owned_by(&owner_refs).await?;
        owned.sort_by(|a, b| {
            a.kind.to_lowercase().cmp(&b.kind.to_lowercase()).then_with(|| a.entity_ref.cmp(&b.entity_ref))
        });
        let owns = owned
            .iter()
            .map(|e| OwnedEntity {
                entity: summary(e),
                via: e.owner_ref.as_ref().and_then(|o| via.get(o).cloned().flatten()),
            })
            .collect();
        Ok(TeamAnswer {
            team: summary(rec),
            email: rec.email.clone(),
            parents: parents.iter().map(summary).collect(),
            children: children.iter().map(summary).collect(),
            members,
            owns,
            reach,
        })
    }
}

//! "Who owns X": the owner, its parent groups and members, how to reach them, and the entity's
//! findings when it has any. The hottest answer: the owner side is one query
//! ([`crate::Store::owner_bundle`]).

use backline_answer::*;

use super::reach::{person, reach_of};
use super::summary::{finding_summary, missing, summary};
use crate::store::EntityRecord;
use crate::{Index, IndexError};

impl Index {
    /// The owner record, or a summary of a missing owner.
    pub(super) async fn owner_of(
        &self,
        rec: &EntityRecord,
    ) -> Result<(Option<EntityRecord>, Option<EntitySummary>), IndexError> {
        let Some(owner_ref) = &rec.owner_ref else { return Ok((None, None)) };
        Ok(match self.store().entity(owner_ref).await? {
            Some(o) => {
                let s = summary(&o);
                (Some(o), Some(s))
            }
            None => (None, Some(missing(owner_ref))),
        })
    }

    pub(super) async fn ownership_record(&self, rec: &EntityRecord) -> Result<OwnershipAnswer, IndexError> {
        let mut reach = Reach::default();
        reach_of(rec, &mut reach);
        let mut parents = Vec::new();
        let mut members = Vec::new();
        // One query for the owner, its parents and its members: this is the hottest answer.
        let bundle = match &rec.owner_ref {
            Some(owner_ref) => self.store().owner_bundle(owner_ref).await?,
            None => None,
        };
        let owner_summary = match (&bundle, &rec.owner_ref) {
            (Some(b), _) => Some(summary(&b.owner)),
            (None, Some(owner_ref)) => Some(missing(owner_ref)),
            (None, None) => None,
        };
        if let Some(b) = &bundle {
            let o = &b.owner;
            reach_of(o, &mut reach);
            if o.kind.eq_ignore_ascii_case("group") {
                if reach.contacts.iter().all(|c| c.from == rec.entity_ref)
                    && let Some(p) = b.parents.first()
                {
                    reach_of(p, &mut reach);
                }
                parents = b.parents.iter().map(summary).collect();
                members = b.related.iter().map(person).collect();
            } else if o.kind.eq_ignore_ascii_case("user") {
                members = vec![person(o)];
                parents = b.related.iter().map(summary).collect();
            }
        }
        let findings = if rec.error_count + rec.warning_count > 0 || !rec.valid {
            self.store().findings_of(rec.file_id, rec.doc_index).await?.iter().map(finding_summary).collect()
        } else {
            Vec::new()
        };
        Ok(OwnershipAnswer { entity: summary(rec), owner: owner_summary, parents, members, reach, findings })
    }
}

//! "How do I reach X": the entity's own contacts, then its team's (a Group's parent group when
//! the team wrote none), and the team's members.

use backline_answer::*;

use super::reach::reach_of;
use super::summary::summary;
use crate::store::EntityRecord;
use crate::{Index, IndexError};

impl Index {
    pub(super) async fn contact_record(&self, rec: &EntityRecord) -> Result<ContactAnswer, IndexError> {
        let is_party = rec.kind.eq_ignore_ascii_case("group") || rec.kind.eq_ignore_ascii_case("user");
        let mut reach = Reach::default();
        let (team, team_summary) = if is_party {
            (Some(rec.clone()), Some(summary(rec)))
        } else {
            reach_of(rec, &mut reach);
            self.owner_of(rec).await?
        };
        let mut members = Vec::new();
        if let Some(t) = &team {
            reach_of(t, &mut reach);
            if t.kind.eq_ignore_ascii_case("group") {
                members = self.members(&t.entity_ref).await?;
                if reach.contacts.is_empty()
                    && let Some(p) = self.parents(&t.entity_ref).await?.first()
                {
                    reach_of(p, &mut reach);
                }
            }
        }
        Ok(ContactAnswer { subject: summary(rec), team: team_summary, members, reach })
    }
}

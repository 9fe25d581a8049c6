//! Questions about the asker ("what do I own", "what does my team own", "am I on call"): the
//! asker matched to one catalog `User`, then what they and their teams own or where their
//! on-call comes from.
//!
//! Matching follows Backstage's sign-in resolvers: the platform's id annotation first
//! (`slack.com/user_id`, `discord.com/user-id`), then `spec.profile.email` case-insensitively,
//! or the User named by `backline ask --as`. Several Users matching is not guessed between, and
//! no match is answered with the reason and what to add to the catalog.

use std::collections::BTreeSet;

use backline_answer::*;

use super::reach::{person, reach_of};
use super::summary::summary;
use super::{Resolved, preferred_kinds};
use crate::store::EntityRecord;
use crate::{Index, IndexError};

/// The asker's User, or why there is none.
type Identified = Result<(EntityRecord, AskerMatch), UnknownAskerReason>;

impl Index {
    /// Answers a question about the asker.
    pub(super) async fn mine(&self, about: AboutMe, asker: Option<&Asker>) -> Result<AnswerBody, IndexError> {
        let platform = asker.map_or(AskerPlatform::Cli, |a| a.platform);
        let (me, matched_by) = match self.identify(asker).await? {
            Ok(found) => found,
            Err(reason) => return Ok(AnswerBody::UnknownAsker(UnknownAsker { about, platform, reason })),
        };
        let teams = self.store().related(&me.entity_ref, "memberOf").await?;
        let teams: Vec<EntityRecord> = teams.into_iter().filter(|t| t.kind.eq_ignore_ascii_case("group")).collect();
        let owns = match about {
            AboutMe::Own => {
                let owners: Vec<String> =
                    std::iter::once(me.entity_ref.clone()).chain(teams.iter().map(|t| t.entity_ref.clone())).collect();
                self.owned_via(&owners, &me.entity_ref).await?
            }
            AboutMe::TeamOwns => {
                let mut owners: BTreeSet<String> = teams.iter().map(|t| t.entity_ref.clone()).collect();
                for team in &teams {
                    owners.extend(self.store().closure_refs(&team.entity_ref, "parentOf").await?);
                }
                self.owned_via(&owners.into_iter().collect::<Vec<_>>(), &me.entity_ref).await?
            }
            AboutMe::OnCallNow | AboutMe::OnCallNext => Vec::new(),
        };
        let mut reach = Reach::default();
        if matches!(about, AboutMe::OnCallNow | AboutMe::OnCallNext) {
            reach_of(&me, &mut reach);
            for team in &teams {
                reach_of(team, &mut reach);
            }
        }
        Ok(AnswerBody::Mine(MineAnswer {
            about,
            me: person(&me),
            matched_by,
            teams: teams.iter().map(summary).collect(),
            owns,
            reach,
            next_on_call: Vec::new(),
        }))
    }

    /// What `owners` own, sorted by kind then reference; `via` names the owner unless it is `me`.
    async fn owned_via(&self, owners: &[String], me: &str) -> Result<Vec<OwnedEntity>, IndexError> {
        let mut owned = self.store().owned_by(owners).await?;
        owned.sort_by(|a, b| {
            a.kind.to_lowercase().cmp(&b.kind.to_lowercase()).then_with(|| a.entity_ref.cmp(&b.entity_ref))
        });
        Ok(owned
            .iter()
            .map(|e| OwnedEntity { entity: summary(e), via: e.owner_ref.clone().filter(|o| o != me) })
            .collect())
    }

    /// The catalog User `asker` is, or why none can be said to be.
    async fn identify(&self, asker: Option<&Asker>) -> Result<Identified, IndexError> {
        let Some(asker) = asker else { return Ok(Err(UnknownAskerReason::NoIdentity)) };
        if let Some(name) = asker.user.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            if name.contains('@') && !name.contains(':') {
                return self.by_email(name, None).await;
            }
            let as_user = Query::Contact { name: name.to_owned() };
            return Ok(match self.resolve_record(name, preferred_kinds(&as_user)).await? {
                Resolved::Found(rec) if rec.kind.eq_ignore_ascii_case("user") => Ok((*rec, AskerMatch::Name)),
                Resolved::Ambiguous(recs) => {
                    let users: Vec<String> = recs
                        .iter()
                        .filter(|r| r.kind.eq_ignore_ascii_case("user"))
                        .map(|r| r.entity_ref.clone())
                        .collect();
                    if users.len() > 1 {
                        Err(UnknownAskerReason::SeveralUsers { users })
                    } else {
                        Err(UnknownAskerReason::NoSuchUser { name: name.to_owned() })
                    }
                }
                // A fuzzy match is a guess, and a Group or Component is not a person.
                Resolved::Found(_) | Resolved::Fuzzy(_) | Resolved::NotFound(_) => {
                    Err(UnknownAskerReason::NoSuchUser { name: name.to_owned() })
                }
            });
        }
        let annotation = match asker.platform {
            AskerPlatform::Slack => Some(SLACK_USER_ANNOTATION),
            AskerPlatform::Discord => Some(DISCORD_USER_ANNOTATION),
            AskerPlatform::Cli => None,
        };
        let user_id = asker.user_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
        if let (Some(annotation), Some(id)) = (annotation, user_id) {
            let mut users = self.store().users_with_annotation(annotation, id).await?;
            match users.len() {
                0 => {}
                1 => return Ok(Ok((users.remove(0), AskerMatch::Annotation))),
                _ => return Ok(Err(several(&users))),
            }
        }
        if let Some(email) = asker.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            return self.by_email(email, user_id).await;
        }
        Ok(Err(match (asker.platform, user_id) {
            (AskerPlatform::Discord, Some(id)) => UnknownAskerReason::NoUserWithId {
                annotation: DISCORD_USER_ANNOTATION.to_owned(),
                user_id: id.to_owned(),
            },
            (AskerPlatform::Slack, _) => UnknownAskerReason::NoEmail {
                user_id: user_id.map(str::to_owned),
                problem: asker.lookup_problem.clone(),
            },
            (AskerPlatform::Discord | AskerPlatform::Cli, _) => UnknownAskerReason::NoIdentity,
        }))
    }

    async fn by_email(&self, email: &str, user_id: Option<&str>) -> Result<Identified, IndexError> {
        let mut users = self.store().users_with_email(email).await?;
        Ok(match users.len() {
            0 => Err(UnknownAskerReason::NoUserWithEmail {
                email: email.to_owned(),
                user_id: user_id.map(str::to_owned),
            }),
            1 => Ok((users.remove(0), AskerMatch::Email)),
            _ => Err(several(&users)),
        })
    }
}

fn several(users: &[EntityRecord]) -> UnknownAskerReason {
    UnknownAskerReason::SeveralUsers { users: users.iter().map(|u| u.entity_ref.clone()).collect() }
}

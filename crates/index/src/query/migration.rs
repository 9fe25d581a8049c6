//! "How is the python3 migration going": a `[[migration]]`'s progress now (from the entities),
//! compared with a week ago (from the history every index run records), per owning team with
//! the team's contacts and what it still has to migrate; or every migration in one list.
//!
//! For one team everything is read for that owner only (an index lookup), so the answer costs
//! the same at 1,000 and 100,000 entities.

use std::collections::HashMap;

use backline_answer::*;

use super::Resolved;
use super::reach::reach_of;
use super::summary::{missing, summary};
use crate::migration::{Migration, NudgeEvery, day_string, today};
use crate::store::{EntityRecord, OwnerCounts};
use crate::{Index, IndexError};

/// Remaining entities listed per team in the whole-migration answer.
const REMAINING_PER_TEAM: usize = 10;
/// Remaining entities listed for one team.
const REMAINING_ONE_TEAM: i64 = 200;
/// Remaining entities read for the whole migration (the rest are counted, not listed).
const REMAINING_ALL: i64 = 5_000;

fn progress(c: &OwnerCounts) -> MigrationProgress {
    MigrationProgress { in_scope: c.in_scope as u32, done: c.done as u32, remaining: c.remaining as u32 }
}

fn total(counts: &[OwnerCounts]) -> MigrationProgress {
    counts.iter().fold(MigrationProgress::default(), |mut t, c| {
        t.in_scope += c.in_scope as u32;
        t.done += c.done as u32;
        t.remaining += c.remaining as u32;
        t
    })
}

impl Index {
    /// The migration configured as `name` (case-insensitive).
    pub fn migration(&self, name: &str) -> Option<&Migration> {
        self.migrations().iter().find(|m| m.name.eq_ignore_ascii_case(name.trim()))
    }

    pub(super) async fn migration_answer(
        &self,
        name: Option<&str>,
        team: Option<&str>,
    ) -> Result<AnswerBody, IndexError> {
        self.migration_answer_on(name, team, today()).await
    }

    /// [`Self::migration_answer`] as of `day` (days since the epoch): "a week ago" is counted
    /// from it.
    pub async fn migration_answer_on(
        &self,
        name: Option<&str>,
        team: Option<&str>,
        day: i64,
    ) -> Result<AnswerBody, IndexError> {
        // "migration team-payments" with one migration configured, or a name that is no
        // migration but a team: the team's part of the only migration.
        let (name, team) = match (name, team) {
            (Some(n), None) if self.migration(n).is_none() && self.migrations().len() == 1 => {
                (Some(self.migrations()[0].name.as_str()), Some(n))
            }
            (None, Some(t)) if self.migrations().len() == 1 => (Some(self.migrations()[0].name.as_str()), Some(t)),
            other => other,
        };
        let Some(name) = name else {
            if let Some(t) = team {
                return Ok(self.not_a_migration(t));
            }
            return Ok(AnswerBody::Migrations(self.migration_list(day).await?));
        };
        let Some(m) = self.migration(name) else { return Ok(self.not_a_migration(name)) };
        let team_rec = match team {
            None => None,
            Some(t) => match self.resolve_record(t, &["group", "user"]).await? {
                Resolved::Found(rec) | Resolved::Fuzzy(rec) => Some(*rec),
                Resolved::Ambiguous(recs) => {
                    let q = |r: &EntityRecord| Query::Migration {
                        name: Some(m.name.clone()),
                        team: Some(r.entity_ref.clone()),
                    };
                    return Ok(AnswerBody::Ambiguous(Ambiguous {
                        name: t.to_owned(),
                        candidates: recs
                            .iter()
                            .map(|r| Candidate { entity: summary(r), follow_up: question::question_for(&q(r)) })
                            .collect(),
                    }));
                }
                Resolved::NotFound(recs) => {
                    return Ok(AnswerBody::NotFound(NotFound {
                        name: t.to_owned(),
                        closest: recs
                            .iter()
                            .map(|r| Candidate {
                                entity: summary(r),
                                follow_up: question::question_for(&Query::Migration {
                                    name: Some(m.name.clone()),
                                    team: Some(r.entity_ref.clone()),
                                }),
                            })
                            .collect(),
                    }));
                }
            },
        };
        Ok(AnswerBody::Migration(self.migration_progress(m, team_rec.as_ref(), day).await?))
    }

    /// "python3 is not a migration": the configured ones are offered.
    fn not_a_migration(&self, name: &str) -> AnswerBody {
        AnswerBody::Help(Help {
            reason: Some(if self.migrations().is_empty() {
                "No migrations are configured ([[migration]] in backline.toml).".to_owned()
            } else {
                format!(
                    "No migration is called \"{}\". Configured: {}.",
                    name.trim(),
                    self.migrations().iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
                )
            }),
            examples: self
                .migrations()
                .iter()
                .map(|m| HelpExample {
                    question: question::question_for(&Query::Migration { name: Some(m.name.clone()), team: None }),
                    explanation: m.description.clone().unwrap_or_default(),
                })
                .collect(),
        })
    }

    async fn info(&self, m: &Migration, day: i64) -> Result<MigrationInfo, IndexError> {
        let since = self.store().migration_first_day(m).await?;
        Ok(MigrationInfo {
            name: m.name.clone(),
            description: m.description.clone(),
            scope: m.scope.clone(),
            todo: m.todo.clone(),
            done: m.done.clone(),
            due: m.due.map(day_string),
            days_left: m.due.map(|d| d - day),
            link: m.link.clone(),
            since: since.map(day_string),
        })
    }

    async fn migration_list(&self, day: i64) -> Result<MigrationList, IndexError> {
        let mut migrations = Vec::with_capacity(self.migrations().len());
        for m in self.migrations() {
            let counts = self.store().migration_counts(m, None).await?;
            let baseline = self.store().migration_baseline(m, None, day - 7, day).await?;
            migrations.push(MigrationLine {
                migration: self.info(m, day).await?,
                progress: total(&counts),
                baseline: baseline.map(|(d, c)| MigrationBaseline { day: day_string(d), progress: total(&c) }),
                teams_behind: counts.iter().filter(|c| c.remaining > 0).count() as u32,
            });
        }
        Ok(MigrationList { migrations })
    }

    /// One migration, for every team or for `team` only.
    pub(crate) async fn migration_progress(
        &self,
        m: &Migration,
        team: Option<&EntityRecord>,
        day: i64,
    ) -> Result<MigrationAnswer, IndexError> {
        let owner = team.map(|t| t.entity_ref.as_str());
        let counts = self.store().migration_counts(m, owner).await?;
        let baseline = self.store().migration_baseline(m, owner, day - 7, day).await?;
        let limit = if team.is_some() { REMAINING_ONE_TEAM } else { REMAINING_ALL };
        let remaining = self.store().migration_remaining(m, owner, limit).await?;
        let mut by_owner: HashMap<&str, Vec<EntitySummary>> = HashMap::new();
        for r in &remaining {
            let list = by_owner.entry(r.owner_ref.as_deref().unwrap_or_default()).or_default();
            if team.is_some() || list.len() < REMAINING_PER_TEAM {
                list.push(summary(r));
            }
        }
        let owner_refs: Vec<String> =
            counts.iter().filter(|c| !c.owner_ref.is_empty()).map(|c| c.owner_ref.clone()).collect();
        let owners: HashMap<String, EntityRecord> = match team {
            Some(t) => HashMap::from([(t.entity_ref.clone(), t.clone())]),
            None => self.store().entities(&owner_refs).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect(),
        };
        let before: HashMap<&str, i64> = baseline
            .as_ref()
            .map(|(_, b)| b.iter().map(|c| (c.owner_ref.as_str(), c.remaining)).collect())
            .unwrap_or_default();
        let mut teams: Vec<TeamProgress> = counts
            .iter()
            // Teams whose entities match neither `todo` nor `done` have no part in it.
            .filter(|c| c.done + c.remaining > 0)
            .map(|c| {
                let rec = owners.get(&c.owner_ref);
                let mut reach = Reach::default();
                if let Some(rec) = rec {
                    reach_of(rec, &mut reach);
                }
                TeamProgress {
                    owner: (!c.owner_ref.is_empty()).then(|| rec.map_or_else(|| missing(&c.owner_ref), summary)),
                    progress: progress(c),
                    remaining_before: before.get(c.owner_ref.as_str()).map(|r| *r as u32),
                    contacts: reach.contacts,
                    remaining: by_owner.remove(c.owner_ref.as_str()).unwrap_or_default(),
                }
            })
            .collect();
        // Furthest behind first: most remaining, then the lowest share done, then by ref.
        teams.sort_by(|a, b| {
            b.progress
                .remaining
                .cmp(&a.progress.remaining)
                .then_with(|| a.progress.percent().cmp(&b.progress.percent()))
                .then_with(|| {
                    let r = |t: &TeamProgress| t.owner.as_ref().map(|o| o.entity_ref.clone());
                    r(a).is_none().cmp(&r(b).is_none()).then_with(|| r(a).cmp(&r(b)))
                })
        });
        Ok(MigrationAnswer {
            migration: self.info(m, day).await?,
            team: team.map(summary),
            progress: total(&counts),
            baseline: baseline.map(|(d, c)| MigrationBaseline { day: day_string(d), progress: total(&c) }),
            teams,
        })
    }
}

/// The nudge key of the summary post (no team ref looks like it).
const SUMMARY_KEY: &str = "#summary";

/// Where a team is nudged: its Slack channel, else its Slack notify target, else its Discord
/// channel.
fn nudge_channel(contacts: &[Contact]) -> Option<(NudgePlatform, String)> {
    let find = |ch: ContactChannel| contacts.iter().find(|c| c.channel == ch).map(|c| c.value.trim().to_owned());
    find(ContactChannel::SlackChannel)
        .or_else(|| find(ContactChannel::SlackNotify))
        .map(|c| (NudgePlatform::Slack, c))
        .or_else(|| find(ContactChannel::DiscordChannel).map(|c| (NudgePlatform::Discord, c)))
}

impl Index {
    /// What `name`'s nudges would post on `day`: one post per team with work left and a
    /// channel, not yet nudged in the period, and the summary (when a channel is configured
    /// and it was not posted in the period). Posts nothing: see [`Self::mark_nudged`].
    pub async fn nudge_plan(&self, name: &str, day: i64) -> Result<NudgePlan, IndexError> {
        let m = self.migration(name).ok_or_else(|| IndexError::UnknownMigration(name.to_owned()))?;
        let every = m.nudge.as_ref().map_or(NudgeEvery::Weekly, |n| n.every);
        let period = every.period(day);
        let whole = self.migration_progress(m, None, day).await?;
        let already = self.store().nudged(m, &period).await?;
        let mut plan = NudgePlan {
            migration: m.name.clone(),
            period,
            scheduled: m.nudge.is_some(),
            posts: Vec::new(),
            unreachable: Vec::new(),
            already_nudged: Vec::new(),
        };
        for t in whole.teams.iter().filter(|t| t.progress.remaining > 0) {
            let Some(owner) = &t.owner else { continue };
            if already.contains(&owner.entity_ref) {
                plan.already_nudged.push(owner.entity_ref.clone());
                continue;
            }
            let Some((platform, channel)) = nudge_channel(&t.contacts) else {
                plan.unreachable.push(owner.clone());
                continue;
            };
            let Some(rec) = self.store().entity(&owner.entity_ref).await? else { continue };
            let body = AnswerBody::Migration(self.migration_progress(m, Some(&rec), day).await?);
            let query = Query::Migration { name: Some(m.name.clone()), team: Some(owner.entity_ref.clone()) };
            let answer = self.wrap(String::new(), Some(query), body, None).await?;
            plan.posts.push(NudgePost { platform, channel, team: Some(owner.entity_ref.clone()), answer });
        }
        let summary_channel = m.nudge.as_ref().and_then(|n| n.summary_channel.clone());
        if let Some(channel) = summary_channel {
            if already.contains(SUMMARY_KEY) {
                plan.already_nudged.push(SUMMARY_KEY.to_owned());
            } else if whole.progress.remaining > 0 {
                // Discord channel ids are numbers; anything else names a Slack channel.
                let platform = if channel.chars().all(|c| c.is_ascii_digit()) {
                    NudgePlatform::Discord
                } else {
                    NudgePlatform::Slack
                };
                let query = Query::Migration { name: Some(m.name.clone()), team: None };
                let answer = self.wrap(String::new(), Some(query), AnswerBody::Migration(whole), None).await?;
                plan.posts.push(NudgePost { platform, channel, team: None, answer });
            }
        }
        Ok(plan)
    }

    /// Remembers that `post` of `plan` was posted; false when it already was in the period
    /// (another instance posted first: do not post again).
    pub async fn mark_nudged(&self, plan: &NudgePlan, post: &NudgePost, at: i64) -> Result<bool, IndexError> {
        let m = self.migration(&plan.migration).ok_or_else(|| IndexError::UnknownMigration(plan.migration.clone()))?;
        self.store().mark_nudged(m, post.team.as_deref().unwrap_or(SUMMARY_KEY), &plan.period, at).await
    }

    /// Forgets that `post` of `plan` was posted: it did not go out, and may be tried again in
    /// the period.
    pub async fn unmark_nudged(&self, plan: &NudgePlan, post: &NudgePost) -> Result<(), IndexError> {
        let m = self.migration(&plan.migration).ok_or_else(|| IndexError::UnknownMigration(plan.migration.clone()))?;
        self.store().unmark_nudged(m, post.team.as_deref().unwrap_or(SUMMARY_KEY), &plan.period).await
    }

    /// `name`'s recorded history: `(day, owner ref or "", remaining)` by day then owner, for
    /// burn-down charts.
    pub async fn migration_history(&self, name: &str) -> Result<Vec<(i64, String, u32)>, IndexError> {
        let m = self.migration(name).ok_or_else(|| IndexError::UnknownMigration(name.to_owned()))?;
        Ok(self
            .store()
            .migration_history(m, None, None)
            .await?
            .into_iter()
            .map(|r| (r.day, r.counts.owner_ref, r.counts.remaining as u32))
            .collect())
    }
}

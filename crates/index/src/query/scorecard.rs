//! Scorecard answers from the store: the entities in scope (a team's, with its sub-groups', one
//! entity, or every entity of the scorecard's kinds), what the rules need of other entities
//! (owners' members, dependencies' lifecycles, systems' domains) in a few batched reads, then
//! the catalog crate's pure evaluator, so the index, `check` and the editor agree.

use std::collections::{BTreeMap, HashMap, HashSet};

use backline_answer::*;
use backline_catalog::scorecard::{Context, OwnerState, Scorecard, Subject, SubjectLink};

use super::summary::{missing, summary};
use super::{Resolved, candidate};
use crate::store::{EntityFilter, EntityRecord};
use crate::{Index, IndexError};

/// What [`Context`] needs, read from the store before evaluating.
#[derive(Debug, Default)]
struct StoreFacts {
    owners: HashMap<String, OwnerState>,
    deprecated: HashSet<String>,
    system_domains: HashMap<String, String>,
}

impl Context for StoreFacts {
    fn owner_state(&self, owner_ref: &str) -> OwnerState {
        self.owners.get(owner_ref).copied().unwrap_or(OwnerState::Missing)
    }

    fn is_deprecated(&self, entity_ref: &str) -> bool {
        self.deprecated.contains(entity_ref)
    }

    fn domain_of_system(&self, system_ref: &str) -> Option<String> {
        self.system_domains.get(system_ref).cloned()
    }
}

/// Everything scored in one answer.
enum Scope {
    Team(Box<EntityRecord>),
    Entity(Box<EntityRecord>),
    Catalog,
}

impl Index {
    /// Hands the index the `[[scorecard]]`s of `backline.toml`.
    pub fn set_scorecards(&mut self, scorecards: Vec<Scorecard>) {
        self.scorecards = scorecards;
    }

    pub fn scorecards(&self) -> &[Scorecard] {
        &self.scorecards
    }

    /// A [`Query::Scorecard`].
    pub(super) async fn scorecard_body(
        &self,
        query: &Query,
        scorecard: Option<&str>,
        team: Option<&str>,
        entity: Option<&str>,
    ) -> Result<AnswerBody, IndexError> {
        let Some(first) = self.scorecards.first() else {
            return Ok(AnswerBody::Help(backline_answer::question::help(Some(
                "No scorecard is configured: add a [[scorecard]] to backline.toml.".to_owned(),
            ))));
        };
        let by_name = |n: &str| self.scorecards.iter().find(|c| c.name.eq_ignore_ascii_case(n.trim()));
        // The question parser cannot know scorecard names: "scorecard production-readiness
        // team-a" arrives as team "production-readiness team-a".
        let (card, team) = match (scorecard, team) {
            (Some(n), team) => match by_name(n) {
                Some(c) => (c, team.map(str::to_owned)),
                None => return Ok(AnswerBody::NotFound(NotFound { name: n.to_owned(), closest: Vec::new() })),
            },
            (None, Some(t)) => match by_name(t) {
                Some(c) => (c, None),
                None => match t.split_once(' ').and_then(|(head, rest)| Some((by_name(head)?, rest))) {
                    Some((c, rest)) => (c, Some(rest.trim().to_owned())),
                    None => (first, Some(t.to_owned())),
                },
            },
            (None, None) => (first, None),
        };
        let (name, kinds): (Option<&str>, &[&str]) = match (entity, team.as_deref()) {
            (Some(e), _) => (Some(e), &[]),
            (None, Some(t)) => (Some(t), &["group", "user"]),
            (None, None) => (None, &[]),
        };
        let scope = match name {
            None => Scope::Catalog,
            Some(name) => match self.resolve_record(name, kinds).await? {
                Resolved::Found(rec) | Resolved::Fuzzy(rec) if entity.is_none() && is_team(&rec) => Scope::Team(rec),
                Resolved::Found(rec) | Resolved::Fuzzy(rec) => Scope::Entity(rec),
                Resolved::Ambiguous(recs) => {
                    return Ok(AnswerBody::Ambiguous(Ambiguous {
                        name: name.to_owned(),
                        candidates: recs.iter().map(|r| scorecard_candidate(query, card, r)).collect(),
                    }));
                }
                Resolved::NotFound(recs) => {
                    return Ok(AnswerBody::NotFound(NotFound {
                        name: name.to_owned(),
                        closest: recs.iter().map(|r| scorecard_candidate(query, card, r)).collect(),
                    }));
                }
            },
        };
        Ok(AnswerBody::Scorecard(self.score(card, scope).await?))
    }

    async fn score(&self, card: &Scorecard, scope: Scope) -> Result<ScorecardAnswer, IndexError> {
        let (team, mut records, per_team, per_entity) = match scope {
            Scope::Entity(rec) => (None, vec![*rec], false, true),
            Scope::Team(rec) => {
                let mut owners = vec![rec.entity_ref.clone()];
                if rec.kind.eq_ignore_ascii_case("group") {
                    owners.extend(self.store().closure_refs(&rec.entity_ref, "parentOf").await?);
                }
                let recs = self.store().owned_by(&owners).await?;
                (Some(*rec), recs, true, true)
            }
            Scope::Catalog => {
                let mut recs = Vec::new();
                for kind in &card.kinds {
                    recs.extend(self.store().find(&[EntityFilter::Kind(kind.clone())], i64::MAX).await?);
                }
                (None, recs, true, false)
            }
        };
        // As in `check`: what Backstage refuses is not scored (its findings say what is wrong).
        records.retain(|r| card.applies_to(&r.kind) && r.valid);
        let mut depends_on = self.depends_on(&records).await?;
        let facts = self.facts(&records, &depends_on).await?;
        let mut scored: Vec<(Option<usize>, &EntityRecord, EntityScore)> = records
            .iter()
            .map(|r| {
                let subject = subject(r, depends_on.remove(&r.entity_ref).unwrap_or_default());
                let score = card.evaluate(&subject, &facts);
                (score.level, r, entity_score(card, r, &score))
            })
            .collect();
        // Furthest behind first: no level, then the lowest.
        scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.entity_ref.cmp(&b.1.entity_ref)));
        let teams = if per_team { self.team_rows(card, &scored).await? } else { Vec::new() };
        Ok(ScorecardAnswer {
            scorecard: info(card),
            team: team.as_ref().map(summary),
            teams,
            total: scored.len() as u32,
            entities: if per_entity { scored.into_iter().map(|(_, _, e)| e).collect() } else { Vec::new() },
            other_scorecards: self.scorecards.iter().filter(|c| c.name != card.name).map(|c| c.name.clone()).collect(),
        })
    }

    /// One row per owner of the scored entities, furthest behind first.
    async fn team_rows(
        &self,
        card: &Scorecard,
        scored: &[(Option<usize>, &EntityRecord, EntityScore)],
    ) -> Result<Vec<TeamScore>, IndexError> {
        let mut by_owner: BTreeMap<Option<&str>, Vec<Option<usize>>> = BTreeMap::new();
        for (level, rec, _) in scored {
            by_owner.entry(rec.owner_ref.as_deref()).or_default().push(*level);
        }
        let owner_refs: Vec<String> = by_owner.keys().flatten().map(|o| (*o).to_owned()).collect();
        let owners: HashMap<String, EntityRecord> =
            self.store().entities(&owner_refs).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        let mut rows: Vec<(Option<usize>, TeamScore)> = by_owner
            .into_iter()
            .map(|(owner, levels)| {
                // The team's level is its weakest entity's (`None` sorts lowest).
                let lowest = levels.iter().copied().min().flatten();
                let reached = card
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| LevelCount {
                        level: l.name.clone(),
                        count: levels.iter().filter(|x| x.is_some_and(|x| x >= i)).count() as u32,
                    })
                    .collect();
                let level = if levels.contains(&None) { None } else { lowest };
                let team = owner.map(|o| owners.get(o).map_or_else(|| missing(o), summary));
                (
                    level,
                    TeamScore {
                        team,
                        level: card.level_name(level).map(str::to_owned),
                        entity_count: levels.len() as u32,
                        reached,
                    },
                )
            })
            .collect();
        rows.sort_by(|a, b| {
            (a.1.team.is_none(), a.0)
                .cmp(&(b.1.team.is_none(), b.0))
                .then_with(|| a.1.team.as_ref().map(|t| &t.entity_ref).cmp(&b.1.team.as_ref().map(|t| &t.entity_ref)))
        });
        Ok(rows.into_iter().map(|(_, t)| t).collect())
    }

    /// Owners' members, dependencies' lifecycles and systems' domains, for every record at once.
    async fn facts(
        &self,
        records: &[EntityRecord],
        depends_on: &HashMap<String, Vec<String>>,
    ) -> Result<StoreFacts, IndexError> {
        let mut facts = StoreFacts::default();
        let owner_refs: Vec<String> =
            records.iter().filter_map(|r| r.owner_ref.clone()).collect::<HashSet<_>>().into_iter().collect();
        let defined: Vec<EntityRecord> = self.store().entities(&owner_refs).await?;
        // A group has members when it or a sub-group (at any depth) has a direct member.
        let mut subgroups: HashMap<String, Vec<String>> = HashMap::new();
        let mut all_groups: Vec<String> = Vec::new();
        for owner in &defined {
            if owner.kind.eq_ignore_ascii_case("group") {
                let mut tree = vec![owner.entity_ref.clone()];
                tree.extend(self.store().closure_refs(&owner.entity_ref, "parentOf").await?);
                all_groups.extend(tree.iter().cloned());
                subgroups.insert(owner.entity_ref.clone(), tree);
            }
        }
        let with_members = self.store().with_direct_members(&all_groups).await?;
        for owner in &defined {
            // A User is a person: someone to reach.
            let has_members = owner.kind.eq_ignore_ascii_case("user")
                || subgroups.get(&owner.entity_ref).is_some_and(|t| t.iter().any(|g| with_members.contains(g)));
            let state = if has_members { OwnerState::HasMembers } else { OwnerState::NoMembers };
            facts.owners.insert(owner.entity_ref.clone(), state);
        }
        let targets: Vec<String> = depends_on.values().flatten().cloned().collect::<HashSet<_>>().into_iter().collect();
        for t in self.store().entities(&targets).await? {
            if t.lifecycle.as_deref().is_some_and(|l| l.trim().eq_ignore_ascii_case("deprecated")) {
                facts.deprecated.insert(t.entity_ref);
            }
        }
        let systems: Vec<String> =
            records.iter().filter_map(|r| r.system_ref.clone()).collect::<HashSet<_>>().into_iter().collect();
        for s in self.store().entities(&systems).await? {
            if let Some(d) = s.domain_ref {
                facts.system_domains.insert(s.entity_ref, d);
            }
        }
        Ok(facts)
    }

    /// `dependsOn` targets per record, sorted.
    async fn depends_on(&self, records: &[EntityRecord]) -> Result<HashMap<String, Vec<String>>, IndexError> {
        let sources: Vec<String> = records.iter().map(|r| r.entity_ref.clone()).collect();
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for (s, t) in self.store().relation_targets(&sources, "dependsOn").await? {
            out.entry(s).or_default().push(t);
        }
        Ok(out)
    }
}

fn is_team(rec: &EntityRecord) -> bool {
    rec.kind.eq_ignore_ascii_case("group") || rec.kind.eq_ignore_ascii_case("user")
}

/// The same scorecard question about exactly `rec`.
fn scorecard_candidate(query: &Query, card: &Scorecard, rec: &EntityRecord) -> Candidate {
    let q = match query {
        Query::Scorecard { .. } if is_team(rec) => {
            Query::Scorecard { scorecard: Some(card.name.clone()), team: Some(rec.entity_ref.clone()), entity: None }
        }
        Query::Scorecard { .. } => {
            Query::Scorecard { scorecard: Some(card.name.clone()), team: None, entity: Some(rec.entity_ref.clone()) }
        }
        other => return candidate(other, rec),
    };
    Candidate { entity: summary(rec), follow_up: backline_answer::question::question_for(&q) }
}

fn subject(r: &EntityRecord, mut depends_on: Vec<String>) -> Subject {
    depends_on.sort_unstable();
    Subject {
        entity_ref: r.entity_ref.clone(),
        kind: r.kind.clone(),
        namespace: r.namespace.clone(),
        spec_type: r.spec_type.clone(),
        lifecycle: r.lifecycle.clone(),
        description: r.description.clone(),
        tags: r.tags.clone(),
        labels: r.labels.clone(),
        annotations: r.annotations.clone(),
        links: r
            .links
            .iter()
            .map(|l| SubjectLink { url: l.url.clone(), title: l.title.clone(), link_type: l.link_type.clone() })
            .collect(),
        owner: r.owner_ref.clone(),
        system: r.system_ref.clone(),
        domain: r.domain_ref.clone(),
        depends_on,
    }
}

fn entity_score(card: &Scorecard, r: &EntityRecord, score: &backline_catalog::scorecard::Score) -> EntityScore {
    // The level that first names each rule.
    let level_of =
        |rule: usize| card.levels.iter().find(|l| l.rules.contains(&rule)).map_or_else(String::new, |l| l.name.clone());
    EntityScore {
        entity: summary(r),
        level: card.level_name(score.level).map(str::to_owned),
        next_level: score.next_level(card).map(|l| card.levels[l].name.clone()),
        failed: score
            .outcomes
            .iter()
            .filter(|o| !o.passed)
            .map(|o| FailedRule {
                rule: card.rules[o.rule].name.clone(),
                reason: o.detail.clone().unwrap_or_default(),
                level: level_of(o.rule),
            })
            .collect(),
        passed: score.outcomes.iter().filter(|o| o.passed).map(|o| card.rules[o.rule].name.clone()).collect(),
    }
}

fn info(card: &Scorecard) -> ScorecardInfo {
    ScorecardInfo {
        name: card.name.clone(),
        description: card.description.clone(),
        kinds: card.kinds.clone(),
        levels: card
            .levels
            .iter()
            .map(|l| LevelInfo {
                name: l.name.clone(),
                rules: l
                    .rules
                    .iter()
                    .map(|r| RuleInfo {
                        name: card.rules[*r].name.clone(),
                        description: card.rules[*r].description.clone(),
                    })
                    .collect(),
            })
            .collect(),
        required: card.require.map(|r| card.levels[r].name.clone()),
    }
}

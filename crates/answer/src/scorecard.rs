//! The scorecard answer ("how is team-payments doing", `backline scorecard`): a scorecard's
//! levels for a team, one entity, or the whole catalog by owning team. Plain serde data like the
//! rest of the [`crate::model`]; kept in its own file so the model stays one answer per section.

use serde::{Deserialize, Serialize};

use crate::model::EntitySummary;

/// A scorecard's levels, for a team (its entities and sub-teams), one entity, or the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorecardAnswer {
    pub scorecard: ScorecardInfo,
    /// The team (Group or User) asked about; `None` for one entity or the whole catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<EntitySummary>,
    /// One row per owner of scored entities (the team and each sub-group that owns something;
    /// every owner for the whole catalog): lowest level first, then by reference, entities
    /// without an owner last. Empty for one entity.
    pub teams: Vec<TeamScore>,
    /// Every scored entity of the team (or the one entity asked about): lowest level first, then
    /// by reference. Empty for the whole catalog (ask per team).
    pub entities: Vec<EntityScore>,
    /// How many entities the scorecard scored.
    pub total: u32,
    /// The other configured scorecards, to ask about by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_scorecards: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorecardInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Lowercase kinds it applies to.
    pub kinds: Vec<String>,
    /// Lowest first; each also requires the rules of the levels below it.
    pub levels: Vec<LevelInfo>,
    /// The level `check` requires, when the scorecard opts into findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelInfo {
    pub name: String,
    /// The rules this level adds.
    pub rules: Vec<RuleInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One owner's entities at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamScore {
    /// The owner; `None` for entities without one.
    pub team: Option<EntitySummary>,
    /// The level every one of its entities reaches (the lowest among them); `None` when one of
    /// them reaches no level.
    pub level: Option<String>,
    pub entity_count: u32,
    /// Per level, lowest first: how many of its entities reach it (or a higher one).
    pub reached: Vec<LevelCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelCount {
    pub level: String,
    pub count: u32,
}

/// One entity's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityScore {
    pub entity: EntitySummary,
    /// The highest level reached; `None` when not even the first is.
    pub level: Option<String>,
    /// The level after it, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_level: Option<String>,
    /// Failed rules, in level order, each with why.
    pub failed: Vec<FailedRule>,
    /// Names of the rules it passes, in level order.
    pub passed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedRule {
    pub rule: String,
    /// What is missing, e.g. "no on-call annotation".
    pub reason: String,
    /// The level that first requires the rule.
    pub level: String,
}

impl ScorecardAnswer {
    /// How many scored entities stop at each level, highest level first, then those below the
    /// first level (`None`); levels nobody stops at are left out.
    pub fn distribution(&self) -> Vec<(Option<String>, u32)> {
        let levels = &self.scorecard.levels;
        let mut at = vec![0u32; levels.len() + 1];
        if self.teams.is_empty() {
            for e in &self.entities {
                let i = e.level.as_ref().and_then(|l| levels.iter().position(|x| &x.name == l)).map_or(0, |i| i + 1);
                at[i] += 1;
            }
        } else {
            for t in &self.teams {
                let reached = |i: usize| t.reached.get(i).map_or(0, |c| c.count);
                at[0] += t.entity_count - reached(0);
                for i in 0..levels.len() {
                    at[i + 1] += reached(i) - reached(i + 1);
                }
            }
        }
        let mut out: Vec<(Option<String>, u32)> = Vec::new();
        for i in (1..=levels.len()).rev() {
            if at[i] > 0 {
                out.push((Some(levels[i - 1].name.clone()), at[i]));
            }
        }
        if at[0] > 0 {
            out.push((None, at[0]));
        }
        out
    }

    /// "2 gold, 1 silver, 2 below bronze".
    pub fn distribution_text(&self) -> String {
        let first = self.scorecard.levels.first().map_or("", |l| l.name.as_str());
        self.distribution()
            .iter()
            .map(|(level, n)| match level {
                Some(l) => format!("{n} {l}"),
                None => format!("{n} below {first}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The one-line summary.
    pub fn summary(&self) -> String {
        let card = &self.scorecard.name;
        let entities = |n: u32| if n == 1 { "1 entity".to_owned() } else { format!("{n} entities") };
        if self.total == 0 {
            return match &self.team {
                Some(t) => format!("Scorecard {card} scores nothing {} owns.", t.name),
                None => format!("Scorecard {card} applies to nothing in the catalog."),
            };
        }
        if self.team.is_none()
            && self.teams.is_empty()
            && let Some(e) = self.entities.first()
        {
            let level = e.level.as_deref().map_or_else(|| "no level".to_owned(), |l| l.to_owned());
            return match &e.next_level {
                Some(next) => {
                    let missing: Vec<&str> =
                        e.failed.iter().filter(|f| &f.level == next).map(|f| f.rule.as_str()).collect();
                    format!(
                        "{} reaches {level} of scorecard {card}; {next} needs {}.",
                        e.entity.name,
                        if missing.is_empty() { "the rules below it".to_owned() } else { missing.join(", ") }
                    )
                }
                None => format!("{} reaches {level}, the top of scorecard {card}.", e.entity.name),
            };
        }
        match &self.team {
            Some(t) => {
                // The team's level is its weakest entity's.
                let overall =
                    self.entities.iter().map(|e| e.level.clone()).min_by_key(|l| {
                        l.as_ref().and_then(|l| self.scorecard.levels.iter().position(|x| &x.name == l))
                    });
                let overall = overall.flatten().unwrap_or_else(|| "no level".to_owned());
                format!(
                    "{} reaches {overall} on scorecard {card} ({}: {}).",
                    t.name,
                    entities(self.total),
                    self.distribution_text()
                )
            }
            None => format!(
                "Scorecard {card} over {} of {} owners: {}.",
                entities(self.total),
                self.teams.len(),
                self.distribution_text()
            ),
        }
    }

    /// The plain-text body `backline scorecard` prints after the summary.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let s = &self.scorecard;
        if let Some(d) = &s.description {
            let _ = writeln!(out, "\n{d}");
        }
        let _ = writeln!(out, "\nLevels (each needs the ones before it):");
        for l in &s.levels {
            let rules: Vec<&str> = l.rules.iter().map(|r| r.name.as_str()).collect();
            let required = if s.required.as_ref() == Some(&l.name) { "  (required by check)" } else { "" };
            let _ = writeln!(out, "  {:<10} {}{required}", l.name, rules.join(", "));
        }
        if !self.teams.is_empty() {
            let _ = writeln!(out, "\nTeams:");
            for t in &self.teams {
                let name = t.team.as_ref().map_or("(no owner)", |e| e.name.as_str());
                let reached: Vec<String> = t.reached.iter().map(|c| format!("{} {}", c.level, c.count)).collect();
                let _ = writeln!(
                    out,
                    "  {:<28} {:<10} {:>5} entities   reached: {}",
                    name,
                    t.level.as_deref().unwrap_or("-"),
                    t.entity_count,
                    reached.join(", ")
                );
            }
        }
        if !self.entities.is_empty() {
            let _ = writeln!(out, "\nEntities:");
            for e in &self.entities {
                let _ = writeln!(out, "  {:<28} {}", e.entity.name, e.level.as_deref().unwrap_or("-"));
                for f in &e.failed {
                    let _ = writeln!(out, "      {} needs {}: {}", f.level, f.rule, f.reason);
                }
            }
        }
        if !self.other_scorecards.is_empty() {
            let _ = writeln!(out, "\nOther scorecards: {}", self.other_scorecards.join(", "));
        }
        out
    }
}

//! Scorecards: named rules over catalog data, grouped into levels (bronze, silver, gold), and the
//! one pure evaluator every front end reads: `check` findings ([`lint`]), the language server's
//! hints, and the index's answers (`backline scorecard`, chat) all call [`Scorecard::evaluate`]
//! on a [`Subject`], so an entity scores the same everywhere.
//!
//! - [`config`]: `[[scorecard]]` as written and its validation into a [`Scorecard`].
//! - [`condition`]: custom rules' `find`-style conditions, matched in memory.
//! - [`subject`]: what a rule looks at ([`Subject`]) and what it asks of the rest of the catalog
//!   ([`Context`]), with [`CatalogFacts`], what the context of parsed files adds to the
//!   cross-file index.
//! - `rules/`: one file per built-in rule.
//! - [`lint`]: scores as findings (`scorecard-level`, `scorecard-progress`).

pub mod condition;
pub mod config;
pub mod lint;
mod rules;
pub mod subject;

pub use condition::{Condition, ConditionField};
pub use config::{LevelSection, RuleSection, ScorecardError, ScorecardSection, resolve};
pub use rules::BuiltinRule;
pub use subject::{CatalogFacts, Context, InMemory, OwnerState, Subject, SubjectLink};

/// A validated scorecard: its rules and levels, with every level's rules resolved to indices
/// into [`Scorecard::rules`].
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub name: String,
    pub description: Option<String>,
    /// Lowercase kinds the scorecard applies to (default: `component`).
    pub kinds: Vec<String>,
    /// Every rule a level names, in the order they are first named.
    pub rules: Vec<Rule>,
    /// Lowest first; each level also requires every rule of the levels below it.
    pub levels: Vec<Level>,
    /// The level `check` requires (index into `levels`), when the scorecard opts into findings.
    pub require: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub description: Option<String>,
    pub check: RuleCheck,
}

/// What a rule checks: a built-in rule, or a custom `find`-style filter the entity must match.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleCheck {
    Builtin(BuiltinRule),
    /// Every condition must match.
    Filter(Vec<Condition>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub name: String,
    /// This level's own rules (indices into [`Scorecard::rules`]); the levels below add theirs.
    pub rules: Vec<usize>,
}

/// One rule's verdict on one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    /// Index into [`Scorecard::rules`].
    pub rule: usize,
    pub passed: bool,
    /// Why it failed, in a few words ("no on-call annotation"); `None` when it passed.
    pub detail: Option<String>,
}

/// A scorecard's verdict on one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    /// The highest level reached (index into [`Scorecard::levels`]), every level below it
    /// reached too; `None` when not even the first is.
    pub level: Option<usize>,
    /// One outcome per rule, in [`Scorecard::rules`] order.
    pub outcomes: Vec<RuleOutcome>,
}

impl Score {
    /// The failed rules a level needs (its own and the levels' below it), in rule order.
    pub fn missing_for<'a>(&'a self, card: &'a Scorecard, level: usize) -> impl Iterator<Item = &'a RuleOutcome> {
        let needed: Vec<usize> = card.levels.iter().take(level + 1).flat_map(|l| l.rules.iter().copied()).collect();
        self.outcomes.iter().filter(move |o| !o.passed && needed.contains(&o.rule))
    }

    /// The level after the one reached, if there is one.
    pub fn next_level(&self, card: &Scorecard) -> Option<usize> {
        let next = self.level.map_or(0, |l| l + 1);
        (next < card.levels.len()).then_some(next)
    }
}

impl Scorecard {
    /// Whether the scorecard applies to entities of this kind (compared case-insensitively).
    pub fn applies_to(&self, kind: &str) -> bool {
        self.kinds.iter().any(|k| k.eq_ignore_ascii_case(kind))
    }

    /// Every rule on `subject`, and the level reached.
    pub fn evaluate(&self, subject: &Subject, ctx: &dyn Context) -> Score {
        let outcomes: Vec<RuleOutcome> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, rule)| {
                let detail = match &rule.check {
                    RuleCheck::Builtin(b) => b.check(subject, ctx),
                    RuleCheck::Filter(conditions) => rules::custom::check(conditions, subject, ctx),
                };
                RuleOutcome { rule: i, passed: detail.is_none(), detail }
            })
            .collect();
        let mut level = None;
        for (i, l) in self.levels.iter().enumerate() {
            if l.rules.iter().all(|r| outcomes[*r].passed) {
                level = Some(i);
            } else {
                break;
            }
        }
        Score { level, outcomes }
    }

    pub fn level_name(&self, level: Option<usize>) -> Option<&str> {
        level.and_then(|l| self.levels.get(l)).map(|l| l.name.as_str())
    }
}

#[cfg(test)]
mod tests;

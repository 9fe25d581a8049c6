//! Scores as findings, on the entity's name: `scorecard-level` (BL0701) when an entity is below
//! the level `check` requires, `scorecard-progress` (BL0702, a hint) with what the next level
//! needs. Both are off unless asked for ([`Enabled`]), so a catalog without scorecards, or a
//! team that has not opted in, sees nothing new.

use crate::codes::Code;
use crate::finding::Finding;
use crate::model::ParsedFile;

use super::subject::{Context, Subject};
use super::{Score, Scorecard};

/// Which scorecard findings to produce.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Enabled {
    /// `scorecard-level` for every scorecard: its `require`d level, or its top level where it
    /// sets none (`[lints]` turned the code on). Scorecards with `require` report regardless.
    pub level_everywhere: bool,
    /// `scorecard-progress` hints.
    pub progress: bool,
}

/// The scorecard findings of one file's entities (those Backstage accepts).
pub fn lint_file(cards: &[Scorecard], ctx: &dyn Context, file: &ParsedFile, enabled: Enabled) -> Vec<Finding> {
    let mut out = Vec::new();
    if cards.is_empty() {
        return out;
    }
    for entity in file.entities().filter(|e| e.accepted) {
        let subject = Subject::from_entity(entity);
        for card in cards.iter().filter(|c| c.applies_to(entity.kind())) {
            let score = card.evaluate(&subject, ctx);
            let required = card.require.or_else(|| enabled.level_everywhere.then(|| card.levels.len() - 1));
            if let Some(required) = required
                && score.level.is_none_or(|l| l < required)
            {
                out.push(Finding::new(
                    Code::ScorecardLevel,
                    &file.path,
                    entity.name_range,
                    format!(
                        "{} reaches {} of scorecard {}; {} is required. Missing: {}.",
                        entity.name(),
                        card.level_name(score.level).unwrap_or("no level"),
                        card.name,
                        card.levels[required].name,
                        missing(card, &score, required)
                    ),
                ));
            }
            if enabled.progress
                && let Some(next) = score.next_level(card)
            {
                out.push(Finding::new(
                    Code::ScorecardProgress,
                    &file.path,
                    entity.name_range,
                    format!(
                        "Scorecard {}: {}; for {}: {}.",
                        card.name,
                        card.level_name(score.level).unwrap_or("no level yet"),
                        card.levels[next].name,
                        missing(card, &score, next)
                    ),
                ));
            }
        }
    }
    out
}

/// "on-call (no on-call annotation), techdocs (no backstage.io/techdocs-ref)".
fn missing(card: &Scorecard, score: &Score, level: usize) -> String {
    score
        .missing_for(card, level)
        .map(|o| match &o.detail {
            Some(d) => format!("{} ({d})", card.rules[o.rule].name),
            None => card.rules[o.rule].name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

//! `[[scorecard]]` as written in `backline.toml`, and its validation into [`Scorecard`]s.
//!
//! ```toml
//! [[scorecard]]
//! name = "production-readiness"
//! kinds = ["Component"]            # the default
//! require = "silver"               # optional: `check` reports entities below it
//! levels = [
//!   { name = "bronze", rules = ["owner-has-members", "description", "lifecycle"] },
//!   { name = "silver", rules = ["on-call", "runbook-or-dashboard"] },
//!   { name = "gold", rules = ["techdocs", "no-deprecated-dependencies", "python3"] },
//! ]
//! [[scorecard.rules]]
//! name = "python3"
//! filter = "tag:python3"
//! ```
//!
//! Levels name rules: a built-in rule by its name, or a rule declared in `rules` (a custom
//! filter, or a built-in under another name). Everything wrong is an error naming the scorecard,
//! so a typo never silently means "no rule".

use std::collections::HashSet;

use serde::Deserialize;

use super::condition::Condition;
use super::rules::BuiltinRule;
use super::{Level, Rule, RuleCheck, Scorecard};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScorecardSection {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Kinds the scorecard applies to; `["Component"]` when absent.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// The level `check` requires.
    #[serde(default)]
    pub require: Option<String>,
    #[serde(default)]
    pub rules: Vec<RuleSection>,
    #[serde(default)]
    pub levels: Vec<LevelSection>,
}

/// A named rule: a built-in (`check = "on-call"`) or a filter (`filter = "tag:python3"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSection {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub check: Option<BuiltinRule>,
    #[serde(default)]
    pub filter: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelSection {
    pub name: String,
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScorecardError {
    #[error("a scorecard needs a name")]
    NoName,
    #[error("two scorecards are named `{0}`")]
    DuplicateScorecard(String),
    #[error("scorecard `{0}` has no levels; add `levels = [{{ name = \"bronze\", rules = [...] }}]`")]
    NoLevels(String),
    #[error("scorecard `{scorecard}`: two {what} are named `{name}`")]
    Duplicate { scorecard: String, what: &'static str, name: String },
    #[error("scorecard `{scorecard}`: level `{level}` names no rules")]
    EmptyLevel { scorecard: String, level: String },
    #[error(
        "scorecard `{scorecard}`: level `{level}` names unknown rule `{rule}`; declare it in `rules` or use a built-in rule: {builtins}"
    )]
    UnknownRule { scorecard: String, level: String, rule: String, builtins: String },
    #[error(
        "scorecard `{scorecard}`: rule `{rule}` needs exactly one of `check` (a built-in rule) or `filter` (find filters)"
    )]
    RuleNeedsOneCheck { scorecard: String, rule: String },
    #[error("scorecard `{scorecard}`: rule `{rule}` is a built-in rule's name; give the custom rule another name")]
    ShadowsBuiltin { scorecard: String, rule: String },
    #[error(
        "scorecard `{scorecard}`: rule `{rule}`: `{token}` is not a filter; use kind:, type:, lifecycle:, tag:, owner:, system:, domain:, namespace:, label:key[=value] or annotation:key[=value]"
    )]
    BadFilter { scorecard: String, rule: String, token: String },
    #[error("scorecard `{scorecard}`: `require = \"{level}\"` is not one of its levels ({levels})")]
    UnknownRequire { scorecard: String, level: String, levels: String },
}

/// Validates the sections. `parse_filter` reads one `field:value` word of the filter language
/// (the binary passes `find`'s parser), `None` when the word is not a filter.
pub fn resolve(
    sections: &[ScorecardSection],
    parse_filter: &dyn Fn(&str) -> Option<Condition>,
) -> Result<Vec<Scorecard>, ScorecardError> {
    let mut names = HashSet::new();
    let mut out = Vec::with_capacity(sections.len());
    for section in sections {
        let card = resolve_one(section, parse_filter)?;
        if !names.insert(card.name.clone()) {
            return Err(ScorecardError::DuplicateScorecard(card.name));
        }
        out.push(card);
    }
    Ok(out)
}

fn resolve_one(
    section: &ScorecardSection,
    parse_filter: &dyn Fn(&str) -> Option<Condition>,
) -> Result<Scorecard, ScorecardError> {
    let name = section.name.trim().to_owned();
    if name.is_empty() {
        return Err(ScorecardError::NoName);
    }
    if section.levels.is_empty() {
        return Err(ScorecardError::NoLevels(name));
    }
    let duplicate = |what, n: &str| ScorecardError::Duplicate { scorecard: name.clone(), what, name: n.to_owned() };
    let mut declared: Vec<Rule> = Vec::new();
    for r in &section.rules {
        if declared.iter().any(|d| d.name == r.name) {
            return Err(duplicate("rules", &r.name));
        }
        let check = match (&r.check, &r.filter) {
            (Some(b), None) => RuleCheck::Builtin(*b),
            (None, Some(filter)) => {
                if BuiltinRule::from_name(&r.name).is_some() {
                    return Err(ScorecardError::ShadowsBuiltin { scorecard: name.clone(), rule: r.name.clone() });
                }
                let mut conditions = Vec::new();
                for token in filter.split_whitespace() {
                    conditions.push(parse_filter(token).ok_or_else(|| ScorecardError::BadFilter {
                        scorecard: name.clone(),
                        rule: r.name.clone(),
                        token: token.to_owned(),
                    })?);
                }
                if conditions.is_empty() {
                    return Err(ScorecardError::RuleNeedsOneCheck { scorecard: name.clone(), rule: r.name.clone() });
                }
                RuleCheck::Filter(conditions)
            }
            _ => return Err(ScorecardError::RuleNeedsOneCheck { scorecard: name.clone(), rule: r.name.clone() }),
        };
        declared.push(Rule { name: r.name.clone(), description: r.description.clone(), check });
    }
    // Rules in the order levels first name them, so answers list them lowest level first.
    let mut rules: Vec<Rule> = Vec::new();
    let mut levels: Vec<Level> = Vec::new();
    for l in &section.levels {
        if levels.iter().any(|x| x.name == l.name) {
            return Err(duplicate("levels", &l.name));
        }
        if l.rules.is_empty() {
            return Err(ScorecardError::EmptyLevel { scorecard: name.clone(), level: l.name.clone() });
        }
        let mut own = Vec::new();
        for rule_name in &l.rules {
            let index = match rules.iter().position(|r| &r.name == rule_name) {
                Some(i) => i,
                None => {
                    let rule = match declared.iter().find(|d| &d.name == rule_name) {
                        Some(d) => d.clone(),
                        None => match BuiltinRule::from_name(rule_name) {
                            Some(b) => Rule {
                                name: rule_name.clone(),
                                description: Some(b.description().to_owned()),
                                check: RuleCheck::Builtin(b),
                            },
                            None => {
                                return Err(ScorecardError::UnknownRule {
                                    scorecard: name.clone(),
                                    level: l.name.clone(),
                                    rule: rule_name.clone(),
                                    builtins: BuiltinRule::ALL.map(BuiltinRule::name).join(", "),
                                });
                            }
                        },
                    };
                    rules.push(rule);
                    rules.len() - 1
                }
            };
            if !own.contains(&index) {
                own.push(index);
            }
        }
        levels.push(Level { name: l.name.clone(), rules: own });
    }
    let require = match &section.require {
        None => None,
        Some(level) => {
            Some(levels.iter().position(|l| &l.name == level).ok_or_else(|| ScorecardError::UnknownRequire {
                scorecard: name.clone(),
                level: level.clone(),
                levels: levels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", "),
            })?)
        }
    };
    let kinds = if section.kinds.is_empty() {
        vec!["component".to_owned()]
    } else {
        section.kinds.iter().map(|k| k.trim().to_lowercase()).collect()
    };
    Ok(Scorecard { name, description: section.description.clone(), kinds, rules, levels, require })
}

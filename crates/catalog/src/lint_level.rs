//! Lint levels: what `[lints]` in `backline.toml` (or an editor's settings) makes of each code.
//!
//! Severity rule: `BS` codes mirror what Backstage refuses and stay errors (turning them down
//! would make `check` pass files Backstage refuses); `BL` lints can be set to `off`, `hint`,
//! `warning` or `error`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::codes::Code;
use crate::finding::{Finding, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LintLevel {
    Off,
    Hint,
    Warning,
    Error,
}

#[derive(Debug, thiserror::Error)]
pub enum LintLevelError {
    #[error("unknown code or lint name `{0}` in [lints]; run `backline explain --list` for the codes")]
    UnknownCode(String),
    #[error(
        "`{0}` is a Backstage rule (an error because Backstage refuses such entities) and cannot be reconfigured; only BL lints can"
    )]
    NotConfigurable(String),
}

/// Lint levels resolved to codes.
#[derive(Debug, Clone, Default)]
pub struct LintLevels {
    levels: BTreeMap<Code, LintLevel>,
}

impl LintLevels {
    pub fn from_map<'a>(entries: impl IntoIterator<Item = (&'a str, LintLevel)>) -> Result<LintLevels, LintLevelError> {
        let mut levels = BTreeMap::new();
        for (key, level) in entries {
            let code = Code::parse(key).ok_or_else(|| LintLevelError::UnknownCode(key.to_owned()))?;
            if !code.is_lint() {
                return Err(LintLevelError::NotConfigurable(key.to_owned()));
            }
            levels.insert(code, level);
        }
        Ok(LintLevels { levels })
    }

    /// The level `[lints]` sets for `code`, if it sets one: off-by-default lints (scorecards)
    /// are turned on by naming them here.
    pub fn configured(&self, code: Code) -> Option<LintLevel> {
        self.levels.get(&code).copied()
    }

    /// Applies the configured levels: drops findings turned off, changes severities.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        if self.levels.is_empty() {
            return;
        }
        findings.retain_mut(|f| match self.levels.get(&f.code) {
            None => true,
            Some(LintLevel::Off) => false,
            Some(level) => {
                f.severity = match level {
                    LintLevel::Hint => Severity::Hint,
                    LintLevel::Warning => Severity::Warning,
                    _ => Severity::Error,
                };
                true
            }
        });
    }
}

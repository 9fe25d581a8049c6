//! Findings: what `check`, the language server and the index report about catalog files.
//!
//! A finding is data, never an error value: validation of broken input succeeds and returns
//! findings. Every finding has a stable [`Code`] (documented in `codes.rs`, shown by
//! `backline explain`), a severity, an exact range, a message that says how to fix the problem,
//! related locations, and a machine-applicable [`Fix`] when the fix is obvious.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::codes::Code;
use crate::text::TextRange;

/// How serious a finding is. The rule: what Backstage would refuse is an [`Error`](Self::Error);
/// what Backstage accepts (all of Backline's own lints) is a warning or a hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A place in a file, for related information ("first defined here").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    pub file: Arc<str>,
    pub range: TextRange,
    pub message: String,
}

/// One replacement in the file the finding belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextEdit {
    pub range: TextRange,
    pub new_text: String,
}

/// A machine-applicable fix: a title for the editor's menu and the edits to apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<TextEdit>,
}

impl Fix {
    pub fn replace(title: impl Into<String>, range: TextRange, new_text: impl Into<String>) -> Fix {
        Fix { title: title.into(), edits: vec![TextEdit { range, new_text: new_text.into() }] }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub file: Arc<str>,
    pub range: TextRange,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Finding {
    /// A finding with the code's default severity.
    pub fn new(code: Code, file: &Arc<str>, range: TextRange, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: code.default_severity(),
            file: file.clone(),
            range,
            message: message.into(),
            related: Vec::new(),
            fix: None,
        }
    }

    pub fn with_fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }

    pub fn with_related(mut self, file: &Arc<str>, range: TextRange, message: impl Into<String>) -> Finding {
        self.related.push(Related { file: file.clone(), range, message: message.into() });
        self
    }
}

//! Custom rules' conditions: the `find` filter language (`tag:python3`, `lifecycle:production`,
//! `annotation:sentry.io/project-slug`, `label:tier=1`), matched against one [`Subject`] in
//! memory. Parsing the text is the filter language's own parser's job (the binary hands
//! conditions over already parsed), so a rule and `find` read the same words the same way.

use crate::entity_ref::parse_entity_ref;

use super::subject::{Context, Subject};

/// Which field a [`Condition`] looks at: the fields of `find`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionField {
    Kind,
    /// `spec.type`.
    Type,
    /// `spec.lifecycle`.
    Lifecycle,
    Tag,
    Owner,
    System,
    Domain,
    Namespace,
    Label,
    Annotation,
}

impl ConditionField {
    /// The name written before the colon.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionField::Kind => "kind",
            ConditionField::Type => "type",
            ConditionField::Lifecycle => "lifecycle",
            ConditionField::Tag => "tag",
            ConditionField::Owner => "owner",
            ConditionField::System => "system",
            ConditionField::Domain => "domain",
            ConditionField::Namespace => "namespace",
            ConditionField::Label => "label",
            ConditionField::Annotation => "annotation",
        }
    }
}

/// One `field:value` condition. Values compare case-insensitively, as in `find`; label and
/// annotation keys compare exactly, and without a value mean "has the key".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: ConditionField,
    /// For `label` and `annotation`: the key.
    pub key: Option<String>,
    pub value: Option<String>,
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = self.value.as_deref().unwrap_or_default();
        match (self.field, &self.key) {
            (ConditionField::Label | ConditionField::Annotation, Some(key)) if self.value.is_some() => {
                write!(f, "{}:{key}={value}", self.field.as_str())
            }
            (ConditionField::Label | ConditionField::Annotation, Some(key)) => {
                write!(f, "{}:{key}", self.field.as_str())
            }
            _ => write!(f, "{}:{value}", self.field.as_str()),
        }
    }
}

impl Condition {
    pub fn matches(&self, subject: &Subject, ctx: &dyn Context) -> bool {
        let value = self.value.as_deref().unwrap_or_default().trim().to_lowercase();
        let eq = |field: Option<&str>| field.is_some_and(|f| f.trim().to_lowercase() == value);
        match self.field {
            ConditionField::Kind => eq(Some(&subject.kind)),
            ConditionField::Type => eq(subject.spec_type.as_deref()),
            ConditionField::Lifecycle => eq(subject.lifecycle.as_deref()),
            ConditionField::Namespace => eq(Some(&subject.namespace)),
            ConditionField::Tag => subject.tags.iter().any(|t| t.to_lowercase() == value),
            ConditionField::Owner => names(subject.owner.as_deref(), &value, "group"),
            ConditionField::System => names(subject.system.as_deref(), &value, "system"),
            ConditionField::Domain => {
                let through_system = subject.system.as_deref().and_then(|s| ctx.domain_of_system(s));
                names(subject.domain.as_deref(), &value, "domain") || names(through_system.as_deref(), &value, "domain")
            }
            ConditionField::Label | ConditionField::Annotation => {
                let map = if self.field == ConditionField::Label { &subject.labels } else { &subject.annotations };
                let key = self.key.as_deref().unwrap_or_default();
                map.iter().any(|(k, v)| k == key && (self.value.is_none() || v.trim().to_lowercase() == value))
            }
        }
    }
}

/// Whether the canonical ref `actual` is what `value` names: a reference (kind defaulted), or a
/// bare name of any kind.
fn names(actual: Option<&str>, value: &str, default_kind: &str) -> bool {
    let Some(actual) = actual else { return false };
    if parse_entity_ref(value, Some(default_kind), Some("default")).is_ok_and(|r| r.canonical() == actual) {
        return true;
    }
    !value.contains([':', '/']) && crate::scorecard::subject::name_of(actual) == value
}

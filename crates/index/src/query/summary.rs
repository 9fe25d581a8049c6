//! How store records become the answer model's summaries: an entity, a ref no entity defines,
//! a finding, a relation. Every answer builds its entities here, so they look the same
//! everywhere.

use backline_answer::*;
use backline_catalog::model::BUILTIN_KINDS;

use crate::store::{EntityRecord, FindingRecord};

/// The kind as Backstage spells it, from a lowercase kind.
fn kind_spelling(kind_lc: &str) -> String {
    BUILTIN_KINDS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(kind_lc))
        .map_or_else(|| kind_lc.to_owned(), |k| (*k).to_owned())
}

pub(crate) fn location(rec: &EntityRecord) -> SourceLocation {
    SourceLocation {
        source: rec.source.clone(),
        file: rec.path.clone(),
        line: rec.line.max(1) as u32,
        column: rec.column.max(1) as u32,
        stale: rec.stale,
    }
}

pub(crate) fn summary(rec: &EntityRecord) -> EntitySummary {
    let first_error = rec.first_error.as_ref().map(|f| FindingSummary {
        code: f.code.clone(),
        severity: f.severity.parse().unwrap_or(FindingSeverity::Error),
        message: f.message.clone(),
        location: SourceLocation { line: f.line, column: f.column, ..location(rec) },
    });
    EntitySummary {
        entity_ref: rec.entity_ref.clone(),
        kind: rec.kind.clone(),
        namespace: rec.namespace.clone(),
        name: rec.name.clone(),
        title: rec.title.clone().or_else(|| rec.display_name.clone()),
        description: rec.description.clone(),
        spec_type: rec.spec_type.clone(),
        lifecycle: rec.lifecycle.clone(),
        owner: rec.owner_ref.clone(),
        exists: true,
        valid: rec.valid,
        defined_at: Some(location(rec)),
        error_count: rec.error_count.max(0) as u32,
        warning_count: rec.warning_count.max(0) as u32,
        first_error,
        url: None,
    }
}

/// A summary for a ref that no entity defines.
pub(crate) fn missing(entity_ref: &str) -> EntitySummary {
    let (kind, rest) = entity_ref.split_once(':').unwrap_or(("", entity_ref));
    let (namespace, name) = rest.split_once('/').unwrap_or(("default", rest));
    EntitySummary {
        entity_ref: entity_ref.to_owned(),
        kind: kind_spelling(kind),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        title: None,
        description: None,
        spec_type: None,
        lifecycle: None,
        owner: None,
        exists: false,
        valid: false,
        defined_at: None,
        error_count: 0,
        warning_count: 0,
        first_error: None,
        url: None,
    }
}

pub(crate) fn finding_summary(f: &FindingRecord) -> FindingSummary {
    FindingSummary {
        code: f.code.clone(),
        severity: f.severity.parse().unwrap_or(FindingSeverity::Error),
        message: f.message.clone(),
        location: SourceLocation {
            source: f.source.clone(),
            file: f.path.clone(),
            line: f.line.max(1) as u32,
            column: f.column.max(1) as u32,
            stale: f.stale,
        },
    }
}

/// A relation of an entity: its type and the target's summary (or a missing one).
pub(crate) fn relation_info(kind: &str, target: Option<&EntityRecord>, t: &str) -> RelationInfo {
    RelationInfo { relation: RelationType::from(kind), target: target.map_or_else(|| missing(t), summary) }
}

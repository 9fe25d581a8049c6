//! Backline's per-file lints, run after Backstage's stages: spellings of values Backstage accepts
//! (lifecycle, `spec.type`, with the well-known values of the kind table) and the errors that
//! block the file's other documents. No Backstage stage: these are `BL` warnings and hints.

use std::sync::Arc;

use super::{Checker, quote};
use crate::codes::{Code, Stage};
use crate::finding::{Finding, Fix, Severity};
use crate::kinds::Kind;
use crate::model::CatalogDocument;
use crate::yaml::Node;

/// Parent-level errors (YAML, root not a mapping, envelope) fail the whole file's processing, so
/// Backstage stores no entity of the file in that round. Say so, and say how many entities are affected.
pub(super) fn add_blocked_sibling_findings(
    path: &Arc<str>,
    documents: &[CatalogDocument],
    findings: &mut Vec<Finding>,
) {
    let parent_level = |d: &CatalogDocument| matches!(d.stage, Some(Stage::Yaml | Stage::Root | Stage::Envelope));
    let blocking: Vec<&CatalogDocument> = documents.iter().filter(|d| parent_level(d)).collect();
    if blocking.is_empty() {
        return;
    }
    let siblings: Vec<String> = documents
        .iter()
        .filter(|d| !parent_level(d))
        .filter_map(|d| d.entity.as_ref().map(|e| e.entity_ref.canonical()))
        .collect();
    if siblings.is_empty() {
        return;
    }
    let mut shown = siblings.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if siblings.len() > 3 {
        shown.push_str(&format!(" and {} more", siblings.len() - 3));
    }
    for doc in blocking {
        let range = findings
            .iter()
            .find(|f| {
                f.severity == Severity::Error && f.range.start >= doc.range.start && f.range.start <= doc.range.end
            })
            .map_or(doc.range, |f| f.range);
        findings.push(Finding::new(
            Code::BlocksSiblings,
            path,
            range,
            format!(
                "In Backstage this error blocks the {} other entit{} of this file from being added or updated ({shown}). Fix it to unblock them.",
                siblings.len(),
                if siblings.len() == 1 { "y" } else { "ies" }
            ),
        ));
    }
}

impl Checker<'_> {
    /// Backline lints on values Backstage accepts: lifecycle and type spellings.
    pub(super) fn value_lints(&mut self, kind: Kind, spec: Option<&Node>) {
        let Some(spec) = spec else { return };
        // Only where the kind requires a lifecycle (Component, API): that is where filters and
        // questions look for one.
        if let Some(field) = kind.field("lifecycle").filter(|f| f.required)
            && let Some(v) = spec.get(field.name)
            && let Some(s) = v.as_str().filter(|s| !s.is_empty() && !field.values.contains(s))
        {
            let guess = closest(s, field.values, false);
            let message = match guess {
                Some(g) => format!(
                    "Unknown lifecycle {} (Backline lint; Backstage accepts it). Did you mean \"{g}\"? Filters and questions that look for {g} entities will miss this one.",
                    quote(s)
                ),
                None => format!(
                    "Lifecycle {} is not one of the well-known values experimental, production, deprecated (Backline lint; Backstage accepts it).",
                    quote(s)
                ),
            };
            let range = v.range;
            let f = self.report(Code::UnknownLifecycle, range, message);
            if let Some(g) = guess {
                f.fix = Some(Fix::replace(format!("Change lifecycle to {g}"), range, g));
            } else {
                f.severity = Severity::Hint;
            }
        }
        let known = kind.well_known_types();
        if let Some(v) = spec.get("type")
            && let Some(s) = v.as_str().filter(|s| !s.is_empty() && !known.contains(s))
            && let Some(g) = closest(s, known, false)
        {
            let range = v.range;
            let f = self.report(
                Code::UnknownLifecycle,
                range,
                format!(
                    "Unknown {kind} type {} (Backline lint; Backstage accepts any type). Did you mean \"{g}\"?",
                    quote(s)
                ),
            );
            f.fix = Some(Fix::replace(format!("Change type to {g}"), range, g));
        }
    }
}

/// The closest candidate to `s`: a case-insensitive match, or one within a small edit distance.
pub(super) fn closest(s: &str, candidates: &[&'static str], exact_case_differs_only: bool) -> Option<&'static str> {
    if let Some(c) = candidates.iter().find(|c| c.eq_ignore_ascii_case(s)) {
        return (*c != s).then_some(*c);
    }
    let lower = s.to_lowercase();
    let best = candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), *c))
        .min_by_key(|(d, _)| *d)?;
    let limit = if exact_case_differs_only {
        2
    } else if s.len() <= 4 {
        1
    } else {
        2
    };
    (best.0 <= limit && best.0 > 0).then_some(best.1)
}

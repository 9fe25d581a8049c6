//! Stage 7 for custom kinds: what the kind's declaration in `backline.toml` says `spec` holds.
//! Its reference fields are required when declared so and must be a reference (or a list of
//! references); when the declaration names a JSON Schema, `spec` must satisfy it, as the
//! organisation's own Backstage processor would check it.

use super::{Checker, display_value};
use crate::codes::Code;
use crate::kinds::custom::{CustomField, CustomKind};
use crate::yaml::{Node, Value};

impl Checker<'_> {
    pub(super) fn custom_kind_schema(&mut self, root: &Node, kind: &CustomKind, spec: Option<&Node>) {
        let required: Vec<&CustomField> = kind.fields.iter().filter(|f| f.required).collect();
        if spec.is_none() && root.get("spec").is_none() && (!required.is_empty() || kind.schema().is_some()) {
            let at = root.get("kind").map_or(root.range, |n| n.range);
            let stub: String = required.iter().map(|f| format!("{}: TODO\n", f.relation.field)).collect();
            let fix = self.insert_block_fix(root, "spec", if stub.is_empty() { "{}" } else { &stub });
            let needs = if required.is_empty() {
                String::new()
            } else {
                format!(" with {}", required.iter().map(|f| f.relation.field).collect::<Vec<_>>().join(", "))
            };
            let f = self.report(
                Code::KindSchema,
                at,
                format!(
                    "<root> must have required property 'spec'. A {} (declared in backline.toml) needs a `spec:` mapping{needs}.",
                    kind.name
                ),
            );
            f.fix = fix;
            return;
        }
        let Some(spec) = spec else { return };
        let mut missing = Vec::new();
        for field in &kind.fields {
            match spec.get(field.relation.field) {
                None if field.required => missing.push(field.relation.field),
                None => {}
                Some(v) => self.check_reference_shape(v, field),
            }
        }
        if !missing.is_empty() {
            let spec_key = root.entry("spec").map_or(spec.range, |(k, _)| k.range);
            let names = missing.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ");
            let stub: String = missing.iter().map(|m| format!("{m}: TODO\n")).collect();
            let fix = self.insert_block_fix(spec, "", &stub);
            let f = self.report(
                Code::KindSchema,
                spec_key,
                format!(
                    "/spec must have required property {names}. {} entities require it (declared in backline.toml).",
                    kind.name
                ),
            );
            f.fix = fix;
        }
        if let Some(schema) = kind.schema() {
            // In the order they are written, not the validator's.
            let mut violations: Vec<_> = schema
                .violations(&spec.to_json())
                .into_iter()
                .map(|v| (node_at(spec, &v.path).unwrap_or(spec).range, v))
                .collect();
            violations.sort_by_key(|(range, _)| (range.start, range.end));
            for (range, violation) in violations {
                let pointer: String = violation.path.iter().map(|s| format!("/{s}")).collect();
                self.report(
                    Code::KindSchema,
                    range,
                    format!(
                        "/spec{pointer}: {}. The schema of kind {} in backline.toml refuses it.",
                        violation.message, kind.name
                    ),
                );
            }
        }
    }

    fn check_reference_shape(&mut self, v: &Node, field: &CustomField) {
        let path = format!("spec.{}", field.relation.field);
        if !field.relation.many {
            self.require_string(Code::KindSchema, v, &path, true);
            return;
        }
        match v.as_seq() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.require_string(Code::KindSchema, item, &format!("{path}[{i}]"), true);
                }
            }
            None => {
                let hint = if v.as_str().is_some() {
                    format!(" Write `{}: [{}]`.", field.relation.field, display_value(v))
                } else {
                    String::new()
                };
                self.report(
                    Code::KindSchema,
                    v.range,
                    format!("{path} must be array, not {}.{hint}", v.value.schema_type()),
                );
            }
        }
    }
}

/// The node a JSON pointer's segments lead to below `node`, as far as they go.
fn node_at<'n>(node: &'n Node, path: &[String]) -> Option<&'n Node> {
    let mut at = node;
    for segment in path {
        at = match &at.value {
            Value::Map(_) => at.get(segment)?,
            Value::Seq(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}

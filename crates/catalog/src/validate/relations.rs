//! Stage 8: relation emission, as `BuiltinKindsEntityProcessor` does it: every reference in a
//! relation field of the kind table (or of a custom kind's declaration) is parsed with the field's default kind and the entity's
//! namespace; one that does not parse refuses the entity.

use super::{Checker, is_falsy};
use crate::codes::Code;
use crate::entity_ref::parse_entity_ref;
use crate::finding::Fix;
use crate::kinds::{KindName, RelationField};
use crate::model::Reference;
use crate::yaml::{Node, Value};

impl Checker<'_> {
    /// Relation emission: parse every reference with its field's default kind and the entity's
    /// namespace.
    pub(super) fn references(
        &mut self,
        fields: impl Iterator<Item = RelationField>,
        spec: Option<&Node>,
        namespace: &str,
    ) -> Vec<Reference> {
        let mut out = Vec::new();
        let Some(spec) = spec else { return out };
        for field in fields {
            let Some(value) = spec.get(field.field) else { continue };
            let field = field.interned();
            // Backstage skips falsy values (`doEmit` returns on `!targets`).
            if is_falsy(value) {
                continue;
            }
            let items: Vec<&Node> = match &value.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![value],
            };
            for item in items {
                let Some(raw) = item.as_str() else {
                    self.report(
                        Code::InvalidReference,
                        item.range,
                        format!(
                            "spec.{} must contain entity references (strings), not {}.",
                            field.field,
                            item.value.schema_type()
                        ),
                    );
                    continue;
                };
                let target = match parse_entity_ref(raw, field.default_kind.map(KindName::name), Some(namespace)) {
                    Ok(t) => Some(t),
                    Err(err) => {
                        let mut message = format!("{err}.");
                        let mut fix = None;
                        if field.default_kind.is_none() && !raw.contains(':') && !raw.is_empty() {
                            message.push_str(&format!(
                                " `{}` has no default kind: write `resource:{raw}` or `component:{raw}`.",
                                field.field
                            ));
                            fix = Some(Fix::replace(
                                format!("Write component:{raw}"),
                                item.range,
                                format!("component:{raw}"),
                            ));
                        } else {
                            message.push_str(" Write it as [kind:][namespace/]name, e.g. `group:default/team-a`.");
                        }
                        let f = self.report(Code::InvalidReference, item.range, message);
                        f.fix = fix;
                        None
                    }
                };
                out.push(Reference { field, raw: raw.to_owned(), range: item.range, target });
            }
        }
        out
    }
}

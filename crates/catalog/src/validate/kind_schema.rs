//! Stage 7: the recognised kind's JSON schema, read from the kind table ([`crate::kinds`]):
//! required fields and the type of every field the schema has. Template's nested structures are in
//! [`super::template_schema`].

use super::lints::closest;
use super::{Checker, column_of, display_value, line_end};
use crate::codes::Code;
use crate::finding::{Fix, TextEdit};
use crate::kinds::{Field, FieldType, Kind, PROFILE_FIELDS};
use crate::text::TextRange;
use crate::yaml::Node;

impl Checker<'_> {
    /// The kind's JSON schema: `spec` is required, then every field of the table that the schema
    /// has is type-checked, then the missing required ones are reported together.
    pub(super) fn kind_schema(&mut self, root: &Node, kind: Kind, spec: Option<&Node>) {
        let Some(spec) = spec else {
            if root.get("spec").is_none() {
                let at = root.get("kind").map_or(root.range, |n| n.range);
                let fix = self.insert_block_fix(root, "spec", &required_spec_stub(kind));
                let f = self.report(
                    Code::KindSchema,
                    at,
                    format!(
                        "<root> must have required property 'spec'. A {kind} needs a `spec:` mapping{}.",
                        required_list(kind)
                    ),
                );
                f.fix = fix;
            }
            return;
        };
        let mut missing = Vec::new();
        for field in schema_fields(kind) {
            match spec.get(field.name) {
                None if field.required => missing.push(field),
                None => {}
                Some(v) => self.check_type(v, field),
            }
        }
        if !missing.is_empty() {
            let spec_key = root.entry("spec").map_or(spec.range, |(k, _)| k.range);
            let names = missing.iter().map(|m| format!("'{}'", m.name)).collect::<Vec<_>>().join(", ");
            let stub: String = missing.iter().map(|m| format!("{}: {}\n", m.name, m.stub)).collect();
            let fix = self.insert_block_fix(spec, "", &stub).map(|mut f| {
                f.title = format!(
                    "Add missing required field{} {}",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
                );
                f
            });
            let f = self.report(
                Code::KindSchema,
                spec_key,
                format!(
                    "/spec must have required property {names}. {kind} entities require {}.",
                    required_list(kind).trim_start_matches(" with ")
                ),
            );
            f.fix = fix;
        }
        match kind {
            Kind::Template => self.template_extras(spec),
            Kind::Component
            | Kind::Api
            | Kind::Resource
            | Kind::System
            | Kind::Domain
            | Kind::Group
            | Kind::User
            | Kind::Location => {}
        }
    }

    fn check_type(&mut self, v: &Node, field: &Field) {
        let path = format!("spec.{}", field.name);
        match field.ty {
            FieldType::String => self.require_string(Code::KindSchema, v, &path, true),
            FieldType::StringList => match v.as_seq() {
                None => {
                    let hint = if v.as_str().is_some() {
                        format!(" Write `{}: [{}]`.", field.name, display_value(v))
                    } else {
                        String::new()
                    };
                    self.report(
                        Code::KindSchema,
                        v.range,
                        format!("{path} must be array, not {}.{hint}", v.value.schema_type()),
                    );
                }
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.require_string(Code::KindSchema, item, &format!("{path}[{i}]"), true);
                    }
                }
            },
            FieldType::Object | FieldType::Profile if v.as_map().is_none() => {
                self.report(
                    Code::KindSchema,
                    v.range,
                    format!("{path} must be object, not {}.", v.value.schema_type()),
                );
            }
            FieldType::Object => {}
            FieldType::Profile => {
                for key in PROFILE_FIELDS {
                    if let Some(p) = v.get(key.name) {
                        self.require_string(Code::KindSchema, p, &format!("{path}.{}", key.name), true);
                    }
                }
            }
            FieldType::Enum(values) => {
                if !v.as_str().is_some_and(|s| values.contains(&s)) {
                    let list = values.join(", ");
                    let guess = v.as_str().and_then(|s| closest(s, values, true));
                    let f = self.report(
                        Code::KindSchema,
                        v.range,
                        format!("{path} must be equal to one of the allowed values: {list}."),
                    );
                    if let Some(g) = guess {
                        f.fix = Some(Fix::replace(format!("Change to {g}"), v.range, g));
                    }
                }
            }
            // The kind's own rules check these (Template: `template_schema`).
            FieldType::Structured(_) => {}
        }
    }

    /// A fix that inserts `key:` + `body` (or only `body` when `key` is empty) as children of
    /// `map`, indented like its existing children.
    pub(super) fn insert_block_fix(&self, map: &Node, key: &str, body: &str) -> Option<Fix> {
        let entries = map.as_map()?;
        let (first_key, _) = entries.first()?;
        let (last_key, last_value) = entries.last()?;
        let indent = column_of(self.text, first_key.range.start);
        let insert_at = line_end(self.text, last_value.range.end.max(last_key.range.end));
        let pad = " ".repeat(indent);
        let mut text = String::from("\n");
        if key.is_empty() {
            for line in body.lines() {
                text.push_str(&format!("{pad}{line}\n"));
            }
        } else {
            text.push_str(&format!("{pad}{key}:\n"));
            for line in body.lines() {
                text.push_str(&format!("{pad}  {line}\n"));
            }
        }
        text.pop();
        Some(Fix {
            title: format!("Add `{}`", if key.is_empty() { "missing fields" } else { key }),
            edits: vec![TextEdit { range: TextRange::empty(insert_at), new_text: text }],
        })
    }
}

/// The fields the kind's JSON schema has.
fn schema_fields(kind: Kind) -> impl Iterator<Item = &'static Field> {
    kind.fields().iter().filter(|f| f.in_schema)
}

fn required_list(kind: Kind) -> String {
    let required: Vec<&str> = schema_fields(kind).filter(|f| f.required).map(|f| f.name).collect();
    if required.is_empty() { String::new() } else { format!(" with {}", required.join(", ")) }
}

fn required_spec_stub(kind: Kind) -> String {
    schema_fields(kind).filter(|f| f.required).map(|f| format!("{}: {}\n", f.name, f.stub)).collect()
}

//! Stage 7, Template part: the structures of `Template.v1beta3.schema.json` that are not flat
//! fields (steps, parameters, output, form decorators, presentation, permissions), checked as
//! `@backstage/plugin-scaffolder-common`'s validator does.

use super::Checker;
use crate::codes::Code;
use crate::yaml::{Node, Value};

impl Checker<'_> {
    /// The parts of the Template v1beta3 schema that are not flat fields.
    pub(super) fn template_extras(&mut self, spec: &Node) {
        if let Some(steps) = spec.get("steps") {
            match steps.as_seq() {
                None => {
                    self.report(
                        Code::KindSchema,
                        steps.range,
                        format!("spec.steps must be array, not {}.", steps.value.schema_type()),
                    );
                }
                Some(items) => {
                    for (i, step) in items.iter().enumerate() {
                        if step.as_map().is_none() {
                            self.report(Code::KindSchema, step.range, format!("spec.steps[{i}] must be object."));
                            continue;
                        }
                        if step.get("action").is_none() {
                            self.report(Code::KindSchema, step.range, format!("spec.steps[{i}] must have required property 'action'. Add `action: fetch:template` (or another action id)."));
                        }
                        for key in ["id", "name", "action"] {
                            if let Some(v) = step.get(key) {
                                self.require_string(Code::KindSchema, v, &format!("spec.steps[{i}].{key}"), false);
                            }
                        }
                        if let Some(v) = step.get("input")
                            && v.as_map().is_none()
                        {
                            self.report(
                                Code::KindSchema,
                                v.range,
                                format!("spec.steps[{i}].input must be object, not {}.", v.value.schema_type()),
                            );
                        }
                        if let Some(v) = step.get("if") {
                            self.string_or_bool(v);
                        }
                        self.permissions(step, &format!("spec.steps[{i}]"));
                    }
                }
            }
        }
        if let Some(params) = spec.get("parameters") {
            match &params.value {
                Value::Map(_) => self.permissions(params, "spec.parameters"),
                Value::Seq(items) => {
                    for (i, p) in items.iter().enumerate() {
                        if p.as_map().is_none() {
                            self.report(Code::KindSchema, p.range, format!("spec.parameters[{i}] must be object."));
                        } else {
                            self.permissions(p, &format!("spec.parameters[{i}]"));
                        }
                    }
                }
                _ => {
                    self.report(
                        Code::KindSchema,
                        params.range,
                        "spec.parameters must be object or array of objects.".into(),
                    );
                }
            }
        }
        if let Some(schema) = spec.get("secrets").and_then(|s| s.get("schema"))
            && schema.as_map().is_none()
        {
            self.report(Code::KindSchema, schema.range, "spec.secrets.schema must be object.".into());
        }
        for field in ["formDecorators", "EXPERIMENTAL_formDecorators"] {
            if let Some(forms) = spec.get(field) {
                match forms.as_seq() {
                    None => {
                        self.report(Code::KindSchema, forms.range, format!("spec.{field} must be array."));
                    }
                    Some(items) => {
                        for (i, item) in items.iter().enumerate() {
                            if item.as_map().is_none() {
                                self.report(Code::KindSchema, item.range, format!("spec.{field}[{i}] must be object."));
                                continue;
                            }
                            if let Some(id) = item.get("id") {
                                self.require_string(Code::KindSchema, id, &format!("spec.{field}[{i}].id"), false);
                            }
                            if let Some(input) = item.get("input").filter(|n| n.as_map().is_none()) {
                                self.report(
                                    Code::KindSchema,
                                    input.range,
                                    format!("spec.{field}[{i}].input must be object."),
                                );
                            }
                        }
                    }
                }
            }
        }
        if let Some(rec) = spec.get("EXPERIMENTAL_recovery").filter(|n| n.as_map().is_some())
            && let Some(s) = rec.get("EXPERIMENTAL_strategy")
        {
            self.require_string(Code::KindSchema, s, "spec.EXPERIMENTAL_recovery.EXPERIMENTAL_strategy", false);
        }
        if let Some(pres) = spec.get("presentation").filter(|n| n.as_map().is_some())
            && let Some(labels) = pres.get("buttonLabels")
        {
            match labels.as_map() {
                None => {
                    self.report(
                        Code::KindSchema,
                        labels.range,
                        "spec.presentation.buttonLabels must be object.".into(),
                    );
                }
                Some(_) => {
                    for key in ["backButtonText", "createButtonText", "reviewButtonText"] {
                        if let Some(v) = labels.get(key) {
                            self.require_string(
                                Code::KindSchema,
                                v,
                                &format!("spec.presentation.buttonLabels.{key}"),
                                false,
                            );
                        }
                    }
                }
            }
        }
        if let Some(output) = spec.get("output") {
            match output.as_map() {
                None => {
                    self.report(
                        Code::KindSchema,
                        output.range,
                        format!("spec.output must be object, not {}.", output.value.schema_type()),
                    );
                }
                Some(entries) => {
                    for (k, v) in entries {
                        let key = k.key_text().unwrap_or_default();
                        match key.as_ref() {
                            "links" | "text" => {
                                let Some(items) = v.as_seq() else {
                                    self.report(Code::KindSchema, v.range, format!("spec.output.{key} must be array."));
                                    continue;
                                };
                                let fields: &[&str] = if key == "links" {
                                    &["url", "entityRef", "title", "icon"]
                                } else {
                                    &["title", "icon"]
                                };
                                for (i, item) in items.iter().enumerate() {
                                    if item.as_map().is_none() {
                                        self.report(
                                            Code::KindSchema,
                                            item.range,
                                            format!("spec.output.{key}[{i}] must be object."),
                                        );
                                        continue;
                                    }
                                    for f in fields {
                                        if let Some(val) = item.get(f) {
                                            self.require_string(
                                                Code::KindSchema,
                                                val,
                                                &format!("spec.output.{key}[{i}].{f}"),
                                                true,
                                            );
                                        }
                                    }
                                    if let Some(cond) = item.get("if") {
                                        self.string_or_bool(cond);
                                    }
                                    if key == "text"
                                        && let Some(val) = item.get("content")
                                    {
                                        self.require_string(
                                            Code::KindSchema,
                                            val,
                                            &format!("spec.output.text[{i}].content"),
                                            false,
                                        );
                                    }
                                }
                            }
                            _ => self.require_string(Code::KindSchema, v, &format!("spec.output.{key}"), false),
                        }
                    }
                }
            }
        }
    }

    fn permissions(&mut self, node: &Node, path: &str) {
        let Some(p) = node.get("backstage:permissions") else { return };
        if p.as_map().is_none() {
            self.report(Code::KindSchema, p.range, format!("{path}.backstage:permissions must be object."));
            return;
        }
        if let Some(tags) = p.get("tags") {
            match tags.as_seq() {
                None => {
                    self.report(
                        Code::KindSchema,
                        tags.range,
                        format!("{path}.backstage:permissions.tags must be array."),
                    );
                }
                Some(items) => {
                    for (i, t) in items.iter().enumerate() {
                        self.require_string(
                            Code::KindSchema,
                            t,
                            &format!("{path}.backstage:permissions.tags[{i}]"),
                            false,
                        );
                    }
                }
            }
        }
    }

    /// `if` of steps and output items: `type: [string, boolean]`. The message names `spec.if`
    /// wherever the `if` is.
    fn string_or_bool(&mut self, v: &Node) {
        if !matches!(v.value, Value::String(_) | Value::Bool(_)) {
            self.report(Code::KindSchema, v.range, "spec.if must be string,boolean.".into());
        }
    }
}

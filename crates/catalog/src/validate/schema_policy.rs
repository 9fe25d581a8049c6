//! Stage 3: `SchemaValidEntityPolicy`, the `Entity`, `EntityMeta` and `common` JSON schemas
//! (root keys, metadata fields, links, relations and status shapes).

use super::Checker;
use crate::codes::Code;
use crate::yaml::Node;

impl Checker<'_> {
    /// `SchemaValidEntityPolicy` (the `Entity`, `EntityMeta` and `common` schemas).
    pub(super) fn schema_policy(&mut self, root: &Node) {
        let entries = root.as_map().unwrap_or_default();
        for (k, v) in entries {
            let key = k.key_text().unwrap_or_default();
            match key.as_ref() {
                "apiVersion" | "kind" | "metadata" | "relations" | "status" => {}
                "spec" => {
                    if v.as_map().is_none() {
                        self.report(
                            Code::Schema,
                            v.range,
                            format!(
                                "spec must be object, not {}. Write `spec:` followed by indented fields.",
                                v.value.schema_type()
                            ),
                        );
                    }
                }
                other => {
                    self.report(Code::Schema, k.range, format!("<root> must NOT have additional properties - additionalProperty: {other}. Only apiVersion, kind, metadata and spec are allowed at the root; move it under metadata or spec."));
                }
            }
        }
        if let Some(rel) = root.get("relations") {
            self.check_relations_schema(rel);
        }
        if let Some(status) = root.get("status") {
            self.check_status_schema(status);
        }
        let Some(meta) = root.get("metadata").filter(|m| m.as_map().is_some()) else { return };
        for key in ["uid", "etag", "title"] {
            if let Some(v) = meta.get(key) {
                self.require_string(Code::Schema, v, &format!("metadata.{key}"), true);
            }
        }
        if let Some(d) = meta.get("description") {
            self.require_string(Code::Schema, d, "metadata.description", false);
        }
        for key in ["labels", "annotations"] {
            let Some(v) = meta.get(key) else { continue };
            if key == "annotations" && v.as_map().is_none() {
                // Falsy annotations become `{}` when the location annotations are merged in; other
                // non-mappings already failed the envelope.
                continue;
            }
            match v.as_map() {
                None => {
                    self.report(
                        Code::Schema,
                        v.range,
                        format!(
                            "metadata.{key} must be object, not {}. Write one `key: value` per line.",
                            v.value.schema_type()
                        ),
                    );
                }
                Some(entries) => {
                    for (k, val) in entries {
                        let name = k.key_text().unwrap_or_default();
                        // The catalog overwrites these two with the real location.
                        let overwritten = key == "annotations"
                            && matches!(
                                name.as_ref(),
                                "backstage.io/managed-by-location" | "backstage.io/managed-by-origin-location"
                            );
                        if !name.is_empty() && !overwritten {
                            self.require_string(Code::Schema, val, &format!("metadata.{key}.{name}"), false);
                        }
                    }
                }
            }
        }
        if let Some(tags) = meta.get("tags") {
            match tags.as_seq() {
                None => {
                    self.report(
                        Code::Schema,
                        tags.range,
                        format!("metadata.tags must be array, not {}. Write `tags: [a, b]`.", tags.value.schema_type()),
                    );
                }
                Some(items) => {
                    for (i, t) in items.iter().enumerate() {
                        self.require_string(Code::Schema, t, &format!("metadata.tags[{i}]"), true);
                    }
                }
            }
        }
        if let Some(links) = meta.get("links") {
            match links.as_seq() {
                None => {
                    self.report(
                        Code::Schema,
                        links.range,
                        format!(
                            "metadata.links must be array, not {}. Each link is a `- url: ...` item.",
                            links.value.schema_type()
                        ),
                    );
                }
                Some(items) => {
                    for (i, link) in items.iter().enumerate() {
                        if link.as_map().is_none() {
                            self.report(Code::Schema, link.range, format!("metadata.links[{i}] must be object, not {}. Write `- url: https://...` with an optional `title`.", link.value.schema_type()));
                            continue;
                        }
                        if link.get("url").is_none() {
                            self.report(
                                Code::Schema,
                                link.range,
                                format!(
                                    "metadata.links[{i}] must have required property 'url'. Add `url: https://...`."
                                ),
                            );
                        }
                        for key in ["url", "title", "icon", "type"] {
                            if let Some(v) = link.get(key) {
                                self.require_string(Code::Schema, v, &format!("metadata.links[{i}].{key}"), true);
                            }
                        }
                    }
                }
            }
        }
    }

    fn check_relations_schema(&mut self, rel: &Node) {
        let Some(items) = rel.as_seq() else {
            self.report(Code::Schema, rel.range, format!("relations must be array, not {}.", rel.value.schema_type()));
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let Some(entries) = item.as_map() else {
                self.report(Code::Schema, item.range, format!("relations[{i}] must be object."));
                continue;
            };
            for required in ["type", "targetRef"] {
                if item.get(required).is_none() {
                    self.report(
                        Code::Schema,
                        item.range,
                        format!("relations[{i}] must have required property '{required}'."),
                    );
                }
            }
            for (k, v) in entries {
                match k.key_text().unwrap_or_default().as_ref() {
                    "type" => {
                        self.require_string(Code::Schema, v, &format!("relations[{i}].type"), true);
                        if let Some(s) = v.as_str().filter(|s| !s.is_empty())
                            && !s.chars().all(|c| c.is_alphanumeric() || c == '_')
                        {
                            self.report(
                                Code::Schema,
                                v.range,
                                format!("relations[{i}].type must match pattern \"^\\w+$\"."),
                            );
                        }
                    }
                    "targetRef" => self.require_string(Code::Schema, v, &format!("relations[{i}].targetRef"), true),
                    "target" => {}
                    other => {
                        self.report(
                            Code::Schema,
                            k.range,
                            format!(
                                "relations[{i}] must NOT have additional properties - additionalProperty: {other}."
                            ),
                        );
                    }
                }
            }
        }
    }

    /// `common#status`: `{items: [{type, level, message, error?}]}`.
    fn check_status_schema(&mut self, status: &Node) {
        if status.as_map().is_none() {
            self.report(
                Code::Schema,
                status.range,
                format!("status must be object, not {}.", status.value.schema_type()),
            );
            return;
        }
        let Some(items) = status.get("items") else { return };
        let Some(items) = items.as_seq() else {
            self.report(Code::Schema, items.range, "status.items must be array.".into());
            return;
        };
        for (i, item) in items.iter().enumerate() {
            if item.as_map().is_none() {
                self.report(Code::Schema, item.range, format!("status.items[{i}] must be object."));
                continue;
            }
            for required in ["type", "level", "message"] {
                if item.get(required).is_none() {
                    self.report(
                        Code::Schema,
                        item.range,
                        format!("status.items[{i}] must have required property '{required}'."),
                    );
                }
            }
            if let Some(t) = item.get("type") {
                self.require_string(Code::Schema, t, &format!("status.items[{i}].type"), true);
            }
            if let Some(l) = item.get("level")
                && !l.as_str().is_some_and(|l| matches!(l, "info" | "warning" | "error"))
            {
                self.report(
                    Code::Schema,
                    l.range,
                    format!(
                        "status.items[{i}].level must be equal to one of the allowed values: info, warning, error."
                    ),
                );
            }
            if let Some(m) = item.get("message") {
                self.require_string(Code::Schema, m, &format!("status.items[{i}].message"), false);
            }
            if let Some(e) = item.get("error") {
                if e.as_map().is_none() {
                    self.report(Code::Schema, e.range, format!("status.items[{i}].error must be object."));
                    continue;
                }
                for required in ["name", "message"] {
                    if e.get(required).is_none() {
                        self.report(
                            Code::Schema,
                            e.range,
                            format!("status.items[{i}].error must have required property '{required}'."),
                        );
                    }
                }
                for (key, min1) in [("name", true), ("message", false), ("code", false), ("stack", false)] {
                    if let Some(v) = e.get(key) {
                        self.require_string(Code::Schema, v, &format!("status.items[{i}].error.{key}"), min1);
                    }
                }
            }
        }
    }
}

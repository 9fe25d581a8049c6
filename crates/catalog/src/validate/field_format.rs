//! Stage 5: `FieldFormatEntityPolicy` (the formats of apiVersion, kind, name, namespace, label and
//! annotation keys, label values, tags and links), and `DefaultNamespaceEntityPolicy`'s default.

use super::{Checker, display_value, is_falsy, quote};
use crate::codes::Code;
use crate::finding::Fix;
use crate::format;
use crate::yaml::Node;

const FORMAT_HELP: &str = "To learn more about catalog file format, visit: https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/adr002-default-catalog-file-format.md";

impl Checker<'_> {
    /// `FieldFormatEntityPolicy`. Returns the entity's namespace after defaulting.
    pub(super) fn field_format(&mut self, root: &Node) -> String {
        if let Some(v) = root.get("apiVersion").filter(|v| v.as_str().is_some_and(|s| !s.is_empty())) {
            let s = v.as_str().unwrap_or_default();
            if !format::is_valid_api_version(s) {
                self.invalid(Code::InvalidKindFormat, v, "apiVersion", s, "a valid prefix and/or suffix", None);
            }
        }
        if let Some(v) = root.get("kind").filter(|v| v.as_str().is_some_and(|s| !s.is_empty())) {
            let s = v.as_str().unwrap_or_default();
            if !format::is_valid_kind(s) {
                self.invalid(
                    Code::InvalidKindFormat,
                    v,
                    "kind",
                    s,
                    "a string that is a sequence of [a-zA-Z][a-z0-9A-Z], at most 63 characters in total",
                    None,
                );
            }
        }
        let mut namespace = "default".to_owned();
        let Some(meta) = root.get("metadata").filter(|m| m.as_map().is_some()) else { return namespace };
        if let Some(v) = meta.get("name").filter(|v| v.as_str().is_some_and(|s| !s.is_empty())) {
            let s = v.as_str().unwrap_or_default();
            if !format::is_object_name(s) {
                let suggestion = format::suggest_slug(s, false, b"-_.");
                self.invalid(Code::InvalidName, v, "metadata.name", s, "a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total", suggestion);
            }
        }
        if let Some(v) = meta.get("namespace") {
            // DefaultNamespaceEntityPolicy replaces a missing or falsy namespace with `default`.
            let falsy = is_falsy(v);
            if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
                namespace = s.to_owned();
                if !format::is_dns_label(s) {
                    let suggestion = format::suggest_slug(s, true, b"-");
                    self.invalid(
                        Code::InvalidNamespace,
                        v,
                        "metadata.namespace",
                        s,
                        "a string that is sequences of [a-z0-9] separated by [-], at most 63 characters in total",
                        suggestion,
                    );
                }
            } else if !falsy {
                namespace = display_value(v);
            }
        }
        for (key, code) in [("labels", Code::InvalidLabel), ("annotations", Code::InvalidAnnotation)] {
            let Some(entries) = meta.get(key).and_then(Node::as_map) else { continue };
            for (k, v) in entries {
                let key_text = k.key_text().unwrap_or_default().into_owned();
                if !format::is_valid_key(&key_text) {
                    self.invalid(
                        code,
                        k,
                        &format!("{key}.{key_text}"),
                        &key_text,
                        "a valid prefix and/or suffix",
                        None,
                    );
                }
                if key == "labels"
                    && let Some(s) = v.as_str()
                    && !format::is_valid_label_value(s)
                {
                    let suggestion = format::suggest_slug(s, false, b"-_.");
                    self.invalid(code, v, &format!("labels.{key_text}"), s, "a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total", suggestion);
                }
            }
        }
        if let Some(tags) = meta.get("tags").and_then(Node::as_seq) {
            for (i, t) in tags.iter().enumerate() {
                let Some(s) = t.as_str().filter(|s| !s.is_empty()) else { continue };
                if !format::is_valid_tag(s) {
                    let suggestion = format::suggest_slug(s, true, b"-:+#");
                    self.invalid(
                        Code::InvalidTag,
                        t,
                        &format!("tags.{i}"),
                        s,
                        "a string that is sequences of [a-z0-9+#] separated by [-], at most 63 characters in total",
                        suggestion,
                    );
                }
            }
        }
        if let Some(links) = meta.get("links").and_then(Node::as_seq) {
            for (i, link) in links.iter().enumerate() {
                if let Some(v) = link.get("url")
                    && let Some(s) = v.as_str().filter(|s| !s.is_empty())
                    && !format::is_valid_url(s)
                {
                    self.invalid(
                        Code::InvalidLink,
                        v,
                        &format!("links.{i}.url"),
                        s,
                        "a string that is a valid url",
                        None,
                    );
                }
                for key in ["title", "icon"] {
                    if let Some(v) = link.get(key)
                        && let Some(s) = v.as_str().filter(|s| !s.is_empty())
                        && !format::is_non_blank(s)
                    {
                        self.invalid(Code::InvalidLink, v, &format!("links.{i}.{key}"), s, "a non empty string", None);
                    }
                }
            }
        }
        namespace
    }

    fn invalid(
        &mut self,
        code: Code,
        node: &Node,
        field: &str,
        value: &str,
        expected: &str,
        suggestion: Option<String>,
    ) {
        let mut message = format!("\"{field}\" is not valid; expected {expected} but found {}.", quote(value));
        if let Some(s) = &suggestion {
            message.push_str(&format!(" Try {}.", quote(s)));
        }
        message.push(' ');
        message.push_str(FORMAT_HELP);
        let range = node.range;
        let fix = suggestion.map(|s| {
            let replacement = if node.as_str().is_some()
                && matches!(self.text.as_bytes().get(range.start as usize), Some(b'"' | b'\''))
            {
                quote(&s)
            } else {
                s.clone()
            };
            Fix::replace(format!("Replace with {}", quote(&s)), range, replacement)
        });
        let f = self.report(code, range, message);
        f.fix = fix;
    }
}

//! Stage 1: the `EntityEnvelope` schema (apiVersion, kind, metadata.name, metadata.namespace),
//! which the parent Location's processing checks before the entity is emitted.

use super::{Checker, is_falsy};
use crate::codes::Code;
use crate::yaml::Node;

impl Checker<'_> {
    /// The envelope (apiVersion, kind, metadata.name, metadata.namespace).
    pub(super) fn envelope(&mut self, root: &Node) {
        for key in ["apiVersion", "kind"] {
            match root.entry(key) {
                None => {
                    let hint = if key == "apiVersion" { "backstage.io/v1alpha1" } else { "Component" };
                    let at = self.missing_at(root);
                    self.report(Code::Envelope, at, format!("<root> must have required property '{key}'. Add `{key}: {hint}` (or the right value for this entity)."));
                }
                Some((_, v)) => self.require_string(Code::Envelope, v, key, true),
            }
        }
        match root.entry("metadata") {
            None => {
                let at = self.missing_at(root);
                self.report(
                    Code::Envelope,
                    at,
                    "<root> must have required property 'metadata'. Add a `metadata:` mapping with at least a `name`."
                        .into(),
                );
            }
            Some((_, m)) if m.as_map().is_none() => {
                self.report(
                    Code::Envelope,
                    m.range,
                    format!(
                        "metadata must be object, not {}. Write `metadata:` followed by an indented `name: ...`.",
                        m.value.schema_type()
                    ),
                );
            }
            Some((mkey, m)) => {
                match m.entry("name") {
                    None => {
                        self.report(Code::Envelope, mkey.range, "metadata must have required property 'name'. Add `name:` with 1-63 letters, digits and - _ . characters.".into());
                    }
                    Some((_, n)) => self.require_string(Code::Envelope, n, "metadata.name", true),
                }
                if let Some((_, ns)) = m.entry("namespace") {
                    self.require_string(Code::Envelope, ns, "metadata.namespace", true);
                }
                // Backstage merges the location annotations into `metadata.annotations` when the
                // Location emits the entity; a non-mapping value that is not falsy fails there.
                if let Some(a) = m.get("annotations")
                    && a.as_map().is_none()
                    && !is_falsy(a)
                {
                    self.report(
                            Code::Envelope,
                            a.range,
                            format!("metadata.annotations must be a valid object, not {}. Write one `key: value` per line under `annotations:`.", a.value.schema_type()),
                        );
                }
            }
        }
    }
}

//! Stage 4: `NoForeignRootFieldsEntityPolicy`: `relations` and `status` are produced by the
//! catalog and may not be written in a file.

use super::{Checker, line_span};
use crate::codes::Code;
use crate::finding::{Fix, TextEdit};
use crate::text::TextRange;
use crate::yaml::Node;

impl Checker<'_> {
    /// `NoForeignRootFieldsEntityPolicy`.
    pub(super) fn foreign_root_fields(&mut self, root: &Node) {
        for (k, _) in root.as_map().unwrap_or_default() {
            if let Some(key @ ("relations" | "status")) = k.key_text().as_deref() {
                let range = k.range;
                let f = self.report(
                    Code::ForeignRootField,
                    range,
                    format!("Unknown field {key}. `{key}` is produced by the catalog and cannot be written in a file; delete it (relations come from spec fields such as owner and dependsOn)."),
                );
                f.fix = Some(Fix { title: format!("Remove `{key}`"), edits: Vec::new() });
            }
        }
        // The removal fix needs the whole entry's range, which the key alone does not give.
        let entries: Vec<(TextRange, TextRange)> = root
            .as_map()
            .unwrap_or_default()
            .iter()
            .filter(|(k, _)| matches!(k.key_text().as_deref(), Some("relations" | "status")))
            .map(|(k, v)| (k.range, v.range))
            .collect();
        for (key_range, value_range) in entries {
            let remove = line_span(self.text, key_range.start, value_range.end);
            if let Some(f) =
                self.findings.iter_mut().rev().find(|f| f.range == key_range && f.code == Code::ForeignRootField)
                && let Some(fix) = f.fix.as_mut()
            {
                fix.edits.push(TextEdit { range: remove, new_text: String::new() });
            }
        }
    }
}

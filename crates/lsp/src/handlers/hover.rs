//! `textDocument/hover`: on a reference, the entity it points to; on an entity's name, the entity;
//! on a key or annotation, what it means; on a finding, its code's explanation.

use backline_catalog::cursor::{self, Slot};
use backline_catalog::{Code, Kind, TextRange};
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use crate::analysis;
use crate::convert;
use crate::document::Document;
use crate::handlers::completion::entity_summary;
use crate::lookup::{self, Target};
use crate::schema;
use crate::state::Snapshot;

pub(crate) fn hover(snap: &Snapshot, doc: &Document, position: Position) -> Option<Hover> {
    let parsed = doc.parsed();
    let index = &parsed.line_index;
    let text = &*doc.text;
    let offset = convert::offset(index, text, position, snap.encoding);
    let mut sections: Vec<String> = Vec::new();
    let mut range: Option<TextRange> = None;

    match lookup::target_at(&parsed, offset) {
        Some(Target::Reference(r, target)) => {
            range = Some(r.range);
            let found = lookup::definitions(snap, target);
            match found.first() {
                Some(f) => {
                    let mut s = entity_summary(f.entity(), &f.file.path, f.line());
                    if found.len() > 1 {
                        s.push_str(&format!("\n\nDefined {} times; Backstage keeps the first.", found.len()));
                    }
                    sections.push(s);
                }
                None if snap.catalog.cross_file() => {
                    sections.push(format!("`{}` → `{}` is defined nowhere in the catalog.", r.raw, target.canonical()));
                }
                None => sections.push(format!(
                    "`{}` → `{}` (the workspace is still being indexed)",
                    r.raw,
                    target.canonical()
                )),
            }
        }
        Some(Target::Name(e)) => {
            range = Some(e.name_range);
            let line = index.line_col(e.name_range.start).line;
            sections.push(entity_summary(e, &parsed.path, line));
        }
        None => {
            let ctx = cursor::line_context(text, offset);
            let word = ctx.word_text(text);
            let kind = ctx.header.kind.as_deref().and_then(Kind::from_name);
            let path: Vec<&str> = ctx.path.iter().map(String::as_str).collect();
            match ctx.slot {
                Slot::Key if !word.is_empty() => {
                    let doc = if path == ["metadata", "annotations"] {
                        schema::annotation_doc(word).map(|d| format!("**`{word}`** (annotation)\n\n{d}"))
                    } else {
                        schema::key_at(&ctx.path, kind, word).map(|k| {
                            format!(
                                "**`{}`** ({})\n\n{}",
                                k.name,
                                if k.required { "required" } else { "optional" },
                                k.doc
                            )
                        })
                    };
                    if let Some(d) = doc {
                        range = Some(ctx.word);
                        sections.push(d);
                    }
                }
                Slot::Value if path == ["kind"] => {
                    if let Some(d) = Kind::from_name(word).map(|k| k.spec().doc) {
                        range = Some(ctx.word);
                        sections.push(format!("**{word}**\n\n{d}"));
                    }
                }
                _ => {}
            }
        }
    }

    // Findings under the cursor: what their code means.
    let findings = analysis::findings_for(&parsed, &snap.catalog, &snap.settings, true);
    let mut codes: Vec<Code> = Vec::new();
    for f in findings.iter().filter(|f| f.range.contains_inclusive(offset)) {
        if !codes.contains(&f.code) {
            codes.push(f.code);
            range.get_or_insert(f.range);
            sections.push(format!(
                "**{}** `{}` — {}\n\n{}",
                f.code.as_str(),
                f.code.name(),
                f.code.summary(),
                f.code.explanation()
            ));
        }
    }
    if sections.is_empty() {
        return None;
    }
    let kind = if snap.caps.markdown_hover { MarkupKind::Markdown } else { MarkupKind::PlainText };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind, value: sections.join("\n\n---\n\n") }),
        range: range.map(|r| convert::range(index, r, snap.encoding)),
    })
}

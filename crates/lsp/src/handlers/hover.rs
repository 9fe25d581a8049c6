//! `textDocument/hover`: on a reference, the entity it points to; on an entity's name, the entity;
//! on a key or annotation, what it means; on a finding, its code's explanation.

use backline_catalog::cursor::{self, Slot};
use backline_catalog::yaml::Value;
use backline_catalog::{Code, Kind, ParsedFile, TextRange};
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
                    let mut s = f.summary();
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
                    if let Some(d) = key_doc(&ctx.path, kind, word) {
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
            // The lines cannot tell a key inside a flow collection (`metadata: {name: x,
            // annotations: {a: b}}`, `links: [{url: x, title: y}]`) or a quoted key apart: the
            // parse knows which key the cursor is on.
            if sections.is_empty() {
                let kind = kind.or_else(|| cursor::document_at(&parsed, offset)?.entity.as_ref()?.builtin_kind);
                if let Some((path, key, at)) = key_in_tree(&parsed, offset)
                    && let Some(d) = key_doc(&path, kind, &key)
                {
                    range = Some(at);
                    sections.push(d);
                }
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

/// What a key means: an annotation's documentation under `metadata.annotations`, else the
/// schema's for the key at `path` in an entity of `kind`.
fn key_doc(path: &[String], kind: Option<Kind>, key: &str) -> Option<String> {
    if path == ["metadata", "annotations"] {
        return schema::annotation_doc(key).map(|d| format!("**`{key}`** (annotation)\n\n{d}"));
    }
    schema::key_at(path, kind, key)
        .map(|k| format!("**`{}`** ({})\n\n{}", k.name, if k.required { "required" } else { "optional" }, k.doc))
}

/// The mapping key whose text holds `offset`, from the YAML tree: the keys from the document
/// root to its mapping (sequence items are `-`), its text and its range.
fn key_in_tree(parsed: &ParsedFile, offset: u32) -> Option<(Vec<String>, String, TextRange)> {
    let mut node = cursor::document_at(parsed, offset)?.tree.as_ref()?;
    let mut path: Vec<String> = Vec::new();
    loop {
        match &node.value {
            Value::Map(entries) => {
                let (k, v) = entries
                    .iter()
                    .find(|(k, v)| k.range.contains_inclusive(offset) || v.range.contains_inclusive(offset))?;
                let key = k.key_text()?.into_owned();
                if k.range.contains_inclusive(offset) {
                    return Some((path, key, k.range));
                }
                path.push(key);
                node = v;
            }
            Value::Seq(items) => {
                node = items.iter().find(|i| i.range.contains_inclusive(offset))?;
                path.push("-".into());
            }
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::String(_) => return None,
        }
    }
}

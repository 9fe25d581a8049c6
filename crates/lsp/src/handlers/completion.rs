//! `textDocument/completion`: keys valid at the cursor for the entity's kind, well-known values,
//! entity references from the real catalog, annotation keys, and a snippet per kind.
//!
//! The context comes from the lines around the cursor ([`backline_catalog::cursor::line_context`]),
//! not from a parse: the document is usually mid-edit (`owner: ` with nothing after it) and may
//! not parse at all, and reading the lines of one document costs the same in a 19,000-line file
//! as in a small one, so completion never waits for a re-parse.

use backline_catalog::cursor::{self, LineContext, Slot};
use backline_catalog::kinds::{Kind, RelationField, WELL_KNOWN_LIFECYCLES};
use backline_catalog::model::Entity;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionItemLabelDetails, CompletionList, CompletionResponse,
    CompletionTextEdit, Documentation, InsertTextFormat, InsertTextMode, MarkupContent, MarkupKind, Position, Range,
    TextEdit,
};

use crate::convert;
use crate::document::Document;
use crate::schema::{self, Shape};
use crate::state::Snapshot;

/// Beyond this many entity references the list is cut to the best matches of what is typed and
/// marked incomplete (the client asks again as the user types).
const MAX_REFERENCES: usize = 100;
/// Up to this many items carry their documentation; longer lists have it resolved on demand.
const INLINE_DOCUMENTATION: usize = 30;

pub(crate) fn completion(snap: &Snapshot, doc: &Document, position: Position) -> Option<CompletionResponse> {
    let index = doc.line_index();
    let text = &*doc.text;
    let offset = convert::offset(&index, text, position, snap.encoding);
    let ctx = cursor::line_context(text, offset);
    let range = convert::range(&index, ctx.word, snap.encoding);
    let typed = ctx.typed(text, offset);
    let kind = ctx.header.kind.as_deref().and_then(Kind::from_name);
    let path: Vec<&str> = ctx.path.iter().map(String::as_str).collect();
    // A value written right after `key:` needs its separating space.
    let space = if ctx.word.start > 0 && text.as_bytes()[ctx.word.start as usize - 1] == b':' { " " } else { "" };

    let mut list = CompletionList { is_incomplete: false, items: Vec::new() };
    match ctx.slot {
        Slot::Other => return None,
        Slot::Key => key_items(snap, &ctx, kind, text, range, &mut list.items),
        Slot::Value | Slot::Item => {
            let field = match path.as_slice() {
                ["spec", field] => relation_field(kind, field),
                _ => None,
            };
            if let Some(field) = field {
                if ctx.slot == Slot::Item || !field.many {
                    list.is_incomplete = reference_items(snap, &ctx, field, typed, space, range, &mut list.items);
                }
            } else if ctx.slot == Slot::Item
                && !schema::keys_at(&[ctx.path.clone(), vec!["-".into()]].concat(), kind).is_empty()
            {
                // `- ` starts an item of a list of mappings (a link, a step): its keys.
                let mut item_ctx = ctx.clone();
                item_ctx.path.push("-".into());
                item_ctx.siblings.clear();
                key_items(snap, &item_ctx, kind, text, range, &mut list.items);
            } else {
                value_items(&path, kind, space, range, &mut list.items);
            }
        }
    }
    Some(CompletionResponse::List(list))
}

/// The relation field `name` of `kind`, or of any kind when the kind is not known (yet).
fn relation_field(kind: Option<Kind>, name: &str) -> Option<RelationField> {
    match kind {
        Some(k) => k.relation_fields().find(|f| f.field == name),
        None => Kind::ALL.into_iter().flat_map(Kind::relation_fields).find(|f| f.field == name),
    }
}

fn markdown(value: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value })
}

fn edit(range: Range, new_text: String) -> Option<CompletionTextEdit> {
    Some(CompletionTextEdit::Edit(TextEdit { range, new_text }))
}

fn key_items(
    snap: &Snapshot,
    ctx: &LineContext,
    kind: Option<Kind>,
    text: &str,
    range: Range,
    out: &mut Vec<CompletionItem>,
) {
    // On an existing `key: value` line only the key is replaced.
    let has_colon = text[ctx.word.end as usize..].trim_start_matches([' ', '\t']).starts_with(':');
    let indent = " ".repeat(ctx.column as usize + 2);
    let path: Vec<&str> = ctx.path.iter().map(String::as_str).collect();
    if path == ["metadata", "annotations"] {
        for (key, doc) in schema::ANNOTATIONS {
            if ctx.siblings.iter().any(|s| s == key) {
                continue;
            }
            out.push(CompletionItem {
                label: (*key).to_owned(),
                kind: Some(CompletionItemKind::PROPERTY),
                detail: Some("well-known annotation".into()),
                documentation: Some(markdown((*doc).to_owned())),
                filter_text: Some((*key).to_owned()),
                text_edit: edit(range, if has_colon { (*key).to_owned() } else { format!("{key}: ") }),
                ..CompletionItem::default()
            });
        }
        return;
    }
    for key in schema::keys_at(&ctx.path, kind) {
        if ctx.siblings.iter().any(|s| s == key.name) {
            continue;
        }
        let new_text = if has_colon {
            key.name.to_owned()
        } else {
            match key.shape {
                Shape::Scalar => format!("{}: ", key.name),
                Shape::Map => format!("{}:\n{indent}", key.name),
                Shape::List | Shape::MapList => format!("{}:\n{indent}- ", key.name),
            }
        };
        out.push(CompletionItem {
            label: key.name.to_owned(),
            kind: Some(CompletionItemKind::FIELD),
            detail: Some(if key.required { "required".into() } else { "optional".into() }),
            documentation: Some(markdown(key.doc.to_owned())),
            sort_text: Some(format!("{}{}", if key.required { '0' } else { '1' }, key.name)),
            filter_text: Some(key.name.to_owned()),
            insert_text_mode: Some(InsertTextMode::AS_IS),
            text_edit: edit(range, new_text),
            ..CompletionItem::default()
        });
    }
    if ctx.path.is_empty() && ctx.header.kind.is_none() && ctx.header.root_keys.is_empty() {
        for k in Kind::ALL {
            let body = schema::snippet(k);
            let (new_text, format) = if snap.caps.snippets {
                (body, InsertTextFormat::SNIPPET)
            } else {
                (schema::snippet_to_plain(&body), InsertTextFormat::PLAIN_TEXT)
            };
            out.push(CompletionItem {
                label: format!("{k} entity"),
                kind: Some(CompletionItemKind::SNIPPET),
                detail: Some(format!("a new {k}")),
                documentation: Some(markdown(k.spec().doc.to_owned())),
                sort_text: Some(format!("2{k}")),
                filter_text: Some(format!("{k} entity")),
                insert_text_format: Some(format),
                insert_text_mode: Some(InsertTextMode::AS_IS),
                text_edit: edit(range, new_text),
                ..CompletionItem::default()
            });
        }
    }
}

fn value_items(path: &[&str], kind: Option<Kind>, space: &str, range: Range, out: &mut Vec<CompletionItem>) {
    let values: Vec<(&str, Option<&str>)> = match path {
        ["kind"] => Kind::ALL.iter().map(|k| (k.name(), Some(k.spec().doc))).collect(),
        ["apiVersion"] => schema::api_versions(kind).into_iter().map(|v| (v, None)).collect(),
        ["spec", name] => {
            let values = match kind {
                Some(k) => k.field(name).map_or(&[][..], |f| f.values),
                // The kind is not written yet: lifecycles mean the same on every kind.
                None if *name == "lifecycle" => WELL_KNOWN_LIFECYCLES,
                None => &[],
            };
            values.iter().map(|v| (*v, None)).collect()
        }
        _ => Vec::new(),
    };
    for (i, (value, doc)) in values.into_iter().enumerate() {
        out.push(CompletionItem {
            label: value.to_owned(),
            kind: Some(CompletionItemKind::ENUM_MEMBER),
            documentation: doc.map(|d| markdown(d.to_owned())),
            sort_text: Some(format!("{i:03}")),
            filter_text: Some(value.to_owned()),
            text_edit: edit(range, format!("{space}{value}")),
            ..CompletionItem::default()
        });
    }
}

/// The kinds offered for a field: what it accepts, or for `dependsOn`-like fields (any kind,
/// written out) the kinds people depend on.
fn offered_kinds(field: &RelationField) -> Vec<Kind> {
    if !field.allowed_kinds.is_empty() {
        return field.allowed_kinds.to_vec();
    }
    match field.default_kind {
        Some(k) => vec![k],
        None => vec![Kind::Component, Kind::Resource, Kind::Api],
    }
}

/// How a reference to `target` is written from an entity in namespace `own_ns`: the shortest form
/// that means it (the bare name when it has the field's default kind and our namespace).
pub(crate) fn reference_text(target: &Entity, field: &RelationField, own_ns: &str) -> String {
    let r = &target.entity_ref;
    let default_kind = field.default_kind.is_some_and(|k| Kind::from_ref_kind(&r.kind) == Some(k));
    let same_ns = r.namespace.eq_ignore_ascii_case(own_ns);
    match (default_kind, same_ns) {
        (true, true) => r.name.clone(),
        (true, false) => format!("{}/{}", r.namespace, r.name),
        (false, true) => format!("{}:{}", r.kind.to_lowercase(), r.name),
        (false, false) => format!("{}:{}/{}", r.kind.to_lowercase(), r.namespace, r.name),
    }
}

/// What completion and hover say about an entity.
pub(crate) fn entity_summary(e: &Entity, file: &str, line: u32) -> String {
    let r = &e.entity_ref;
    let mut s = String::new();
    match &e.title {
        Some(t) => s.push_str(&format!("**{t}** — {} `{}`", r.kind, r.canonical())),
        None => s.push_str(&format!("**{}** — {} `{}`", r.name, r.kind, r.canonical())),
    }
    if let Some(d) = e.description.as_deref().filter(|d| !d.trim().is_empty()) {
        s.push_str(&format!("\n\n{}", d.trim()));
    }
    let mut facts = Vec::new();
    if let Some(o) = e.owner() {
        facts.push(format!("owner `{}`", o.canonical()));
    }
    if let Some(t) = &e.spec_type {
        facts.push(format!("type `{}`", t.value));
    }
    if let Some(l) = &e.lifecycle {
        facts.push(format!("lifecycle `{}`", l.value));
    }
    if let Some(p) = &e.profile {
        if let Some(email) = &p.email {
            facts.push(format!("email {email}"));
        }
    }
    if !facts.is_empty() {
        s.push_str(&format!("\n\n{}", facts.join(" · ")));
    }
    s.push_str(&format!("\n\nDefined in `{file}:{line}`"));
    s
}

/// Appends the references the field accepts, in order of kind then reference; returns whether
/// the list was cut. Each kind's references are kept sorted in the catalog, so this stops after
/// [`MAX_REFERENCES`] matches instead of looking at every Group of a large organisation.
fn reference_items(
    snap: &Snapshot,
    ctx: &LineContext,
    field: RelationField,
    typed: &str,
    space: &str,
    range: Range,
    out: &mut Vec<CompletionItem>,
) -> bool {
    let own_ns = ctx.header.namespace.as_deref().unwrap_or("default");
    let own = match (&ctx.header.kind, &ctx.header.name) {
        (Some(k), Some(n)) => Some(format!("{}:{}/{}", k.to_lowercase(), own_ns.to_lowercase(), n.to_lowercase())),
        _ => None,
    };
    let typed_lower = typed.to_lowercase();
    // What is typed may carry a kind or namespace (`group:te`); the name part filters cheaply on
    // the lowercase canonical reference, the whole text then on the written form.
    let name_needle = typed_lower.rsplit([':', '/']).next().unwrap_or_default();
    let catalog = &snap.catalog;
    let mut cut = false;
    let mut found: Vec<(String, &Entity, &str, u32, String)> = Vec::new();
    'kinds: for kind in offered_kinds(&field) {
        let Some(refs) = catalog.sorted_by_kind.get(&kind.ref_name()) else { continue };
        for &at in refs {
            let Some((file, entity)) = catalog.entity(at) else { continue };
            if !contains_ignore_case(entity.name(), name_needle) {
                continue;
            }
            let canonical = entity.entity_ref.canonical();
            if own.as_deref() == Some(canonical.as_str()) {
                continue;
            }
            let written = reference_text(entity, &field, own_ns);
            if !typed_lower.is_empty() && !written.to_lowercase().contains(&typed_lower) {
                continue;
            }
            if found.len() == MAX_REFERENCES {
                cut = true;
                break 'kinds;
            }
            let line = file.line_index.line_col(entity.name_range.start).line;
            found.push((written, entity, &file.path, line, canonical));
        }
    }
    // Documentation is inline for short lists; long ones let the client ask for the item it shows.
    let lazy = snap.caps.resolve_documentation && found.len() > INLINE_DOCUMENTATION;
    for (i, (written, entity, file, line, canonical)) in found.into_iter().enumerate() {
        let detail = match &entity.title {
            Some(t) => format!("{} · {t}", entity.kind()),
            None => entity.kind().to_owned(),
        };
        out.push(CompletionItem {
            label: written.clone(),
            label_details: snap.caps.label_details.then(|| CompletionItemLabelDetails {
                detail: None,
                description: entity.title.clone().or_else(|| entity.owner().map(|o| format!("owner {}", o.name))),
            }),
            kind: Some(CompletionItemKind::REFERENCE),
            detail: Some(detail),
            documentation: (!lazy).then(|| markdown(entity_summary(entity, file, line))),
            data: lazy.then(|| serde_json::json!({ "entity": canonical })),
            sort_text: Some(format!("{i:05}")),
            filter_text: Some(written.clone()),
            text_edit: edit(range, format!("{space}{written}")),
            ..CompletionItem::default()
        });
    }
    cut
}

/// Whether `haystack` contains `needle` (already lowercase), ignoring ASCII case, without
/// allocating: this runs for every Group of the organisation on a keystroke.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

/// `completionItem/resolve`: the documentation of an entity reference, when it was left out.
pub(crate) fn resolve(snap: &Snapshot, mut item: CompletionItem) -> CompletionItem {
    if item.documentation.is_some() {
        return item;
    }
    let Some(canonical) = item.data.as_ref().and_then(|d| d.get("entity")).and_then(|e| e.as_str()) else {
        return item;
    };
    let Ok(target) = backline_catalog::parse_entity_ref(canonical, None, None) else { return item };
    if let Some(f) = crate::lookup::definitions(snap, &target).first() {
        item.documentation = Some(markdown(entity_summary(f.entity(), &f.file.path, f.line())));
    }
    item
}

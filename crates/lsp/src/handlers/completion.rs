//! `textDocument/completion`: keys valid at the cursor for the entity's kind, well-known values,
//! entity references from the real catalog, annotation keys, and a snippet per kind.
//!
//! The context comes from the lines around the cursor ([`backline_catalog::cursor::line_context`]),
//! not from a parse: the document is usually mid-edit (`owner: ` with nothing after it) and may
//! not parse at all, and reading the lines of one document costs the same in a 19,000-line file
//! as in a small one, so completion never waits for a re-parse.

use backline_catalog::cursor::{self, LineContext, Slot};
use backline_catalog::kinds::{Kind, KindName, RelationField, WELL_KNOWN_LIFECYCLES};
use backline_catalog::model::Entity;
use backline_catalog::{EntityRef, ParsedFile, TextRange};
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionItemLabelDetails, CompletionList, CompletionResponse,
    CompletionTextEdit, Documentation, InsertTextFormat, InsertTextMode, MarkupContent, MarkupKind, Position, Range,
    TextEdit,
};

use crate::convert;
use crate::document::Document;
use crate::external::ExternalEntity;
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
    let mut ctx = cursor::line_context(text, offset);
    if ctx.slot == Slot::Other {
        ctx = flow_context(text, offset, ctx)?;
    }
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
                    let cut = reference_items(snap, &ctx, field, typed, space, range, &mut list.items);
                    // Before the workspace scan is done the catalog knows only the open
                    // documents: an incomplete list makes the editor ask again as the user types.
                    list.is_incomplete = cut || !snap.catalog.complete;
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

/// The cursor's context inside a flow mapping on its line (`spec: {type: service, owner: te|}`),
/// which the line reader leaves as [`Slot::Other`]: a value or a sequence item, read from the
/// line's text before the cursor. Keys inside flow mappings are not offered (their snippets are
/// block-style); `None` when the cursor is not in a flow collection's value.
fn flow_context(text: &str, offset: u32, mut ctx: LineContext) -> Option<LineContext> {
    let offset = offset as usize;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    let open = before.find(['{', '['])?;
    // The line's own key, `key: {` (after any `- ` markers), unless the collection is itself a
    // sequence item (`- {url: x}`, whose `-` the line reader has put on the path already).
    let head = before[..open].trim();
    if !head.chars().all(|c| c == '-' || c == ' ') {
        let key = head.strip_suffix(':')?.trim_start_matches(['-', ' ']).trim().trim_matches(['"', '\'']);
        if key.is_empty() || key.contains([' ', '#', '{', '[']) {
            return None;
        }
        ctx.path.push(key.to_owned());
    }
    // Open collections: (is a mapping, the key whose value is being written).
    let mut frames: Vec<(bool, Option<String>)> = Vec::new();
    let bytes = before.as_bytes();
    let mut token = open;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                frames.push((bytes[i] == b'{', None));
                token = i + 1;
            }
            b'}' | b']' => {
                frames.pop();
                if let Some(top) = frames.last_mut() {
                    top.1 = None;
                }
                token = i + 1;
            }
            b',' => {
                if let Some(top) = frames.last_mut() {
                    top.1 = None;
                }
                token = i + 1;
            }
            b':' if matches!(bytes.get(i + 1), None | Some(b' ' | b'\t')) => {
                if let Some(top) = frames.last_mut().filter(|f| f.0) {
                    top.1 = Some(before[token..i].trim().trim_matches(['"', '\'']).to_owned());
                }
                token = i + 1;
            }
            q @ (b'"' | b'\'') if before[token..i].trim().is_empty() => {
                // A quoted scalar: its text may hold any of the above.
                match before[i + 1..].find(q as char) {
                    Some(end) => i += end + 1,
                    None => token = i + 1,
                }
            }
            _ => {}
        }
        i += 1;
    }
    let (top, outer) = frames.split_last()?;
    for (is_map, key) in outer {
        ctx.path.push(if *is_map { key.clone()? } else { "-".to_owned() });
    }
    ctx.slot = match top {
        (true, Some(key)) => {
            ctx.path.push(key.clone());
            Slot::Value
        }
        (true, None) => return None,
        (false, _) => Slot::Item,
    };
    let lead = before[token..].len() - before[token..].trim_start().len();
    let start = line_start + token + lead;
    let end = offset + text[offset..].find([',', '}', ']', ' ', '\n', '"', '\'']).unwrap_or(text.len() - offset);
    ctx.word = TextRange::new(start as u32, end as u32);
    Some(ctx)
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
fn offered_kinds(field: &RelationField) -> Vec<KindName> {
    if !field.allowed_kinds.is_empty() {
        return field.allowed_kinds.to_vec();
    }
    match field.default_kind {
        Some(k) => vec![k],
        None => [Kind::Component, Kind::Resource, Kind::Api].map(KindName::Builtin).to_vec(),
    }
}

/// How a reference to `target` is written from an entity in namespace `own_ns`: the shortest form
/// that means it (the bare name when it has the field's default kind and our namespace).
pub(crate) fn reference_text(r: &EntityRef, field: &RelationField, own_ns: &str) -> String {
    let default_kind = field.default_kind.is_some_and(|k| k.is_ref_kind(&r.kind));
    let same_ns = r.namespace.eq_ignore_ascii_case(own_ns);
    match (default_kind, same_ns) {
        (true, true) => r.name.clone(),
        (true, false) => format!("{}/{}", r.namespace, r.name),
        (false, true) => format!("{}:{}", r.kind.to_lowercase(), r.name),
        (false, false) => format!("{}:{}/{}", r.kind.to_lowercase(), r.namespace, r.name),
    }
}

/// [`reference_text`], keeping the kind or namespace the user has started to write (`group:te`,
/// `default/te`): an item that drops them would not match what is typed.
fn written_like(r: &EntityRef, field: &RelationField, own_ns: &str, typed: &str) -> String {
    let short = reference_text(r, field, own_ns);
    let kind = short.contains(':') || typed.contains(':');
    let namespace = short.contains('/') || typed.contains('/');
    match (kind, namespace) {
        (false, false) => short,
        (false, true) => format!("{}/{}", r.namespace, r.name),
        (true, false) => format!("{}:{}", r.kind.to_lowercase(), r.name),
        (true, true) => format!("{}:{}/{}", r.kind.to_lowercase(), r.namespace, r.name),
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
    if let Some(email) = e.profile.as_ref().and_then(|p| p.email.as_ref()) {
        facts.push(format!("email {email}"));
    }
    if !facts.is_empty() {
        s.push_str(&format!("\n\n{}", facts.join(" · ")));
    }
    s.push_str(&format!("\n\nDefined in `{file}:{line}`"));
    s
}

/// What completion and hover say about an entity of an org-wide catalog: the same as for a
/// file's entity, from what the org catalog knows.
pub(crate) fn external_summary(x: &ExternalEntity) -> String {
    let r = &x.entity_ref;
    let mut s = match &x.title {
        Some(t) => format!("**{t}** — {} `{}`", r.kind, r.canonical()),
        None => format!("**{}** — {} `{}`", r.name, r.kind, r.canonical()),
    };
    if let Some(d) = x.description.as_deref().filter(|d| !d.trim().is_empty()) {
        s.push_str(&format!("\n\n{}", d.trim()));
    }
    let mut facts = Vec::new();
    if let Some(o) = &x.owner {
        facts.push(format!("owner `{}`", o.canonical()));
    }
    if let Some(t) = &x.spec_type {
        facts.push(format!("type `{t}`"));
    }
    if let Some(l) = &x.lifecycle {
        facts.push(format!("lifecycle `{l}`"));
    }
    if !facts.is_empty() {
        s.push_str(&format!("\n\n{}", facts.join(" · ")));
    }
    s.push_str(&format!("\n\nDefined in `{}` (org catalog)", x.location.describe()));
    s
}

/// An entity completion may offer: from a catalog file, or from an org-wide catalog.
#[derive(Clone, Copy)]
enum Candidate<'a> {
    Local(&'a ParsedFile, &'a Entity),
    External(&'a ExternalEntity),
}

impl Candidate<'_> {
    fn entity_ref(&self) -> &EntityRef {
        match self {
            Candidate::Local(_, e) => &e.entity_ref,
            Candidate::External(x) => &x.entity_ref,
        }
    }

    fn title(&self) -> Option<&str> {
        match self {
            Candidate::Local(_, e) => e.title.as_deref(),
            Candidate::External(x) => x.title.as_deref(),
        }
    }

    fn owner(&self) -> Option<&EntityRef> {
        match self {
            Candidate::Local(_, e) => e.owner(),
            Candidate::External(x) => x.owner.as_ref(),
        }
    }

    fn summary(&self) -> String {
        match self {
            Candidate::Local(file, e) => {
                entity_summary(e, &file.path, file.line_index.line_col(e.name_range.start).line)
            }
            Candidate::External(x) => external_summary(x),
        }
    }
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
    let mut found: Vec<(String, Candidate<'_>, String)> = Vec::new();
    'kinds: for kind in offered_kinds(&field) {
        let kind = kind.ref_name().to_owned();
        let named = |c: &Candidate<'_>| contains_ignore_case(&c.entity_ref().name, name_needle);
        let mut locals = catalog
            .sorted_by_kind
            .get(&kind)
            .into_iter()
            .flatten()
            .filter_map(|&at| catalog.entity(at))
            .map(|(file, e)| Candidate::Local(file, e))
            .filter(named)
            .map(|c| (c.entity_ref().canonical(), c))
            .peekable();
        // A file's own definition wins over the org catalog's copy.
        let mut externals = catalog
            .external
            .of_kind(&kind)
            .map(Candidate::External)
            .filter(named)
            .map(|c| (c.entity_ref().canonical(), c))
            .filter(|(canonical, _)| catalog.index.definitions(canonical).is_empty())
            .peekable();
        // Both are sorted by canonical reference: merge them.
        loop {
            let next = match (locals.peek(), externals.peek()) {
                (Some(l), Some(x)) if x.0 < l.0 => externals.next(),
                (Some(_), _) => locals.next(),
                (None, _) => externals.next(),
            };
            let Some((canonical, candidate)) = next else { break };
            if own.as_deref() == Some(canonical.as_str()) {
                continue;
            }
            let written = written_like(candidate.entity_ref(), &field, own_ns, typed);
            if !typed_lower.is_empty() && !written.to_lowercase().contains(&typed_lower) {
                continue;
            }
            if found.len() == MAX_REFERENCES {
                cut = true;
                break 'kinds;
            }
            found.push((written, candidate, canonical));
        }
    }
    // Documentation is inline for short lists; long ones let the client ask for the item it shows.
    let lazy = snap.caps.resolve_documentation && found.len() > INLINE_DOCUMENTATION;
    for (i, (written, candidate, canonical)) in found.into_iter().enumerate() {
        let kind = &candidate.entity_ref().kind;
        let detail = match candidate.title() {
            Some(t) => format!("{kind} · {t}"),
            None => kind.clone(),
        };
        out.push(CompletionItem {
            label: written.clone(),
            label_details: snap.caps.label_details.then(|| CompletionItemLabelDetails {
                detail: None,
                description: candidate
                    .title()
                    .map(str::to_owned)
                    .or_else(|| candidate.owner().map(|o| format!("owner {}", o.name))),
            }),
            kind: Some(CompletionItemKind::REFERENCE),
            detail: Some(detail),
            documentation: (!lazy).then(|| markdown(candidate.summary())),
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
        item.documentation = Some(markdown(f.summary()));
    }
    item
}

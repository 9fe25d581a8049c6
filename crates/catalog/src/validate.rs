//! Per-file validation: Backstage's processing pipeline, stage by stage (catalog-format.md §4).
//!
//! Backstage stops at the first failing stage; a linter that did so would make people fix one
//! mistake per run. So every stage runs and reports everything it finds, and the document's
//! [`CatalogDocument::stage`] records the first stage that failed: that is Backstage's verdict,
//! and it is what the differential test compares with Backstage's own code.
//!
//! Pure: text in, [`ParsedFile`] out. No I/O, no async.

use std::sync::Arc;

use crate::codes::{Code, Stage};
use crate::entity_ref::{EntityRef, parse_entity_ref};
use crate::finding::{Finding, Fix, Severity, TextEdit};
use crate::format;
use crate::model::*;
use crate::text::{LineIndex, TextRange};
use crate::yaml::{self, Node, Value, YamlErrorKind};

/// Parses and validates one file. Never fails: problems are findings.
pub fn parse_file(path: Arc<str>, text: &str) -> ParsedFile {
    let line_index = LineIndex::new(text);
    let mut findings = Vec::new();
    let mut documents = Vec::new();

    for doc in yaml::parse_stream(text) {
        if doc.is_null() {
            continue;
        }
        let index = documents.len();
        let mut doc_findings = Vec::new();
        for err in &doc.errors {
            let code = match err.kind {
                YamlErrorKind::DuplicateKey { .. } => Code::DuplicateKey,
                _ => Code::YamlSyntax,
            };
            let mut f = Finding::new(code, &path, err.range, yaml_message(&err.kind, &err.message()));
            if let YamlErrorKind::DuplicateKey { first, .. } = err.kind {
                f = f.with_related(&path, first, "first defined here");
            }
            doc_findings.push(f);
        }
        let mut entity = None;
        match &doc.root {
            Some(root) if root.as_map().is_some() => {
                let mut checker = Checker { path: &path, text, findings: Vec::new() };
                entity = checker.entity(root);
                // After a YAML error the tree may be partial: keep the entity for editors, but do
                // not report findings that may only be artefacts of the broken syntax.
                if doc.errors.is_empty() {
                    doc_findings.extend(checker.findings);
                }
            }
            Some(root) if doc.errors.is_empty() => {
                doc_findings.push(Finding::new(
                    Code::RootNotObject,
                    &path,
                    root.range,
                    format!(
                        "Expected object at root, got {}. Each entity must be a mapping of its own; separate entities with `---` instead of writing a list.",
                        root.value.js_type()
                    ),
                ));
            }
            _ => {}
        }
        let stage = doc_findings.iter().filter(|f| f.severity == Severity::Error).filter_map(|f| f.code.stage()).min();
        if let Some(e) = entity.as_mut() {
            e.accepted = stage.is_none();
        }
        findings.extend(doc_findings);
        documents.push(CatalogDocument { index, range: doc.range, stage, entity, tree: doc.root });
    }

    add_blocked_sibling_findings(&path, &documents, &mut findings);
    ParsedFile { path, line_index, documents, findings }
}

fn yaml_message(kind: &YamlErrorKind, message: &str) -> String {
    match kind {
        YamlErrorKind::DuplicateKey { .. } => format!("{message}. Delete one of the two entries."),
        YamlErrorKind::Syntax(_) => format!("YAML error: {message}. Backstage refuses this document."),
        _ => format!("YAML error: {message}."),
    }
}

/// Parent-level errors (catalog-format.md §4 "Blast radius") stop Backstage from storing any
/// entity of the file in that round. Say so, and say how many entities are affected.
fn add_blocked_sibling_findings(path: &Arc<str>, documents: &[CatalogDocument], findings: &mut Vec<Finding>) {
    let parent_level = |d: &CatalogDocument| matches!(d.stage, Some(Stage::Yaml | Stage::Root | Stage::Envelope));
    let blocking: Vec<&CatalogDocument> = documents.iter().filter(|d| parent_level(d)).collect();
    if blocking.is_empty() {
        return;
    }
    let siblings: Vec<String> = documents
        .iter()
        .filter(|d| !parent_level(d))
        .filter_map(|d| d.entity.as_ref().map(|e| e.entity_ref.canonical()))
        .collect();
    if siblings.is_empty() {
        return;
    }
    let mut shown = siblings.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if siblings.len() > 3 {
        shown.push_str(&format!(" and {} more", siblings.len() - 3));
    }
    for doc in blocking {
        let range = findings
            .iter()
            .find(|f| {
                f.severity == Severity::Error && f.range.start >= doc.range.start && f.range.start <= doc.range.end
            })
            .map_or(doc.range, |f| f.range);
        findings.push(Finding::new(
            Code::BlocksSiblings,
            path,
            range,
            format!(
                "In Backstage this error blocks the {} other entit{} of this file from being added or updated ({shown}). Fix it to unblock them.",
                siblings.len(),
                if siblings.len() == 1 { "y" } else { "ies" }
            ),
        ));
    }
}

const FORMAT_HELP: &str = "To learn more about catalog file format, visit: https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/adr002-default-catalog-file-format.md";

/// Checks one mapping document and builds its entity.
struct Checker<'a> {
    path: &'a Arc<str>,
    text: &'a str,
    findings: Vec<Finding>,
}

/// A schema type for kind validation (Ajv `type` with `minLength: 1` where Backstage sets it).
#[derive(Clone, Copy)]
enum Ty {
    /// `type: string, minLength: 1`.
    Str,
    /// `type: array, items: {type: string, minLength: 1}`.
    StrList,
    Object,
    /// `type: [string, boolean]`.
    StrOrBool,
    /// `type: string, enum: [...]`.
    Enum(&'static [&'static str]),
}

struct SpecField {
    name: &'static str,
    required: bool,
    ty: Ty,
}

const fn req(name: &'static str, ty: Ty) -> SpecField {
    SpecField { name, required: true, ty }
}

const fn opt(name: &'static str, ty: Ty) -> SpecField {
    SpecField { name, required: false, ty }
}

/// The `spec` schema of each built-in kind (the kind JSON schemas, as plain data).
fn spec_schema(kind: &str) -> &'static [SpecField] {
    use Ty::*;
    const COMPONENT: &[SpecField] = &[
        req("type", Str),
        req("lifecycle", Str),
        req("owner", Str),
        opt("system", Str),
        opt("subcomponentOf", Str),
        opt("providesApis", StrList),
        opt("consumesApis", StrList),
        opt("dependsOn", StrList),
    ];
    const API: &[SpecField] =
        &[req("type", Str), req("lifecycle", Str), req("owner", Str), opt("system", Str), req("definition", Str)];
    const RESOURCE: &[SpecField] =
        &[req("type", Str), req("owner", Str), opt("dependsOn", StrList), opt("system", Str)];
    const SYSTEM: &[SpecField] = &[req("owner", Str), opt("domain", Str), opt("type", Str)];
    const DOMAIN: &[SpecField] = &[req("owner", Str), opt("subdomainOf", Str), opt("type", Str)];
    const GROUP: &[SpecField] = &[
        req("type", Str),
        opt("profile", Object),
        opt("parent", Str),
        req("children", StrList),
        opt("members", StrList),
    ];
    const USER: &[SpecField] = &[opt("profile", Object), req("memberOf", StrList)];
    const LOCATION: &[SpecField] = &[
        opt("type", Str),
        opt("target", Str),
        opt("targets", StrList),
        opt("presence", Enum(&["required", "optional"])),
    ];
    // `steps`, `parameters`, `output` and friends are checked by `template_extras`.
    const TEMPLATE: &[SpecField] = &[
        req("type", Str),
        opt("owner", Str),
        opt("lifecycle", Str),
        opt("presentation", Object),
        opt("secrets", Object),
        opt("EXPERIMENTAL_recovery", Object),
        req("steps", Object),
    ];
    match kind {
        "Component" => COMPONENT,
        "API" => API,
        "Resource" => RESOURCE,
        "System" => SYSTEM,
        "Domain" => DOMAIN,
        "Group" => GROUP,
        "User" => USER,
        "Location" => LOCATION,
        "Template" => TEMPLATE,
        _ => &[],
    }
}

/// The placeholder resolvers Backstage registers by default (with the OpenAPI module).
const PLACEHOLDERS: &[&str] = &["$text", "$json", "$yaml", "$openapi", "$asyncapi"];

fn has_placeholder(node: &Node) -> bool {
    match &node.value {
        Value::Map(entries) => {
            entries.iter().any(|(k, _)| k.as_str().is_some_and(|k| k.starts_with('$')))
                || entries.iter().any(|(_, v)| has_placeholder(v))
        }
        Value::Seq(items) => items.iter().any(has_placeholder),
        _ => false,
    }
}

/// Replaces placeholders by typed holes, as Backstage's placeholder processor walks the entity
/// (catalog-format.md §10): a static check cannot read the files they point at, so `$text`,
/// `$openapi` and `$asyncapi` become strings, `$json` and `$yaml` empty mappings. A mapping with a
/// `$` key among other keys is left alone and not descended into; so is a single unknown `$` key.
/// A known placeholder whose value is not a string is an error (returned with its range).
fn substitute_placeholders(node: &Node, errors: &mut Vec<(TextRange, String)>) -> Node {
    match &node.value {
        Value::Map(entries) => {
            let dollar = |k: &Node| k.as_str().is_some_and(|k| k.starts_with('$'));
            if let [(k, v)] = entries.as_slice()
                && let Some(key) = k.as_str().filter(|k| PLACEHOLDERS.contains(k))
            {
                if v.as_str().is_none() {
                    errors.push((v.range, key.to_owned()));
                    return node.clone();
                }
                let value = if matches!(key, "$json" | "$yaml") {
                    Value::Map(Vec::new())
                } else {
                    Value::String("placeholder".into())
                };
                return Node { value, range: node.range };
            }
            if entries.iter().any(|(k, _)| dollar(k)) {
                return node.clone();
            }
            Node {
                value: Value::Map(
                    entries.iter().map(|(k, v)| (k.clone(), substitute_placeholders(v, errors))).collect(),
                ),
                range: node.range,
            }
        }
        Value::Seq(items) => Node {
            value: Value::Seq(items.iter().map(|i| substitute_placeholders(i, errors)).collect()),
            range: node.range,
        },
        _ => node.clone(),
    }
}

/// Placeholder substitution on a whole entity. `metadata.annotations` itself is never replaced:
/// Backstage merges the location annotations into it first, so it never has a single key (and a
/// `$` key in it then means "left alone").
fn substitute_entity(root: &Node, errors: &mut Vec<(TextRange, String)>) -> Node {
    substitute_in(root, errors, Context::Root)
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Root,
    Metadata,
    Annotations,
    Other,
}

fn substitute_in(node: &Node, errors: &mut Vec<(TextRange, String)>, context: Context) -> Node {
    let Value::Map(entries) = &node.value else {
        return substitute_placeholders(node, errors);
    };
    let has_dollar = entries.iter().any(|(k, _)| k.as_str().is_some_and(|k| k.starts_with('$')));
    if context == Context::Annotations && has_dollar {
        // After the merge this mapping has other keys too: left alone, not descended into.
        return node.clone();
    }
    if context == Context::Other || (context != Context::Annotations && (entries.len() == 1 || has_dollar)) {
        return substitute_placeholders(node, errors);
    }
    let child_context = |k: &Node| match (context, k.as_str()) {
        (Context::Root, Some("metadata")) => Context::Metadata,
        (Context::Metadata, Some("annotations")) => Context::Annotations,
        _ => Context::Other,
    };
    Node {
        value: Value::Map(
            entries.iter().map(|(k, v)| (k.clone(), substitute_in(v, errors, child_context(k)))).collect(),
        ),
        range: node.range,
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

fn display_value(node: &Node) -> String {
    match &node.value {
        Value::String(s) => s.clone(),
        _ => node.to_json().to_string(),
    }
}

impl Checker<'_> {
    fn report(&mut self, code: Code, range: TextRange, message: String) -> &mut Finding {
        self.findings.push(Finding::new(code, self.path, range, message));
        self.findings.last_mut().expect("just pushed")
    }

    fn entity(&mut self, raw_root: &Node) -> Option<Entity> {
        self.envelope(raw_root);
        // Placeholders are rare: only copy the tree when there is one to substitute.
        let substituted;
        let root = if has_placeholder(raw_root) {
            let mut errors = Vec::new();
            substituted = substitute_entity(raw_root, &mut errors);
            for (range, key) in errors {
                self.report(
                    Code::Placeholder,
                    range,
                    format!("Placeholder {key} expected a string value parameter, in the form of an absolute URL or a relative path. Write `{key}: ./path/to/file`."),
                );
            }
            &substituted
        } else {
            raw_root
        };
        self.schema_policy(root);
        self.foreign_root_fields(root);
        let namespace = self.field_format(root);

        let api_version = root.get("apiVersion").and_then(Node::as_str).filter(|s| !s.is_empty());
        let kind_node = root.get("kind");
        let kind = kind_node.and_then(Node::as_str).filter(|s| !s.is_empty());
        let metadata = root.get("metadata").filter(|m| m.as_map().is_some());
        let name_node = metadata.and_then(|m| m.get("name"));
        let name = name_node.and_then(Node::as_str).filter(|s| !s.is_empty());

        let (Some(kind), Some(name)) = (kind, name) else {
            return None;
        };
        let entity_ref = EntityRef::new(kind, &namespace, name);
        let recognized = self.recognize(root, api_version, kind, &entity_ref);
        let spec = root.get("spec").filter(|s| s.as_map().is_some());
        if recognized {
            self.kind_schema(root, kind, spec);
        }
        let references = if recognized { self.references(kind, spec, &namespace) } else { Vec::new() };
        if recognized {
            self.value_lints(kind, spec);
        }

        let metadata = metadata.expect("name implies metadata");
        let string_map = |key: &str| -> Vec<(String, String)> {
            metadata
                .get(key)
                .and_then(Node::as_map)
                .map(|entries| {
                    entries
                        .iter()
                        .filter_map(|(k, v)| Some((k.key_text()?.into_owned(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default()
        };
        let spanned = |key: &str| {
            spec.and_then(|s| s.get(key))
                .and_then(|n| n.as_str().map(|v| Spanned { value: v.to_owned(), range: n.range }))
        };
        let profile = spec.and_then(|s| s.get("profile")).filter(|p| p.as_map().is_some()).map(|p| Profile {
            display_name: p.get("displayName").and_then(Node::as_str).map(str::to_owned),
            email: p.get("email").and_then(Node::as_str).map(str::to_owned),
            picture: p.get("picture").and_then(Node::as_str).map(str::to_owned),
        });
        let location = (kind == "Location").then(|| location_spec(raw_root.get("spec")));
        Some(Entity {
            entity_ref,
            api_version: api_version.unwrap_or_default().to_owned(),
            kind_range: kind_node.map_or(root.range, |n| n.range),
            name_range: name_node.map_or(root.range, |n| n.range),
            title: metadata.get("title").and_then(Node::as_str).map(str::to_owned),
            description: metadata.get("description").and_then(Node::as_str).map(str::to_owned),
            tags: metadata
                .get("tags")
                .and_then(Node::as_seq)
                .map(|t| t.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
            labels: string_map("labels"),
            annotations: string_map("annotations"),
            links: metadata
                .get("links")
                .and_then(Node::as_seq)
                .map(|links| {
                    links
                        .iter()
                        .filter_map(|l| {
                            let s = |k: &str| l.get(k).and_then(Node::as_str).map(str::to_owned);
                            Some(Link { url: s("url")?, title: s("title"), icon: s("icon"), link_type: s("type") })
                        })
                        .collect()
                })
                .unwrap_or_default(),
            spec_type: spanned("type"),
            lifecycle: spanned("lifecycle"),
            profile,
            location,
            references,
            accepted: true,
        })
    }

    /// Where to point when a key is missing from a mapping: the key that holds the mapping, or
    /// the start of the mapping.
    fn missing_at(&self, map: &Node) -> TextRange {
        TextRange::empty(map.range.start)
    }

    /// Stage 1: the envelope (apiVersion, kind, metadata.name, metadata.namespace).
    fn envelope(&mut self, root: &Node) {
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

    fn require_string(&mut self, code: Code, node: &Node, path: &str, min1: bool) {
        match &node.value {
            Value::String(s) if min1 && s.is_empty() => {
                self.report(
                    code,
                    node.range,
                    format!("{path} must NOT have fewer than 1 characters. Give it a value or remove it."),
                );
            }
            Value::String(_) => {}
            other => {
                let hint = if matches!(other, Value::Int(_) | Value::Float(_) | Value::Bool(_)) {
                    format!(
                        " YAML reads `{}` as {} {}; quote it if you mean the text.",
                        display_value(node),
                        article(other.schema_type()),
                        other.schema_type()
                    )
                } else {
                    String::new()
                };
                self.report(code, node.range, format!("{path} must be string, not {}.{hint}", other.schema_type()));
            }
        }
    }

    /// Stage 2: `SchemaValidEntityPolicy` (the `Entity`, `EntityMeta` and `common` schemas).
    fn schema_policy(&mut self, root: &Node) {
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

    /// Stage 3: `NoForeignRootFieldsEntityPolicy`.
    fn foreign_root_fields(&mut self, root: &Node) {
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

    /// Stage 4: `FieldFormatEntityPolicy`. Returns the entity's namespace after defaulting.
    fn field_format(&mut self, root: &Node) -> String {
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

    /// Kind recognition: is there a built-in validator for this kind and apiVersion?
    fn recognize(&mut self, root: &Node, api_version: Option<&str>, kind: &str, entity_ref: &EntityRef) -> bool {
        let Some(api_version) = api_version else { return false };
        let builtin = |k: &str| BUILTIN_KINDS.contains(&k);
        let api_ok = |k: &str| {
            if k == "Template" {
                api_version == TEMPLATE_API_VERSION
            } else {
                BACKSTAGE_API_VERSIONS.contains(&api_version)
            }
        };
        if builtin(kind) && api_ok(kind) {
            return true;
        }
        let kind_range = root.get("kind").map_or(root.range, |n| n.range);
        let api_range = root.get("apiVersion").map_or(root.range, |n| n.range);
        let mut message = format!(
            "No processor recognized the entity {} as valid, possibly caused by a foreign kind or apiVersion.",
            entity_ref.canonical()
        );
        let (range, fix) = if !builtin(kind) {
            let guess = closest(kind, BUILTIN_KINDS, true);
            match guess {
                Some(g) => {
                    message.push_str(&format!(" Did you mean kind \"{g}\"? Kinds are case-sensitive."));
                    (kind_range, Some(Fix::replace(format!("Change kind to {g}"), kind_range, g)))
                }
                None => {
                    message.push_str(" Use a built-in kind (Component, API, Resource, System, Domain, Group, User, Location, Template), or install a processor for this custom kind in Backstage.");
                    (kind_range, None)
                }
            }
        } else {
            let want = if kind == "Template" { TEMPLATE_API_VERSION } else { "backstage.io/v1alpha1" };
            message.push_str(&format!(" Kind {kind} needs apiVersion {want}."));
            (api_range, Some(Fix::replace(format!("Change apiVersion to {want}"), api_range, want)))
        };
        let f = self.report(Code::UnknownKind, range, message);
        f.fix = fix;
        false
    }

    /// The kind's JSON schema.
    fn kind_schema(&mut self, root: &Node, kind: &str, spec: Option<&Node>) {
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
        for field in spec_schema(kind) {
            match spec.get(field.name) {
                None if field.required => missing.push(field.name),
                None => {}
                Some(v) => self.check_type(v, field, kind),
            }
        }
        if !missing.is_empty() {
            let spec_key = root.entry("spec").map_or(spec.range, |(k, _)| k.range);
            let names = missing.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ");
            let stub: String = missing.iter().map(|m| format!("{m}: {}\n", placeholder_value(kind, m))).collect();
            let fix = self.insert_block_fix(spec, "", &stub).map(|mut f| {
                f.title = format!(
                    "Add missing required field{} {}",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.join(", ")
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
        if kind == "Template" {
            self.template_extras(spec);
        }
    }

    fn check_type(&mut self, v: &Node, field: &SpecField, kind: &str) {
        let path = format!("spec.{}", field.name);
        match field.ty {
            Ty::Str => self.require_string(Code::KindSchema, v, &path, true),
            Ty::StrList => match v.as_seq() {
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
            Ty::Object => {
                if v.as_map().is_none() && !(kind == "Template" && field.name == "steps") {
                    self.report(
                        Code::KindSchema,
                        v.range,
                        format!("{path} must be object, not {}.", v.value.schema_type()),
                    );
                } else if field.name == "profile" {
                    for key in ["displayName", "email", "picture"] {
                        if let Some(p) = v.get(key) {
                            self.require_string(Code::KindSchema, p, &format!("{path}.{key}"), true);
                        }
                    }
                }
            }
            Ty::StrOrBool => {
                if !matches!(v.value, Value::String(_) | Value::Bool(_)) {
                    self.report(Code::KindSchema, v.range, format!("{path} must be string,boolean."));
                }
            }
            Ty::Enum(values) => {
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
        }
    }

    /// The parts of the Template v1beta3 schema that are not flat fields.
    fn template_extras(&mut self, spec: &Node) {
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
                            self.check_type(
                                v,
                                &SpecField { name: "if", required: false, ty: Ty::StrOrBool },
                                "Template",
                            );
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
                                        self.check_type(
                                            cond,
                                            &SpecField { name: "if", required: false, ty: Ty::StrOrBool },
                                            "Template",
                                        );
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

    /// Relation emission: parse every reference with its field's default kind and the entity's
    /// namespace.
    fn references(&mut self, kind: &str, spec: Option<&Node>, namespace: &str) -> Vec<Reference> {
        let mut out = Vec::new();
        let Some(spec) = spec else { return out };
        for field in relation_fields(kind) {
            let Some(value) = spec.get(field.field) else { continue };
            // Backstage skips falsy values (`doEmit` returns on `!targets`).
            if is_falsy(value) {
                continue;
            }
            let items: Vec<&Node> = match &value.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![value],
            };
            for item in items {
                let Some(raw) = item.as_str() else {
                    self.report(
                        Code::InvalidReference,
                        item.range,
                        format!(
                            "spec.{} must contain entity references (strings), not {}.",
                            field.field,
                            item.value.schema_type()
                        ),
                    );
                    continue;
                };
                let target = match parse_entity_ref(raw, field.default_kind, Some(namespace)) {
                    Ok(t) => Some(t),
                    Err(err) => {
                        let mut message = format!("{err}.");
                        let mut fix = None;
                        if field.default_kind.is_none() && !raw.contains(':') && !raw.is_empty() {
                            message.push_str(&format!(
                                " `{}` has no default kind: write `resource:{raw}` or `component:{raw}`.",
                                field.field
                            ));
                            fix = Some(Fix::replace(
                                format!("Write component:{raw}"),
                                item.range,
                                format!("component:{raw}"),
                            ));
                        } else {
                            message.push_str(" Write it as [kind:][namespace/]name, e.g. `group:default/team-a`.");
                        }
                        let f = self.report(Code::InvalidReference, item.range, message);
                        f.fix = fix;
                        None
                    }
                };
                out.push(Reference { field: *field, raw: raw.to_owned(), range: item.range, target });
            }
        }
        out
    }

    /// Backline lints on values Backstage accepts: lifecycle and type spellings.
    fn value_lints(&mut self, kind: &str, spec: Option<&Node>) {
        let Some(spec) = spec else { return };
        if matches!(kind, "Component" | "API")
            && let Some(v) = spec.get("lifecycle")
            && let Some(s) = v.as_str().filter(|s| !s.is_empty() && !WELL_KNOWN_LIFECYCLES.contains(s))
        {
            let guess = closest(s, WELL_KNOWN_LIFECYCLES, false);
            let message = match guess {
                Some(g) => format!(
                    "Unknown lifecycle {} (Backline lint; Backstage accepts it). Did you mean \"{g}\"? Filters and questions that look for {g} entities will miss this one.",
                    quote(s)
                ),
                None => format!(
                    "Lifecycle {} is not one of the well-known values experimental, production, deprecated (Backline lint; Backstage accepts it).",
                    quote(s)
                ),
            };
            let range = v.range;
            let f = self.report(Code::UnknownLifecycle, range, message);
            if let Some(g) = guess {
                f.fix = Some(Fix::replace(format!("Change lifecycle to {g}"), range, g));
            } else {
                f.severity = Severity::Hint;
            }
        }
        let known = well_known_types(kind);
        if let Some(v) = spec.get("type")
            && let Some(s) = v.as_str().filter(|s| !s.is_empty() && !known.contains(s))
            && let Some(g) = closest(s, known, false)
        {
            let range = v.range;
            let f = self.report(
                Code::UnknownLifecycle,
                range,
                format!(
                    "Unknown {kind} type {} (Backline lint; Backstage accepts any type). Did you mean \"{g}\"?",
                    quote(s)
                ),
            );
            f.fix = Some(Fix::replace(format!("Change type to {g}"), range, g));
        }
    }

    /// A fix that inserts `key:` + `body` (or only `body` when `key` is empty) as children of
    /// `map`, indented like its existing children.
    fn insert_block_fix(&self, map: &Node, key: &str, body: &str) -> Option<Fix> {
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

fn required_list(kind: &str) -> String {
    let required: Vec<&str> = spec_schema(kind).iter().filter(|f| f.required).map(|f| f.name).collect();
    if required.is_empty() { String::new() } else { format!(" with {}", required.join(", ")) }
}

fn placeholder_value(kind: &str, field: &str) -> &'static str {
    match (kind, field) {
        (_, "lifecycle") => "production",
        ("API", "type") => "openapi",
        ("Group", "type") => "team",
        ("Resource", "type") => "database",
        (_, "type") => "service",
        (_, "children" | "memberOf" | "steps") => "[]",
        (_, "definition") => "|\n  openapi: 3.0.0",
        _ => "TODO",
    }
}

fn required_spec_stub(kind: &str) -> String {
    spec_schema(kind)
        .iter()
        .filter(|f| f.required)
        .map(|f| format!("{}: {}\n", f.name, placeholder_value(kind, f.name)))
        .collect()
}

fn column_of(text: &str, offset: u32) -> usize {
    let before = &text[..offset as usize];
    before.len() - before.rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, offset: u32) -> u32 {
    let rest = &text[offset as usize..];
    offset + rest.find('\n').unwrap_or(rest.len()) as u32
}

/// The whole lines from `start`'s line to the line of `end`, including the final newline.
fn line_span(text: &str, start: u32, end: u32) -> TextRange {
    let line_start = text[..start as usize].rfind('\n').map_or(0, |i| i + 1) as u32;
    let end = line_end(text, end.max(start).min(text.len() as u32));
    let end = if (end as usize) < text.len() { end + 1 } else { end };
    TextRange::new(line_start, end)
}

/// The closest candidate to `s`: a case-insensitive match, or one within a small edit distance.
pub(crate) fn closest(s: &str, candidates: &[&'static str], exact_case_differs_only: bool) -> Option<&'static str> {
    if let Some(c) = candidates.iter().find(|c| c.eq_ignore_ascii_case(s)) {
        return (*c != s).then_some(*c);
    }
    let lower = s.to_lowercase();
    let best = candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), *c))
        .min_by_key(|(d, _)| *d)?;
    let limit = if exact_case_differs_only {
        2
    } else if s.len() <= 4 {
        1
    } else {
        2
    };
    (best.0 <= limit && best.0 > 0).then_some(best.1)
}

/// `spec.target(s)` and `presence` of a Location, read leniently (validation reports the rest).
fn location_spec(spec: Option<&Node>) -> LocationSpec {
    let mut targets = Vec::new();
    let Some(spec) = spec.filter(|s| s.as_map().is_some()) else {
        return LocationSpec { location_type: None, targets, optional: false };
    };
    if let Some(t) = spec.get("target")
        && let Some(s) = t.as_str().filter(|s| !s.is_empty())
    {
        targets.push((s.to_owned(), t.range));
    }
    if let Some(items) = spec.get("targets").and_then(Node::as_seq) {
        for t in items {
            if let Some(s) = t.as_str().filter(|s| !s.is_empty()) {
                targets.push((s.to_owned(), t.range));
            }
        }
    }
    LocationSpec {
        location_type: spec.get("type").and_then(Node::as_str).map(str::to_owned),
        targets,
        optional: spec.get("presence").and_then(Node::as_str) == Some("optional"),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

/// JavaScript falsiness, which Backstage's code often tests (`if (!value)`).
fn is_falsy(node: &Node) -> bool {
    match &node.value {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        Value::Int(i) => *i == 0,
        Value::Float(f) => *f == 0.0 || f.is_nan(),
        _ => false,
    }
}

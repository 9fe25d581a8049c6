//! Per-file validation: Backstage's processing pipeline, one file per stage.
//!
//! Backstage stops at the first failing stage; a linter that did so would make people fix one
//! mistake per run. So every stage runs and reports everything it finds, and the document's
//! [`CatalogDocument::stage`] records the first stage that failed: that is Backstage's verdict,
//! and it is what the differential test compares with Backstage's own code.
//!
//! This file is the driver: [`parse_file`] splits the stream into documents and [`Checker`] runs
//! the stages on each mapping in Backstage's order, then builds the [`Entity`]:
//!
//! 1. [`envelope`], the `EntityEnvelope` schema (what the parent Location checks);
//! 2. [`placeholders`], `PlaceholderProcessor` (`$text`, `$json`, `$yaml`...);
//! 3. [`schema_policy`], `SchemaValidEntityPolicy`;
//! 4. [`foreign_root_fields`], `NoForeignRootFieldsEntityPolicy`;
//! 5. [`field_format`], `FieldFormatEntityPolicy` (and the namespace default);
//! 6. [`kind_recognition`], does a built-in kind validator claim the entity?
//! 7. [`kind_schema`] (with [`template_schema`]): that kind's JSON schema; for a custom kind
//!    declared in the configuration, [`custom_schema`];
//! 8. [`relations`], `BuiltinKindsEntityProcessor`'s relation emission;
//! 9. [`lints`], Backline's per-file lints on what Backstage accepts.
//!
//! Pure: text in, [`ParsedFile`] out. No I/O, no async.

mod custom_schema;
mod envelope;
mod field_format;
mod foreign_root_fields;
mod kind_recognition;
mod kind_schema;
mod lints;
mod placeholders;
mod relations;
mod schema_policy;
mod template_schema;

use std::sync::Arc;

use crate::codes::Code;
use crate::entity_ref::EntityRef;
use crate::finding::{Finding, Severity};
use crate::kinds::Kind;
use crate::kinds::custom::{CustomKind, CustomKinds};
use crate::model::{CatalogDocument, Entity, Link, LocationSpec, ParsedFile, Profile, Spanned};
use crate::text::{LineIndex, TextRange};
use crate::yaml::{self, Node, Value, YamlErrorKind};

/// Parses and validates one file with the built-in kinds only. Never fails: problems are findings.
pub fn parse_file(path: Arc<str>, text: &str) -> ParsedFile {
    parse_file_with(path, text, &CustomKinds::default())
}

/// Parses and validates one file, recognising the configuration's custom kinds as well. Never
/// fails: problems are findings.
pub fn parse_file_with(path: Arc<str>, text: &str, kinds: &CustomKinds) -> ParsedFile {
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
                let mut checker = Checker { path: &path, text, kinds, findings: Vec::new() };
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

    lints::add_blocked_sibling_findings(&path, &documents, &mut findings);
    ParsedFile { path, line_index, documents, findings }
}

fn yaml_message(kind: &YamlErrorKind, message: &str) -> String {
    match kind {
        YamlErrorKind::DuplicateKey { .. } => format!("{message}. Delete one of the two entries."),
        YamlErrorKind::Syntax(_) => format!("YAML error: {message}. Backstage refuses this document."),
        _ => format!("YAML error: {message}."),
    }
}

/// Checks one mapping document and builds its entity; each stage is a method in its own file.
struct Checker<'a> {
    path: &'a Arc<str>,
    text: &'a str,
    kinds: &'a CustomKinds,
    findings: Vec<Finding>,
}

/// The kind validator that claims an entity (stage 6).
#[derive(Clone, Copy)]
enum Recognized<'k> {
    Builtin(Kind),
    Custom(&'k CustomKind),
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
        let root = if placeholders::has_placeholder(raw_root) {
            let mut errors = Vec::new();
            substituted = placeholders::substitute_entity(raw_root, &mut errors);
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
        let builtin_kind = Kind::from_name(kind);
        let recognized = self.recognize(root, api_version, kind, &entity_ref);
        let spec = root.get("spec").filter(|s| s.as_map().is_some());
        let mut references = Vec::new();
        match recognized {
            Some(Recognized::Builtin(kind)) => {
                self.kind_schema(root, kind, spec);
                references = self.references(kind.relation_fields(), spec, &namespace);
                self.value_lints(kind, spec);
            }
            Some(Recognized::Custom(kind)) => {
                self.custom_kind_schema(root, kind, spec);
                references = self.references(kind.relation_fields(), spec, &namespace);
            }
            None => {}
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
        let location = (builtin_kind == Some(Kind::Location)).then(|| location_spec(raw_root.get("spec")));
        Some(Entity {
            entity_ref,
            builtin_kind,
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

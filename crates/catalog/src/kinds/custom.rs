//! Custom kinds: kinds an organisation's Backstage recognises through processors of its own
//! (`kind: Environment`, `kind: Team`), declared in `[[kind]]` of `backline.toml`, so that
//! validation, relation emission, the index and the language server treat them like built-in
//! kinds. An unknown kind nobody declared stays what Backstage says it is: an entity no processor
//! recognises.
//!
//! A declaration names the kind (case-sensitive, as `kind:` is compared), the apiVersions it is
//! recognised with, optionally a JSON Schema its `spec` must satisfy, and which `spec` fields
//! hold references: the relation each emits (and its reverse), the kind a bare name means and
//! the kinds it may point at.
//!
//! The names a declaration introduces (the kind, its fields, its relations) are interned for the
//! life of the process, like the built-in table's `'static` strings, so that references into
//! custom kinds are the same `Copy` data as references into built-in ones. A configuration is
//! loaded once per process (or once per editor configuration change), so what is interned stays
//! small and bounded.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;

use super::{Kind, KindName, RelationField};
use crate::format::{is_valid_api_version, is_valid_kind};

/// One `[[kind]]` of `backline.toml`, as written.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KindSection {
    /// The kind as entities write it in `kind:` (`Environment`).
    pub name: String,
    /// The apiVersions Backstage's processor recognises the kind with.
    #[serde(default)]
    pub api_versions: Vec<String>,
    /// What the kind is, for hover and completion.
    #[serde(default)]
    pub description: Option<String>,
    /// A JSON Schema (draft 2020-12 or earlier, local references only) that `spec` must satisfy;
    /// relative to the configuration file.
    #[serde(default)]
    pub schema: Option<PathBuf>,
    /// The `spec` fields that hold entity references.
    #[serde(default, rename = "reference")]
    pub references: Vec<ReferenceSection>,
}

/// One `[[kind.reference]]`: a `spec` field holding references.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSection {
    /// The key under `spec` (`owner`, `dependsOn`).
    pub field: String,
    /// The relation emitted from the entity to the target (`ownedBy`).
    pub relation: String,
    /// The relation emitted from the target back (`ownerOf`); Backstage's own relation pairs
    /// need not say it.
    #[serde(default)]
    pub reverse: Option<String>,
    /// The kind a bare name means; without it the kind must be written (`group:team-a`).
    #[serde(default)]
    pub default_kind: Option<String>,
    /// The kinds the field may point at (empty: any).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Whether the field holds a list of references rather than one.
    #[serde(default)]
    pub many: bool,
    /// Whether every entity of the kind must write the field.
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: Option<String>,
}

/// A declaration that cannot be used; the message names the kind and the field.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CustomKindError {
    #[error("[[kind]] `{0}` is a built-in kind; custom kinds need names of their own")]
    Builtin(String),
    #[error("[[kind]] `{0}` is declared twice")]
    Duplicate(String),
    #[error(
        "[[kind]] `{0}` is not a valid kind name: Backstage accepts letters and digits, starting with a letter, at most 63 characters"
    )]
    InvalidName(String),
    #[error("[[kind]] `{0}` needs `api_versions`, e.g. `api_versions = [\"example.com/v1alpha1\"]`")]
    NoApiVersion(String),
    #[error("[[kind]] `{kind}`: `{api_version}` is not a valid apiVersion (`group/version` or `version`)")]
    InvalidApiVersion { kind: String, api_version: String },
    #[error("[[kind]] `{kind}`: reference field `{field}` is declared twice")]
    DuplicateField { kind: String, field: String },
    #[error("[[kind]] `{kind}`: reference field `{field}` needs a `relation` (e.g. `relation = \"ownedBy\"`)")]
    NoRelation { kind: String, field: String },
    #[error(
        "[[kind]] `{kind}`: reference field `{field}` emits `{relation}`, which has no well-known reverse: add `reverse = \"...\"`"
    )]
    NoReverse { kind: String, field: String, relation: String },
    #[error(
        "[[kind]] `{kind}`: reference field `{field}` names kind `{target}`, which is neither built in nor declared in a [[kind]]"
    )]
    UnknownTargetKind { kind: String, field: String, target: String },
    #[error(
        "[[kind]] `{kind}`: reference field `{field}`: a bare name means `{default}`, which `kinds` does not allow"
    )]
    DefaultNotAllowed { kind: String, field: String, default: String },
    #[error("[[kind]] `{kind}`: cannot read the spec schema: {message}")]
    SchemaFile { kind: String, message: String },
    #[error("[[kind]] `{kind}`: the spec schema is not a valid JSON Schema: {message}")]
    Schema { kind: String, message: String },
}

/// A declared custom kind, ready for validation.
#[derive(Debug)]
pub struct CustomKind {
    pub name: &'static str,
    pub api_versions: Vec<String>,
    pub description: Option<String>,
    pub fields: Vec<CustomField>,
    schema: Option<SpecSchema>,
}

impl CustomKind {
    pub fn recognizes(&self, api_version: &str) -> bool {
        self.api_versions.iter().any(|v| v == api_version)
    }

    /// The fields that hold references, as relation emission reads them.
    pub fn relation_fields(&self) -> impl Iterator<Item = RelationField> + '_ {
        self.fields.iter().map(|f| f.relation)
    }

    pub fn field(&self, name: &str) -> Option<&CustomField> {
        self.fields.iter().find(|f| f.relation.field == name)
    }

    /// The schema `spec` must satisfy, when the declaration names one.
    pub fn schema(&self) -> Option<&SpecSchema> {
        self.schema.as_ref()
    }
}

/// A reference field of a custom kind.
#[derive(Debug, Clone)]
pub struct CustomField {
    pub relation: RelationField,
    pub required: bool,
    pub description: Option<String>,
}

/// A compiled JSON Schema for a custom kind's `spec`.
pub struct SpecSchema {
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for SpecSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpecSchema")
    }
}

/// One way `spec` fails its schema: where (a JSON pointer below `spec`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// Path segments below `spec` (`["replicas"]`, `["regions", "1"]`).
    pub path: Vec<String>,
    pub message: String,
}

impl SpecSchema {
    /// Every violation, in the validator's order.
    pub fn violations(&self, spec: &serde_json::Value) -> Vec<SchemaViolation> {
        self.validator
            .iter_errors(spec)
            .map(|e| SchemaViolation {
                path: e.instance_path().into_iter().map(|s| s.to_string()).collect(),
                message: e.to_string(),
            })
            .collect()
    }
}

/// The custom kinds of one configuration. Empty unless `[[kind]]` declares some.
#[derive(Debug, Default)]
pub struct CustomKinds {
    kinds: Vec<CustomKind>,
    /// A hash of the declarations and schemas; `None` without custom kinds.
    fingerprint: Option<u64>,
}

/// Relations Backstage itself emits, with their reverses: a declaration that uses one need not
/// name the reverse.
const WELL_KNOWN_RELATIONS: &[(&str, &str)] = &[
    ("ownedBy", "ownerOf"),
    ("dependsOn", "dependencyOf"),
    ("partOf", "hasPart"),
    ("memberOf", "hasMember"),
    ("childOf", "parentOf"),
    ("providesApi", "apiProvidedBy"),
    ("consumesApi", "apiConsumedBy"),
];

fn well_known_reverse(relation: &str) -> Option<&'static str> {
    WELL_KNOWN_RELATIONS.iter().find_map(|&(a, b)| {
        if a == relation {
            Some(b)
        } else if b == relation {
            Some(a)
        } else {
            None
        }
    })
}

impl CustomKinds {
    /// No custom kinds: what every caller gets without a configuration.
    pub fn none() -> Arc<CustomKinds> {
        static NONE: OnceLock<Arc<CustomKinds>> = OnceLock::new();
        NONE.get_or_init(|| Arc::new(CustomKinds::default())).clone()
    }

    /// Checks and compiles the declarations. `schema_text` reads a declaration's schema file
    /// (the caller owns file access; this crate reads nothing itself).
    pub fn from_sections(
        sections: &[KindSection],
        mut schema_text: impl FnMut(&std::path::Path) -> Result<String, String>,
    ) -> Result<CustomKinds, CustomKindError> {
        let mut names = HashSet::new();
        for s in sections {
            if Kind::from_ref_kind(&s.name).is_some() {
                return Err(CustomKindError::Builtin(s.name.clone()));
            }
            if !is_valid_kind(&s.name) {
                return Err(CustomKindError::InvalidName(s.name.clone()));
            }
            if !names.insert(s.name.to_ascii_lowercase()) {
                return Err(CustomKindError::Duplicate(s.name.clone()));
            }
        }
        let kind_name = |target: &str, kind: &str, field: &str| -> Result<KindName, CustomKindError> {
            if let Some(k) = Kind::from_ref_kind(target) {
                return Ok(KindName::Builtin(k));
            }
            sections
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(target))
                .map(|s| KindName::Custom(intern(&s.name)))
                .ok_or_else(|| CustomKindError::UnknownTargetKind {
                    kind: kind.to_owned(),
                    field: field.to_owned(),
                    target: target.to_owned(),
                })
        };
        let mut kinds = Vec::with_capacity(sections.len());
        let mut schemas = String::new();
        for s in sections {
            if s.api_versions.is_empty() {
                return Err(CustomKindError::NoApiVersion(s.name.clone()));
            }
            if let Some(bad) = s.api_versions.iter().find(|v| !is_valid_api_version(v)) {
                return Err(CustomKindError::InvalidApiVersion { kind: s.name.clone(), api_version: bad.clone() });
            }
            let mut fields: Vec<CustomField> = Vec::with_capacity(s.references.len());
            for r in &s.references {
                let err_field = || (s.name.clone(), r.field.clone());
                if fields.iter().any(|f| f.relation.field == r.field) {
                    let (kind, field) = err_field();
                    return Err(CustomKindError::DuplicateField { kind, field });
                }
                if r.relation.trim().is_empty() {
                    let (kind, field) = err_field();
                    return Err(CustomKindError::NoRelation { kind, field });
                }
                let reverse = match (&r.reverse, well_known_reverse(&r.relation)) {
                    (Some(reverse), _) => intern(reverse),
                    (None, Some(reverse)) => reverse,
                    (None, None) => {
                        let (kind, field) = err_field();
                        return Err(CustomKindError::NoReverse { kind, field, relation: r.relation.clone() });
                    }
                };
                let default_kind = r.default_kind.as_deref().map(|k| kind_name(k, &s.name, &r.field)).transpose()?;
                let allowed: Vec<KindName> =
                    r.kinds.iter().map(|k| kind_name(k, &s.name, &r.field)).collect::<Result<_, _>>()?;
                if let Some(default) = default_kind
                    && !allowed.is_empty()
                    && !allowed.contains(&default)
                {
                    let (kind, field) = err_field();
                    return Err(CustomKindError::DefaultNotAllowed { kind, field, default: default.name().to_owned() });
                }
                fields.push(CustomField {
                    relation: RelationField {
                        field: intern(&r.field),
                        many: r.many,
                        default_kind,
                        forward: intern(&r.relation),
                        reverse,
                        allowed_kinds: intern_kinds(allowed),
                    },
                    required: r.required,
                    description: r.description.clone(),
                });
            }
            let schema = match &s.schema {
                None => None,
                Some(path) => {
                    let schema_error = |message: String| CustomKindError::Schema { kind: s.name.clone(), message };
                    let text = schema_text(path)
                        .map_err(|message| CustomKindError::SchemaFile { kind: s.name.clone(), message })?;
                    schemas.push_str(&text);
                    let json: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|e| schema_error(format!("{} is not JSON: {e}", path.display())))?;
                    let validator = jsonschema::validator_for(&json)
                        .map_err(|e| schema_error(format!("{}: {e}", path.display())))?;
                    Some(SpecSchema { validator })
                }
            };
            kinds.push(CustomKind {
                name: intern(&s.name),
                api_versions: s.api_versions.clone(),
                description: s.description.clone(),
                fields,
                schema,
            });
        }
        Ok(CustomKinds { kinds, fingerprint: (!sections.is_empty()).then(|| fnv1a(&format!("{sections:?}{schemas}"))) })
    }

    /// Changes whenever the declarations (or a schema they name) change, so that stores which
    /// keep parse results can tell that files must be parsed again; `None` without custom kinds,
    /// so declaring none leaves every stored result valid.
    pub fn fingerprint(&self) -> Option<u64> {
        self.fingerprint
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &CustomKind> {
        self.kinds.iter()
    }

    /// The declared kind `kind:` names, exactly (kinds are case-sensitive).
    pub fn get(&self, name: &str) -> Option<&CustomKind> {
        self.kinds.iter().find(|k| k.name == name)
    }

    /// The declared kind a reference's kind part names (case-insensitive).
    pub fn from_ref_kind(&self, kind: &str) -> Option<&CustomKind> {
        self.kinds.iter().find(|k| k.name.eq_ignore_ascii_case(kind))
    }
}

/// FNV-1a: stable across builds and platforms, unlike `std`'s hasher, since fingerprints are
/// stored.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Interns a name for the life of the process (see the module documentation). The same name is
/// interned once, so reloading a configuration does not grow the table.
fn intern(s: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&known) = names.get(s) {
        return known;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// Interns a list of kinds (see [`intern`]).
fn intern_kinds(kinds: Vec<KindName>) -> &'static [KindName] {
    static LISTS: OnceLock<Mutex<HashSet<&'static [KindName]>>> = OnceLock::new();
    if kinds.is_empty() {
        return &[];
    }
    let mut lists = LISTS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&known) = lists.get(kinds.as_slice()) {
        return known;
    }
    let leaked: &'static [KindName] = Box::leak(kinds.into_boxed_slice());
    lists.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(toml_like: (&str, &[&str])) -> KindSection {
        KindSection {
            name: toml_like.0.to_owned(),
            api_versions: toml_like.1.iter().map(|s| s.to_string()).collect(),
            ..KindSection::default()
        }
    }

    fn reference(field: &str, relation: &str) -> ReferenceSection {
        ReferenceSection { field: field.into(), relation: relation.into(), ..ReferenceSection::default() }
    }

    fn build(sections: &[KindSection]) -> Result<CustomKinds, CustomKindError> {
        CustomKinds::from_sections(sections, |_| Err("no files here".into()))
    }

    #[test]
    fn declarations_that_cannot_work_are_refused_with_the_kind_and_field() {
        let env = || section(("Environment", &["example.com/v1"]));
        let cases: Vec<(Vec<KindSection>, CustomKindError)> = vec![
            (vec![section(("Component", &["x/v1"]))], CustomKindError::Builtin("Component".into())),
            (vec![section(("group", &["x/v1"]))], CustomKindError::Builtin("group".into())),
            (vec![env(), env()], CustomKindError::Duplicate("Environment".into())),
            (vec![section(("my-kind", &["x/v1"]))], CustomKindError::InvalidName("my-kind".into())),
            (vec![section(("Environment", &[]))], CustomKindError::NoApiVersion("Environment".into())),
            (
                vec![section(("Environment", &["a/b/c"]))],
                CustomKindError::InvalidApiVersion { kind: "Environment".into(), api_version: "a/b/c".into() },
            ),
            (
                vec![KindSection {
                    references: vec![reference("owner", "ownedBy"), reference("owner", "ownedBy")],
                    ..env()
                }],
                CustomKindError::DuplicateField { kind: "Environment".into(), field: "owner".into() },
            ),
            (
                vec![KindSection { references: vec![reference("hosts", "hosts")], ..env() }],
                CustomKindError::NoReverse {
                    kind: "Environment".into(),
                    field: "hosts".into(),
                    relation: "hosts".into(),
                },
            ),
            (
                vec![KindSection {
                    references: vec![ReferenceSection {
                        default_kind: Some("Team".into()),
                        ..reference("owner", "ownedBy")
                    }],
                    ..env()
                }],
                CustomKindError::UnknownTargetKind {
                    kind: "Environment".into(),
                    field: "owner".into(),
                    target: "Team".into(),
                },
            ),
            (
                vec![KindSection {
                    references: vec![ReferenceSection {
                        default_kind: Some("user".into()),
                        kinds: vec!["group".into()],
                        ..reference("owner", "ownedBy")
                    }],
                    ..env()
                }],
                CustomKindError::DefaultNotAllowed {
                    kind: "Environment".into(),
                    field: "owner".into(),
                    default: "User".into(),
                },
            ),
        ];
        for (sections, expected) in cases {
            assert_eq!(build(&sections).unwrap_err(), expected);
        }
    }

    #[test]
    fn reference_fields_name_builtin_and_custom_kinds_and_well_known_reverses() {
        let kinds = build(&[
            KindSection {
                references: vec![
                    ReferenceSection {
                        default_kind: Some("group".into()),
                        kinds: vec!["Group".into(), "user".into()],
                        required: true,
                        ..reference("owner", "ownedBy")
                    },
                    ReferenceSection {
                        default_kind: Some("cluster".into()),
                        many: true,
                        ..reference("clusters", "hasPart")
                    },
                ],
                ..section(("Environment", &["example.com/v1"]))
            },
            section(("Cluster", &["example.com/v1"])),
        ])
        .unwrap();
        let env = kinds.get("Environment").unwrap();
        assert!(kinds.fingerprint().is_some() && CustomKinds::default().fingerprint().is_none());
        assert!(kinds.get("environment").is_none(), "kinds are case-sensitive");
        assert!(kinds.from_ref_kind("environment").is_some(), "references are not");
        assert!(env.recognizes("example.com/v1") && !env.recognizes("example.com/v2"));
        let owner = env.field("owner").unwrap();
        assert!(owner.required);
        assert_eq!(owner.relation.reverse, "ownerOf");
        assert_eq!(owner.relation.default_kind, Some(KindName::Builtin(Kind::Group)));
        assert!(owner.relation.allows("USER") && !owner.relation.allows("component"));
        let clusters = env.field("clusters").unwrap().relation;
        assert_eq!((clusters.forward, clusters.reverse, clusters.many), ("hasPart", "partOf", true));
        assert_eq!(clusters.default_kind, Some(KindName::Custom("Cluster")));
    }

    #[test]
    fn a_schema_file_is_read_through_the_caller_and_compiled() {
        let section = KindSection { schema: Some("env.json".into()), ..section(("Environment", &["example.com/v1"])) };
        let schema = r#"{"type":"object","required":["tier"],"properties":{"tier":{"enum":["prod","dev"]}}}"#;
        let kinds = CustomKinds::from_sections(std::slice::from_ref(&section), |p| {
            assert_eq!(p, std::path::Path::new("env.json"));
            Ok(schema.to_owned())
        })
        .unwrap();
        let schema = kinds.get("Environment").unwrap().schema().unwrap();
        assert!(schema.violations(&serde_json::json!({"tier": "prod"})).is_empty());
        let v = schema.violations(&serde_json::json!({"tier": "staging"}));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].path, vec!["tier".to_owned()]);
        let broken =
            CustomKinds::from_sections(std::slice::from_ref(&section), |_| Ok("{not json".into())).unwrap_err();
        assert!(matches!(broken, CustomKindError::Schema { .. }), "{broken:?}");
        let missing =
            CustomKinds::from_sections(std::slice::from_ref(&section), |_| Err("cannot read env.json".into()))
                .unwrap_err();
        assert_eq!(missing.to_string(), "[[kind]] `Environment`: cannot read the spec schema: cannot read env.json");
    }
}

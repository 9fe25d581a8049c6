//! The catalog model: what a validated document says, in plain data.
//!
//! An [`Entity`] is produced for every document whose envelope yields a kind and a name, valid or
//! not, so that questions can say "payments-api exists but its file has an error at line 12"
//! instead of pretending it does not exist. Whether Backstage would accept it is
//! [`CatalogDocument::stage`]: `None` means accepted.

use std::sync::Arc;

use serde::Serialize;

use crate::codes::Stage;
use crate::entity_ref::EntityRef;
use crate::finding::Finding;
use crate::text::{LineIndex, TextRange};
use crate::yaml::Node;

/// The built-in kinds, as Backstage spells them (validation of `kind` is case-sensitive).
pub const BUILTIN_KINDS: &[&str] =
    &["Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"];

/// apiVersions every built-in kind except Template accepts.
pub const BACKSTAGE_API_VERSIONS: &[&str] = &["backstage.io/v1alpha1", "backstage.io/v1beta1"];
/// The only apiVersion Templates are recognized with.
pub const TEMPLATE_API_VERSION: &str = "scaffolder.backstage.io/v1beta3";

pub const WELL_KNOWN_LIFECYCLES: &[&str] = &["experimental", "production", "deprecated"];

/// Well-known `spec.type` values per kind, used only for did-you-mean hints.
pub fn well_known_types(kind: &str) -> &'static [&'static str] {
    match kind {
        "Component" => &["service", "website", "library", "documentation", "tool"],
        "API" => &["openapi", "asyncapi", "graphql", "grpc", "trpc"],
        "Resource" => &["database", "s3-bucket", "cluster", "kubernetes-cluster", "queue", "topic", "cache", "bucket"],
        "System" => &["product", "service", "feature-set"],
        "Domain" => &["product-area", "product-group", "bundle"],
        "Group" => &["team", "business-unit", "product-area", "root", "department", "organization", "sub-department"],
        "Template" => &["service", "website", "library", "documentation", "resource"],
        _ => &[],
    }
}

/// A relation field: where a reference is written and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RelationField {
    /// The field under `spec`, e.g. `owner`.
    pub field: &'static str,
    /// Whether the field holds one reference or a list.
    pub many: bool,
    /// The kind a bare name means (`None`: the kind must be written).
    pub default_kind: Option<&'static str>,
    /// The relation emitted from this entity to the target.
    pub forward: &'static str,
    /// The relation emitted from the target back to this entity.
    pub reverse: &'static str,
    /// Kinds Backstage's newer model allows as targets (empty: any).
    pub allowed_kinds: &'static [&'static str],
}

const fn field(
    field: &'static str,
    many: bool,
    default_kind: Option<&'static str>,
    forward: &'static str,
    reverse: &'static str,
    allowed_kinds: &'static [&'static str],
) -> RelationField {
    RelationField { field, many, default_kind, forward, reverse, allowed_kinds }
}

const OWNER: RelationField = field("owner", false, Some("Group"), "ownedBy", "ownerOf", &["Group", "User"]);

/// The relation fields of each kind (catalog-format.md §6.3).
pub fn relation_fields(kind: &str) -> &'static [RelationField] {
    const COMPONENT: &[RelationField] = &[
        OWNER,
        field("system", false, Some("System"), "partOf", "hasPart", &[]),
        field("subcomponentOf", false, Some("Component"), "partOf", "hasPart", &[]),
        field("providesApis", true, Some("API"), "providesApi", "apiProvidedBy", &[]),
        field("consumesApis", true, Some("API"), "consumesApi", "apiConsumedBy", &[]),
        field("dependsOn", true, None, "dependsOn", "dependencyOf", &[]),
        field("dependencyOf", true, None, "dependencyOf", "dependsOn", &[]),
    ];
    const API: &[RelationField] = &[OWNER, field("system", false, Some("System"), "partOf", "hasPart", &[])];
    const RESOURCE: &[RelationField] = &[
        OWNER,
        field("system", false, Some("System"), "partOf", "hasPart", &[]),
        field("dependsOn", true, None, "dependsOn", "dependencyOf", &[]),
        field("dependencyOf", true, None, "dependencyOf", "dependsOn", &[]),
    ];
    const SYSTEM: &[RelationField] = &[OWNER, field("domain", false, Some("Domain"), "partOf", "hasPart", &[])];
    const DOMAIN: &[RelationField] = &[OWNER, field("subdomainOf", false, Some("Domain"), "partOf", "hasPart", &[])];
    const GROUP: &[RelationField] = &[
        field("parent", false, Some("Group"), "childOf", "parentOf", &["Group"]),
        field("children", true, Some("Group"), "parentOf", "childOf", &["Group"]),
        field("members", true, Some("User"), "hasMember", "memberOf", &["User"]),
    ];
    const USER: &[RelationField] = &[field("memberOf", true, Some("Group"), "memberOf", "hasMember", &["Group"])];
    const TEMPLATE: &[RelationField] = &[OWNER];
    match kind {
        "Component" => COMPONENT,
        "API" => API,
        "Resource" => RESOURCE,
        "System" => SYSTEM,
        "Domain" => DOMAIN,
        "Group" => GROUP,
        "User" => USER,
        "Template" => TEMPLATE,
        _ => &[],
    }
}

/// One reference written in a relation field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    pub field: RelationField,
    /// The text as written.
    pub raw: String,
    /// Where the value is written.
    pub range: TextRange,
    /// The parsed target; `None` when the reference cannot be parsed (a finding says why).
    pub target: Option<EntityRef>,
}

/// A directed relation, as Backstage emits it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Relation {
    pub source: EntityRef,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub target: EntityRef,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub url: String,
    pub title: Option<String>,
    pub icon: Option<String>,
    #[serde(rename = "type")]
    pub link_type: Option<String>,
}

/// `spec.profile` of Users and Groups.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Profile {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub picture: Option<String>,
}

/// `spec.target(s)` of a Location.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocationSpec {
    pub location_type: Option<String>,
    pub targets: Vec<(String, TextRange)>,
    /// `presence: optional` makes a missing target silent.
    pub optional: bool,
}

/// A string with the range it was written at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spanned {
    pub value: String,
    pub range: TextRange,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    /// Identity: kind, namespace (defaulted) and name as written. Compare with
    /// [`EntityRef::canonical`].
    pub entity_ref: EntityRef,
    pub api_version: String,
    pub kind_range: TextRange,
    pub name_range: TextRange,
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub links: Vec<Link>,
    pub spec_type: Option<Spanned>,
    pub lifecycle: Option<Spanned>,
    pub profile: Option<Profile>,
    pub location: Option<LocationSpec>,
    /// Every reference in a relation field, parsed or not.
    pub references: Vec<Reference>,
    /// Whether Backstage accepts the entity (its document has no failing stage). Backstage
    /// stores no relations for an entity it refuses.
    pub accepted: bool,
}

impl Entity {
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn kind(&self) -> &str {
        &self.entity_ref.kind
    }

    pub fn name(&self) -> &str {
        &self.entity_ref.name
    }

    /// The relations Backstage would emit for this entity, both directions, deduplicated; empty
    /// when Backstage refuses the entity. Computed on demand: storing them on every entity cost
    /// a third of `check`'s time on a 100,000-entity catalog (core/benches/check.rs).
    pub fn relations(&self) -> Vec<Relation> {
        let mut out = Vec::new();
        if !self.accepted {
            return out;
        }
        let mut seen = std::collections::HashSet::new();
        for r in &self.references {
            let Some(target) = &r.target else { continue };
            // Both directions share one dedup key: (target, forward relation type).
            if seen.insert((target.canonical(), r.field.forward)) {
                out.push(Relation { source: self.entity_ref.clone(), kind: r.field.forward, target: target.clone() });
                out.push(Relation { source: target.clone(), kind: r.field.reverse, target: self.entity_ref.clone() });
            }
        }
        out
    }

    /// The owner reference, if the entity has a parseable one.
    pub fn owner(&self) -> Option<&EntityRef> {
        self.references.iter().find(|r| r.field.field == "owner").and_then(|r| r.target.as_ref())
    }
}

/// One non-empty document of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogDocument {
    /// Position among the file's non-empty documents.
    pub index: usize,
    pub range: TextRange,
    /// The first Backstage stage that refuses this document; `None` when Backstage accepts it.
    pub stage: Option<Stage>,
    pub entity: Option<Entity>,
    /// The YAML tree as written (placeholders unresolved), for editors and the store.
    pub tree: Option<Node>,
}

/// A catalog file after parsing and per-file validation.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub path: Arc<str>,
    pub line_index: LineIndex,
    pub documents: Vec<CatalogDocument>,
    /// Findings of this file alone (cross-file lints come from [`crate::catalog`]).
    pub findings: Vec<Finding>,
}

impl ParsedFile {
    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.documents.iter().filter_map(|d| d.entity.as_ref())
    }
}

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

pub use crate::kinds::{
    BACKSTAGE_API_VERSIONS, BUILTIN_KINDS, Kind, RelationField, TEMPLATE_API_VERSION, WELL_KNOWN_LIFECYCLES,
};

/// One reference written in a relation field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    /// Interned ([`RelationField::interned`]): every reference of a field shares one copy.
    pub field: &'static RelationField,
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
    /// The built-in kind `kind:` names (exactly: kinds are case-sensitive), whether or not the
    /// apiVersion is one Backstage recognises it with; `None` for custom kinds.
    #[serde(skip)]
    pub builtin_kind: Option<Kind>,
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
        self.references.iter().find(|r| r.field.forward == "ownedBy").and_then(|r| r.target.as_ref())
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

    /// Drops what only editors, the store, answers and scorecards read: each document's YAML
    /// tree and each entity's descriptive fields (title, description, tags, labels,
    /// annotations, links, profile, spec type, lifecycle, Location spec). Left are identities,
    /// references, stages, findings and the line index: all that cross-file lints
    /// ([`crate::catalog::CatalogIndex`]) and a report of findings read. A checker that keeps
    /// every file of a large catalog until the cross-file lints can run keeps this much of each.
    pub fn shed_details(&mut self) {
        for document in &mut self.documents {
            document.tree = None;
            let Some(entity) = &mut document.entity else { continue };
            entity.api_version = String::new();
            entity.title = None;
            entity.description = None;
            entity.tags = Vec::new();
            entity.labels = Vec::new();
            entity.annotations = Vec::new();
            entity.links = Vec::new();
            entity.spec_type = None;
            entity.lifecycle = None;
            entity.profile = None;
            entity.location = None;
            entity.references.shrink_to_fit();
        }
        self.documents.shrink_to_fit();
        self.findings.shrink_to_fit();
    }
}

//! What a rule looks at: a [`Subject`] (one entity's own data, references canonical), and a
//! [`Context`] (what it needs of other entities: its owner, its dependencies, its system).
//! `check` and the language server build both from parsed files ([`Subject::from_entity`],
//! [`CatalogFacts`]); the index builds them from its store.

use std::collections::{HashMap, HashSet};

use crate::catalog::CatalogIndex;
use crate::model::{Entity, ParsedFile};

/// One entity as the rules see it. References are canonical (`kind:namespace/name`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subject {
    pub entity_ref: String,
    pub kind: String,
    pub namespace: String,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub links: Vec<SubjectLink>,
    pub owner: Option<String>,
    pub system: Option<String>,
    pub domain: Option<String>,
    /// `spec.dependsOn` targets.
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubjectLink {
    pub url: String,
    pub title: Option<String>,
    pub link_type: Option<String>,
}

/// What is known of an owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerState {
    /// Defined nowhere.
    Missing,
    /// A Group with no member, directly or in a sub-group (or an owner of another kind).
    NoMembers,
    /// A Group with members, or a User.
    HasMembers,
}

/// What rules ask about entities other than the subject.
pub trait Context {
    fn owner_state(&self, owner_ref: &str) -> OwnerState;
    /// Whether the entity has lifecycle `deprecated`.
    fn is_deprecated(&self, entity_ref: &str) -> bool;
    /// The domain of a system (for `domain:` conditions through the system).
    fn domain_of_system(&self, system_ref: &str) -> Option<String>;
}

/// The name part of a canonical ref.
pub(crate) fn name_of(canonical: &str) -> &str {
    canonical.rsplit_once('/').map_or(canonical, |(_, n)| n)
}

impl Subject {
    pub fn from_entity(e: &Entity) -> Subject {
        let mut s = Subject {
            entity_ref: e.entity_ref.canonical(),
            kind: e.kind().to_owned(),
            namespace: e.entity_ref.namespace.clone(),
            spec_type: e.spec_type.as_ref().map(|t| t.value.clone()),
            lifecycle: e.lifecycle.as_ref().map(|l| l.value.clone()),
            description: e.description.clone(),
            tags: e.tags.clone(),
            labels: e.labels.clone(),
            annotations: e.annotations.clone(),
            links: e
                .links
                .iter()
                .map(|l| SubjectLink { url: l.url.clone(), title: l.title.clone(), link_type: l.link_type.clone() })
                .collect(),
            ..Subject::default()
        };
        for r in &e.references {
            let Some(target) = &r.target else { continue };
            match r.field.field {
                "owner" => s.owner = Some(target.canonical()),
                "system" => s.system = Some(target.canonical()),
                "domain" => s.domain = Some(target.canonical()),
                "dependsOn" => s.depends_on.push(target.canonical()),
                _ => {}
            }
        }
        s
    }
}

/// What rules need of files parsed in memory (`check`, the language server) beyond the
/// cross-file index: which entities are deprecated and which domain each system is in. Built in
/// one pass and kept beside the [`CatalogIndex`] (the language server rebuilds both together);
/// [`CatalogFacts::with`] pairs them into a [`Context`].
#[derive(Debug, Clone, Default)]
pub struct CatalogFacts {
    deprecated: HashSet<String>,
    system_domains: HashMap<String, String>,
}

impl CatalogFacts {
    pub fn build<'f>(files: impl IntoIterator<Item = &'f ParsedFile>) -> CatalogFacts {
        let mut facts = CatalogFacts::default();
        for file in files {
            for e in file.entities() {
                if e.lifecycle.as_ref().is_some_and(|l| l.value.trim().eq_ignore_ascii_case("deprecated")) {
                    facts.deprecated.insert(e.entity_ref.canonical());
                }
                if e.kind().eq_ignore_ascii_case("system")
                    && let Some(d) =
                        e.references.iter().find(|r| r.field.field == "domain").and_then(|r| r.target.as_ref())
                {
                    facts.system_domains.insert(e.entity_ref.canonical(), d.canonical());
                }
            }
        }
        facts
    }

    /// The context of these facts and the catalog's memberships.
    pub fn with<'a>(&'a self, index: &'a CatalogIndex) -> InMemory<'a> {
        InMemory { facts: self, index }
    }
}

/// [`CatalogFacts`] with a [`CatalogIndex`]: the [`Context`] of files parsed in memory.
#[derive(Debug, Clone, Copy)]
pub struct InMemory<'a> {
    facts: &'a CatalogFacts,
    index: &'a CatalogIndex,
}

impl Context for InMemory<'_> {
    fn owner_state(&self, owner_ref: &str) -> OwnerState {
        if !self.index.contains(owner_ref) {
            OwnerState::Missing
        } else if owner_ref.starts_with("user:") || self.index.group_has_members(owner_ref) {
            OwnerState::HasMembers
        } else {
            OwnerState::NoMembers
        }
    }

    fn is_deprecated(&self, entity_ref: &str) -> bool {
        self.facts.deprecated.contains(entity_ref)
    }

    fn domain_of_system(&self, system_ref: &str) -> Option<String> {
        self.facts.system_domains.get(system_ref).cloned()
    }
}

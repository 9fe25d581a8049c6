//! Org-wide catalogs: entities defined outside the workspace (other repositories, the org's
//! index), so that owners, systems and APIs defined elsewhere are known to the editor.
//!
//! They arrive as data, [`ExternalEntity`]: what a reference, completion, hover and go to
//! definition need of an entity (its identity, title, description, type, lifecycle, owner, and
//! where it is written), and nothing else. Whatever produces them (an index today; a
//! `backline.toml` source, a Backstage API later) only has to fill that struct: [`load`] picks
//! the producer for a settings entry, and [`OrgCatalog`] is what the rest of the server reads.
//!
//! What an org catalog does not say (memberships, relations) is not invented: the cross-file
//! lints count an external Group as having members and an external User as belonging to a group
//! ([`backline_catalog::catalog::CatalogIndex::build_with_external`]), so they stay quiet about
//! entities they cannot see rather than report false problems.
//!
//! Reading an index needs the `org-catalog` feature (the store and search crates); without it the
//! server still runs and says so when a settings entry asks for an index.

use std::collections::HashMap;
use std::path::PathBuf;

use backline_catalog::EntityRef;

use crate::settings::CatalogSource;

#[cfg(feature = "org-catalog")]
mod from_index;

/// One entity of an org-wide catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExternalEntity {
    /// Kind as written (`Group`), namespace and name.
    pub entity_ref: EntityRef,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `spec.type`.
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner: Option<EntityRef>,
    pub location: DefinedAt,
}

/// Where an external entity is written.
#[cfg_attr(
    not(feature = "org-catalog"),
    allow(dead_code, reason = "without `org-catalog` nothing produces external entities yet")
)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DefinedAt {
    /// A file on this disk: go to definition opens it on the name. One-based line and column
    /// (in characters) of the `metadata.name` value.
    File { path: PathBuf, line: u32, column: u32 },
    /// A file this machine cannot open (another machine's checkout, a remote repository):
    /// `source/file`, with the one-based line when known, to tell the user where to look.
    Elsewhere { label: String, line: Option<u32> },
}

impl DefinedAt {
    /// `file:line`, as hover shows where an entity is defined.
    pub(crate) fn describe(&self) -> String {
        match self {
            DefinedAt::File { path, line, .. } => format!("{}:{line}", path.display()),
            DefinedAt::Elsewhere { label, line: Some(line) } => format!("{label}:{line}"),
            DefinedAt::Elsewhere { label, line: None } => label.clone(),
        }
    }
}

/// Every external entity the server knows, looked up by canonical reference and listed by kind.
/// Built once per scan and shared (behind an `Arc`) by every catalog rebuilt until the next one.
#[derive(Debug, Default)]
pub(crate) struct OrgCatalog {
    entities: Vec<ExternalEntity>,
    by_ref: HashMap<String, usize>,
    /// Lowercase kind → positions in `entities`, sorted by canonical reference (completion walks
    /// them in order and stops after the first matches).
    by_kind: HashMap<String, Vec<usize>>,
}

impl OrgCatalog {
    /// An org catalog from the entities of every source, in the order of the settings: the first
    /// source that defines an entity wins.
    pub(crate) fn new(entities: Vec<ExternalEntity>) -> OrgCatalog {
        let mut out = OrgCatalog::default();
        let mut keyed: Vec<(String, usize)> = Vec::with_capacity(entities.len());
        for e in entities {
            let canonical = e.entity_ref.canonical();
            if out.by_ref.contains_key(&canonical) {
                continue;
            }
            let i = out.entities.len();
            out.by_ref.insert(canonical.clone(), i);
            keyed.push((canonical, i));
            out.entities.push(e);
        }
        keyed.sort_unstable();
        for (_, i) in keyed {
            out.by_kind.entry(out.entities[i].entity_ref.kind.to_lowercase()).or_default().push(i);
        }
        out
    }

    pub(crate) fn get(&self, canonical: &str) -> Option<&ExternalEntity> {
        self.by_ref.get(canonical).map(|&i| &self.entities[i])
    }

    /// The entities of a kind (lowercase), by canonical reference.
    pub(crate) fn of_kind(&self, kind: &str) -> impl Iterator<Item = &ExternalEntity> {
        self.by_kind.get(kind).into_iter().flatten().map(|&i| &self.entities[i])
    }

    pub(crate) fn entities(&self) -> &[ExternalEntity] {
        &self.entities
    }

    pub(crate) fn len(&self) -> usize {
        self.entities.len()
    }
}

/// Reads every entity of an org catalog. Errors are messages for the user's log. Directories
/// are not read here: they are walked like workspace folders and their files are real files.
pub(crate) async fn load(source: &CatalogSource) -> Result<Vec<ExternalEntity>, String> {
    match source {
        CatalogSource::Directory(_) => Ok(Vec::new()),
        #[cfg(feature = "org-catalog")]
        CatalogSource::IndexFile(_) | CatalogSource::Postgres(_) => from_index::load(source).await,
        #[cfg(not(feature = "org-catalog"))]
        CatalogSource::IndexFile(_) | CatalogSource::Postgres(_) => {
            Err("this build of the language server reads no catalog index (built without the `org-catalog` feature)"
                .to_owned())
        }
    }
}

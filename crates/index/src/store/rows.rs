//! The records read back from the store and how a result row maps onto each, by column name.
//!
//! Each record has one SELECT list (`*_columns!`) whose every column carries an explicit name
//! (`AS`): SQLite leaves the name of an unaliased column unspecified, and two tables joined
//! here have a `name`. Mapping by name rather than position means a query may add columns
//! (the role of [`super::Store::owner_bundle`], the entity of a finding) without shifting the
//! rest.

use serde::{Deserialize, Serialize};
use sqlx::Row;

/// Typed column access by name, for both backends' rows: the mapping functions below are
/// written once against it.
pub(crate) trait StoreRow {
    fn text(&self, column: &str) -> Result<String, sqlx::Error>;
    fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error>;
    fn int(&self, column: &str) -> Result<i64, sqlx::Error>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error>;
    fn flag(&self, column: &str) -> Result<bool, sqlx::Error>;
}

macro_rules! store_row {
    ($row:ty) => {
        impl StoreRow for $row {
            fn text(&self, column: &str) -> Result<String, sqlx::Error> {
                self.try_get(column)
            }
            fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
                self.try_get(column)
            }
            fn int(&self, column: &str) -> Result<i64, sqlx::Error> {
                self.try_get(column)
            }
            fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
                self.try_get(column)
            }
            fn flag(&self, column: &str) -> Result<bool, sqlx::Error> {
                self.try_get(column)
            }
        }
    };
}

store_row!(sqlx::sqlite::SqliteRow);
store_row!(sqlx::postgres::PgRow);

/// The columns [`EntityRecord::from_row`] reads (`e` entities, `f` files, `s` sources).
macro_rules! entity_columns {
    () => {
        "e.ref AS ref, e.kind AS kind, e.namespace AS namespace, e.name AS name, e.title AS title, \
         e.description AS description, e.spec_type AS spec_type, e.lifecycle AS lifecycle, \
         e.owner_ref AS owner_ref, e.system_ref AS system_ref, e.domain_ref AS domain_ref, \
         e.display_name AS display_name, e.email AS email, e.tags AS tags, e.labels AS labels, \
         e.annotations AS annotations, e.links AS links, e.valid AS valid, e.line AS line, e.col AS col, \
         e.error_count AS error_count, e.warning_count AS warning_count, e.first_error AS first_error, \
         f.path AS path, s.name AS source_name, s.last_error AS source_error, e.file_id AS file_id, \
         e.doc_index AS doc_index, e.stage AS stage "
    };
}

/// The joins [`entity_columns!`] needs.
macro_rules! entity_from {
    () => {
        "FROM entities e JOIN files f ON f.id = e.file_id JOIN sources s ON s.id = f.source_id "
    };
}

macro_rules! entity_select {
    () => {
        concat!("SELECT ", entity_columns!(), entity_from!())
    };
}

/// The columns [`FindingRecord::from_row`] reads (`fi` findings, `f` files, `s` sources).
macro_rules! finding_columns {
    () => {
        "fi.code AS code, fi.severity AS severity, fi.message AS message, fi.line AS line, fi.col AS col, \
         f.path AS path, s.name AS source_name, s.last_error AS source_error, fi.file_id AS file_id, \
         fi.doc_index AS doc_index "
    };
}

macro_rules! finding_select {
    () => {
        concat!(
            "SELECT ",
            finding_columns!(),
            "FROM findings fi JOIN files f ON f.id = fi.file_id JOIN sources s ON s.id = f.source_id "
        )
    };
}

/// The columns of [`SearchRow::from_row`] (`e` entities).
macro_rules! search_select {
    () => {
        "SELECT e.ref AS ref, e.kind AS kind, e.name AS name, e.title AS title, e.description AS description, \
         e.spec_type AS spec_type, e.lifecycle AS lifecycle, e.owner_ref AS owner_ref, e.system_ref AS system_ref, \
         e.display_name AS display_name, e.tags AS tags FROM entities e "
    };
}

/// The columns of [`SourceRecord::from_row`] (`s` sources).
macro_rules! source_select {
    () => {
        "SELECT s.id AS id, s.name AS name, s.kind AS kind, s.location AS location, s.revision AS revision, \
         s.last_attempt AS last_attempt, s.last_success AS last_success, s.last_error AS last_error, \
         (SELECT COUNT(*) FROM files f WHERE f.source_id = s.id) AS file_count, \
         (SELECT COUNT(*) FROM entities e JOIN files f ON f.id = e.file_id WHERE f.source_id = s.id AND e.active) \
         AS entity_count FROM sources s "
    };
}

fn json_or_default<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}

/// A link as stored (the model's `Link` with owned, serde-able fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredLink {
    pub url: String,
    pub title: Option<String>,
    pub icon: Option<String>,
    #[serde(rename = "type")]
    pub link_type: Option<String>,
}

/// The first error of an entity, stored with it so summaries need no join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredFinding {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub line: u32,
    pub column: u32,
}

/// An entity as read back from the store (everything but the document).
#[derive(Debug, Clone)]
pub(crate) struct EntityRecord {
    pub entity_ref: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner_ref: Option<String>,
    pub system_ref: Option<String>,
    pub domain_ref: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub tags: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub links: Vec<StoredLink>,
    pub valid: bool,
    pub line: i64,
    pub column: i64,
    pub error_count: i64,
    pub warning_count: i64,
    pub first_error: Option<StoredFinding>,
    pub path: String,
    pub source: String,
    pub stale: bool,
    pub file_id: i64,
    pub doc_index: i64,
    #[allow(dead_code, reason = "the Backstage stage that refuses the entity; kept for debugging output")]
    pub stage: Option<String>,
}

impl EntityRecord {
    /// A row of [`entity_columns!`].
    pub(crate) fn from_row(r: &impl StoreRow) -> Result<EntityRecord, sqlx::Error> {
        Ok(EntityRecord {
            entity_ref: r.text("ref")?,
            kind: r.text("kind")?,
            namespace: r.text("namespace")?,
            name: r.text("name")?,
            title: r.opt_text("title")?,
            description: r.opt_text("description")?,
            spec_type: r.opt_text("spec_type")?,
            lifecycle: r.opt_text("lifecycle")?,
            owner_ref: r.opt_text("owner_ref")?,
            system_ref: r.opt_text("system_ref")?,
            domain_ref: r.opt_text("domain_ref")?,
            display_name: r.opt_text("display_name")?,
            email: r.opt_text("email")?,
            tags: json_or_default(&r.text("tags")?),
            labels: json_or_default(&r.text("labels")?),
            annotations: json_or_default(&r.text("annotations")?),
            links: json_or_default(&r.text("links")?),
            valid: r.flag("valid")?,
            line: r.int("line")?,
            column: r.int("col")?,
            error_count: r.int("error_count")?,
            warning_count: r.int("warning_count")?,
            first_error: r.opt_text("first_error")?.and_then(|s| serde_json::from_str(&s).ok()),
            path: r.text("path")?,
            source: r.text("source_name")?,
            stale: r.opt_text("source_error")?.is_some(),
            file_id: r.int("file_id")?,
            doc_index: r.int("doc_index")?,
            stage: r.opt_text("stage")?,
        })
    }

    pub(crate) fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FindingRecord {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub line: i64,
    pub column: i64,
    pub path: String,
    pub source: String,
    pub stale: bool,
    #[allow(dead_code, reason = "identifies the finding's file row")]
    pub file_id: i64,
    #[allow(dead_code, reason = "identifies the finding's document")]
    pub doc_index: Option<i64>,
}

impl FindingRecord {
    /// A row of [`finding_columns!`].
    pub(crate) fn from_row(r: &impl StoreRow) -> Result<FindingRecord, sqlx::Error> {
        Ok(FindingRecord {
            code: r.text("code")?,
            severity: r.text("severity")?,
            message: r.text("message")?,
            line: r.int("line")?,
            column: r.int("col")?,
            path: r.text("path")?,
            source: r.text("source_name")?,
            stale: r.opt_text("source_error")?.is_some(),
            file_id: r.int("file_id")?,
            doc_index: r.opt_int("doc_index")?,
        })
    }
}

/// A configured source as the store knows it.
#[derive(Debug, Clone)]
pub struct SourceRecord {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub location: String,
    pub revision: Option<String>,
    /// Unix seconds.
    pub last_attempt: Option<i64>,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
    pub file_count: i64,
    pub entity_count: i64,
}

impl SourceRecord {
    /// A row of [`source_select!`].
    pub(crate) fn from_row(r: &impl StoreRow) -> Result<SourceRecord, sqlx::Error> {
        Ok(SourceRecord {
            id: r.int("id")?,
            name: r.text("name")?,
            kind: r.text("kind")?,
            location: r.text("location")?,
            revision: r.opt_text("revision")?,
            last_attempt: r.opt_int("last_attempt")?,
            last_success: r.opt_int("last_success")?,
            last_error: r.opt_text("last_error")?,
            file_count: r.int("file_count")?,
            entity_count: r.int("entity_count")?,
        })
    }
}

/// A file of a previous run, for change detection.
#[derive(Debug, Clone)]
pub(crate) struct PriorFile {
    pub id: i64,
    pub hash: String,
    pub fingerprint: Option<String>,
    /// Directory sources: the file's stat when it was last read (`None`: read it again).
    pub stat: Option<crate::filestat::FileStat>,
    pub locations: Option<String>,
}

/// The search document of one entity, read from the store.
#[derive(Debug, Clone)]
pub(crate) struct SearchRow {
    pub entity_ref: String,
    pub kind: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner_ref: Option<String>,
    pub system_ref: Option<String>,
    pub display_name: Option<String>,
    pub tags: Vec<String>,
}

impl SearchRow {
    /// A row of [`search_select!`].
    pub(crate) fn from_row(r: &impl StoreRow) -> Result<SearchRow, sqlx::Error> {
        Ok(SearchRow {
            entity_ref: r.text("ref")?,
            kind: r.text("kind")?,
            name: r.text("name")?,
            title: r.opt_text("title")?,
            description: r.opt_text("description")?,
            spec_type: r.opt_text("spec_type")?,
            lifecycle: r.opt_text("lifecycle")?,
            owner_ref: r.opt_text("owner_ref")?,
            system_ref: r.opt_text("system_ref")?,
            display_name: r.opt_text("display_name")?,
            tags: json_or_default(&r.text("tags")?),
        })
    }
}

/// An owner with what an ownership answer shows of it: see [`super::Store::owner_bundle`].
#[derive(Debug)]
pub(crate) struct OwnerBundle {
    pub owner: EntityRecord,
    /// Parent groups, nearest first.
    pub parents: Vec<EntityRecord>,
    /// A Group's members or a User's groups, sorted by ref.
    pub related: Vec<EntityRecord>,
}

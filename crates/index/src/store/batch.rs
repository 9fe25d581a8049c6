//! The rows an index run queues and how they are written in bulk: multi-row INSERTs on SQLite
//! (and small PostgreSQL batches), COPY for big PostgreSQL batches. Entities are encoded on the
//! parsing threads ([`EntityRow::encode`]) so the single writer only binds values.

use std::fmt::Write as _;

use super::rows::{StoredFinding, StoredLink};

/// Rows per multi-row INSERT: large enough to amortise statement overhead, small enough to stay
/// under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters for the widest table.
const MAX_PARAMS: usize = 30_000;
const MAX_ROWS_PER_INSERT: usize = 1_000;

/// A value of a batched row.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    I(i64),
    OptI(Option<i64>),
    S(String),
    OptS(Option<String>),
    B(bool),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::OptI(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::S(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::S(v.to_owned())
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        Val::OptS(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::B(v)
    }
}

/// Rows waiting to be written.
pub(super) struct Batch {
    pub(super) table: &'static str,
    pub(super) columns: &'static [&'static str],
    pub(super) values: Vec<Val>,
    pub(super) rows_per_insert: usize,
    /// Rows to accumulate before writing: one INSERT's worth on SQLite; many more on
    /// PostgreSQL, where big batches go through COPY and each COPY costs a round trip stall
    /// (sqlx leaves Nagle's algorithm on: the small CopyDone after the data waits for the
    /// server's delayed ACK, ~40 ms).
    flush_rows: usize,
    /// The SQL of a full batch, built once.
    pub(super) full_sql: Option<String>,
}

/// PostgreSQL batches at least this big are written with COPY, smaller ones with INSERT.
pub(super) const COPY_MIN_ROWS: usize = 2_000;

impl Batch {
    pub(super) fn new(table: &'static str, columns: &'static [&'static str], pg: bool) -> Batch {
        let rows_per_insert = (MAX_PARAMS / columns.len()).min(MAX_ROWS_PER_INSERT);
        let flush_rows = match (pg, table) {
            (false, _) => rows_per_insert,
            (true, "entities") => 10_000,
            (true, _) => 50_000,
        };
        Batch { table, columns, values: Vec::new(), rows_per_insert, flush_rows, full_sql: None }
    }

    pub(super) fn rows(&self) -> usize {
        self.values.len() / self.columns.len()
    }

    pub(super) fn is_full(&self) -> bool {
        self.rows() >= self.flush_rows
    }

    /// The INSERT for `rows` rows. SQLite gets anonymous `?` placeholders: its
    /// `sqlite3_bind_parameter_name` is linear in the number of named parameters, which makes
    /// binding a wide `$N` statement quadratic (measured: 1.7 s for 13,000 parameters).
    pub(super) fn sql(&self, rows: usize, pg: bool) -> String {
        let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns.join(", "));
        let n = self.columns.len();
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..n {
                if c > 0 {
                    sql.push_str(", ");
                }
                if pg {
                    let _ = write!(sql, "${}", r * n + c + 1);
                } else {
                    sql.push('?');
                }
            }
            sql.push(')');
        }
        sql
    }
}

/// A value in PostgreSQL's COPY text format.
pub(super) fn copy_value(out: &mut Vec<u8>, v: &Val) {
    let text = |out: &mut Vec<u8>, s: &str| {
        for b in s.bytes() {
            match b {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                _ => out.push(b),
            }
        }
    };
    match v {
        Val::I(i) | Val::OptI(Some(i)) => out.extend_from_slice(i.to_string().as_bytes()),
        Val::S(s) | Val::OptS(Some(s)) => text(out, s),
        Val::OptI(None) | Val::OptS(None) => out.extend_from_slice(b"\\N"),
        Val::B(b) => out.push(if *b { b't' } else { b'f' }),
    }
}

pub(super) const ENTITY_COLUMNS: &[&str] = &[
    "file_id",
    "doc_index",
    "ref",
    "kind",
    "namespace",
    "name",
    "kind_lc",
    "name_lc",
    "title",
    "description",
    "spec_type",
    "type_lc",
    "lifecycle",
    "lifecycle_lc",
    "owner_ref",
    "system_ref",
    "domain_ref",
    "display_name",
    "email",
    "tags",
    "labels",
    "annotations",
    "links",
    "valid",
    "stage",
    "line",
    "col",
    "error_count",
    "warning_count",
    "first_error",
    "document",
    "active",
];

/// One entity to write, with its dependent rows.
#[derive(Debug, Clone)]
pub(crate) struct EntityRow {
    pub doc_index: i64,
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
    pub stage: Option<String>,
    pub line: i64,
    pub column: i64,
    pub error_count: i64,
    pub warning_count: i64,
    pub first_error: Option<StoredFinding>,
    pub document: String,
    /// `(source, type, target)`, canonical refs. The type is the catalog's static name for
    /// relations emitted from files, and owned for those a running Backstage served.
    pub relations: Vec<(String, std::borrow::Cow<'static, str>, String)>,
}

/// An entity's rows, encoded for the store but for their `file_id` (known only when written):
/// built on the parsing threads, so the single writer only binds values.
#[derive(Debug)]
pub(crate) struct EncodedEntity {
    pub entity_ref: String,
    /// The entity row without `file_id`.
    pub(super) entity: Vec<Val>,
    /// Relation, tag and label/annotation rows without `file_id`, flattened.
    pub(super) relations: Vec<Val>,
    pub(super) tags: Vec<Val>,
    pub(super) metadata: Vec<Val>,
}

impl EntityRow {
    pub(crate) fn encode(self) -> EncodedEntity {
        let e = self;
        let d = e.doc_index;
        let mut relations = Vec::with_capacity(e.relations.len() * 5);
        for (source, kind, target) in e.relations {
            relations.extend([Val::I(d), source.into(), Val::S(kind.into_owned()), target.into(), Val::B(true)]);
        }
        let mut tags = Vec::with_capacity(e.tags.len() * 2);
        for t in &e.tags {
            tags.extend([Val::I(d), t.to_lowercase().into()]);
        }
        let mut metadata = Vec::with_capacity((e.labels.len() + e.annotations.len()) * 4);
        for (scope, pairs) in [("label", &e.labels), ("annotation", &e.annotations)] {
            for (k, v) in pairs {
                metadata.extend([Val::I(d), scope.into(), k.clone().into(), v.clone().into()]);
            }
        }
        let lc = |s: &Option<String>| s.as_ref().map(|v| v.to_lowercase());
        let (kind_lc, name_lc) = (e.kind.to_lowercase(), e.name.to_lowercase());
        let entity = vec![
            Val::I(d),
            e.entity_ref.clone().into(),
            e.kind.into(),
            e.namespace.into(),
            e.name.into(),
            kind_lc.into(),
            name_lc.into(),
            e.title.into(),
            e.description.into(),
            e.spec_type.clone().into(),
            lc(&e.spec_type).into(),
            e.lifecycle.clone().into(),
            lc(&e.lifecycle).into(),
            e.owner_ref.into(),
            e.system_ref.into(),
            e.domain_ref.into(),
            e.display_name.into(),
            e.email.into(),
            serde_json::to_string(&e.tags).unwrap_or_default().into(),
            serde_json::to_string(&e.labels).unwrap_or_default().into(),
            serde_json::to_string(&e.annotations).unwrap_or_default().into(),
            serde_json::to_string(&e.links).unwrap_or_default().into(),
            Val::B(e.valid),
            e.stage.into(),
            Val::I(e.line),
            Val::I(e.column),
            Val::I(e.error_count),
            Val::I(e.warning_count),
            e.first_error.map(|f| serde_json::to_string(&f).unwrap_or_default()).into(),
            e.document.into(),
            Val::B(true),
        ];
        EncodedEntity { entity_ref: e.entity_ref, entity, relations, tags, metadata }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FindingRow {
    pub doc_index: Option<i64>,
    pub origin: &'static str,
    pub code: String,
    pub severity: String,
    pub message: String,
    pub line: i64,
    pub column: i64,
}

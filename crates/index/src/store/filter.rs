//! `find`: entities matching typed filters. The query layer says what to match
//! ([`EntityFilter`], values already normalised and entity values already resolved to refs);
//! the store alone turns that into SQL, with every value a bound parameter.

use std::fmt::Write as _;

use sqlx::AssertSqlSafe;

use super::read::entity_records;
use super::rows::EntityRecord;
use super::{Pool, Store};
use crate::IndexError;

/// One condition on an active entity. Text values compare lowercase (the query layer lowercases
/// them; the store compares against its lowercase columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EntityFilter {
    Kind(String),
    Type(String),
    Lifecycle(String),
    Namespace(String),
    Tag(String),
    /// An owner's canonical ref.
    Owner(String),
    /// A system's canonical ref.
    System(String),
    /// A domain's canonical ref: entities in it directly or through their system.
    Domain(String),
    /// A label or annotation with this key (exact), and this value (lowercase) when given.
    Metadata {
        scope: MetadataScope,
        key: String,
        value: Option<String>,
    },
}

/// Which metadata map a [`EntityFilter::Metadata`] looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetadataScope {
    Label,
    Annotation,
}

impl MetadataScope {
    /// The `scope` column's value.
    fn column_value(self) -> &'static str {
        match self {
            MetadataScope::Label => "label",
            MetadataScope::Annotation => "annotation",
        }
    }
}

/// The WHERE condition (over `entities e`) of `filters`, all of them, and its parameters,
/// bound in order as `$1..$n`.
fn condition(filters: &[EntityFilter]) -> (String, Vec<String>) {
    let mut params: Vec<String> = Vec::new();
    let sql = condition_with(filters, &mut params);
    (sql, params)
}

/// The same, numbering its parameters after those already in `params` (several conditions in
/// one statement).
pub(crate) fn condition_with(filters: &[EntityFilter], params: &mut Vec<String>) -> String {
    let mut p = |v: &str| {
        params.push(v.to_owned());
        format!("${}", params.len())
    };
    let mut clauses: Vec<String> = Vec::new();
    for f in filters {
        clauses.push(match f {
            EntityFilter::Kind(v) => format!("e.kind_lc = {}", p(v)),
            EntityFilter::Type(v) => format!("e.type_lc = {}", p(v)),
            EntityFilter::Lifecycle(v) => format!("e.lifecycle_lc = {}", p(v)),
            EntityFilter::Namespace(v) => format!("lower(e.namespace) = {}", p(v)),
            EntityFilter::Tag(v) => format!(
                "EXISTS (SELECT 1 FROM tags t WHERE t.file_id = e.file_id AND t.doc_index = e.doc_index AND t.tag = {})",
                p(v)
            ),
            EntityFilter::Owner(r) => format!("e.owner_ref = {}", p(r)),
            EntityFilter::System(r) => format!("e.system_ref = {}", p(r)),
            EntityFilter::Domain(r) => {
                let (a, b) = (p(r), p(r));
                format!(
                    "(e.domain_ref = {a} OR e.system_ref IN (SELECT s.ref FROM entities s WHERE s.kind_lc = 'system' AND s.active AND s.domain_ref = {b}))"
                )
            }
            EntityFilter::Metadata { scope, key, value } => {
                let mut clause = format!(
                    "EXISTS (SELECT 1 FROM metadata_values m WHERE m.file_id = e.file_id AND m.doc_index = e.doc_index \
                     AND m.scope = '{}' AND m.key = {}",
                    scope.column_value(),
                    p(key)
                );
                if let Some(v) = value {
                    let _ = write!(clause, " AND lower(m.value) = {}", p(v));
                }
                clause.push(')');
                clause
            }
        });
    }
    if clauses.is_empty() { "TRUE".to_owned() } else { format!("({})", clauses.join(" AND ")) }
}

impl Store {
    /// Active entities matching every filter, by owner then ref, at most `limit`.
    pub(crate) async fn find(&self, filters: &[EntityFilter], limit: i64) -> Result<Vec<EntityRecord>, IndexError> {
        let (condition, params) = condition(filters);
        let sql =
            format!("{}WHERE e.active AND {condition} ORDER BY e.owner_ref, e.ref LIMIT {limit}", entity_select!());
        Ok(on_pool!(&self.pool, c, _pg => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for p in &params {
                q = q.bind(p.as_str());
            }
            entity_records(&q.fetch_all(c).await?)?
        }))
    }

    /// How many active entities match every filter (when [`Self::find`] hit its limit).
    pub(crate) async fn count_find(&self, filters: &[EntityFilter]) -> Result<i64, IndexError> {
        let (condition, params) = condition(filters);
        let sql = format!("SELECT COUNT(*) FROM entities e WHERE e.active AND {condition}");
        Ok(on_pool!(&self.pool, c, _pg => {
            let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
            for p in &params {
                q = q.bind(p.as_str());
            }
            q.fetch_one(c).await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_parameters_never_sql() {
        let (sql, params) = condition(&[
            EntityFilter::Kind("component".into()),
            EntityFilter::Domain("domain:default/x'; DROP TABLE entities".into()),
            EntityFilter::Metadata { scope: MetadataScope::Label, key: "tier".into(), value: Some("1".into()) },
        ]);
        assert!(!sql.contains("DROP"), "{sql}");
        assert_eq!(params.len(), 5);
        assert!(sql.contains("e.kind_lc = $1"));
        assert!(sql.contains("m.scope = 'label' AND m.key = $4 AND lower(m.value) = $5)"), "{sql}");
    }

    #[test]
    fn no_filter_matches_everything() {
        assert_eq!(condition(&[]), ("TRUE".to_owned(), Vec::new()));
    }
}

//! The reads answers are built from: entities by ref, name, owner or relation, the relation
//! graph around one entity, and the findings and document of one entity. Each is one query
//! shaped for the answer that uses it (`query/`), so an answer costs a handful of round trips.

use super::rows::{EntityRecord, FindingRecord, OwnerBundle, StoreRow};
use super::{Pool, Store};
use crate::IndexError;

impl Store {
    pub(crate) async fn entity(&self, entity_ref: &str) -> Result<Option<EntityRecord>, IndexError> {
        const SQL: &str = concat!(entity_select!(), "WHERE e.ref = $1 AND e.active");
        Ok(on_pool!(&self.pool, c, _pg => {
            match sqlx::query(SQL).bind(entity_ref).fetch_optional(c).await? {
                Some(r) => Some(EntityRecord::from_row(&r)?),
                None => None,
            }
        }))
    }

    /// Active entities among `refs`, in no particular order.
    pub(crate) async fn entities(&self, refs: &[String]) -> Result<Vec<EntityRecord>, IndexError> {
        if refs.is_empty() {
            return Ok(Vec::new());
        }
        if refs.len() == 1 {
            return Ok(self.entity(&refs[0]).await?.into_iter().collect());
        }
        const SQLITE: &str = concat!(entity_select!(), "WHERE e.active AND e.ref ", list!(sqlite));
        const PG: &str = concat!(entity_select!(), "WHERE e.active AND e.ref ", list!(pg));
        let json = serde_json::to_string(refs).unwrap_or_default();
        Ok(on_pool!(&self.pool, c, pg => {
            entity_records(&sqlx::query(if pg { PG } else { SQLITE }).bind(json).fetch_all(c).await?)?
        }))
    }

    /// Active entities with this lowercase name (any kind, any namespace).
    pub(crate) async fn entities_named(&self, name_lc: &str) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str = concat!(entity_select!(), "WHERE e.name_lc = $1 AND e.active ORDER BY e.ref");
        Ok(on_pool!(&self.pool, c, _pg => {
            entity_records(&sqlx::query(SQL).bind(name_lc).fetch_all(c).await?)?
        }))
    }

    /// Active Users whose `spec.profile.email` equals `email`, case-insensitively, sorted by ref.
    /// Users are a small part of a catalog and asked about once per personal question, so the
    /// scan of the `user` kind (indexed) is enough.
    pub(crate) async fn users_with_email(&self, email: &str) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str =
            concat!(entity_select!(), "WHERE e.kind_lc = 'user' AND e.active AND lower(e.email) = $1 ORDER BY e.ref");
        let email = email.trim().to_lowercase();
        Ok(on_pool!(&self.pool, c, _pg => {
            entity_records(&sqlx::query(SQL).bind(email).fetch_all(c).await?)?
        }))
    }

    /// Active Users with the annotation `key` set to exactly `value`, sorted by ref.
    pub(crate) async fn users_with_annotation(&self, key: &str, value: &str) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str = concat!(
            entity_select!(),
            "WHERE e.kind_lc = 'user' AND e.active AND EXISTS (SELECT 1 FROM metadata_values m \
             WHERE m.file_id = e.file_id AND m.doc_index = e.doc_index AND m.scope = 'annotation' \
             AND m.key = $1 AND m.value = $2) ORDER BY e.ref"
        );
        Ok(on_pool!(&self.pool, c, _pg => {
            entity_records(&sqlx::query(SQL).bind(key).bind(value.trim()).fetch_all(c).await?)?
        }))
    }

    /// Active entities owned by any of `owners`.
    pub(crate) async fn owned_by(&self, owners: &[String]) -> Result<Vec<EntityRecord>, IndexError> {
        if owners.is_empty() {
            return Ok(Vec::new());
        }
        // SQLite: the owner list drives the join (`CROSS JOIN` fixes the order). Left to the
        // planner, the sampled statistics of `PRAGMA optimize` can make it walk every file of
        // the source instead of the owner index: 130 ms instead of under 1 ms for a team at
        // 100,000 entities.
        const SQLITE: &str = concat!(
            "SELECT ",
            entity_columns!(),
            "FROM (SELECT DISTINCT value FROM json_each($1)) owners CROSS JOIN entities e ON e.owner_ref = owners.value \
             JOIN files f ON f.id = e.file_id JOIN sources s ON s.id = f.source_id WHERE e.active"
        );
        const PG: &str = concat!(entity_select!(), "WHERE e.active AND e.owner_ref ", list!(pg));
        let json = serde_json::to_string(owners).unwrap_or_default();
        Ok(on_pool!(&self.pool, c, pg => {
            entity_records(&sqlx::query(if pg { PG } else { SQLITE }).bind(json).fetch_all(c).await?)?
        }))
    }

    /// Active entities `entity_ref` points at with `relation` (members, children, groups of a
    /// user), sorted by ref: one query.
    pub(crate) async fn related(&self, entity_ref: &str, relation: &str) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str = concat!(
            entity_select!(),
            "WHERE e.active AND e.ref IN (SELECT target_ref FROM relations WHERE source_ref = $1 AND type = $2 AND active) \
             ORDER BY e.ref"
        );
        Ok(on_pool!(&self.pool, c, _pg => {
            entity_records(&sqlx::query(SQL).bind(entity_ref).bind(relation).fetch_all(c).await?)?
        }))
    }

    /// Entities reached from `entity_ref` by following `relation` repeatedly (e.g. `childOf`:
    /// parent groups up to the root), nearest first: one recursive query, cycle-safe.
    pub(crate) async fn closure(&self, entity_ref: &str, relation: &str) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str = concat!(
            "WITH RECURSIVE walk(ref, depth) AS (SELECT CAST($1 AS TEXT), 0 UNION \
             SELECT r.target_ref, walk.depth + 1 FROM relations r JOIN walk ON r.source_ref = walk.ref \
             WHERE r.type = $2 AND r.active AND walk.depth < 32) ",
            entity_select!(),
            "JOIN (SELECT ref, MIN(depth) AS depth FROM walk WHERE depth > 0 GROUP BY ref) w ON w.ref = e.ref \
             WHERE e.active AND e.ref <> $1 ORDER BY w.depth, e.ref"
        );
        Ok(on_pool!(&self.pool, c, _pg => {
            entity_records(&sqlx::query(SQL).bind(entity_ref).bind(relation).fetch_all(c).await?)?
        }))
    }

    /// An owner with what an ownership answer shows of it, in one query (the hot path of "who
    /// owns X"): the owner's record, its parent groups nearest first (`childOf`, transitively)
    /// and the entities it is related to by membership: a Group's members (`hasMember`) or a
    /// User's groups (`memberOf`), sorted by ref. `None` when the owner is not defined.
    pub(crate) async fn owner_bundle(&self, owner_ref: &str) -> Result<Option<OwnerBundle>, IndexError> {
        const SQL: &str = concat!(
            "WITH RECURSIVE walk(ref, depth) AS (SELECT CAST($1 AS TEXT), 0 UNION \
             SELECT r.target_ref, walk.depth + 1 FROM relations r JOIN walk ON r.source_ref = walk.ref \
             WHERE r.type = 'childOf' AND r.active AND walk.depth < 32), \
             picked(ref, role, ord) AS ( \
             SELECT CAST($1 AS TEXT), CAST(0 AS BIGINT), CAST(0 AS BIGINT) \
             UNION ALL SELECT ref, CAST(1 AS BIGINT), CAST(MIN(depth) AS BIGINT) FROM walk WHERE depth > 0 AND ref <> $1 GROUP BY ref \
             UNION ALL SELECT DISTINCT target_ref, CAST(2 AS BIGINT), CAST(0 AS BIGINT) FROM relations \
             WHERE source_ref = $1 AND type IN ('hasMember', 'memberOf') AND active) \
             SELECT ",
            entity_columns!(),
            ", p.role AS role ",
            entity_from!(),
            "JOIN picked p ON p.ref = e.ref WHERE e.active ORDER BY p.role, p.ord, e.ref"
        );
        let mut bundle: Option<OwnerBundle> = None;
        let (mut parents, mut related) = (Vec::new(), Vec::new());
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).bind(owner_ref).fetch_all(c).await? {
                let rec = EntityRecord::from_row(&r)?;
                match r.int("role")? {
                    0 => bundle = Some(OwnerBundle { owner: rec, parents: Vec::new(), related: Vec::new() }),
                    1 => parents.push(rec),
                    _ => related.push(rec),
                }
            }
        });
        Ok(bundle.map(|b| OwnerBundle { parents, related, ..b }))
    }

    /// Refs reached from `entity_ref` by following `relation` repeatedly, defined or not.
    pub(crate) async fn closure_refs(&self, entity_ref: &str, relation: &str) -> Result<Vec<String>, IndexError> {
        const SQL: &str = "WITH RECURSIVE walk(ref, depth) AS (SELECT CAST($1 AS TEXT), 0 UNION \
             SELECT r.target_ref, walk.depth + 1 FROM relations r JOIN walk ON r.source_ref = walk.ref \
             WHERE r.type = $2 AND r.active AND walk.depth < 32) \
             SELECT DISTINCT ref FROM walk WHERE ref <> $1 ORDER BY ref";
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar::<_, String>(SQL).bind(entity_ref).bind(relation).fetch_all(c).await?
        }))
    }

    /// Every edge `(source, target)` of `relation` within `depth` steps of `entity_ref`,
    /// including the edges leaving the last step (so callers can tell whether there is more):
    /// one recursive query, the shortest paths are computed by the caller.
    pub(crate) async fn edges_within(
        &self,
        entity_ref: &str,
        relation: &str,
        depth: i64,
    ) -> Result<Vec<(String, String)>, IndexError> {
        const SQL: &str = "WITH RECURSIVE walk(ref, depth) AS (SELECT CAST($1 AS TEXT), 0 UNION \
             SELECT r.target_ref, walk.depth + 1 FROM relations r JOIN walk ON r.source_ref = walk.ref \
             WHERE r.type = $2 AND r.active AND walk.depth < $3) \
             SELECT DISTINCT r.source_ref, r.target_ref FROM relations r \
             WHERE r.type = $2 AND r.active AND r.source_ref IN (SELECT ref FROM walk) \
             ORDER BY r.source_ref, r.target_ref";
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, (String, String)>(SQL).bind(entity_ref).bind(relation).bind(depth).fetch_all(c).await?
        }))
    }

    /// Every active relation emitted about `entity_ref` (as source), sorted by type then target.
    pub(crate) async fn relations_of(&self, entity_ref: &str) -> Result<Vec<(String, String)>, IndexError> {
        const SQL: &str = "SELECT DISTINCT type, target_ref FROM relations WHERE source_ref = $1 AND active \
             ORDER BY type, target_ref";
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, (String, String)>(SQL).bind(entity_ref).fetch_all(c).await?
        }))
    }

    /// Findings of an entity's document plus the file-level findings of its file.
    pub(crate) async fn findings_of(&self, file_id: i64, doc_index: i64) -> Result<Vec<FindingRecord>, IndexError> {
        const SQL: &str = concat!(
            finding_select!(),
            "WHERE fi.file_id = $1 AND (fi.doc_index = $2 OR fi.doc_index IS NULL) ORDER BY fi.line, fi.col, fi.code"
        );
        Ok(on_pool!(&self.pool, c, _pg => {
            finding_records(&sqlx::query(SQL).bind(file_id).bind(doc_index).fetch_all(c).await?)?
        }))
    }

    /// The document of an entity, as JSON text.
    pub(crate) async fn document(&self, file_id: i64, doc_index: i64) -> Result<Option<String>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar::<_, String>("SELECT document FROM entities WHERE file_id = $1 AND doc_index = $2")
                .bind(file_id)
                .bind(doc_index)
                .fetch_optional(c)
                .await?
        }))
    }

    /// Every active entity and where it is defined: what an org catalog needs to say that an
    /// entity exists and where (`check --catalog`), without opening search.
    pub async fn entity_origins(&self) -> Result<Vec<EntityOrigin>, IndexError> {
        const SQL: &str = "SELECT e.ref, s.name, s.kind, f.path, e.line, \
             (SELECT m.value FROM metadata_values m WHERE m.file_id = e.file_id AND m.doc_index = e.doc_index \
              AND m.scope = 'annotation' AND m.key = 'backstage.io/managed-by-location' LIMIT 1), \
             (SELECT m.value FROM metadata_values m WHERE m.file_id = e.file_id AND m.doc_index = e.doc_index \
              AND m.scope = 'annotation' AND m.key = 'backstage.io/managed-by-origin-location' LIMIT 1) \
             FROM entities e JOIN files f ON f.id = e.file_id JOIN sources s ON s.id = f.source_id WHERE e.active";
        type Row = (String, String, String, String, i64, Option<String>, Option<String>);
        let rows = on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, Row>(SQL).fetch_all(c).await?
        });
        Ok(rows
            .into_iter()
            .map(|(entity_ref, source, source_kind, path, line, location, origin_location)| EntityOrigin {
                entity_ref,
                source,
                source_kind,
                path,
                line: u32::try_from(line).unwrap_or(0),
                managed_by_location: location,
                managed_by_origin_location: origin_location,
            })
            .collect())
    }

    /// `(ref, lowercase name)` of every active entity: the fallback for "closest names".
    pub(crate) async fn all_names(&self) -> Result<Vec<(String, String)>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, (String, String)>("SELECT ref, name_lc FROM entities WHERE active").fetch_all(c).await?
        }))
    }
}

/// An active entity and where it is defined, as [`Store::entity_origins`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityOrigin {
    /// `kind:namespace/name`, lowercase.
    pub entity_ref: String,
    /// The `[[source]]` it came from, and that source's kind (`dir`, `git`, `backstage`, …).
    pub source: String,
    pub source_kind: String,
    /// The file, relative to the source's root; for a Backstage source, the entity's page.
    pub path: String,
    /// One-based line of its `metadata.name`.
    pub line: u32,
    /// Its `backstage.io/managed-by-location` annotation, as Backstage serves it.
    pub managed_by_location: Option<String>,
    /// Its `backstage.io/managed-by-origin-location` annotation.
    pub managed_by_origin_location: Option<String>,
}

/// Rows of [`entity_columns!`] as records.
pub(super) fn entity_records<R: StoreRow>(rows: &[R]) -> Result<Vec<EntityRecord>, sqlx::Error> {
    rows.iter().map(EntityRecord::from_row).collect()
}

/// Rows of [`finding_columns!`] as records.
pub(super) fn finding_records<R: StoreRow>(rows: &[R]) -> Result<Vec<FindingRecord>, sqlx::Error> {
    rows.iter().map(FindingRecord::from_row).collect()
}

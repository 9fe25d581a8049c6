//! The catalog-wide reads of the health answer: counts, findings, invalid entities, missing
//! owners, the membership graph and deprecated dependencies. Each scans a whole table once.

use super::read::{entity_records, finding_records};
use super::rows::{EntityRecord, FindingRecord, StoreRow};
use super::{Pool, Store};
use crate::IndexError;

impl Store {
    /// `(active entities, files)`.
    pub(crate) async fn counts(&self) -> Result<(i64, i64), IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            let entities: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entities WHERE active").fetch_one(c).await?;
            let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM files").fetch_one(c).await?;
            (entities, files)
        }))
    }

    /// Error and warning findings not attached to an entity document.
    pub(crate) async fn file_findings(&self) -> Result<Vec<FindingRecord>, IndexError> {
        const SQL: &str = concat!(
            finding_select!(),
            "WHERE fi.severity <> 'hint' AND (fi.doc_index IS NULL OR NOT EXISTS \
             (SELECT 1 FROM entities e WHERE e.file_id = fi.file_id AND e.doc_index = fi.doc_index)) \
             ORDER BY s.name, f.path, fi.line, fi.col"
        );
        Ok(on_pool!(&self.pool, c, _pg => finding_records(&sqlx::query(SQL).fetch_all(c).await?)?))
    }

    /// Error and warning findings attached to active entities: `(entity ref, finding)`.
    pub(crate) async fn entity_findings(&self) -> Result<Vec<(String, FindingRecord)>, IndexError> {
        const SQL: &str = concat!(
            "SELECT e.ref AS entity_ref, ",
            finding_columns!(),
            "FROM findings fi JOIN entities e ON e.file_id = fi.file_id AND e.doc_index = fi.doc_index \
             JOIN files f ON f.id = fi.file_id JOIN sources s ON s.id = f.source_id \
             WHERE e.active AND fi.severity <> 'hint' ORDER BY e.ref, fi.line, fi.col, fi.code"
        );
        let mut out = Vec::new();
        on_pool!(&self.pool, c, _pg => {
            for r in sqlx::query(SQL).fetch_all(c).await? {
                out.push((r.text("entity_ref")?, FindingRecord::from_row(&r)?));
            }
        });
        Ok(out)
    }

    /// Active entities with an error on the entity itself (invalid, or carried over), for
    /// health: those without findings rows of their own are found here.
    pub(crate) async fn invalid_entities(&self) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str = concat!(entity_select!(), "WHERE e.active AND NOT e.valid ORDER BY e.ref");
        Ok(on_pool!(&self.pool, c, _pg => entity_records(&sqlx::query(SQL).fetch_all(c).await?)?))
    }

    /// Entities with an owner that is defined nowhere.
    pub(crate) async fn missing_owners(&self) -> Result<Vec<EntityRecord>, IndexError> {
        const SQL: &str = concat!(
            entity_select!(),
            "WHERE e.active AND e.owner_ref IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM entities o WHERE o.ref = e.owner_ref AND o.active) ORDER BY e.ref"
        );
        Ok(on_pool!(&self.pool, c, _pg => entity_records(&sqlx::query(SQL).fetch_all(c).await?)?))
    }

    /// Distinct owners of active entities.
    pub(crate) async fn owner_refs(&self) -> Result<Vec<String>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_scalar::<_, String>(
                "SELECT DISTINCT owner_ref FROM entities WHERE active AND owner_ref IS NOT NULL ORDER BY owner_ref",
            )
            .fetch_all(c)
            .await?
        }))
    }

    /// Every active relation of one type, `(source, target)`.
    pub(crate) async fn relations_of_type(&self, relation: &str) -> Result<Vec<(String, String)>, IndexError> {
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, (String, String)>(
                "SELECT DISTINCT source_ref, target_ref FROM relations WHERE type = $1 AND active",
            )
            .bind(relation)
            .fetch_all(c)
            .await?
        }))
    }

    /// `(deprecated entity, production dependent)` pairs.
    pub(crate) async fn deprecated_in_use(&self) -> Result<Vec<(String, String)>, IndexError> {
        const SQL: &str = "SELECT DISTINCT d.ref, p.ref FROM entities d \
             JOIN relations r ON r.source_ref = d.ref AND r.type = 'dependencyOf' AND r.active \
             JOIN entities p ON p.ref = r.target_ref AND p.active \
             WHERE d.active AND d.lifecycle_lc = 'deprecated' AND p.lifecycle_lc = 'production' \
             ORDER BY d.ref, p.ref";
        Ok(on_pool!(&self.pool, c, _pg => {
            sqlx::query_as::<_, (String, String)>(SQL).fetch_all(c).await?
        }))
    }
}

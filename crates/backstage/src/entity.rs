//! An entity as a running Backstage serves it: what the catalog computed (relations in both
//! directions, processing errors, the location it came from, its uid and etag) next to the exact
//! JSON document, so the index can validate and store it like an entity read from a file.
//!
//! Only the fields Backline needs are parsed into types; the document is kept as served text and
//! nothing in it is rewritten.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::BackstageError;

/// The annotation naming the location an entity was read from (`url:…` or `file:…`).
pub const MANAGED_BY_LOCATION: &str = "backstage.io/managed-by-location";
/// The annotation naming the location that first led the catalog to the entity (the registered
/// one; differs from [`MANAGED_BY_LOCATION`] when a location includes another).
pub const MANAGED_BY_ORIGIN_LOCATION: &str = "backstage.io/managed-by-origin-location";

/// `kind:namespace/name`, with the case Backstage served.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl EntityRef {
    /// The ref as Backstage writes it in `relations` and looks it up: all lower case, because
    /// refs compare case-insensitively.
    pub fn canonical(&self) -> String {
        format!("{}:{}/{}", self.kind.to_lowercase(), self.namespace.to_lowercase(), self.name.to_lowercase())
    }
}

/// Served case, e.g. `Component:default/payments-api`; use [`EntityRef::canonical`] to compare.
impl std::fmt::Display for EntityRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}/{}", self.kind, self.namespace, self.name)
    }
}

/// One of the entity's `relations`, as the catalog materialised it (both directions exist:
/// `ownedBy` on the component, `ownerOf` on the group). The target need not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    #[serde(rename = "type")]
    pub relation_type: String,
    #[serde(rename = "targetRef")]
    pub target_ref: String,
}

/// How bad a `status.items` entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusLevel {
    Info,
    Warning,
    Error,
    /// A level this version of Backline does not know.
    #[serde(other)]
    Other,
}

/// The `error` of a status item: Backstage's serialised error, reduced to what is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusError {
    pub name: Option<String>,
    pub message: Option<String>,
}

/// One `status.items` entry. Backstage adds them only when processing an entity that once
/// processed fine fails (its last good body is still served); an entity whose first processing
/// fails is never served at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusItem {
    /// E.g. `backstage.io/catalog-processing`.
    #[serde(rename = "type")]
    pub item_type: String,
    pub level: StatusLevel,
    pub message: String,
    pub error: Option<StatusError>,
}

/// An entity as Backstage served it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEntity {
    /// `metadata.uid`: stable while the entity exists, new when it is deleted and re-created.
    pub uid: String,
    /// `metadata.etag`: a hash of the stitched entity (spec, relations and status included); it
    /// changes exactly when what Backstage serves changes.
    pub etag: String,
    pub entity_ref: EntityRef,
    pub relations: Vec<Relation>,
    /// `status.items`: processing errors and warnings, empty when there are none.
    pub status: Vec<StatusItem>,
    /// [`MANAGED_BY_LOCATION`]: the file or URL the entity was read from.
    pub managed_by_location: Option<String>,
    /// [`MANAGED_BY_ORIGIN_LOCATION`]: the registered location that led to it.
    pub managed_by_origin_location: Option<String>,
    /// The entity's page in the Backstage frontend, when `frontend_url` is configured.
    pub page_url: Option<String>,
    /// The whole entity, the exact JSON text served (JSON is YAML, so the catalog's parser and
    /// validator read it like a file's document).
    pub document: String,
}

impl RemoteEntity {
    /// Whether Backstage reports processing errors for the entity.
    pub fn has_errors(&self) -> bool {
        self.status.iter().any(|s| s.level == StatusLevel::Error)
    }
}

#[derive(Deserialize)]
struct View {
    kind: Option<String>,
    metadata: Option<MetadataView>,
    #[serde(default)]
    relations: Vec<Relation>,
    status: Option<StatusView>,
}

#[derive(Deserialize)]
struct MetadataView {
    uid: Option<String>,
    etag: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    #[serde(default)]
    annotations: AnnotationsView,
}

#[derive(Deserialize, Default)]
struct AnnotationsView {
    #[serde(rename = "backstage.io/managed-by-location")]
    location: Option<String>,
    #[serde(rename = "backstage.io/managed-by-origin-location")]
    origin_location: Option<String>,
}

#[derive(Deserialize)]
struct StatusView {
    #[serde(default)]
    items: Vec<StatusItem>,
}

/// The identity fields of a listing row (`fields=metadata.uid,metadata.etag,kind,…`).
#[derive(Deserialize)]
pub(crate) struct Listed {
    kind: Option<String>,
    metadata: Option<ListedMetadata>,
}

#[derive(Deserialize)]
struct ListedMetadata {
    uid: Option<String>,
    etag: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
}

/// A listing row, checked: uid, etag and ref.
#[derive(Debug)]
pub(crate) struct Stamped {
    pub(crate) uid: String,
    pub(crate) etag: String,
    pub(crate) entity_ref: EntityRef,
}

/// Backstage's default namespace, for entities that leave `metadata.namespace` out.
const DEFAULT_NAMESPACE: &str = "default";

/// `Location` entities are Backstage's own bookkeeping (one per registered file, named
/// `generated-<sha1>`); Backstage follows them itself, Backline never serves them.
pub(crate) fn is_location(kind: &str) -> bool {
    kind.eq_ignore_ascii_case("Location")
}

impl Listed {
    pub(crate) fn check(self, url: &str) -> Result<Stamped, BackstageError> {
        let shape = |missing| BackstageError::Shape { url: url.to_owned(), missing };
        let kind = self.kind.ok_or_else(|| shape("kind"))?;
        let metadata = self.metadata.ok_or_else(|| shape("metadata"))?;
        Ok(Stamped {
            uid: metadata.uid.ok_or_else(|| shape("metadata.uid"))?,
            etag: metadata.etag.ok_or_else(|| shape("metadata.etag"))?,
            entity_ref: EntityRef {
                kind,
                namespace: metadata.namespace.unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
                name: metadata.name.ok_or_else(|| shape("metadata.name"))?,
            },
        })
    }
}

/// Reads one served entity. `url` names the source in errors; `frontend` builds the page link.
pub(crate) fn parse(raw: Box<RawValue>, url: &str, frontend: Option<&str>) -> Result<RemoteEntity, BackstageError> {
    let view: View = serde_json::from_str(raw.get())
        .map_err(|_| BackstageError::Shape { url: url.to_owned(), missing: "the entity shape" })?;
    let shape = |missing| BackstageError::Shape { url: url.to_owned(), missing };
    let kind = view.kind.ok_or_else(|| shape("kind"))?;
    let metadata = view.metadata.ok_or_else(|| shape("metadata"))?;
    let entity_ref = EntityRef {
        kind,
        namespace: metadata.namespace.unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
        name: metadata.name.ok_or_else(|| shape("metadata.name"))?,
    };
    Ok(RemoteEntity {
        uid: metadata.uid.ok_or_else(|| shape("metadata.uid"))?,
        etag: metadata.etag.ok_or_else(|| shape("metadata.etag"))?,
        page_url: frontend.and_then(|f| page_url(f, &entity_ref)),
        entity_ref,
        relations: view.relations,
        status: view.status.map(|s| s.items).unwrap_or_default(),
        managed_by_location: metadata.annotations.location,
        managed_by_origin_location: metadata.annotations.origin_location,
        document: String::from(Box::<str>::from(raw)),
    })
}

/// `<frontend>/catalog/<namespace>/<kind>/<name>`, the route of Backstage's entity page: kind and
/// namespace lower-cased as the frontend's route builder does, each segment percent-encoded.
pub fn page_url(frontend: &str, entity_ref: &EntityRef) -> Option<String> {
    let mut url = url::Url::parse(frontend).ok()?;
    url.path_segments_mut().ok()?.pop_if_empty().extend([
        "catalog",
        &entity_ref.namespace.to_lowercase(),
        &entity_ref.kind.to_lowercase(),
        &entity_ref.name,
    ]);
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real reply's entity (by-query, catalog-backend 4.0.5), with a processing error added as
    /// Backstage reports it.
    const SERVED: &str = r#"{"metadata":{"namespace":"default","annotations":{"backstage.io/managed-by-location":"file:/srv/catalog/components.yaml","backstage.io/managed-by-origin-location":"file:/srv/catalog/all.yaml"},"name":"ledger-db-service","uid":"033ef2b2-5093-4d4e-831f-41eb3bb8ac3b","etag":"a271ce0d05a73a83dc314fec249e8850a3fc4725"},"apiVersion":"backstage.io/v1alpha1","kind":"Component","spec":{"type":"service","lifecycle":"production","owner":"user:alice","dependsOn":["resource:ledger-db"]},"relations":[{"type":"dependencyOf","targetRef":"component:default/payments-api"},{"type":"ownedBy","targetRef":"user:default/alice"}],"status":{"items":[{"type":"backstage.io/catalog-processing","level":"error","message":"NotFoundError: file /srv/catalog/extra.yaml does not exist","error":{"name":"NotFoundError","message":"file /srv/catalog/extra.yaml does not exist"}}]}}"#;

    #[test]
    fn keeps_what_backstage_computed_and_the_document() {
        let raw = RawValue::from_string(SERVED.to_owned()).unwrap();
        let e = parse(raw, "http://bs", Some("https://portal.example.com/")).unwrap();
        assert_eq!(e.uid, "033ef2b2-5093-4d4e-831f-41eb3bb8ac3b");
        assert_eq!(e.etag, "a271ce0d05a73a83dc314fec249e8850a3fc4725");
        assert_eq!(e.entity_ref.to_string(), "Component:default/ledger-db-service");
        assert_eq!(e.entity_ref.canonical(), "component:default/ledger-db-service");
        assert_eq!(
            e.relations[1],
            Relation { relation_type: "ownedBy".into(), target_ref: "user:default/alice".into() }
        );
        assert_eq!(e.managed_by_location.as_deref(), Some("file:/srv/catalog/components.yaml"));
        assert_eq!(e.managed_by_origin_location.as_deref(), Some("file:/srv/catalog/all.yaml"));
        assert_eq!(e.status[0].level, StatusLevel::Error);
        assert_eq!(e.status[0].error.as_ref().and_then(|x| x.name.as_deref()), Some("NotFoundError"));
        assert!(e.has_errors());
        assert_eq!(
            e.page_url.as_deref(),
            Some("https://portal.example.com/catalog/default/component/ledger-db-service")
        );
        assert_eq!(e.document, SERVED);
    }

    #[test]
    fn missing_identity_is_a_shape_error() {
        let raw = RawValue::from_string(r#"{"kind":"Component","metadata":{"name":"x"}}"#.to_owned()).unwrap();
        let err = parse(raw, "http://bs", None).unwrap_err();
        assert_eq!(err.to_string(), "Backstage at http://bs served an entity without metadata.uid");
    }

    #[test]
    fn page_links_encode_segments() {
        let r = EntityRef { kind: "Group".into(), namespace: "Default".into(), name: "team a/b".into() };
        assert_eq!(page_url("http://x:3000", &r).as_deref(), Some("http://x:3000/catalog/default/group/team%20a%2Fb"));
    }
}

//! Backstage sources through `Index::apply_remote`, on both backends: entities stored like
//! files' (answers link to their Backstage page), relations and status kept as Backstage served
//! them, unchanged etags neither parsed nor written, a delta applied exactly, a re-created
//! entity replacing its old uid, and a failed source keeping its last good entities as stale.

mod index_support;

use backline_answer::*;
use backline_index::remote::{RemoteChanges, RemoteEntity, RemoteRelation, RemoteStatus, StatusLevel};
use backline_index::{BackstageSource, Index, RunOptions, SourceKind, SourceSettings};
use index_support::{Db, TestIndex};

const PAGE: &str = "https://portal.example.com/catalog/default";

fn source() -> SourceSettings {
    SourceSettings {
        name: "portal".to_owned(),
        kind: SourceKind::Backstage(BackstageSource {
            url: "http://backstage.example.com:7007".to_owned(),
            frontend_url: Some("https://portal.example.com".to_owned()),
            token_env: None,
            filter: Vec::new(),
            page_size: None,
            timeout_ms: None,
        }),
        follow_locations: true,
        required: true,
        allowed_locations: Vec::new(),
    }
}

/// An entity as Backstage serves it: `relations` and `status` in the document too.
fn served(uid: &str, etag: &str, kind: &str, name: &str, spec: &str, relations: &[(&str, &str)]) -> RemoteEntity {
    let relations: Vec<RemoteRelation> = relations
        .iter()
        .map(|(t, r)| RemoteRelation { relation_type: (*t).to_owned(), target_ref: (*r).to_owned() })
        .collect();
    let json_relations: Vec<String> = relations
        .iter()
        .map(|r| format!(r#"{{"type":"{}","targetRef":"{}"}}"#, r.relation_type, r.target_ref))
        .collect();
    let document = format!(
        r#"{{"metadata":{{"namespace":"default","annotations":{{"backstage.io/managed-by-location":"file:/srv/catalog/all.yaml","backstage.io/managed-by-origin-location":"file:/srv/catalog/all.yaml"}},"name":"{name}","description":"The {name} at {etag}","uid":"{uid}","etag":"{etag}"}},"apiVersion":"backstage.io/v1alpha1","kind":"{kind}","spec":{spec},"relations":[{}]}}"#,
        json_relations.join(",")
    );
    RemoteEntity {
        uid: uid.to_owned(),
        etag: etag.to_owned(),
        kind: kind.to_owned(),
        namespace: "default".to_owned(),
        name: name.to_owned(),
        document,
        relations,
        status: Vec::new(),
        page_url: Some(format!("{PAGE}/{}/{name}", kind.to_lowercase())),
    }
}

fn team() -> RemoteEntity {
    served(
        "00000000-0000-4000-8000-00000000000a",
        "e1",
        "Group",
        "team-a",
        r#"{"type":"team","children":[]}"#,
        &[("ownerOf", "component:default/payments-api")],
    )
}

/// `payments-api`: its spec names no dependency, but Backstage serves one (a processor added it),
/// and a processing error.
fn payments(etag: &str) -> RemoteEntity {
    let mut e = served(
        "00000000-0000-4000-8000-00000000000b",
        etag,
        "Component",
        "payments-api",
        r#"{"type":"service","lifecycle":"production","owner":"team-a"}"#,
        &[("ownedBy", "group:default/team-a"), ("dependsOn", "component:default/ledger")],
    );
    e.status = vec![RemoteStatus {
        level: StatusLevel::Error,
        message: "NotFoundError: file /srv/catalog/extra.yaml does not exist".to_owned(),
    }];
    e
}

fn ledger() -> RemoteEntity {
    served(
        "00000000-0000-4000-8000-00000000000c",
        "e3",
        "Component",
        "ledger",
        r#"{"type":"service","lifecycle":"production","owner":"team-a"}"#,
        &[("ownedBy", "group:default/team-a"), ("dependencyOf", "component:default/payments-api")],
    )
}

async fn ask(ix: &Index, query: Query) -> Answer {
    ix.answer(&query).await.unwrap()
}

fn ownership(a: &Answer) -> &OwnershipAnswer {
    match &a.body {
        AnswerBody::Ownership(o) => o,
        other => panic!("{other:#?}"),
    }
}

fn dependencies(a: &Answer) -> Vec<(String, bool)> {
    match &a.body {
        AnswerBody::Dependencies(d) => d.nodes.iter().map(|n| (n.entity.entity_ref.clone(), n.entity.exists)).collect(),
        other => panic!("{other:#?}"),
    }
}

async fn backstage_source(db: Db) {
    let Some(t) = TestIndex::new(db, vec![source()]).await else { return };
    let ix = t.open().await;
    let options = RunOptions::default();
    let report =
        ix.apply_remote("portal", RemoteChanges::Full(vec![team(), payments("e2"), ledger()]), &options).await.unwrap();
    assert_eq!(report.sources[0].entities_written, 3);
    assert_eq!(report.changed_entities, 3);

    // Stored like a file's entity, defined at its Backstage page, with Backstage's status.
    let owner = ask(&ix, Query::Owner { name: "payments-api".into() }).await;
    let o = ownership(&owner);
    assert_eq!(o.owner.as_ref().unwrap().entity_ref, "group:default/team-a");
    let at = o.entity.defined_at.as_ref().unwrap();
    assert_eq!(
        (at.source.as_str(), at.file.as_str()),
        ("portal", "https://portal.example.com/catalog/default/component/payments-api")
    );
    assert_eq!(at.display(), "https://portal.example.com/catalog/default/component/payments-api");
    let first = o.entity.first_error.as_ref().unwrap();
    assert_eq!(first.code, "BS0801");
    assert!(first.message.contains("extra.yaml does not exist"), "{first:?}");
    assert!(o.entity.valid, "Backstage serves it: {:?}", o.findings);
    assert!(o.findings.iter().all(|f| f.code == "BS0801" || f.severity != FindingSeverity::Error), "{:?}", o.findings);
    let described = ask(&ix, Query::Describe { name: "payments-api".into() }).await;
    let AnswerBody::Entity(e) = &described.body else { panic!("{described:#?}") };
    assert!(
        e.links.iter().any(|l| l.url == "https://portal.example.com/catalog/default/component/payments-api"),
        "{:?}",
        e.links
    );

    // Relations as served, not as the spec would emit them.
    let deps = ask(&ix, Query::Dependencies { name: "payments-api".into(), depth: 1 }).await;
    assert_eq!(dependencies(&deps), [("component:default/ledger".to_owned(), true)]);
    let impact = ask(&ix, Query::Dependents { name: "ledger".into(), depth: 1 }).await;
    assert_eq!(dependencies(&impact), [("component:default/payments-api".to_owned(), true)]);

    // What a later process diffs Backstage's listing against.
    let mut stamps: Vec<(String, String, String)> =
        ix.remote_snapshot("portal").await.unwrap().into_iter().map(|s| (s.uid, s.etag, s.name)).collect();
    stamps.sort();
    assert_eq!(stamps.iter().map(|s| s.1.as_str()).collect::<Vec<_>>(), ["e1", "e2", "e3"]);
    assert_eq!(stamps[1].0, "00000000-0000-4000-8000-00000000000b");

    // The same catalog again: nothing parsed, nothing written.
    let again =
        ix.apply_remote("portal", RemoteChanges::Full(vec![team(), payments("e2"), ledger()]), &options).await.unwrap();
    assert_eq!((again.sources[0].files_parsed, again.changed_entities), (0, 0));

    // A delta: one changed, one removed.
    let delta = RemoteChanges::Delta { upserts: vec![payments("e2b")], removed: vec![ledger().uid] };
    let report = ix.apply_remote("portal", delta, &options).await.unwrap();
    assert_eq!((report.sources[0].files_parsed, report.sources[0].files_deleted), (1, 1));
    let described = ask(&ix, Query::Describe { name: "payments-api".into() }).await;
    assert_eq!(ownership_or_entity_description(&described), "The payments-api at e2b");
    let deps = ask(&ix, Query::Dependencies { name: "payments-api".into(), depth: 1 }).await;
    assert_eq!(dependencies(&deps), [("component:default/ledger".to_owned(), false)], "the target is gone");

    // Deleted and re-created in Backstage under a new uid, the old uid not reported gone.
    let mut recreated = team();
    recreated.uid = "00000000-0000-4000-8000-0000000000aa".to_owned();
    recreated.etag = "e1b".to_owned();
    let delta = RemoteChanges::Delta { upserts: vec![recreated], removed: Vec::new() };
    let report = ix.apply_remote("portal", delta, &options).await.unwrap();
    assert_eq!(report.sources[0].files_deleted, 1);
    assert_eq!(ix.remote_snapshot("portal").await.unwrap().len(), 2);

    // Backstage unreachable: the last good entities stay, stale.
    ix.remote_failed(
        "portal",
        "source `portal`: could not reach Backstage at http://backstage.example.com:7007",
        &options,
    )
    .await
    .unwrap();
    let owner = ask(&ix, Query::Owner { name: "payments-api".into() }).await;
    assert_eq!(ownership(&owner).owner.as_ref().unwrap().entity_ref, "group:default/team-a");
    assert_eq!(owner.stale_sources.len(), 1);
    assert_eq!(owner.stale_sources[0].name, "portal");
    assert!(owner.stale_sources[0].error.contains("could not reach Backstage"));
    assert!(ownership(&owner).entity.defined_at.as_ref().unwrap().stale);

    // A file run of the configured sources leaves the Backstage source alone.
    let files = ix.index(&options).await.unwrap();
    assert!(files.sources.is_empty(), "{files:?}");
    assert_eq!(ix.remote_snapshot("portal").await.unwrap().len(), 2);
    t.cleanup().await;
}

fn ownership_or_entity_description(a: &Answer) -> String {
    match &a.body {
        AnswerBody::Entity(e) => e.entity.description.clone().unwrap_or_default(),
        other => panic!("{other:#?}"),
    }
}

#[tokio::test]
async fn backstage_source_sqlite() {
    backstage_source(Db::Sqlite).await;
}

#[tokio::test]
async fn backstage_source_postgres() {
    backstage_source(Db::Postgres).await;
}

/// A catalog larger than one parsing chunk: every entity is stored once whatever chunk it was
/// parsed in, and a delta naming a few of them touches exactly those.
async fn many_entities(db: Db) {
    let Some(t) = TestIndex::new(db, vec![source()]).await else { return };
    let ix = t.open().await;
    let options = RunOptions::default();
    let component = |i: usize, etag: &str| {
        served(
            &format!("00000000-0000-4000-8000-{i:012}"),
            etag,
            "Component",
            &format!("service-{i}"),
            r#"{"type":"service","lifecycle":"production","owner":"group:team-a"}"#,
            &[("ownedBy", "group:default/team-a")],
        )
    };
    const N: usize = 2_600;
    let all: Vec<RemoteEntity> = std::iter::once(team()).chain((0..N).map(|i| component(i, "v1"))).collect();
    let report = ix.apply_remote("portal", RemoteChanges::Full(all), &options).await.unwrap();
    assert_eq!((report.sources[0].files_parsed, report.changed_entities), (N + 1, N + 1));
    assert_eq!(ix.remote_snapshot("portal").await.unwrap().len(), N + 1);

    let delta = RemoteChanges::Delta {
        upserts: vec![component(1_234, "v2")],
        removed: vec![component(17, "v1").uid, component(N - 1, "v1").uid],
    };
    let report = ix.apply_remote("portal", delta, &options).await.unwrap();
    assert_eq!((report.sources[0].files_parsed, report.sources[0].files_deleted), (1, 2));
    let stamps = ix.remote_snapshot("portal").await.unwrap();
    assert_eq!(stamps.len(), N - 1);
    assert_eq!(stamps.iter().filter(|s| s.etag == "v2").map(|s| s.name.as_str()).collect::<Vec<_>>(), ["service-1234"]);
    let described = ask(&ix, Query::Describe { name: "service-1234".into() }).await;
    assert_eq!(ownership_or_entity_description(&described), "The service-1234 at v2");
    t.cleanup().await;
}

#[tokio::test]
async fn many_entities_sqlite() {
    many_entities(Db::Sqlite).await;
}

#[tokio::test]
async fn many_entities_postgres() {
    many_entities(Db::Postgres).await;
}

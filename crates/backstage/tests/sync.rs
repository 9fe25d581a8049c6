//! Full sync and refresh against the fake Backstage: paging, what is kept of each entity,
//! Locations left out, gzip, and a refresh that costs one listing and fetches only what changed.

mod fake;

use backline_backstage::{RemoteEntity, StatusLevel};
use fake::{Fake, client};

const LEDGER: &str = "033ef2b2-5093-4d4e-831f-41eb3bb8ac3b";
const PAYMENTS: &str = "8c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f";
const ALICE: &str = "5a3c9d2e-1f4b-4e6a-8c7d-9b0e1f2a3b4c";
const TEAM: &str = "2b6f1a0e-7c1d-4b8e-9a51-3c0f5e2d7a10";

fn refs(entities: &[RemoteEntity]) -> Vec<String> {
    entities.iter().map(|e| e.entity_ref.to_string()).collect()
}

#[tokio::test]
async fn full_sync_pages_by_cursor_and_skips_locations() {
    let fake = Fake::start().await;
    let sync = client(&fake, "page_size = 2").full_sync().await.unwrap();
    assert_eq!(
        refs(&sync.entities),
        [
            "Component:default/ledger-db-service",
            "Group:default/team-payments",
            "User:default/alice",
            "Component:default/payments-api"
        ]
    );
    assert_eq!(sync.skipped_locations, 2);
    assert_eq!(sync.snapshot.len(), 4);
    let asked = fake.requests();
    assert_eq!(asked.len(), 3, "6 entities in pages of 2");
    assert!(asked.iter().all(|r| r.path == "/api/catalog/entities/by-query" && r.gzipped));
    assert!(asked[0].query.iter().all(|(k, _)| k != "cursor"));
    for later in &asked[1..] {
        let keys: Vec<&str> = later.query.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["limit", "cursor"], "later pages send only the cursor");
    }
}

#[tokio::test]
async fn entities_keep_what_backstage_said() {
    let fake = Fake::start().await;
    let sync = client(&fake, "").full_sync().await.unwrap();
    assert_eq!(fake.count("by-query"), 1);
    let payments = sync.entities.iter().find(|e| e.uid == PAYMENTS).unwrap();
    assert_eq!(payments.etag, "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d");
    let relations: Vec<(&str, &str)> =
        payments.relations.iter().map(|r| (r.relation_type.as_str(), r.target_ref.as_str())).collect();
    assert_eq!(
        relations,
        [("dependsOn", "component:default/ledger-db-service"), ("ownedBy", "group:default/team-payments")]
    );
    assert_eq!(payments.status.len(), 1);
    assert_eq!(payments.status[0].level, StatusLevel::Error);
    assert_eq!(payments.status[0].message, "NotFoundError: file /srv/backstage/catalog/extra.yaml does not exist");
    assert!(payments.has_errors());
    assert_eq!(payments.managed_by_location.as_deref(), Some("file:/srv/backstage/catalog/components.yaml"));
    assert_eq!(payments.managed_by_origin_location.as_deref(), Some("file:/srv/backstage/catalog/components.yaml"));
    assert_eq!(payments.page_url.as_deref(), Some("https://portal.example.com/catalog/default/component/payments-api"));
    let served: serde_json::Value = serde_json::from_str(&payments.document).unwrap();
    assert_eq!(served, fake.get(PAYMENTS), "the document is the entity as served");
    let alice = sync.entities.iter().find(|e| e.uid == ALICE).unwrap();
    assert!(alice.status.is_empty() && !alice.has_errors());
}

#[tokio::test]
async fn refresh_with_nothing_changed_costs_one_listing_and_fetches_nothing() {
    let fake = Fake::start().await;
    let backstage = client(&fake, "");
    let sync = backstage.full_sync().await.unwrap();
    fake.clear_requests();
    let refresh = backstage.refresh(&sync.snapshot).await.unwrap();
    assert!(refresh.is_empty());
    assert_eq!(refresh.unchanged, 4);
    assert_eq!(refresh.snapshot, sync.snapshot);
    let asked = fake.requests();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].path, "/api/catalog/entities", "one request lists the whole catalog");
    let fields = asked[0].query.iter().find(|(k, _)| k == "fields").map(|(_, v)| v.as_str());
    assert_eq!(fields, Some("metadata.uid,metadata.etag,kind,metadata.namespace,metadata.name"));
    assert_eq!(fake.count("by-refs"), 0);
}

#[tokio::test]
async fn a_listing_page_size_pages_the_listing_by_query_with_the_filter() {
    let fake = Fake::start().await;
    let all = client(&fake, "").full_sync().await.unwrap();
    let paged = client(&fake, "listing_page_size = 2");
    fake.touch(LEDGER, "edited");
    fake.clear_requests();
    let refresh = paged.refresh(&all.snapshot).await.unwrap();
    assert_eq!(refs(&refresh.changed), ["Component:default/ledger-db-service"]);
    assert_eq!(refresh.unchanged, 3);
    assert_eq!(fake.count("by-query"), 3, "6 rows (Locations included) in pages of 2");
    assert_eq!(fake.count("/entities"), 0);

    // A filter reaches either listing, and what it leaves out is reported removed.
    for extra in ["filter = [\"kind=user\"]", "filter = [\"kind=user\"]\nlisting_page_size = 1"] {
        let refresh = client(&fake, extra).refresh(&refresh.snapshot).await.unwrap();
        assert_eq!(refresh.unchanged, 1, "{extra}");
        assert_eq!(refresh.removed.len(), 3, "{extra}");
    }
}

#[tokio::test]
async fn one_changed_etag_fetches_exactly_that_entity() {
    let fake = Fake::start().await;
    let backstage = client(&fake, "");
    let sync = backstage.full_sync().await.unwrap();
    fake.touch(LEDGER, "now with a description");
    fake.clear_requests();
    let refresh = backstage.refresh(&sync.snapshot).await.unwrap();
    assert_eq!(refs(&refresh.changed), ["Component:default/ledger-db-service"]);
    assert!(refresh.added.is_empty() && refresh.removed.is_empty());
    assert_eq!(refresh.unchanged, 3);
    assert!(refresh.changed[0].document.contains("now with a description"));
    assert_eq!(fake.count("/entities"), 1);
    let fetches: Vec<_> = fake.requests().into_iter().filter(|r| r.path.ends_with("by-refs")).collect();
    assert_eq!(fetches.len(), 1);
    assert_eq!(fetches[0].body, r#"{"entityRefs":["component:default/ledger-db-service"]}"#);
    // The new snapshot makes the next refresh empty again.
    let again = backstage.refresh(&refresh.snapshot).await.unwrap();
    assert!(again.is_empty());
}

#[tokio::test]
async fn deleted_and_new_entities_are_reported() {
    let fake = Fake::start().await;
    let backstage = client(&fake, "");
    let sync = backstage.full_sync().await.unwrap();
    let mut bob = fake.get(ALICE);
    fake.delete(ALICE);
    bob["metadata"]["name"] = "bob".into();
    bob["metadata"]["uid"] = "6b4d0e3f-2a5c-4f7b-9d8e-0c1f2a3b4c5d".into();
    fake.put(&bob);
    let refresh = backstage.refresh(&sync.snapshot).await.unwrap();
    assert_eq!(refresh.removed.len(), 1);
    assert_eq!(refresh.removed[0].uid, ALICE);
    assert_eq!(refresh.removed[0].entity_ref.to_string(), "User:default/alice");
    assert_eq!(refs(&refresh.added), ["User:default/bob"]);
    assert!(refresh.changed.is_empty());
    assert!(!refresh.snapshot.contains(ALICE) && refresh.snapshot.len() == 4);
}

#[tokio::test]
async fn a_recreated_entity_is_removed_under_its_old_uid_and_added_under_its_new_one() {
    let fake = Fake::start().await;
    let backstage = client(&fake, "");
    let sync = backstage.full_sync().await.unwrap();
    let mut team = fake.get(TEAM);
    fake.delete(TEAM);
    team["metadata"]["uid"] = "ffffffff-0000-4000-8000-000000000001".into();
    fake.put(&team);
    let refresh = backstage.refresh(&sync.snapshot).await.unwrap();
    assert_eq!(refresh.removed.iter().map(|r| r.uid.as_str()).collect::<Vec<_>>(), [TEAM]);
    assert_eq!(
        refresh.added.iter().map(|e| e.uid.as_str()).collect::<Vec<_>>(),
        ["ffffffff-0000-4000-8000-000000000001"]
    );
}

#[tokio::test]
async fn changed_entities_are_fetched_in_batches() {
    let fake = Fake::start().await;
    let backstage = client(&fake, "refs_batch_size = 2");
    let sync = backstage.full_sync().await.unwrap();
    for uid in [LEDGER, PAYMENTS, ALICE] {
        fake.touch(uid, "edited");
    }
    fake.clear_requests();
    let refresh = backstage.refresh(&sync.snapshot).await.unwrap();
    assert_eq!(refresh.changed.len(), 3);
    assert_eq!(fake.count("by-refs"), 2, "3 refs in batches of 2");
}

#[tokio::test]
async fn the_filter_goes_on_the_first_page_only() {
    let fake = Fake::start().await;
    let sync = client(&fake, "page_size = 1\nfilter = [\"kind=user\", \"kind=group\"]").full_sync().await.unwrap();
    assert_eq!(refs(&sync.entities), ["Group:default/team-payments", "User:default/alice"]);
    let asked = fake.requests();
    let filters = |i: usize| -> Vec<String> {
        asked[i].query.iter().filter(|(k, _)| k == "filter").map(|(_, v)| v.clone()).collect()
    };
    assert_eq!(filters(0), ["kind=user", "kind=group"]);
    assert!(filters(1).is_empty());
}

#[tokio::test]
async fn entities_gone_between_listing_and_fetch_are_removed() {
    let fake = Fake::start().await;
    let backstage = client(&fake, "");
    let sync = backstage.full_sync().await.unwrap();
    fake.touch(PAYMENTS, "edited");
    fake.vanish_before_fetch("component:default/payments-api");
    let refresh = backstage.refresh(&sync.snapshot).await.unwrap();
    assert!(refresh.changed.is_empty() && refresh.added.is_empty());
    assert_eq!(refresh.removed.iter().map(|r| r.uid.as_str()).collect::<Vec<_>>(), [PAYMENTS]);
    assert_eq!(fake.count("by-refs"), 1);
}

#[tokio::test]
async fn a_stale_snapshot_etag_is_a_change() {
    let fake = Fake::start().await;
    let backstage = client(&fake, "");
    let mut previous = backstage.full_sync().await.unwrap().snapshot;
    let stamp = previous.get(PAYMENTS).unwrap().clone();
    previous.insert(PAYMENTS.to_owned(), "0000".to_owned(), stamp.entity_ref);
    let refresh = backstage.refresh(&previous).await.unwrap();
    assert_eq!(refs(&refresh.changed), ["Component:default/payments-api"]);
}

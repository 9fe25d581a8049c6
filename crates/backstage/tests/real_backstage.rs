//! The client against a real Backstage backend (`scripts/backstage-backend.sh start`), ignored by
//! default because it needs Node, npm packages and PostgreSQL:
//!
//! ```sh
//! scripts/backstage-backend.sh start
//! cargo test -p backline-backstage --test real_backstage -- --ignored
//! scripts/backstage-backend.sh stop
//! ```
//!
//! `BACKLINE_BACKSTAGE_URL` (default `http://127.0.0.1:7077`) and `BACKLINE_BACKSTAGE_TOKEN`
//! (default the script's test token) point it elsewhere.

use backline_backstage::{Backstage, BackstageError, BackstageSection, ENV_TOKEN, EntityRef};

const SCRIPT_TOKEN: &str = "backline-test-token-0123456789";

fn backstage(token: Option<&str>) -> Backstage {
    let url = std::env::var("BACKLINE_BACKSTAGE_URL").unwrap_or_else(|_| "http://127.0.0.1:7077".to_owned());
    let section: BackstageSection = toml::from_str(&format!(
        "base_url = \"{url}\"\nfrontend_url = \"http://127.0.0.1:3000\"\npage_size = 2\nrefs_batch_size = 2"
    ))
    .unwrap();
    let token =
        token.map(str::to_owned).or_else(|| std::env::var(ENV_TOKEN).ok()).unwrap_or_else(|| SCRIPT_TOKEN.to_owned());
    Backstage::new(section.resolve(&|_| Some(token.clone())).unwrap()).unwrap()
}

#[tokio::test]
#[ignore = "needs a real Backstage backend: scripts/backstage-backend.sh start"]
async fn syncs_and_refreshes_from_a_real_backstage() {
    let client = backstage(None);
    let sync = client.full_sync().await.unwrap();
    let mut refs: Vec<String> = sync.entities.iter().map(|e| e.entity_ref.canonical()).collect();
    refs.sort();
    assert_eq!(
        refs,
        [
            "component:default/ledger-db-service",
            "component:default/payments-api",
            "group:default/team-payments",
            "user:default/alice"
        ]
    );
    assert_eq!(sync.skipped_locations, 2, "one generated Location per registered file");
    let payments = sync.entities.iter().find(|e| e.entity_ref.name == "payments-api").unwrap();
    let relations: Vec<(&str, &str)> =
        payments.relations.iter().map(|r| (r.relation_type.as_str(), r.target_ref.as_str())).collect();
    assert!(relations.contains(&("ownedBy", "group:default/team-payments")), "{relations:?}");
    assert!(relations.contains(&("dependsOn", "component:default/ledger-db-service")), "{relations:?}");
    let location = payments.managed_by_location.as_deref().unwrap();
    assert!(location.starts_with("file:") && location.ends_with("/catalog/components.yaml"), "{location}");
    assert_eq!(payments.page_url.as_deref(), Some("http://127.0.0.1:3000/catalog/default/component/payments-api"));
    assert_eq!(payments.uid.len(), 36);
    assert_eq!(payments.etag.len(), 40);

    // Nothing changes while the files do not (etags are stable across re-processing).
    let refresh = client.refresh(&sync.snapshot).await.unwrap();
    assert!(refresh.is_empty(), "{refresh:?}");
    assert_eq!(refresh.unchanged, 4);

    // A stale etag, a forgotten entity and one the backend never had: by-refs on the real API.
    let mut previous = sync.snapshot.clone();
    let alice = sync.entities.iter().find(|e| e.entity_ref.name == "alice").unwrap();
    previous.insert(alice.uid.clone(), "stale".to_owned(), alice.entity_ref.clone());
    let forgotten: Vec<_> = sync.snapshot.iter().filter(|(uid, _)| *uid != payments.uid).collect();
    let mut forgetful = backline_backstage::Snapshot::new();
    for (uid, stamp) in forgotten {
        forgetful.insert(uid.to_owned(), stamp.etag.clone(), stamp.entity_ref.clone());
    }
    forgetful.insert(alice.uid.clone(), "stale".to_owned(), alice.entity_ref.clone());
    let ghost = EntityRef { kind: "Component".into(), namespace: "default".into(), name: "ghost".into() };
    forgetful.insert("00000000-0000-4000-8000-000000000000".to_owned(), "x".to_owned(), ghost);
    let refresh = client.refresh(&forgetful).await.unwrap();
    assert_eq!(refresh.changed.iter().map(|e| e.uid.as_str()).collect::<Vec<_>>(), [alice.uid.as_str()]);
    assert_eq!(refresh.added.iter().map(|e| e.uid.as_str()).collect::<Vec<_>>(), [payments.uid.as_str()]);
    assert_eq!(refresh.removed.iter().map(|r| r.entity_ref.name.as_str()).collect::<Vec<_>>(), ["ghost"]);
    assert_eq!(refresh.snapshot, sync.snapshot);
}

#[tokio::test]
#[ignore = "needs a real Backstage backend: scripts/backstage-backend.sh start"]
async fn a_real_backstage_refuses_a_wrong_token() {
    let err = backstage(Some("not-the-token-000")).full_sync().await.unwrap_err();
    assert!(matches!(err, BackstageError::Unauthorized { status: 401, .. }), "{err:?}");
    assert!(err.to_string().contains("BACKLINE_BACKSTAGE_TOKEN") && !err.to_string().contains("not-the-token"));
}

//! Back-off and errors against the fake Backstage: 429 with `Retry-After` and 503 retried, the
//! retries bounded, a `Retry-After` too long refused, a wrong token named by its variable (never
//! quoted), a missing catalog plugin recognised, and gzip answers decoded.

mod fake;

use backline_backstage::BackstageError;
use fake::{Fake, Fault, TOKEN, client, client_with_token};

#[tokio::test]
async fn rate_limits_and_unavailability_are_retried() {
    let fake = Fake::start().await;
    fake.fail_next(&[Fault::TooMany(Some("1")), Fault::Unavailable, Fault::TooMany(None)]);
    let sync = client(&fake, "page_size = 2").full_sync().await.unwrap();
    assert_eq!(sync.entities.len(), 4);
    assert_eq!(fake.count("by-query"), 3 + 3, "3 pages, 3 failed attempts");
}

#[tokio::test]
async fn retries_are_bounded() {
    let fake = Fake::start().await;
    fake.fail_next(&[Fault::Unavailable; 5]);
    let err = client(&fake, "max_retries = 2").full_sync().await.unwrap_err();
    assert_eq!(fake.count("by-query"), 3, "one try and two retries");
    assert!(matches!(err, BackstageError::Status { status: 503, .. }), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(
        err.to_string(),
        format!(
            "Backstage at {} answered HTTP 503 to /api/catalog/entities/by-query: ServiceUnavailable: Service Unavailable",
            fake.url
        )
    );
}

#[tokio::test]
async fn a_refresh_retries_its_fetches_too() {
    let fake = Fake::start().await;
    let backstage = client(&fake, "");
    let sync = backstage.full_sync().await.unwrap();
    fake.touch("033ef2b2-5093-4d4e-831f-41eb3bb8ac3b", "edited");
    fake.clear_requests();
    fake.fail_next(&[Fault::Unavailable]);
    let refresh = backstage.refresh(&sync.snapshot).await.unwrap();
    assert_eq!(refresh.changed.len(), 1);
    assert_eq!(fake.count("/entities"), 2, "the listing, failed once and retried");
    assert_eq!(fake.count("by-refs"), 1);
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_fails_at_once() {
    let fake = Fake::start().await;
    fake.fail_next(&[Fault::TooMany(Some("3600"))]);
    let err = client(&fake, "max_retry_after_secs = 60").full_sync().await.unwrap_err();
    assert_eq!(fake.count("by-query"), 1);
    assert_eq!(
        err.to_string(),
        format!("Backstage at {} is rate limiting Backline (HTTP 429); it asks to wait 3600 s", fake.url)
    );
}

#[tokio::test]
async fn a_long_retry_after_on_a_5xx_is_not_waited_out() {
    let fake = Fake::start().await;
    fake.fail_next(&[Fault::UnavailableFor("3600"), Fault::UnavailableFor("0")]);
    // The first wait falls back to the back-off (5 ms here), the second is Retry-After's 0 s.
    let sync = client(&fake, "max_retry_after_secs = 60").full_sync().await.unwrap();
    assert_eq!(sync.entities.len(), 4);
    assert_eq!(fake.count("by-query"), 3);
}

#[tokio::test]
async fn a_wrong_token_names_the_source_and_the_variable_not_the_token() {
    let fake = Fake::start().await;
    let wrong = "WRONG-token-0123456789";
    let err = client_with_token(&fake, "", wrong).full_sync().await.unwrap_err();
    assert_eq!(fake.count("by-query"), 1, "a refused token is not retried");
    let text = err.to_string();
    assert_eq!(
        text,
        format!(
            "Backstage at {} refused the token (HTTP 401: AuthenticationError: Illegal token); check BACKLINE_BACKSTAGE_TOKEN: it must be one of the backend's backend.auth.externalAccess static tokens, with read access to the catalog",
            fake.url
        )
    );
    for shown in [text, format!("{err:?}")] {
        assert!(!shown.contains(wrong) && !shown.contains(TOKEN), "{shown}");
    }
    assert!(!err.is_transient());
    assert_eq!(err.url(), fake.url);
}

#[tokio::test]
async fn a_named_token_variable_is_the_one_named() {
    let fake = Fake::start().await;
    let section: backline_backstage::BackstageSection =
        toml::from_str(&format!("base_url = \"{}\"\ntoken_env = \"ACME_BACKSTAGE\"", fake.url)).unwrap();
    let config = section.resolve(&|n| (n == "ACME_BACKSTAGE").then(|| "not-the-right-one".to_owned())).unwrap();
    let err = backline_backstage::Backstage::new(config).unwrap().full_sync().await.unwrap_err();
    assert!(err.to_string().contains("check ACME_BACKSTAGE"), "{err}");
}

#[tokio::test]
async fn a_backend_without_the_catalog_plugin_is_recognised() {
    let mut fake = Fake::start().await;
    fake.url.push_str("/not-backstage");
    let err = client(&fake, "").full_sync().await.unwrap_err();
    assert!(matches!(err, BackstageError::NoCatalog { .. }), "{err:?}");
    assert!(err.to_string().contains("is the catalog backend plugin installed and started?"), "{err}");
}

#[tokio::test]
async fn an_unreachable_backend_is_a_transport_error_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let section: backline_backstage::BackstageSection =
        toml::from_str(&format!("base_url = \"{url}\"\nmax_retries = 1\nretry_base_ms = 1")).unwrap();
    let config = section.resolve(&|_| Some(TOKEN.to_owned())).unwrap();
    let err = backline_backstage::Backstage::new(config).unwrap().full_sync().await.unwrap_err();
    assert_eq!(err.to_string(), format!("could not reach Backstage at {url}"));
    assert!(err.is_transient());
}

#[tokio::test]
async fn gzip_is_asked_for_entities_and_decoded_but_not_for_listings() {
    let fake = Fake::start().await;
    let backstage = client(&fake, "page_size = 3");
    let sync = backstage.full_sync().await.unwrap();
    fake.touch("033ef2b2-5093-4d4e-831f-41eb3bb8ac3b", "edited");
    let refresh = backstage.refresh(&sync.snapshot).await.unwrap();
    assert_eq!(refresh.changed.len(), 1);
    let asked = fake.requests();
    assert!(asked.len() >= 4);
    // The fake gzips exactly the answers whose request asked for it: whole entities (paging,
    // by-refs), never the uid/etag listing, which compresses too little to pay for it.
    let listing = |r: &&fake::Seen| r.query.iter().any(|(k, _)| k == "fields");
    assert!(asked.iter().filter(listing).count() >= 1, "{asked:?}");
    assert!(asked.iter().filter(listing).all(|r| !r.gzipped), "{asked:?}");
    assert!(asked.iter().filter(|r| !listing(r)).all(|r| r.gzipped), "{asked:?}");
    assert!(asked.iter().any(|r| r.path.ends_with("/by-refs")), "{asked:?}");
    assert_eq!(sync.entities.len(), 4);
}

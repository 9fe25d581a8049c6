//! The token reaches no log (captured at trace level, every target), no error and no `Debug`
//! output, whatever happens: syncs, refreshes, retries, a refused token, a rate limit given up on.

mod fake;

use backline_test_support::logs::CapturedLog;

use fake::{Fake, Fault, TOKEN, client, client_with_token};

const WRONG: &str = "WRONG-token-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_in_logs_errors_or_debug_output() {
    let captured = CapturedLog::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let fake = Fake::start().await;
    let good = client(&fake, "page_size = 2");
    let wrong = client_with_token(&fake, "", WRONG);
    let mut outputs = vec![format!("{good:?}"), format!("{wrong:?}"), format!("{:?}", good.config())];

    fake.fail_next(&[Fault::TooMany(Some("0")), Fault::Unavailable]);
    let sync = good.full_sync().await.unwrap();
    outputs.push(format!("{sync:?}"));
    fake.touch("033ef2b2-5093-4d4e-831f-41eb3bb8ac3b", "edited");
    let refresh = good.refresh(&sync.snapshot).await.unwrap();
    outputs.push(format!("{refresh:?}"));
    for err in [wrong.full_sync().await.unwrap_err(), wrong.refresh(&sync.snapshot).await.unwrap_err(), {
        fake.fail_next(&[Fault::TooMany(Some("100000"))]);
        good.full_sync().await.unwrap_err()
    }] {
        outputs.extend([err.to_string(), format!("{err:?}")]);
    }

    let log = captured.text();
    assert!(log.contains("Backstage request"), "tracing was captured:\n{log}");
    assert!(log.contains("retrying"), "retries were logged:\n{log}");
    for secret in [TOKEN, WRONG] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
        for out in &outputs {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
    }
    // The token did travel, in the header only.
    let requests = fake.requests();
    assert!(requests.iter().any(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));
    for r in &requests {
        assert!(r.query.iter().all(|(k, v)| !k.contains(TOKEN) && !v.contains(TOKEN)), "token in a URL");
        assert!(!r.body.contains(TOKEN), "token in a body");
    }
}

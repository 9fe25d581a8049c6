//! No key and no integration key in logs (captured at trace level, every target), errors,
//! `Debug` output or answers, whatever happens: good answers, the integration-key fallback,
//! wrong keys, rate limits, server errors and timeouts.

mod fake;

use backline_test_support::logs::CapturedLog;

use std::sync::Arc;
use std::time::Duration;

use fake::{Fake, Fault, INTEGRATION_KEY, OG_KEY, PD_KEY, TestClock, annotations, client, client_with_keys};

const WRONG_PD: &str = "u+WRONGPDKEY000";
const WRONG_OG: &str = "WRONG-OG-KEY-000";
const UNKNOWN_INTEGRATION_KEY: &str = "9999aaaa9999aaaa9999aaaa9999aaaa";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_reaches_a_log_an_error_or_an_answer() {
    let captured = CapturedLog::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let pd = Fake::pagerduty().await;
    let og = Fake::opsgenie().await;
    let clock = TestClock::new();
    let extra = "timeout_ms = 300\ncache_secs = 60";
    let good = client(Some(&pd), Some(&og), Arc::clone(&clock), extra);
    let wrong = client_with_keys(Some(&pd), Some(&og), Arc::clone(&clock), extra, WRONG_PD, WRONG_OG);
    let entities = [
        annotations(&[("pagerduty.com/service-id", "PSVC001"), ("opsgenie.com/team", "Payments")]),
        annotations(&[("pagerduty.com/integration-key", INTEGRATION_KEY)]),
        annotations(&[("pagerduty.com/integration-key", UNKNOWN_INTEGRATION_KEY)]),
        annotations(&[("pagerduty.com/service-id", "PNOPE00")]),
    ];
    let refs: Vec<&[(String, String)]> = entities.iter().map(Vec::as_slice).collect();
    let mut outputs = Vec::new();
    for fault in
        [Fault::None, Fault::ServerError, Fault::RateLimited { headers: true }, Fault::Slow(Duration::from_secs(5))]
    {
        pd.set_fault(fault);
        og.set_fault(fault);
        for oncall in [&good, &wrong] {
            for answer in oncall.lookup_entities(&refs).await.into_iter().flatten() {
                match answer {
                    Ok(a) => outputs.extend([format!("{a:?}"), serde_json::to_string(&a).unwrap()]),
                    Err(e) => outputs.extend([format!("{e:?}"), e.to_string()]),
                }
            }
            outputs.push(format!("{oncall:?}"));
        }
        clock.advance(3600);
    }
    outputs.push(format!("{:?}", backline_oncall::targets(&entities[1])));

    let log = captured.text();
    assert!(log.contains("on-call request"), "tracing was captured:\n{log}");
    assert!(log.contains("on-call provider call failed"), "failures were logged:\n{log}");
    for secret in [PD_KEY, OG_KEY, INTEGRATION_KEY, UNKNOWN_INTEGRATION_KEY, WRONG_PD, WRONG_OG] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
        for out in &outputs {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(pd.calls().iter().chain(&og.calls()).all(|c| !c.contains(secret)), "{secret} sent in a URL");
    }
    // Personal data stays out of logs below debug, and out of these logs altogether.
    assert!(!log.contains("alice.ng@example.com"));
}

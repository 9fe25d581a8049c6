//! No secrets in the logs at `trace`, with the filter `backline serve` installs: not the bot
//! token, not interaction tokens, not signatures — through inline answers, autocomplete,
//! buttons, refusals, and a deferred answer whose delivery fails (serenity's errors carry the
//! request URL, which contains the interaction token).

mod discord_support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use discord_support::*;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, filter};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn nothing_secret_is_logged_at_trace() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(move || writer.clone())
        .with_filter(filter::LevelFilter::TRACE)
        .with_filter(filter::filter_fn(backline_bot::logging::allowed));
    tracing_subscriber::registry().with(layer).init();

    let fake = FakeDiscord::start().await;
    let mut cfg = config(&fake);
    // Deferred answers go to a port nobody listens on: the edit fails and is logged.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    cfg.api_url = Some(format!("http://{}", dead.local_addr().unwrap()));
    drop(dead);
    let server = start_server(cfg, FakeEngine::slow(Duration::from_millis(700))).await;
    let tokens = [
        "aW50ZXJhY3Rpb246bG9nLXRva2VuLW9uZQ",
        "aW50ZXJhY3Rpb246bG9nLXRva2VuLXR3bw",
        "aW50ZXJhY3Rpb246bG9nLXRva2VuLXRocmVl",
    ];
    let c = &server.client;
    assert_eq!(c.interaction(&command(GUILD, "owner", entity_arg("payments-api"), tokens[0])).await.json()["type"], 5);
    c.interaction(&command(FOREIGN_GUILD, "owner", entity_arg("payments-api"), tokens[1])).await;
    c.interaction(&autocomplete(GUILD, "owner", "paym")).await;
    c.interaction(&button(GUILD, "bl:ask:who owns payments-api", tokens[2])).await;
    let sig_body = fixture("ping").to_string().into_bytes();
    let sig = sign_with(&signing_key(), "1", &sig_body);
    c.post_interaction(sig_body, &[("x-signature-ed25519", sig.clone()), ("x-signature-timestamp", "1".into())]).await;
    // Let the deferred deliveries fail (and retry) and log.
    tokio::time::sleep(Duration::from_secs(4)).await;
    server.stop().await;

    let logs = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    assert!(logs.contains("could not deliver a deferred Discord answer"), "the failure is logged: {logs}");
    let autocomplete_token = fixture("autocomplete")["token"].as_str().unwrap().to_owned();
    for secret in tokens.iter().copied().chain([BOT_TOKEN, autocomplete_token.as_str(), sig.as_str()]) {
        assert!(!logs.contains(secret), "{secret} leaked into: {logs}");
    }
}

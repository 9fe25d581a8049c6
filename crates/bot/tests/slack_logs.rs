//! Nothing secret reaches the logs, even at `trace`: tokens, the signing secret, signature
//! headers, `response_url`s. Runs the HTTP and Socket Mode flows, including failures (refused
//! signatures, `ok:false` and 429 answers from Slack), with every log line captured.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backline_bot::slack::Mode;
use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tracing_subscriber::layer::SubscriberExt;

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

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn secrets_never_reach_the_logs() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(buffer.clone())
        .with_ansi(false)
        .finish()
        .with(tracing_subscriber::filter::filter_fn(backline_bot::logging::allowed));
    let _guard = tracing::subscriber::set_default(subscriber);

    // HTTP mode.
    let fake = FakeSlack::start().await;
    let s = start_server(slack_config(&fake, Mode::Http), FakeEngine::new()).await;
    let cmd = Signed::form("/slack/commands", slash_form(&fake, TEAM, "owner payments-api", "logs1"));
    let signature = cmd.headers.iter().find(|(k, _)| k == "x-slack-signature").unwrap().1.clone();
    s.http.send(&cmd).await;
    s.http
        .send(
            &Signed::form("/slack/commands", slash_form(&fake, TEAM, "owner payments-api", "logs2"))
                .signed("wrong", now()),
        )
        .await;
    s.http.send(&Signed::form("/slack/commands", slash_form(&fake, FOREIGN_TEAM, "owner payments-api", "logs3"))).await;
    fake.script(
        "/api/chat.postMessage",
        vec![Scripted::Error("invalid_auth"), Scripted::RateLimited { retry_after: 0 }],
    );
    s.http
        .send(&Signed::json("/slack/events", &mention_event(TEAM, "EvLOG1", "who owns payments-api", json!({}))))
        .await;
    s.http
        .send(&Signed::json("/slack/events", &mention_event(TEAM, "EvLOG2", "who owns payments-api", json!({}))))
        .await;
    fake.wait_for("/api/chat.postMessage", 3, Duration::from_secs(10)).await;
    fake.script("/hooks/commands/T0001/action/secret-token-action", vec![Scripted::Error("expired_url")]);
    s.http
        .send(&Signed::interaction(&block_actions(&fake, TEAM, TEAM, "backline.ask.0", "who owns payments-api", true)))
        .await;
    fake.wait_for("/hooks/", 1, Duration::from_secs(10)).await;
    s.stop().await;

    // Socket Mode, with a drop and a reconnect.
    let fake = FakeSlack::start().await;
    let ws_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    fake.set_ws_url(format!("ws://{}/link/?ticket=secret-ticket-1234", ws_listener.local_addr().unwrap()));
    let s = start_server(slack_config(&fake, Mode::Socket), FakeEngine::new()).await;
    for round in 0..2 {
        let (tcp, _) = ws_listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        ws.send(Message::Text(json!({"type": "hello", "num_connections": 1, "debug_info": {"host": "h"}, "connection_info": {"app_id": "A1"}}).to_string().into())).await.unwrap();
        let form = slash_form(&fake, TEAM, "owner payments-api", "sock");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&form).unwrap();
        let payload: serde_json::Map<String, serde_json::Value> =
            pairs.into_iter().map(|(k, v)| (k, json!(v))).collect();
        ws.send(Message::Text(json!({"type": "slash_commands", "envelope_id": format!("e{round}"), "payload": payload, "accepts_response_payload": true}).to_string().into()))
            .await
            .unwrap();
        // A frame that is not JSON, to exercise the error paths.
        ws.send(Message::Text("{nonsense".into())).await.unwrap();
        while let Some(Ok(msg)) = ws.next().await {
            if matches!(msg, Message::Text(_)) {
                break;
            }
        }
        ws.close(None).await.unwrap();
    }
    s.stop().await;

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("Slack call failed"), "failures are logged (by kind): {logs}");
    assert!(logs.contains("Socket Mode connected"), "{logs}");
    for secret in [
        BOT_TOKEN,
        APP_TOKEN,
        SIGNING_SECRET,
        signature.as_str(),
        "secret-token-",
        "/hooks/commands",
        "secret-ticket-1234",
    ] {
        assert!(!logs.contains(secret), "{secret} leaked into the logs:\n{logs}");
    }
}

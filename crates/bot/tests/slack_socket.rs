//! Socket Mode against a fake Slack on loopback: `apps.connections.open` on the fake Web API
//! hands out a `ws://127.0.0.1` URL, a fake WebSocket server sends `hello` and envelopes built
//! from Slack's documented payloads, and the acknowledgements, posted answers and reconnections
//! are asserted.

mod common;

use std::time::Duration;

use backline_answer::Query;
use backline_bot::engine::Ask;
use backline_bot::slack::Mode;
use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(15);

type Ws = WebSocketStream<TcpStream>;

async fn accept(listener: &TcpListener) -> Ws {
    let (tcp, _) = tokio::time::timeout(WAIT, listener.accept()).await.expect("the bot connects").unwrap();
    tokio_tungstenite::accept_async(tcp).await.unwrap()
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// The next text frame from the bot.
async fn recv(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next()).await.expect("a frame").expect("open").unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

fn hello() -> Value {
    json!({"type": "hello", "num_connections": 1, "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060}, "connection_info": {"app_id": "A123456"}})
}

fn envelope(kind: &str, id: &str, payload: Value) -> Value {
    json!({"envelope_id": id, "payload": payload, "type": kind, "accepts_response_payload": kind != "events_api", "retry_attempt": 0, "retry_reason": ""})
}

/// Socket Mode delivers slash commands as a JSON object of the form's fields.
fn slash_payload(fake: &FakeSlack, team: &str, text: &str) -> Value {
    let form = slash_form(fake, team, text, "sock");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&form).unwrap();
    Value::Object(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

#[tokio::test]
async fn socket_mode_answers_acknowledges_and_reconnects() {
    let fake = FakeSlack::start().await;
    let ws_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    fake.set_ws_url(format!("ws://{}/link/?ticket=fake-ticket&app_id=A123456", ws_listener.local_addr().unwrap()));
    let engine = FakeEngine::new();
    let s = start_server(slack_config(&fake, Mode::Socket), engine.clone()).await;

    // Not ready until Slack said hello.
    let mut ws = accept(&ws_listener).await;
    let opens = fake.calls_to("/api/apps.connections.open");
    assert_eq!(opens.len(), 1);
    assert_eq!(
        opens[0].authorization.as_deref(),
        Some(format!("Bearer {APP_TOKEN}").as_str()),
        "the app-level token opens connections"
    );
    assert_eq!(s.http.get("/readyz").await.status, 503);
    send(&mut ws, hello()).await;

    // A slash command: the acknowledgement carries the answer.
    send(&mut ws, envelope("slash_commands", "env-cmd-1", slash_payload(&fake, TEAM, "owner payments-api"))).await;
    let ack = recv(&mut ws).await;
    assert_eq!(ack["envelope_id"], "env-cmd-1");
    assert_eq!(ack["payload"]["response_type"], "ephemeral");
    assert!(ack["payload"].to_string().contains("Payments Team"), "{ack}");
    assert_within_limits(&ack["payload"]);
    assert_eq!(s.http.get("/readyz").await.status, 200);

    // A foreign workspace's command is acknowledged with a refusal.
    send(&mut ws, envelope("slash_commands", "env-cmd-2", slash_payload(&fake, FOREIGN_TEAM, "owner payments-api")))
        .await;
    let ack = recv(&mut ws).await;
    assert_eq!(ack["envelope_id"], "env-cmd-2");
    assert!(ack["payload"].to_string().contains("not enabled"));

    // A mention: acknowledged at once, answered with chat.postMessage.
    send(
        &mut ws,
        envelope("events_api", "env-ev-1", mention_event(TEAM, "EvSOCK1", "who owns payments-api", json!({}))),
    )
    .await;
    assert_eq!(recv(&mut ws).await, json!({"envelope_id": "env-ev-1"}));
    let posts = fake.wait_for("/api/chat.postMessage", 1, WAIT).await;
    assert_eq!(posts[0].authorization.as_deref(), Some(format!("Bearer {BOT_TOKEN}").as_str()), "the bot token posts");
    assert_eq!(posts[0].body["thread_ts"], "1515449522.000016");

    // The same event redelivered is acknowledged but not answered twice.
    send(
        &mut ws,
        envelope("events_api", "env-ev-2", mention_event(TEAM, "EvSOCK1", "who owns payments-api", json!({}))),
    )
    .await;
    assert_eq!(recv(&mut ws).await, json!({"envelope_id": "env-ev-2"}));

    // A button press: acknowledged, answered through the response_url.
    send(
        &mut ws,
        envelope(
            "interactive",
            "env-int-1",
            block_actions(&fake, TEAM, TEAM, "backline.ask.0", "who owns component:default/payments-api", true),
        ),
    )
    .await;
    assert_eq!(recv(&mut ws).await, json!({"envelope_id": "env-int-1"}));
    let hooks = fake.wait_for("/hooks/", 1, WAIT).await;
    assert_eq!(hooks[0].body["replace_original"], true);

    // Unknown envelope types are acknowledged so Slack does not redeliver them.
    send(&mut ws, envelope("something_new", "env-new-1", json!({}))).await;
    assert_eq!(recv(&mut ws).await, json!({"envelope_id": "env-new-1"}));

    // The connection drops: the bot opens a new one and keeps answering.
    ws.close(None).await.unwrap();
    drop(ws);
    let mut ws = accept(&ws_listener).await;
    send(&mut ws, hello()).await;
    assert_eq!(fake.calls_to("/api/apps.connections.open").len(), 2);
    send(&mut ws, envelope("slash_commands", "env-cmd-3", slash_payload(&fake, TEAM, "oncall payments-api"))).await;
    let ack = recv(&mut ws).await;
    assert_eq!(ack["envelope_id"], "env-cmd-3");
    assert!(ack["payload"].to_string().contains("P4YM3NT"));

    // Slack asks for a reconnect (its URLs refresh regularly): the bot does.
    send(&mut ws, json!({"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "applink-fake"}}))
        .await;
    let mut ws = accept(&ws_listener).await;
    send(&mut ws, hello()).await;
    send(&mut ws, envelope("slash_commands", "env-cmd-4", slash_payload(&fake, TEAM, "help"))).await;
    assert_eq!(recv(&mut ws).await["envelope_id"], "env-cmd-4");
    assert_eq!(fake.calls_to("/api/apps.connections.open").len(), 3);

    let state = s.module.socket_state().expect("socket mode started");
    assert_eq!(state.hellos.load(std::sync::atomic::Ordering::Relaxed), 3);
    assert!(state.drops.load(std::sync::atomic::Ordering::Relaxed) >= 2);

    let asked = engine.asked();
    assert_eq!(asked[0], Ask::Query(Query::Owner { name: "payments-api".into() }));
    assert_eq!(
        asked.len(),
        5,
        "owner, mention, button, oncall, help (the foreign command and the redelivery are not asked): {asked:?}"
    );
    s.stop().await;
}

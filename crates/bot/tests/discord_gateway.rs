//! Gateway mode over loopback: serenity's client fetches the gateway URL from the fake REST API,
//! connects to a fake gateway (a WebSocket on 127.0.0.1), identifies with no intents, and gets
//! READY then an INTERACTION_CREATE built from Discord's documented command shape. The answer goes
//! back through the REST callback, never the socket: a deferral (type 5) first, because the
//! engine is slow, then the answer as an edit of the original response.

mod discord_support;

use std::time::Duration;

use backline_bot::discord::Mode;
use discord_support::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// Accepts one gateway connection and plays Discord's side: HELLO, wait for IDENTIFY, READY,
/// then the interaction; afterwards acknowledges heartbeats until the client goes away.
async fn fake_gateway(listener: TcpListener, interaction: Value, identified: tokio::sync::oneshot::Sender<Value>) {
    let (tcp, _) = listener.accept().await.unwrap();
    let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
    let send = |v: Value| Message::Text(v.to_string().into());
    ws.send(send(json!({"op": 10, "d": {"heartbeat_interval": 45000}, "s": null, "t": null}))).await.unwrap();
    let identify = loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["op"] == 2 {
                    break v;
                }
                if v["op"] == 1 {
                    ws.send(send(json!({"op": 11}))).await.unwrap();
                }
            }
            Some(Ok(_)) => {}
            other => panic!("gateway client went away before identifying: {other:?}"),
        }
    };
    let _ = identified.send(identify);
    let app = APP_ID.to_string();
    let ready = json!({
        "v": 10,
        "user": {"id": app, "username": "Backline", "discriminator": "0", "avatar": null, "bot": true, "verified": true, "mfa_enabled": false, "flags": 0},
        "guilds": [{"id": GUILD.to_string(), "unavailable": true}],
        "session_id": "fake-session",
        "resume_gateway_url": "ws://127.0.0.1:9",
        "shard": [0, 1],
        "application": {"id": app, "flags": 0}
    });
    ws.send(send(json!({"op": 0, "s": 1, "t": "READY", "d": ready}))).await.unwrap();
    ws.send(send(json!({"op": 0, "s": 2, "t": "INTERACTION_CREATE", "d": interaction}))).await.unwrap();
    while let Some(Ok(msg)) = ws.next().await {
        if let Message::Text(t) = msg
            && serde_json::from_str::<Value>(&t).is_ok_and(|v| v["op"] == 1)
        {
            let _ = ws.send(send(json!({"op": 11}))).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_delivers_a_command_and_the_answer_goes_through_rest() {
    let fake = FakeDiscord::start().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    fake.set_gateway_url(format!("ws://{}", listener.local_addr().unwrap()));
    let token = "aW50ZXJhY3Rpb246Z2F0ZXdheS10b2tlbi1zZWNyZXQ";
    let interaction = command(GUILD, "owner", entity_arg("payments-api"), token);
    let (tx, identified) = tokio::sync::oneshot::channel();
    tokio::spawn(fake_gateway(listener, interaction, tx));

    let mut cfg = config(&fake);
    cfg.mode = Mode::Gateway;
    cfg.public_key = None;
    let engine = FakeEngine::slow(Duration::from_millis(1200));
    let server = start_server(cfg, engine.clone()).await;
    // HTTP mode's endpoint does not exist in gateway mode.
    assert_eq!(server.client.interaction(&fixture("ping")).await.status, 404);

    let identify = tokio::time::timeout(Duration::from_secs(20), identified).await.expect("no IDENTIFY").unwrap();
    assert_eq!(identify["d"]["token"], format!("Bot {BOT_TOKEN}"));
    assert_eq!(identify["d"]["intents"], 0, "slash commands need no intents: {identify}");

    let callbacks = fake.wait_for("POST", "/api/v10/interactions/", 1, Duration::from_secs(20)).await;
    assert_eq!(callbacks[0].path, format!("/api/v10/interactions/786008729715212338/{token}/callback"));
    assert_eq!(callbacks[0].body["type"], 5, "deferred: {:?}", callbacks[0].body);
    let edits = fake.wait_for("PATCH", "/api/v10/webhooks/", 1, Duration::from_secs(20)).await;
    assert_eq!(edits[0].path, format!("/api/v10/webhooks/{APP_ID}/{token}/messages/@original"));
    assert_within_limits(&edits[0].body);
    assert!(edits[0].body.to_string().contains("P4YM3NT"), "{:?}", edits[0].body);

    let ready = server.client.get("/readyz").await.json();
    assert_eq!(ready["modules"]["discord"], true, "{ready}");
    server.stop().await;
}

//! The Discord interactions endpoint over loopback: interactions signed with a test key pair as
//! Discord signs them, driven through the real `serve` router; deferred answers and follow-ups
//! land on a fake Discord REST API. Also: the fixtures (Discord's documented shapes) really
//! deserialize in serenity 0.12.5, and nothing secret reaches the logs.

mod discord_support;

use std::time::Duration;

use axum::http::StatusCode;
use backline_answer::Query;
use backline_bot::engine::Ask;
use discord_support::*;
use serde_json::{Value, json};
use serenity::all::Interaction;

#[test]
fn fixtures_deserialize_in_serenity() {
    for (name, want) in
        [("ping", "ping"), ("command", "command"), ("autocomplete", "autocomplete"), ("component", "component")]
    {
        let v = fixture(name);
        let parsed: Interaction = serde_json::from_value(v).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = match &parsed {
            Interaction::Ping(_) => "ping",
            Interaction::Command(_) => "command",
            Interaction::Autocomplete(_) => "autocomplete",
            Interaction::Component(_) => "component",
            _ => "other",
        };
        assert_eq!(got, want, "{name}");
    }
    // The fake's message echo parses as a serenity Message (what edits return).
    let _: serenity::all::Message = serde_json::from_value(fixture("message")).unwrap();
    // And the command fixture parses to the query the Slack bot asks for `/backline owner …`.
    let Interaction::Command(cmd) = serde_json::from_value(fixture("command")).unwrap() else { panic!() };
    assert_eq!(
        backline_bot::discord::command::parse(&cmd.data),
        backline_bot::discord::command::Parsed::Ask(Ask::Query(Query::Owner { name: "payments-api".into() }))
    );
}

#[tokio::test]
async fn ping_gets_pong_and_bad_requests_get_401() {
    let fake = FakeDiscord::start().await;
    let engine = FakeEngine::new();
    let server = start_server(config(&fake), engine.clone()).await;
    let c = &server.client;

    let pong = c.interaction(&fixture("ping")).await;
    assert_eq!(pong.status, StatusCode::OK);
    assert_eq!(pong.headers["content-type"], "application/json");
    assert_eq!(pong.json(), json!({"type": 1}));

    let body = fixture("command").to_string().into_bytes();
    let ts = now().to_string();
    let good = sign_with(&signing_key(), &ts, &body);
    let other_key = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let stale_ts = (now() - 600).to_string();
    let future_ts = (now() + 600).to_string();
    let mut flipped = good.clone().into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, Vec<u8>);
    let cases: Vec<Case<'_>> = vec![
        ("unsigned", vec![], body.clone()),
        ("no timestamp", vec![("x-signature-ed25519", good.clone())], body.clone()),
        ("no signature", vec![("x-signature-timestamp", ts.clone())], body.clone()),
        // Discord's routine probe: a syntactically valid but wrong signature.
        (
            "other key",
            vec![("x-signature-ed25519", sign_with(&other_key, &ts, &body)), ("x-signature-timestamp", ts.clone())],
            body.clone(),
        ),
        (
            "flipped digit",
            vec![("x-signature-ed25519", String::from_utf8(flipped).unwrap()), ("x-signature-timestamp", ts.clone())],
            body.clone(),
        ),
        (
            "not hex",
            vec![("x-signature-ed25519", "zz".repeat(64)), ("x-signature-timestamp", ts.clone())],
            body.clone(),
        ),
        ("short", vec![("x-signature-ed25519", "ab".into()), ("x-signature-timestamp", ts.clone())], body.clone()),
        (
            "body changed",
            vec![("x-signature-ed25519", good.clone()), ("x-signature-timestamp", ts.clone())],
            fixture("ping").to_string().into_bytes(),
        ),
        (
            "timestamp changed",
            vec![("x-signature-ed25519", good.clone()), ("x-signature-timestamp", (now() - 1).to_string())],
            body.clone(),
        ),
        (
            "stale",
            vec![
                ("x-signature-ed25519", sign_with(&signing_key(), &stale_ts, &body)),
                ("x-signature-timestamp", stale_ts.clone()),
            ],
            body.clone(),
        ),
        (
            "future",
            vec![
                ("x-signature-ed25519", sign_with(&signing_key(), &future_ts, &body)),
                ("x-signature-timestamp", future_ts.clone()),
            ],
            body.clone(),
        ),
        (
            "timestamp not a number",
            vec![
                ("x-signature-ed25519", sign_with(&signing_key(), "soon", &body)),
                ("x-signature-timestamp", "soon".into()),
            ],
            body.clone(),
        ),
    ];
    for (what, headers, body) in cases {
        let resp = c.post_interaction(body, &headers).await;
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED, "{what}");
    }
    // A signed PING with a wrong signature is refused too (the probe Discord sends).
    let ping = fixture("ping").to_string().into_bytes();
    let resp = c
        .post_interaction(
            ping,
            &[("x-signature-ed25519", "00".repeat(64)), ("x-signature-timestamp", now().to_string())],
        )
        .await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);

    // Oversized bodies are refused before any verification work.
    let mut big = fixture("command");
    big["padding"] = json!("x".repeat(20 * 1024));
    assert_eq!(c.interaction(&big).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Signed but not an interaction serenity understands: 400.
    assert_eq!(c.interaction(&json!({"type": 2, "id": "nope"})).await.status, StatusCode::BAD_REQUEST);

    assert!(engine.asked().is_empty(), "nothing unauthenticated reached the engine: {:?}", engine.asked());
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
    let metrics = c.get("/metrics").await;
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(text.contains("backline_discord_requests_total"), "{text}");
    server.stop().await;
}

fn data(resp: &Value) -> &Value {
    &resp["data"]
}

#[tokio::test]
async fn a_command_is_answered_inline_with_an_embed() {
    let fake = FakeDiscord::start().await;
    let engine = FakeEngine::new();
    let server = start_server(config(&fake), engine.clone()).await;

    let resp = server.client.interaction(&command(GUILD, "owner", entity_arg("payments-api"), "tok-inline")).await;
    assert_eq!(resp.status, StatusCode::OK);
    let v = resp.json();
    assert_eq!(v["type"], 4, "{v}");
    assert_eq!(data(&v)["flags"], 64, "ephemeral by default: {v}");
    assert_within_limits(data(&v));
    let text = v.to_string();
    for needle in [
        "payments-api",
        "Payments Team",
        "team-payments",
        "P4YM3NT",
        "#payments-oncall",
        "Ada Lovelace",
        "Runbook",
        "production",
    ] {
        assert!(text.contains(needle), "missing {needle} in {text}");
    }
    // Catalog text cannot mention anyone or format itself.
    assert!(text.contains("\\\\@everyone") && text.contains("\\\\*\\\\*now"), "{text}");
    assert_eq!(engine.asked(), vec![Ask::Query(Query::Owner { name: "payments-api".into() })]);

    // Every subcommand reaches the engine as the same query Slack asks.
    let cases: Vec<(&str, Value, Ask)> = vec![
        ("oncall", entity_arg("payments-api"), Ask::Query(Query::Contact { name: "payments-api".into() })),
        (
            "team",
            entity_arg("group:default/team-payments"),
            Ask::Query(Query::Team { name: "group:default/team-payments".into() }),
        ),
        (
            "deps",
            json!([{"type": 3, "name": "name", "value": "checkout-api"}, {"type": 4, "name": "depth", "value": 3}]),
            Ask::Query(Query::Dependencies { name: "checkout-api".into(), depth: 3 }),
        ),
        (
            "impact",
            entity_arg("orders-db"),
            Ask::Query(Query::Dependents {
                name: "orders-db".into(),
                depth: backline_answer::question::CHAT_IMPACT_DEPTH,
            }),
        ),
        (
            "search",
            json!([{"type": 3, "name": "text", "value": "fraud detection"}]),
            Ask::Query(Query::Search {
                text: "fraud detection".into(),
                limit: backline_answer::question::SEARCH_LIMIT,
            }),
        ),
        (
            "find",
            json!([{"type": 3, "name": "filters", "value": "tag:python2 lifecycle:production"}]),
            Ask::Question("find tag:python2 lifecycle:production".into()),
        ),
        ("help", json!([]), Ask::Query(Query::Help)),
    ];
    for (sub, options, want) in cases {
        let resp = server.client.interaction(&command(GUILD, sub, options, "tok")).await;
        assert_eq!(resp.status, StatusCode::OK, "{sub}");
        assert_within_limits(data(&resp.json()));
        assert_eq!(engine.asked().last(), Some(&want), "{sub}");
    }
    assert!(fake.calls().is_empty(), "inline answers need no REST call: {:?}", fake.calls());
    server.stop().await;
}

#[tokio::test]
async fn foreign_guilds_dms_and_user_installs_are_refused() {
    let fake = FakeDiscord::start().await;
    let engine = FakeEngine::new();
    let server = start_server(config(&fake), engine.clone()).await;

    let foreign = command(FOREIGN_GUILD, "owner", entity_arg("payments-api"), "tok");
    let mut dm = command(GUILD, "owner", entity_arg("payments-api"), "tok");
    dm.as_object_mut().unwrap().remove("guild_id");
    dm["context"] = json!(1);
    dm["authorizing_integration_owners"] = json!({"0": "0"});
    dm["user"] = dm["member"]["user"].clone();
    dm.as_object_mut().unwrap().remove("member");
    let mut user_install = command(GUILD, "owner", entity_arg("payments-api"), "tok");
    user_install["authorizing_integration_owners"] = json!({"1": "53908232506183680"});
    for (what, payload) in [("foreign guild", foreign), ("dm", dm), ("user install", user_install)] {
        let resp = server.client.interaction(&payload).await;
        assert_eq!(resp.status, StatusCode::OK, "{what}");
        let v = resp.json();
        assert_eq!((v["type"].as_u64(), v["data"]["flags"].as_u64()), (Some(4), Some(64)), "{what}: {v}");
        assert!(v.to_string().contains("not enabled"), "{what}: {v}");
    }
    // Autocomplete from a foreign guild gets nothing.
    let v = server.client.interaction(&autocomplete(FOREIGN_GUILD, "owner", "paym")).await.json();
    assert_eq!(v, json!({"type": 8, "data": {"choices": []}}));
    let b = server.client.interaction(&button(FOREIGN_GUILD, "bl:ask:who owns payments-api", "tok")).await.json();
    assert!(b.to_string().contains("not enabled"), "{b}");
    assert!(engine.asked().is_empty(), "{:?}", engine.asked());
    server.stop().await;
}

#[tokio::test]
async fn autocomplete_suggests_entities_from_the_search_index() {
    let fake = FakeDiscord::start().await;
    let engine = FakeEngine::new();
    let server = start_server(config(&fake), engine.clone()).await;

    let v = server.client.interaction(&autocomplete(GUILD, "owner", "paym")).await.json();
    assert_eq!(v["type"], 8, "{v}");
    let choices = v["data"]["choices"].as_array().unwrap();
    let values: Vec<&str> = choices.iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(
        values,
        ["component:default/payments-api", "group:default/team-payments", "api:default/payments-events"]
    );
    assert!(choices.iter().all(|c| c["name"].as_str().unwrap().chars().count() <= 100), "{v}");
    assert!(choices[0]["name"].as_str().unwrap().starts_with("payments-api (Component"), "{v}");
    assert!(matches!(engine.asked().last(), Some(Ask::Query(Query::Search { text, .. })) if text == "paym"));

    // `team` only suggests groups and users.
    let v = server.client.interaction(&autocomplete(GUILD, "team", "paym")).await.json();
    let values: Vec<&str> =
        v["data"]["choices"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["group:default/team-payments"]);

    // Nothing typed yet: no suggestions and no search.
    let before = engine.asked().len();
    let v = server.client.interaction(&autocomplete(GUILD, "owner", "")).await.json();
    assert_eq!(v["data"]["choices"], json!([]));
    assert_eq!(engine.asked().len(), before);
    server.stop().await;
}

#[tokio::test]
async fn ambiguous_names_get_buttons_and_a_press_answers_in_place() {
    let fake = FakeDiscord::start().await;
    let engine = FakeEngine::new();
    let server = start_server(config(&fake), engine.clone()).await;

    let v = server.client.interaction(&command(GUILD, "owner", entity_arg("payments"), "tok")).await.json();
    assert_within_limits(data(&v));
    let buttons: Vec<Value> = data(&v)["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["components"].as_array().unwrap().clone())
        .collect();
    let ids: Vec<&str> = buttons.iter().map(|b| b["custom_id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["bl:ask:who owns component:default/payments-api", "bl:ask:who owns component:default/payments-webhooks"]
    );

    let pressed = server.client.interaction(&button(GUILD, ids[1], "tok-button")).await.json();
    assert_eq!(pressed["type"], 7, "the answer replaces the question: {pressed}");
    assert_within_limits(data(&pressed));
    assert!(pressed.to_string().contains("payments-webhooks"), "{pressed}");
    assert_eq!(engine.asked().last(), Some(&Ask::Question("who owns component:default/payments-webhooks".into())));

    // A button of someone else's making is acknowledged and ignored.
    let other = server.client.interaction(&button(GUILD, "something-else", "tok")).await.json();
    assert_eq!(other["type"], 6);
    server.stop().await;
}

#[tokio::test]
async fn slow_answers_are_deferred_and_finished_through_the_webhook() {
    let fake = FakeDiscord::start().await;
    let engine = FakeEngine::slow(Duration::from_millis(1200));
    let server = start_server(config(&fake), engine.clone()).await;
    let token = "aW50ZXJhY3Rpb246c2xvdy10b2tlbi1zZWNyZXQ";

    let v = server.client.interaction(&command(GUILD, "owner", entity_arg("payments-api"), token)).await.json();
    assert_eq!(v["type"], 5, "deferred: {v}");
    assert_eq!(v["data"]["flags"], 64, "the loading state is ephemeral like the answer: {v}");
    let edits = fake.wait_for("PATCH", "/api/v10/webhooks/", 1, Duration::from_secs(10)).await;
    assert_eq!(edits[0].path, format!("/api/v10/webhooks/{APP_ID}/{token}/messages/@original"));
    assert_within_limits(&edits[0].body);
    assert!(edits[0].body.to_string().contains("P4YM3NT"), "{:?}", edits[0].body);

    // A slow button press: deferred update (6), then the message is edited.
    let v = server
        .client
        .interaction(&button(GUILD, "bl:ask:who owns component:default/payments-api", "tok-slow-button"))
        .await
        .json();
    assert_eq!(v["type"], 6, "{v}");
    let edits = fake.wait_for("PATCH", "/api/v10/webhooks/", 2, Duration::from_secs(10)).await;
    assert_eq!(edits[1].path, format!("/api/v10/webhooks/{APP_ID}/tok-slow-button/messages/@original"));
    server.stop().await;
}

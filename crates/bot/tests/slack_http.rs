//! The Slack HTTP endpoints, driven over loopback with requests signed the way Slack signs them
//! and built from Slack's documented payloads; what the bot sends back goes to a fake Slack Web
//! API (and fake `response_url`s) on loopback and is asserted there.

mod common;

use std::time::Duration;

use backline_answer::Query;
use backline_bot::engine::Ask;
use backline_bot::slack::Mode;
use common::*;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

async fn setup() -> (FakeSlack, std::sync::Arc<FakeEngine>, Running) {
    let fake = FakeSlack::start().await;
    let engine = FakeEngine::new();
    let running = start_server(slack_config(&fake, Mode::Http), engine.clone()).await;
    (fake, engine, running)
}

fn all_text(v: &Value) -> String {
    v.to_string()
}

#[tokio::test]
async fn url_verification_returns_the_challenge() {
    let (_fake, _engine, s) = setup().await;
    let body = json!({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"});
    let resp = s.http.send(&Signed::json("/slack/events", &body)).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    s.stop().await;
}

#[tokio::test]
async fn requests_without_a_valid_signature_are_refused_before_parsing() {
    let (fake, engine, s) = setup().await;
    let good = slash_form(&fake, TEAM, "owner payments-api", "1");
    let cases = [
        ("unsigned", Signed::form("/slack/commands", good.clone()).unsigned()),
        ("wrong secret", Signed::form("/slack/commands", good.clone()).signed("not-the-secret", now())),
        ("stale", Signed::form("/slack/commands", good.clone()).signed(SIGNING_SECRET, now() - 301)),
        ("from the future", Signed::form("/slack/commands", good.clone()).signed(SIGNING_SECRET, now() + 301)),
        (
            "events unsigned",
            Signed::json("/slack/events", &mention_event(TEAM, "Ev1", "who owns x", json!({}))).unsigned(),
        ),
        (
            "interactions wrong secret",
            Signed::interaction(&block_actions(&fake, TEAM, TEAM, "backline.ask.0", "who owns x", true))
                .signed("nope", now()),
        ),
    ];
    for (name, req) in cases {
        let resp = s.http.send(&req).await;
        assert_eq!(resp.status, 401, "{name}");
        assert!(resp.body.is_empty(), "{name}: no body on refusal");
    }
    // A body altered after signing.
    let mut tampered = Signed::form("/slack/commands", good.clone());
    tampered.body = tampered.body.replace("owner", "team");
    assert_eq!(s.http.send(&tampered).await.status, 401, "tampered");
    // Nothing reached the engine or Slack.
    assert!(engine.asked().is_empty());
    assert!(fake.calls().is_empty());
    s.stop().await;
}

/// An answer is rendered once per catalog version: the same question again is answered from the
/// cache without the engine, and a new version (the index changed) asks the engine again.
#[tokio::test]
async fn answers_are_reused_until_the_catalog_version_moves() {
    let (fake, engine, s) = setup().await;
    *engine.version.lock().unwrap() = Some(1);
    let ask = |text: &str, id: &str| Signed::form("/slack/commands", slash_form(&fake, TEAM, text, id));
    let first = s.http.send(&ask("owner payments-api", "1")).await;
    let again = s.http.send(&ask("owner payments-api", "2")).await;
    assert_eq!(first.status, 200);
    assert_eq!(again.status, 200);
    assert!(first.text().contains("payments-api"), "{}", first.text());
    assert_eq!(first.text(), again.text());
    assert_eq!(engine.asked().len(), 1, "the second answer came from the cache");
    // Another question is its own entry.
    s.http.send(&ask("owner orders-api", "3")).await;
    assert_eq!(engine.asked().len(), 2);
    // A new generation: both are asked again, then cached at it.
    *engine.version.lock().unwrap() = Some(2);
    s.http.send(&ask("owner payments-api", "4")).await;
    s.http.send(&ask("owner payments-api", "5")).await;
    assert_eq!(engine.asked().len(), 3);
    let metrics = s.http.get("/metrics").await.text();
    assert!(metrics.contains(r#"backline_answer_cache_total{platform="slack",outcome="hit"} 2"#), "{metrics}");
    s.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let (fake, engine, s) = setup().await;
    // 16 KiB cap in the test config; a signed body of 20 KiB.
    let text = "x".repeat(20 * 1024);
    let req = Signed::form("/slack/commands", slash_form(&fake, TEAM, &text, "1"));
    assert_eq!(s.http.send(&req).await.status, 413);
    // Without Content-Length (chunked), the cap still holds.
    let body = slash_form(&fake, TEAM, &text, "1");
    let chunks = futures_util::stream::iter(
        body.into_bytes()
            .chunks(1024)
            .map(|c| Ok::<_, std::io::Error>(hyper::body::Frame::data(bytes::Bytes::copy_from_slice(c))))
            .collect::<Vec<_>>(),
    );
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let req = hyper::Request::post(format!("{}/slack/commands", s.http.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(http_body_util::StreamBody::new(chunks))
        .unwrap();
    let resp = client.request(req).await.unwrap();
    assert_eq!(resp.status(), 413);
    assert!(engine.asked().is_empty());
    s.stop().await;
}

#[tokio::test]
async fn signed_but_malformed_is_a_bad_request() {
    let (_fake, _engine, s) = setup().await;
    assert_eq!(s.http.send(&Signed::new("/slack/events", "application/json", "{not json".into())).await.status, 400);
    assert_eq!(s.http.send(&Signed::form("/slack/commands", "team_id=T0001".into())).await.status, 400);
    assert_eq!(s.http.send(&Signed::form("/slack/interactions", "payload=%7B%7D".into())).await.status, 400);
    s.stop().await;
}

#[tokio::test]
async fn slash_command_answers_in_the_acknowledgement() {
    let (fake, engine, s) = setup().await;
    let resp = s.http.send(&Signed::form("/slack/commands", slash_form(&fake, TEAM, "owner payments-api", "1"))).await;
    assert_eq!(resp.status, 200);
    let body = resp.json();
    assert_eq!(body["response_type"], "ephemeral", "private by default");
    assert_within_limits(&body);
    let text = all_text(&body);
    for needle in [
        "payments-api",
        "Payments Team",
        "P4YM3NT",
        "#payments-oncall",
        "mailto:payments@northwind.example",
        "Runbook",
        "Ada Lovelace",
    ] {
        assert!(text.contains(needle), "missing {needle}: {text}");
    }
    // Catalog text is escaped: the description's <!channel> cannot ping.
    assert!(!text.contains("<!channel>"));
    // A share button carries the structured question.
    let share = body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == "backline.share");
    let share = share.expect("share button");
    let value: Ask = serde_json::from_str(share["value"].as_str().unwrap()).unwrap();
    assert_eq!(value, Ask::Query(Query::Owner { name: "payments-api".into() }));
    assert_eq!(engine.asked(), vec![Ask::Query(Query::Owner { name: "payments-api".into() })]);
    // Answered inline: nothing posted to Slack.
    assert!(fake.calls().is_empty());
    s.stop().await;
}

#[tokio::test]
async fn slash_subcommands_reach_the_engine_as_queries_or_questions() {
    let (fake, engine, s) = setup().await;
    for text in ["help", "impact orders-db", "find tag:python2 lifecycle:production", "who owns the checkout", "owner"]
    {
        let resp = s.http.send(&Signed::form("/slack/commands", slash_form(&fake, TEAM, text, "1"))).await;
        assert_eq!(resp.status, 200, "{text}");
        assert_within_limits(&resp.json());
    }
    assert_eq!(
        engine.asked(),
        vec![
            Ask::Query(Query::Help),
            Ask::Query(Query::Dependents {
                name: "orders-db".into(),
                depth: backline_answer::question::CHAT_IMPACT_DEPTH
            }),
            Ask::Question("find tag:python2 lifecycle:production".into()),
            Ask::Question("who owns the checkout".into()),
        ],
        "`owner` without a name shows its usage and asks nothing"
    );
    s.stop().await;
}

#[tokio::test]
async fn foreign_workspaces_are_refused() {
    let (fake, engine, s) = setup().await;
    let resp =
        s.http.send(&Signed::form("/slack/commands", slash_form(&fake, FOREIGN_TEAM, "owner payments-api", "1"))).await;
    assert_eq!(resp.status, 200);
    let body = resp.json();
    assert_eq!(body["response_type"], "ephemeral");
    assert!(all_text(&body).contains("not enabled for this workspace"));
    assert!(!all_text(&body).contains("Payments Team"));
    // Events and buttons from a foreign workspace: acknowledged, not answered.
    assert_eq!(
        s.http
            .send(&Signed::json(
                "/slack/events",
                &mention_event(FOREIGN_TEAM, "EvF1", "who owns payments-api", json!({}))
            ))
            .await
            .status,
        200
    );
    assert_eq!(
        s.http
            .send(&Signed::interaction(&block_actions(
                &fake,
                FOREIGN_TEAM,
                FOREIGN_TEAM,
                "backline.ask.0",
                "who owns payments-api",
                true
            )))
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(engine.asked().is_empty());
    assert!(fake.calls().is_empty());
    s.stop().await;
}

#[tokio::test]
async fn mention_is_answered_in_a_thread() {
    let (fake, engine, s) = setup().await;
    let resp = s
        .http
        .send(&Signed::json("/slack/events", &mention_event(TEAM, "Ev0PV52K21", "who owns payments-api", json!({}))))
        .await;
    assert_eq!(resp.status, 200);
    assert!(resp.body.is_empty());
    let posts = fake.wait_for("/api/chat.postMessage", 1, WAIT).await;
    let post = &posts[0];
    assert_eq!(post.authorization.as_deref(), Some(format!("Bearer {BOT_TOKEN}").as_str()));
    assert_eq!(post.body["channel"], "C123ABC456");
    assert_eq!(post.body["thread_ts"], "1515449522.000016", "threaded under the mention");
    assert_within_limits(&post.body);
    assert!(all_text(&post.body).contains("Payments Team"));
    assert_eq!(engine.asked(), vec![Ask::Question("who owns payments-api".into())], "the bot mention is stripped");
    s.stop().await;
}

#[tokio::test]
async fn retries_are_answered_once() {
    let (fake, engine, s) = setup().await;
    let ev = mention_event(TEAM, "Ev0RETRY01", "who owns payments-api", json!({}));
    assert_eq!(s.http.send(&Signed::json("/slack/events", &ev)).await.status, 200);
    for n in 1..=3 {
        let retry = Signed::json("/slack/events", &ev)
            .header("x-slack-retry-num", &n.to_string())
            .header("x-slack-retry-reason", "http_timeout");
        assert_eq!(s.http.send(&retry).await.status, 200, "retry {n} acknowledged");
    }
    fake.wait_for("/api/chat.postMessage", 1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.calls_to("/api/chat.postMessage").len(), 1);
    assert_eq!(engine.asked().len(), 1);
    let metrics = s.http.get("/metrics").await.text();
    assert!(metrics.contains(r#"backline_slack_requests_total{endpoint="events",outcome="duplicate"} 3"#), "{metrics}");
    s.stop().await;
}

#[tokio::test]
async fn direct_messages_are_answered_and_bot_messages_ignored() {
    let (fake, engine, s) = setup().await;
    assert_eq!(
        s.http.send(&Signed::json("/slack/events", &dm_event(TEAM, "EvDM1", "who owns payments-api"))).await.status,
        200
    );
    let posts = fake.wait_for("/api/chat.postMessage", 1, WAIT).await;
    assert_eq!(posts[0].body["channel"], "D024BE91L");
    assert!(posts[0].body.get("thread_ts").is_none(), "DMs are answered in place");
    // Our own reply comes back as a message event with bot_id; edits carry a subtype.
    let mut own = dm_event(TEAM, "EvDM2", "payments-api is owned by team-payments.");
    own["event"]["bot_id"] = json!("B123");
    let mut edit = dm_event(TEAM, "EvDM3", "who owns payments-api");
    edit["event"]["subtype"] = json!("message_changed");
    let mut channel_message = dm_event(TEAM, "EvDM4", "who owns payments-api");
    channel_message["event"]["channel_type"] = json!("channel");
    for ev in [own, edit, channel_message] {
        assert_eq!(s.http.send(&Signed::json("/slack/events", &ev)).await.status, 200);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(engine.asked().len(), 1);
    assert_eq!(fake.calls_to("/api/chat.postMessage").len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn people_of_other_organisations_in_shared_channels_are_refused() {
    let (fake, engine, s) = setup().await;
    let mut external = mention_event(TEAM, "EvX1", "who owns payments-api", json!({"user_team": "T0OTHERORG"}));
    external["is_ext_shared_channel"] = json!(true);
    let mut unknown = mention_event(TEAM, "EvX2", "who owns payments-api", json!({}));
    unknown["is_ext_shared_channel"] = json!(true);
    let mut own_org = mention_event(TEAM, "EvX3", "who owns payments-api", json!({"user_team": TEAM}));
    own_org["is_ext_shared_channel"] = json!(true);
    for ev in [external, unknown, own_org] {
        assert_eq!(s.http.send(&Signed::json("/slack/events", &ev)).await.status, 200);
    }
    // Buttons pressed by someone of another organisation.
    let press = block_actions(&fake, TEAM, "T0OTHERORG", "backline.ask.0", "who owns payments-api", false);
    assert_eq!(s.http.send(&Signed::interaction(&press)).await.status, 200);
    fake.wait_for("/api/chat.postMessage", 1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(engine.asked().len(), 1, "only the member of our own organisation is answered");
    assert!(fake.calls_to("/hooks/").is_empty());
    s.stop().await;
}

#[tokio::test]
async fn ambiguous_names_get_buttons_and_a_press_answers_in_place() {
    let (fake, engine, s) = setup().await;
    let resp = s.http.send(&Signed::form("/slack/commands", slash_form(&fake, TEAM, "owner payments", "1"))).await;
    let body = resp.json();
    assert_within_limits(&body);
    let buttons: Vec<Value> = body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap())
        .collect();
    assert_eq!(buttons.len(), 2, "one per candidate, no share button on a question: {body}");
    assert_eq!(buttons[0]["value"], "who owns component:default/payments-api");
    // The user presses the first candidate.
    let press = block_actions(
        &fake,
        TEAM,
        TEAM,
        buttons[0]["action_id"].as_str().unwrap(),
        buttons[0]["value"].as_str().unwrap(),
        true,
    );
    let resp = s.http.send(&Signed::interaction(&press)).await;
    assert_eq!(resp.status, 200);
    let hooks = fake.wait_for("/hooks/", 1, WAIT).await;
    assert_eq!(hooks[0].body["replace_original"], true);
    assert!(hooks[0].authorization.is_none(), "response_url posts carry no token");
    assert!(all_text(&hooks[0].body).contains("Payments Team"));
    assert_within_limits(&hooks[0].body);
    assert_eq!(engine.asked().last(), Some(&Ask::Question("who owns component:default/payments-api".into())));
    s.stop().await;
}

#[tokio::test]
async fn share_in_channel_posts_the_answer_for_everyone() {
    let (fake, engine, s) = setup().await;
    let value = serde_json::to_string(&Ask::Query(Query::Owner { name: "payments-api".into() })).unwrap();
    let press = block_actions(&fake, TEAM, TEAM, "backline.share", &value, true);
    assert_eq!(s.http.send(&Signed::interaction(&press)).await.status, 200);
    let hooks = fake.wait_for("/hooks/", 1, WAIT).await;
    assert_eq!(hooks[0].body["response_type"], "in_channel");
    assert_eq!(hooks[0].body["replace_original"], false);
    let text = all_text(&hooks[0].body);
    assert!(text.contains("Payments Team"));
    assert!(!text.contains("backline.share"), "a shared answer has no share button");
    assert_eq!(engine.asked(), vec![Ask::Query(Query::Owner { name: "payments-api".into() })]);
    s.stop().await;
}

#[tokio::test]
async fn rate_limited_posts_wait_for_retry_after() {
    let (fake, _engine, s) = setup().await;
    fake.script("/api/chat.postMessage", vec![Scripted::RateLimited { retry_after: 1 }]);
    let started = std::time::Instant::now();
    assert_eq!(
        s.http
            .send(&Signed::json("/slack/events", &mention_event(TEAM, "Ev429", "who owns payments-api", json!({}))))
            .await
            .status,
        200
    );
    let posts = fake.wait_for("/api/chat.postMessage", 2, WAIT).await;
    assert!(started.elapsed() >= Duration::from_millis(950), "waited for Retry-After: {:?}", started.elapsed());
    assert_eq!(posts[0].body, posts[1].body, "the same message is retried");
    let metrics = s.http.get("/metrics").await.text();
    assert!(
        metrics.contains(r#"backline_slack_outbound_total{method="chat.postMessage",outcome="rate_limited"} 1"#),
        "{metrics}"
    );
    // response_url posts too.
    fake.script("/hooks/commands/T0001/action/secret-token-action", vec![Scripted::RateLimited { retry_after: 1 }]);
    let value = serde_json::to_string(&Ask::Query(Query::Owner { name: "payments-api".into() })).unwrap();
    s.http.send(&Signed::interaction(&block_actions(&fake, TEAM, TEAM, "backline.share", &value, true))).await;
    fake.wait_for("/hooks/", 2, WAIT).await;
    s.stop().await;
}

#[tokio::test]
async fn slow_answers_are_acknowledged_then_sent_to_the_response_url() {
    let fake = FakeSlack::start().await;
    let engine = FakeEngine::slow(Duration::from_millis(1200));
    let s = start_server(slack_config(&fake, Mode::Http), engine.clone()).await;
    let started = std::time::Instant::now();
    let resp =
        s.http.send(&Signed::form("/slack/commands", slash_form(&fake, TEAM, "owner payments-api", "slow"))).await;
    let acked_in = started.elapsed();
    assert_eq!(resp.status, 200);
    assert!(acked_in < Duration::from_millis(1000), "acknowledged within the budget: {acked_in:?}");
    assert!(all_text(&resp.json()).contains("Looking that up"));
    let hooks = fake.wait_for("/hooks/commands/T0001/slow/", 1, WAIT).await;
    assert_eq!(hooks[0].body["response_type"], "ephemeral");
    assert!(all_text(&hooks[0].body).contains("Payments Team"));
    s.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let (fake, _engine, s) = setup().await;
    let health = s.http.get("/healthz").await;
    assert_eq!((health.status.as_u16(), health.text().as_str()), (200, "ok\n"));
    let ready = s.http.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json(), json!({"ready": true, "index": true, "modules": {"slack": true}}));
    s.index.set_loaded(false);
    let ready = s.http.get("/readyz").await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json()["index"], false);
    s.index.set_loaded(true);
    s.http.send(&Signed::form("/slack/commands", slash_form(&fake, TEAM, "owner payments-api", "1"))).await;
    s.http.send(&Signed::form("/slack/commands", slash_form(&fake, TEAM, "owner payments-api", "1")).unsigned()).await;
    let metrics = s.http.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    for needle in [
        r#"backline_slack_requests_total{endpoint="commands",outcome="ok"}"#,
        r#"backline_slack_requests_total{endpoint="commands",outcome="unsigned"}"#,
        "backline_slack_ack_seconds_bucket",
        "backline_engine_seconds_bucket",
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
    s.stop().await;
}

#[tokio::test]
async fn overload_is_turned_away_at_once() {
    let fake = FakeSlack::start().await;
    let engine = FakeEngine::slow(Duration::from_secs(3));
    let mut cfg = slack_config(&fake, Mode::Http);
    cfg.max_pending = 3;
    let s = std::sync::Arc::new(start_server(cfg, engine.clone()).await);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (s, fake) = (std::sync::Arc::clone(&s), fake.clone());
        tasks.spawn(async move {
            let started = std::time::Instant::now();
            let resp = s
                .http
                .send(&Signed::form(
                    "/slack/commands",
                    slash_form(&fake, TEAM, "owner payments-api", &format!("busy{i}")),
                ))
                .await;
            (resp.status, resp.text(), started.elapsed())
        });
    }
    let mut busy = 0;
    while let Some(r) = tasks.join_next().await {
        let (status, body, took) = r.unwrap();
        assert_eq!(status, 200);
        assert!(took < Duration::from_millis(1500), "every request is acknowledged within the budget: {took:?}");
        if body.contains("busy right now") {
            busy += 1;
        } else {
            assert!(body.contains("Looking that up"), "{body}");
        }
    }
    assert_eq!(busy, 5, "three accepted, five turned away");
    assert_eq!(engine.asked().len(), 3, "the engine only sees what was accepted");
    let metrics = s.http.get("/metrics").await.text();
    assert!(metrics.contains(r#"backline_engine_busy_total{platform="slack"} 5"#), "{metrics}");
}

//! Test support for the Discord tests: a test Ed25519 key pair that signs interactions like
//! Discord does, payload fixtures from Discord's documented shapes (`tests/fixtures/discord/`), a
//! fake Discord REST API on loopback that records what serenity sends, a fake question engine,
//! and a running `serve` server with the Discord module in HTTP mode.
//!
//! Nothing here reaches the network: every server binds 127.0.0.1:0.

#![allow(dead_code, unreachable_pub, unused_imports, reason = "each test binary uses a different part of this module")]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use backline_answer::*;
use backline_bot::Secret;
use backline_bot::discord::{DiscordConfig, DiscordModule, Mode};
use backline_bot::engine::{Ask, EngineError, QuestionEngine};
use backline_bot::serve::{IndexHealth, ModuleContext, Server, ShutdownTrigger, shutdown_pair};
pub use backline_test_support::answers::{ambiguous, entity, ownership, search};
use ed25519_dalek::{Signer, SigningKey};
use futures_util::future::BoxFuture;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tokio::net::TcpListener;

#[path = "../shared/mod.rs"]
mod shared;
pub use shared::{FakeEngine, HttpClient, HttpResponse};

pub const APP_ID: u64 = 1011111111111111111;
pub const GUILD: u64 = 290926798626357999;
pub const FOREIGN_GUILD: u64 = 777777777777777777;
pub const BOT_TOKEN: &str = "MTAxMTExMTExMTExMTExMTExMQ.GdXyZa.bot-token-secret-value";

// ------------------------------------------------------------------------------------------
// Signing, as Discord signs.

pub fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

pub fn public_key_hex() -> String {
    hex::encode(signing_key().verifying_key().to_bytes())
}

pub fn now() -> i64 {
    backline_bot::discord::verify::unix_now()
}

/// `X-Signature-Ed25519` for `timestamp || body`.
pub fn sign_with(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
    let message = [timestamp.as_bytes(), body].concat();
    hex::encode(key.sign(&message).to_bytes())
}

// ------------------------------------------------------------------------------------------
// Fixtures.

pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/discord").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// `/backline <sub> <options…>` in `guild`, with its own token.
pub fn command(guild: u64, sub: &str, options: Value, token: &str) -> Value {
    let mut v = fixture("command");
    v["guild_id"] = json!(guild.to_string());
    v["authorizing_integration_owners"] = json!({"0": guild.to_string()});
    v["token"] = json!(token);
    v["data"]["options"] = json!([{"type": 1, "name": sub, "options": options}]);
    v
}

pub fn entity_arg(value: &str) -> Value {
    json!([{"type": 3, "name": "name", "value": value}])
}

pub fn autocomplete(guild: u64, sub: &str, typed: &str) -> Value {
    let mut v = fixture("autocomplete");
    v["guild_id"] = json!(guild.to_string());
    v["authorizing_integration_owners"] = json!({"0": guild.to_string()});
    v["data"]["options"] =
        json!([{"type": 1, "name": sub, "options": [{"type": 3, "name": "name", "value": typed, "focused": true}]}]);
    v
}

pub fn button(guild: u64, custom_id: &str, token: &str) -> Value {
    let mut v = fixture("component");
    v["guild_id"] = json!(guild.to_string());
    v["authorizing_integration_owners"] = json!({"0": guild.to_string()});
    v["data"]["custom_id"] = json!(custom_id);
    v["token"] = json!(token);
    v
}

// ------------------------------------------------------------------------------------------
// The fake Discord REST API.

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct FakeState {
    calls: Mutex<Vec<Recorded>>,
    notify: tokio::sync::Notify,
    gateway_url: Mutex<Option<String>>,
}

/// A fake of Discord's REST API under `/api/v10` on 127.0.0.1 (serenity's `proxy` base).
#[derive(Clone)]
pub struct FakeDiscord {
    pub addr: SocketAddr,
    state: Arc<FakeState>,
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let state = Arc::new(FakeState::default());
        let app = Router::new().fallback(rest).with_state(Arc::clone(&state));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeDiscord { addr, state }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_gateway_url(&self, url: String) {
        *self.state.gateway_url.lock().unwrap() = Some(url);
    }

    pub fn calls(&self) -> Vec<Recorded> {
        self.state.calls.lock().unwrap().clone()
    }

    pub fn calls_to(&self, method: &str, prefix: &str) -> Vec<Recorded> {
        self.calls().into_iter().filter(|c| c.method == method && c.path.starts_with(prefix)).collect()
    }

    pub async fn wait_for(&self, method: &str, prefix: &str, n: usize, timeout: Duration) -> Vec<Recorded> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.state.notify.notified();
            let calls = self.calls_to(method, prefix);
            if calls.len() >= n {
                return calls;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {n} {method} {prefix}, got {}: {:#?}", calls.len(), self.calls());
            }
        }
    }
}

fn json_response(v: Value) -> Response {
    ([("content-type", "application/json")], v.to_string()).into_response()
}

async fn rest(
    State(state): State<Arc<FakeState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let body_json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    state.calls.lock().unwrap().push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        authorization,
        body: body_json.clone(),
    });
    state.notify.notify_waiters();
    let app = APP_ID.to_string();
    if path.contains("/interactions/") && path.ends_with("/callback") {
        return StatusCode::NO_CONTENT.into_response();
    }
    if path.starts_with("/api/v10/webhooks/") {
        let mut m = fixture("message");
        if let Some(embeds) = body_json.get("embeds") {
            m["embeds"] = embeds.clone();
        }
        return json_response(m);
    }
    if path == "/api/v10/gateway" || path == "/api/v10/gateway/bot" {
        let url = state.gateway_url.lock().unwrap().clone().unwrap_or_default();
        return json_response(
            json!({"url": url, "shards": 1, "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}}),
        );
    }
    if method == Method::PUT
        && path.starts_with(&format!("/api/v10/applications/{app}/"))
        && path.ends_with("/commands")
    {
        // Discord echoes the commands with ids.
        let guild = path.split("/guilds/").nth(1).and_then(|s| s.split('/').next()).map(str::to_owned);
        let echoed: Vec<Value> = body_json
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                c["id"] = json!((900 + i).to_string());
                c["application_id"] = json!(app);
                c["version"] = json!("1");
                c["guild_id"] = json!(guild);
                c["default_member_permissions"] = Value::Null;
                if c.get("type").is_none() {
                    c["type"] = json!(1);
                }
                c
            })
            .collect();
        return json_response(Value::Array(echoed));
    }
    (
        StatusCode::NOT_FOUND,
        [("content-type", "application/json")],
        json!({"message": "Unknown route", "code": 0}).to_string(),
    )
        .into_response()
}

// ------------------------------------------------------------------------------------------
// A fake question engine.

impl FakeEngine {
    pub fn new() -> Arc<FakeEngine> {
        FakeEngine::answering(answer_for, Duration::ZERO)
    }

    pub fn slow(delay: Duration) -> Arc<FakeEngine> {
        FakeEngine::answering(answer_for, delay)
    }
}

/// Search for searches, ambiguity for "payments", ownership otherwise.
pub fn answer_for(ask: &Ask) -> Answer {
    let name = match ask {
        Ask::Query(Query::Search { text, .. }) => return search(text),
        Ask::Query(Query::Owner { name }) | Ask::Query(Query::Contact { name }) => name.clone(),
        Ask::Question(q) => {
            q.rsplit(' ').next().unwrap_or_default().trim_start_matches("component:default/").to_owned()
        }
        _ => "payments-api".to_owned(),
    };
    if name == "payments" { ambiguous(&name) } else { ownership(&name) }
}

// ------------------------------------------------------------------------------------------
// The server under test.

pub fn config(fake: &FakeDiscord) -> DiscordConfig {
    DiscordConfig {
        mode: Mode::Http,
        application_id: APP_ID,
        public_key: Some(public_key_hex()),
        bot_token: Secret::new(BOT_TOKEN),
        allowed_guilds: vec![GUILD],
        allow_dms: false,
        ephemeral: true,
        catalog_url: None,
        api_url: Some(fake.base_url()),
        max_body_bytes: 16 * 1024,
        answer_budget: Duration::from_millis(500),
        max_timestamp_age: Duration::from_secs(300),
    }
}

pub struct Running {
    pub addr: SocketAddr,
    pub client: HttpClient,
    trigger: ShutdownTrigger,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub async fn stop(self) {
        self.trigger.trigger();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }
}

pub async fn start_server(cfg: DiscordConfig, engine: Arc<FakeEngine>) -> Running {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let module = DiscordModule::new(cfg, &ModuleContext { engine }).unwrap();
    let health = Arc::new(IndexHealth::default());
    health.set_loaded(true);
    let server = Server::new(vec![Arc::new(module)], health);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, shutdown) = shutdown_pair();
    let task = tokio::spawn(server.serve(listener, shutdown));
    Running { addr, client: HttpClient::new(addr), trigger, task }
}

// ------------------------------------------------------------------------------------------
// A plain HTTP client that signs like Discord.

impl HttpClient {
    /// POSTs `body` to the interactions endpoint with the given headers.
    pub async fn post_interaction(&self, body: Vec<u8>, headers: &[(&str, String)]) -> HttpResponse {
        self.post("/discord/interactions", "application/json", body, headers).await
    }

    /// Signed with the test key and the current time, as Discord sends it.
    pub async fn interaction(&self, payload: &Value) -> HttpResponse {
        let body = payload.to_string().into_bytes();
        let ts = now().to_string();
        let sig = sign_with(&signing_key(), &ts, &body);
        self.post_interaction(body, &[("x-signature-ed25519", sig), ("x-signature-timestamp", ts)]).await
    }
}

/// Discord's limits, checked over the JSON of a message (interaction response `data` or an edit).
pub fn assert_within_limits(msg: &Value) {
    let embeds = msg["embeds"].as_array().cloned().unwrap_or_default();
    assert!(embeds.len() <= 10, "{msg}");
    let n = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    for e in &embeds {
        assert!(n(&e["title"]) <= 256 && n(&e["description"]) <= 4096 && n(&e["footer"]["text"]) <= 2048, "{e}");
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        assert!(fields.len() <= 25, "{e}");
        let mut total = n(&e["title"]) + n(&e["description"]) + n(&e["footer"]["text"]) + n(&e["author"]["name"]);
        for f in &fields {
            assert!(n(&f["name"]) >= 1 && n(&f["name"]) <= 256 && n(&f["value"]) >= 1 && n(&f["value"]) <= 1024, "{f}");
            total += n(&f["name"]) + n(&f["value"]);
        }
        assert!(total <= 6000, "{total}: {e}");
    }
    let rows = msg["components"].as_array().cloned().unwrap_or_default();
    assert!(rows.len() <= 5, "{msg}");
    for r in &rows {
        let buttons = r["components"].as_array().cloned().unwrap_or_default();
        assert!(!buttons.is_empty() && buttons.len() <= 5, "{r}");
        for b in &buttons {
            let id = n(&b["custom_id"]);
            assert!((1..=100).contains(&id) && n(&b["label"]) <= 80, "{b}");
        }
    }
    assert_eq!(msg["allowed_mentions"]["parse"], json!([]), "mentions must be disabled: {msg}");
}

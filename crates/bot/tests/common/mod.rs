//! Test support shared by the bot's integration tests: a fake Slack Web API on loopback that
//! records what the bot sends, signed requests built like Slack builds them, a fake question
//! engine with canned answers, and a running `serve` server.
//!
//! Nothing here reaches the network: every server binds 127.0.0.1:0.

#![allow(dead_code, unreachable_pub, unused_imports, reason = "each test binary uses a different part of this module")]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use backline_answer::*;
use backline_bot::engine::{Ask, EngineError, QuestionEngine};
use backline_bot::serve::{IndexHealth, ModuleContext, Server, Shutdown, ShutdownTrigger, shutdown_pair};
use backline_bot::slack::outbound::RetryPolicy;
use backline_bot::slack::verify::sign;
use backline_bot::slack::{Mode, SlackConfig, SlackModule};
use backline_bot::{Secret, SharedEngine};
pub use backline_test_support::answers::{ambiguous, entity, help_answer, ownership, team_payments};
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

pub const SIGNING_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
pub const BOT_TOKEN: &str = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy";
pub const APP_TOKEN: &str = "xapp-1-A0KRD7HC3-1234567890-abcdefabcdef0123456789";
pub const TEAM: &str = "T0001";
pub const FOREIGN_TEAM: &str = "T9999";

// ------------------------------------------------------------------------------------------
// The fake Slack Web API.

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

/// What the fake answers to the next calls of a path, in order; then `{"ok":true}`.
#[derive(Debug, Clone)]
pub enum Scripted {
    RateLimited { retry_after: u64 },
    Error(&'static str),
}

#[derive(Default)]
struct FakeState {
    calls: Mutex<Vec<Recorded>>,
    script: Mutex<Vec<(String, VecDeque<Scripted>)>>,
    ws_url: Mutex<Option<String>>,
    notify: tokio::sync::Notify,
}

/// A fake of Slack's Web API and of `response_url`s (`/hooks/...`) on 127.0.0.1.
#[derive(Clone)]
pub struct FakeSlack {
    pub addr: SocketAddr,
    state: Arc<FakeState>,
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let state = Arc::new(FakeState::default());
        let app = Router::new()
            .route("/api/{method}", post(api))
            .route("/hooks/{*rest}", post(hook))
            .with_state(Arc::clone(&state));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeSlack { addr, state }
    }

    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// A `response_url` pointing at the fake.
    pub fn response_url(&self, id: &str) -> String {
        format!("http://{}/hooks/commands/{TEAM}/{id}/secret-token-{id}", self.addr)
    }

    pub fn set_ws_url(&self, url: String) {
        *self.state.ws_url.lock().unwrap() = Some(url);
    }

    /// The next calls to `path` (e.g. `/api/chat.postMessage`) get these answers.
    pub fn script(&self, path: &str, answers: Vec<Scripted>) {
        self.state.script.lock().unwrap().push((path.to_owned(), answers.into()));
    }

    pub fn calls(&self) -> Vec<Recorded> {
        self.state.calls.lock().unwrap().clone()
    }

    pub fn calls_to(&self, prefix: &str) -> Vec<Recorded> {
        self.calls().into_iter().filter(|c| c.path.starts_with(prefix)).collect()
    }

    /// Waits until `n` calls to `prefix` were recorded (or panics after `timeout`).
    pub async fn wait_for(&self, prefix: &str, n: usize, timeout: Duration) -> Vec<Recorded> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.state.notify.notified();
            let calls = self.calls_to(prefix);
            if calls.len() >= n {
                return calls;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {n} calls to {prefix}, got {}: {:#?}", calls.len(), self.calls());
            }
        }
    }
}

fn record(state: &FakeState, path: String, headers: &HeaderMap, body: &Bytes) -> Option<Scripted> {
    let body = serde_json::from_slice(body).unwrap_or_else(|_| {
        // Form-encoded Web API calls (apps.connections.open sends none).
        Value::String(String::from_utf8_lossy(body).into_owned())
    });
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    state.calls.lock().unwrap().push(Recorded { path: path.clone(), authorization, body });
    state.notify.notify_waiters();
    let mut script = state.script.lock().unwrap();
    script.iter_mut().find(|(p, q)| *p == path && !q.is_empty()).and_then(|(_, q)| q.pop_front())
}

fn scripted_response(s: Scripted) -> Response {
    match s {
        Scripted::RateLimited { retry_after } => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", retry_after.to_string()), ("content-type", "application/json".to_owned())],
            r#"{"ok":false,"error":"ratelimited"}"#,
        )
            .into_response(),
        Scripted::Error(code) => {
            ([("content-type", "application/json")], json!({"ok": false, "error": code}).to_string()).into_response()
        }
    }
}

async fn api(
    State(state): State<Arc<FakeState>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/api/{method}");
    if let Some(s) = record(&state, path, &headers, &body) {
        return scripted_response(s);
    }
    let reply = match method.as_str() {
        "apps.connections.open" => json!({"ok": true, "url": state.ws_url.lock().unwrap().clone().unwrap_or_default()}),
        "chat.postMessage" => {
            json!({"ok": true, "channel": "C1", "ts": "1700000000.000100", "message": {"text": "x", "ts": "1700000000.000100"}})
        }
        _ => json!({"ok": true}),
    };
    ([("content-type", "application/json")], reply.to_string()).into_response()
}

async fn hook(
    State(state): State<Arc<FakeState>>,
    Path(rest): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/hooks/{rest}");
    if let Some(s) = record(&state, path, &headers, &body) {
        return scripted_response(s);
    }
    // What hooks.slack.com answers.
    ([("content-type", "text/plain")], "ok").into_response()
}

// ------------------------------------------------------------------------------------------
// Signed requests, as Slack sends them.

pub fn now() -> i64 {
    backline_bot::slack::verify::unix_now()
}

/// A form body from pairs, URL-encoded.
pub fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

/// A slash command form as Slack documents it.
pub fn slash_form(fake: &FakeSlack, team: &str, text: &str, id: &str) -> String {
    let url = fake.response_url(id);
    form(&[
        ("token", "gIkuvaNzQIHg97ATvDxqgjtO"),
        ("team_id", team),
        ("team_domain", "northwind"),
        ("enterprise_id", ""),
        ("channel_id", "C2147483705"),
        ("channel_name", "incidents"),
        ("user_id", "U2147483697"),
        ("user_name", "oncall"),
        ("command", "/backline"),
        ("text", text),
        ("response_url", &url),
        ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
        ("api_app_id", "A123456"),
        ("is_enterprise_install", "false"),
    ])
}

/// An `app_mention` event callback as Slack documents it.
pub fn mention_event(team: &str, event_id: &str, text: &str, extra: Value) -> Value {
    let mut event = json!({
        "type": "app_mention",
        "user": "U061F7AUR",
        "text": format!("<@U0LAN0Z89> {text}"),
        "ts": "1515449522.000016",
        "channel": "C123ABC456",
        "event_ts": "1515449522000016",
        "client_msg_id": "c8d2e4b5-2f0b-4f6a-9d4e-2a1b3c4d5e6f"
    });
    if let (Value::Object(e), Value::Object(x)) = (&mut event, extra) {
        e.extend(x);
    }
    json!({
        "token": "ZZZZZZWSxiZZZ2yIvs3peJ",
        "team_id": team,
        "api_app_id": "A123456",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1515449522,
        "authorizations": [{"enterprise_id": null, "team_id": team, "user_id": "U0LAN0Z89", "is_bot": true, "is_enterprise_install": false}],
        "is_ext_shared_channel": false,
        "event_context": "EC12345"
    })
}

/// A DM to the bot (`message.im`).
pub fn dm_event(team: &str, event_id: &str, text: &str) -> Value {
    json!({
        "token": "ZZZZZZWSxiZZZ2yIvs3peJ",
        "team_id": team,
        "api_app_id": "A123456",
        "event": {
            "type": "message",
            "channel": "D024BE91L",
            "user": "U2147483697",
            "text": text,
            "ts": "1355517523.000005",
            "event_ts": "1355517523.000005",
            "channel_type": "im"
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1355517523,
        "authorizations": [{"team_id": team, "user_id": "U0LAN0Z89", "is_bot": true}]
    })
}

/// A `block_actions` payload for a button press.
pub fn block_actions(
    fake: &FakeSlack,
    team: &str,
    user_team: &str,
    action_id: &str,
    value: &str,
    ephemeral: bool,
) -> Value {
    json!({
        "type": "block_actions",
        "team": {"id": team, "domain": "northwind"},
        "user": {"id": "U2147483697", "username": "oncall", "name": "oncall", "team_id": user_team},
        "api_app_id": "A123456",
        "token": "9s8d9as89d8as9d8as989",
        "container": {"type": "message", "message_ts": "1548261231.000200", "channel_id": "C2147483705", "is_ephemeral": ephemeral},
        "trigger_id": "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
        "channel": {"id": "C2147483705", "name": "incidents"},
        "response_url": fake.response_url("action"),
        "actions": [{
            "action_id": action_id,
            "block_id": "b1",
            "text": {"type": "plain_text", "text": "payments-api", "emoji": true},
            "value": value,
            "type": "button",
            "action_ts": "1548426417.840180"
        }]
    })
}

/// A request signed with `secret` at `ts`.
pub struct Signed {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Signed {
    pub fn new(path: &'static str, content_type: &'static str, body: String) -> Signed {
        Signed { path, content_type, body, headers: Vec::new() }.signed(SIGNING_SECRET, now())
    }

    pub fn json(path: &'static str, body: &Value) -> Signed {
        Signed::new(path, "application/json", body.to_string())
    }

    pub fn form(path: &'static str, body: String) -> Signed {
        Signed::new(path, "application/x-www-form-urlencoded", body)
    }

    pub fn interaction(payload: &Value) -> Signed {
        Signed::form("/slack/interactions", form(&[("payload", &payload.to_string())]))
    }

    /// Re-signs with another secret or timestamp.
    pub fn signed(mut self, secret: &str, ts: i64) -> Signed {
        self.headers.retain(|(k, _)| k != "x-slack-signature" && k != "x-slack-request-timestamp");
        let ts = ts.to_string();
        self.headers.push(("x-slack-signature".into(), sign(secret, &ts, self.body.as_bytes())));
        self.headers.push(("x-slack-request-timestamp".into(), ts));
        self
    }

    pub fn unsigned(mut self) -> Signed {
        self.headers.clear();
        self
    }

    pub fn header(mut self, k: &str, v: &str) -> Signed {
        self.headers.push((k.to_owned(), v.to_owned()));
        self
    }
}

impl HttpClient {
    pub async fn send(&self, req: &Signed) -> HttpResponse {
        let headers: Vec<(&str, String)> = req.headers.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        self.post(req.path, req.content_type, req.body.clone().into_bytes(), &headers).await
    }
}

// ------------------------------------------------------------------------------------------
// A fake question engine with canned answers.

impl FakeEngine {
    pub fn new() -> Arc<FakeEngine> {
        FakeEngine::answering(answer_for, Duration::ZERO)
    }

    pub fn slow(delay: Duration) -> Arc<FakeEngine> {
        FakeEngine::answering(answer_for, delay)
    }
}

/// The canned answer for an ask: ownership for owner questions, ambiguity for "payments".
pub fn answer_for(ask: &Ask) -> Answer {
    let name = match ask {
        Ask::Query(Query::Owner { name }) | Ask::Query(Query::Contact { name }) => name.clone(),
        Ask::Query(Query::Help) => return help_answer(),
        Ask::Question(q) => {
            q.rsplit(' ').next().unwrap_or_default().trim_start_matches("component:default/").to_owned()
        }
        _ => "payments-api".to_owned(),
    };
    if name == "payments" { ambiguous(&name) } else { ownership(&name) }
}

// ------------------------------------------------------------------------------------------
// The server under test.

pub fn slack_config(fake: &FakeSlack, mode: Mode) -> SlackConfig {
    SlackConfig {
        mode,
        allowed_teams: vec![TEAM.into()],
        allowed_enterprises: vec![],
        allow_external_users: false,
        bot_token: Secret::new(BOT_TOKEN),
        signing_secret: Some(Secret::new(SIGNING_SECRET)),
        app_token: Some(Secret::new(APP_TOKEN)),
        api_url: fake.api_url(),
        ephemeral: true,
        reply_in_thread: true,
        catalog_url: None,
        public_url: None,
        max_body_bytes: 16 * 1024,
        answer_budget: Duration::from_millis(500),
        max_pending: 256,
        socket_connections: 1,
        socket_reconnect: Duration::from_secs(1),
    }
}

/// Fast retries so 429 tests take a second, not thirty.
pub fn test_retry() -> RetryPolicy {
    RetryPolicy { max_retries: 3, max_wait: Duration::from_secs(2), default_wait: Duration::from_millis(100) }
}

pub struct Running {
    pub addr: SocketAddr,
    pub http: HttpClient,
    pub module: Arc<SlackModule>,
    pub index: Arc<IndexHealth>,
    trigger: ShutdownTrigger,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub async fn stop(self) {
        self.trigger.trigger();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }
}

/// Starts `serve` with the Slack module on 127.0.0.1:0.
pub async fn start_server(cfg: SlackConfig, engine: SharedEngine) -> Running {
    let module = Arc::new(SlackModule::new(cfg, &ModuleContext { engine }, test_retry()).unwrap());
    let index = Arc::new(IndexHealth::default());
    index.set_loaded(true);
    let server = Server::new(vec![module.clone() as Arc<dyn backline_bot::serve::ChatModule>], Arc::clone(&index));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, shutdown): (ShutdownTrigger, Shutdown) = shutdown_pair();
    let task = tokio::spawn(server.serve(listener, shutdown));
    Running { addr, http: HttpClient::new(addr), module, index, trigger, task }
}

// ------------------------------------------------------------------------------------------
// Block Kit limits (Slack's documented ones, as `slack/render.rs` keeps them), checked on the
// JSON Slack would receive.

fn text_of(v: &Value) -> &str {
    v.get("text").and_then(Value::as_str).unwrap_or("")
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Panics with the offending block if a message breaks a Block Kit limit or contains a
/// broadcast mention (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam…>`) or a user mention.
pub fn assert_within_limits(msg: &Value) {
    let fallback = msg.get("text").and_then(Value::as_str).unwrap_or("");
    assert!(!fallback.is_empty() && chars(fallback) <= 40_000, "fallback text: {fallback:?}");
    let blocks = msg.get("blocks").and_then(Value::as_array).cloned().unwrap_or_default();
    assert!(blocks.len() <= 50, "{} blocks", blocks.len());
    let mut total = 0;
    fn check_mrkdwn(s: &str, where_: &str, limit: usize, total: &mut usize) {
        assert!(chars(s) <= limit, "{where_}: {} > {limit} chars: {s}", chars(s));
        assert!(!s.contains("<!") && !s.contains("<@"), "{where_}: mention in {s}");
        *total += chars(s);
    }
    for b in &blocks {
        match b["type"].as_str().unwrap_or("") {
            "section" => {
                if let Some(t) = b.get("text") {
                    check_mrkdwn(text_of(t), "section text", 3000, &mut total);
                }
                if let Some(fields) = b.get("fields").and_then(Value::as_array) {
                    assert!(fields.len() <= 10, "{} fields", fields.len());
                    for f in fields {
                        check_mrkdwn(text_of(f), "field", 2000, &mut total);
                    }
                }
            }
            "header" => {
                assert_eq!(b["text"]["type"], "plain_text");
                assert!(chars(text_of(&b["text"])) <= 150, "header: {b}");
                total += chars(text_of(&b["text"]));
            }
            "context" => {
                let els = b["elements"].as_array().unwrap();
                assert!(!els.is_empty() && els.len() <= 10, "context: {b}");
                for e in els {
                    check_mrkdwn(text_of(e), "context", 3000, &mut total);
                }
            }
            "actions" => {
                let els = b["elements"].as_array().unwrap();
                assert!(!els.is_empty() && els.len() <= 25, "actions: {b}");
                let mut ids = std::collections::HashSet::new();
                for e in els {
                    assert!(chars(text_of(&e["text"])) <= 75, "button text: {e}");
                    assert!(e.get("value").and_then(Value::as_str).map_or(0, chars) <= 2000, "button value");
                    assert!(e.get("url").and_then(Value::as_str).map_or(0, chars) <= 3000, "button url");
                    let id = e.get("action_id").and_then(Value::as_str).unwrap_or("");
                    assert!(chars(id) <= 255 && ids.insert(id.to_owned()), "action_id {id}");
                }
            }
            "divider" => {}
            other => panic!("unexpected block type {other}"),
        }
    }
    assert!(total <= 12_000, "{total} characters of block text");
}

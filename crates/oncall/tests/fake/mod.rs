//! Local fake PagerDuty and Opsgenie servers for the tests: they serve the documented shapes from
//! the fixtures in `tests/fixtures/`, check the key the way the providers do, count every call,
//! and can be told to fail (429 with or without rate-limit headers, 5xx, answers slower than the
//! client's timeout). PagerDuty's `/users` and per-user `/oncalls` and Opsgenie's schedule
//! timelines answer "when am I on call next". Also: a clock the tests move, and a client wired to the fakes.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use backline_oncall::{Clock, OnCall, OnCallConfig, OnCallSection, Timestamp};
use serde_json::{Value, json};

/// 2026-12-07T03:00:00Z: 3 a.m., when the question is asked.
pub const NOW: Timestamp = Timestamp(1_796_612_400);
pub const PD_KEY: &str = "u+PDREADONLYKEY0123456789";
pub const OG_KEY: &str = "3f1c2b4a-0000-4000-8000-OGREADKEY99";
/// The integration key of PSVC001 in the PagerDuty fixture.
pub const INTEGRATION_KEY: &str = "a8f2c1d4e5b6a7980112233445566778";

/// A clock the test moves by hand.
pub struct TestClock(AtomicI64);

impl TestClock {
    pub fn new() -> Arc<TestClock> {
        Arc::new(TestClock(AtomicI64::new(NOW.0)))
    }
    pub fn set(&self, t: Timestamp) {
        self.0.store(t.0, Ordering::SeqCst);
    }
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

/// What the fake does with the next requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    None,
    RateLimited {
        headers: bool,
    },
    ServerError,
    /// Answers, but only after this long.
    Slow(Duration),
    /// A 5xx, only for requests whose `path?query` contains this.
    ServerErrorWhen(&'static str),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    PagerDuty,
    Opsgenie,
}

pub struct FakeState {
    kind: Kind,
    key: String,
    data: Value,
    calls: Mutex<Vec<String>>,
    fault: Mutex<Fault>,
    delay: Mutex<Duration>,
    /// Largest `/oncalls` page served, whatever the client asks.
    oncalls_page: Mutex<usize>,
}

pub struct Fake {
    pub url: String,
    state: Arc<FakeState>,
}

impl Fake {
    pub async fn pagerduty() -> Fake {
        Fake::start(Kind::PagerDuty, PD_KEY, include_str!("../fixtures/pagerduty.json")).await
    }

    pub async fn opsgenie() -> Fake {
        Fake::start(Kind::Opsgenie, OG_KEY, include_str!("../fixtures/opsgenie.json")).await
    }

    async fn start(kind: Kind, key: &str, fixture: &str) -> Fake {
        let state = Arc::new(FakeState {
            kind,
            key: key.to_owned(),
            data: serde_json::from_str(fixture).unwrap(),
            calls: Mutex::new(Vec::new()),
            fault: Mutex::new(Fault::None),
            delay: Mutex::new(Duration::ZERO),
            oncalls_page: Mutex::new(100),
        });
        let app = Router::new().fallback(handle).with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Fake { url: format!("http://{addr}"), state }
    }

    pub fn set_fault(&self, fault: Fault) {
        *self.state.fault.lock().unwrap() = fault;
    }

    /// Every answer waits this long (not a fault: well under the client's timeout), so that
    /// concurrent askers overlap the call in flight.
    pub fn set_delay(&self, delay: Duration) {
        *self.state.delay.lock().unwrap() = delay;
    }

    /// Serves `/oncalls` in pages of at most `size` entries.
    pub fn set_oncalls_page(&self, size: usize) {
        *self.state.oncalls_page.lock().unwrap() = size;
    }

    /// Every request so far, as `path?query`.
    pub fn calls(&self) -> Vec<String> {
        self.state.calls.lock().unwrap().clone()
    }

    /// Requests whose path is exactly `path`.
    pub fn count(&self, path: &str) -> usize {
        self.calls().iter().filter(|c| c.split('?').next() == Some(path)).count()
    }
}

fn json_response(status: StatusCode, headers: &[(&str, &str)], body: Value) -> Response {
    let mut builder = Response::builder().status(status).header("content-type", "application/json");
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder.body(Body::from(body.to_string())).unwrap()
}

fn query(req: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()).into_owned().collect()
}

/// What the handlers read of a request (owned: a `Request` cannot be held across an await).
struct Asked {
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
}

fn page(items: Vec<Value>, q: &[(String, String)], field: &str) -> Value {
    let get = |k: &str, d: usize| q.iter().find(|(n, _)| n == k).and_then(|(_, v)| v.parse().ok()).unwrap_or(d);
    let (limit, offset) = (get("limit", 25).min(100), get("offset", 0));
    let more = items.len() > offset + limit;
    let slice: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    json!({ field: slice, "limit": limit, "offset": offset, "more": more, "total": null })
}

async fn handle(State(s): State<Arc<FakeState>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    s.calls.lock().unwrap().push(format!("{path}?{}", req.uri().query().unwrap_or("")));
    let asked = Asked { path, query: query(&req), headers: req.headers().clone() };
    drop(req);
    let delay = *s.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let fault = match *s.fault.lock().unwrap() {
        Fault::ServerErrorWhen(part) if s.calls.lock().unwrap().last().is_some_and(|c| c.contains(part)) => {
            Fault::ServerError
        }
        Fault::ServerErrorWhen(_) => Fault::None,
        f @ (Fault::None | Fault::RateLimited { .. } | Fault::ServerError | Fault::Slow(_)) => f,
    };
    match s.kind {
        Kind::PagerDuty => pagerduty(&s, fault, asked).await,
        Kind::Opsgenie => opsgenie(&s, fault, asked).await,
    }
}

async fn pagerduty(s: &FakeState, fault: Fault, asked: Asked) -> Response {
    let Asked { path, query: q, headers } = asked;
    let path = path.as_str();
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if header("authorization") != format!("Token token={}", s.key) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &[],
            json!({"error": {"message": "Unauthorized", "code": 2006}}),
        );
    }
    if !header("accept").contains("application/vnd.pagerduty+json;version=2") {
        return json_response(StatusCode::NOT_ACCEPTABLE, &[], json!({"error": {"message": "Not Acceptable"}}));
    }
    match fault {
        Fault::None => {}
        Fault::RateLimited { headers: true } => {
            return json_response(
                StatusCode::TOO_MANY_REQUESTS,
                &[("ratelimit-limit", "960"), ("ratelimit-remaining", "0"), ("ratelimit-reset", "42")],
                json!({"error": {"message": "Rate Limit Exceeded", "code": 2020}}),
            );
        }
        Fault::RateLimited { headers: false } => {
            return Response::builder().status(StatusCode::TOO_MANY_REQUESTS).body(Body::empty()).unwrap();
        }
        Fault::ServerError => {
            return json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &[],
                json!({"error": {"message": "Internal Server Error", "code": 2000}}),
            );
        }
        Fault::Slow(d) => tokio::time::sleep(d).await,
        Fault::ServerErrorWhen(_) => unreachable!("resolved in `handle`"),
    }
    let ok_headers = [("ratelimit-limit", "960"), ("ratelimit-remaining", "959"), ("ratelimit-reset", "60")];
    let services = s.data["services"].as_array().unwrap();
    if let Some(id) = path.strip_prefix("/services/") {
        return match services.iter().find(|sv| sv["id"] == id) {
            Some(sv) => {
                let mut sv = sv.clone();
                sv.as_object_mut().unwrap().remove("integrations");
                json_response(StatusCode::OK, &ok_headers, json!({ "service": sv }))
            }
            None => json_response(StatusCode::NOT_FOUND, &[], json!({"error": {"message": "Not Found", "code": 2100}})),
        };
    }
    if path == "/services" {
        let with = q.iter().any(|(k, v)| k == "include[]" && v == "integrations");
        let items = services
            .iter()
            .map(|sv| {
                let mut sv = sv.clone();
                if !with {
                    sv.as_object_mut().unwrap().remove("integrations");
                }
                sv
            })
            .collect();
        // Two services a page whatever the client asks, as a server capping `limit` would: the
        // scan must follow `more`.
        let mut q = q.clone();
        q.retain(|(k, _)| k != "limit");
        q.push(("limit".into(), "2".into()));
        return json_response(StatusCode::OK, &ok_headers, page(items, &q, "services"));
    }
    if path == "/users" {
        let wanted = q.iter().find(|(k, _)| k == "query").map(|(_, v)| v.to_lowercase()).unwrap_or_default();
        let items: Vec<Value> = s.data["users"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| {
                let field = |f: &str| u[f].as_str().unwrap_or("").to_lowercase();
                field("name").contains(&wanted) || field("email").contains(&wanted)
            })
            .cloned()
            .collect();
        return json_response(StatusCode::OK, &ok_headers, page(items, &q, "users"));
    }
    if path == "/oncalls" && q.iter().any(|(k, _)| k == "user_ids[]") {
        return json_response(StatusCode::OK, &ok_headers, page(user_oncalls(&s.data, &q), &q, "oncalls"));
    }
    if path == "/oncalls" {
        let ids: Vec<&str> =
            q.iter().filter(|(k, _)| k == "escalation_policy_ids[]").map(|(_, v)| v.as_str()).collect();
        let earliest = q.iter().any(|(k, v)| k == "earliest" && v == "true");
        let source = if earliest { "upcoming" } else { "oncalls" };
        let items: Vec<Value> = s.data[source]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| ids.contains(&o["escalation_policy"]["id"].as_str().unwrap()))
            .cloned()
            .collect();
        let cap = *s.oncalls_page.lock().unwrap();
        let mut q = q.clone();
        let asked: usize = q.iter().find(|(k, _)| k == "limit").and_then(|(_, v)| v.parse().ok()).unwrap_or(25);
        q.retain(|(k, _)| k != "limit");
        q.push(("limit".into(), asked.min(cap).to_string()));
        return json_response(StatusCode::OK, &ok_headers, page(items, &q, "oncalls"));
    }
    json_response(StatusCode::NOT_FOUND, &[], json!({"error": {"message": "Not Found", "code": 2100}}))
}

/// `/oncalls?user_ids[]=…&since&until[&earliest=true]`, computed from every entry of the fixture
/// as PagerDuty computes it: the users' on-calls overlapping the window (a permanent one always
/// does), with `earliest` only the first per escalation policy, level and user.
fn user_oncalls(data: &Value, q: &[(String, String)]) -> Vec<Value> {
    let param = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let users: Vec<&str> = q.iter().filter(|(k, _)| k == "user_ids[]").map(|(_, v)| v.as_str()).collect();
    let at = |v: &Value| v.as_str().and_then(Timestamp::parse_rfc3339);
    let since = param("since").as_deref().and_then(Timestamp::parse_rfc3339).expect("since");
    let until = param("until").as_deref().and_then(Timestamp::parse_rfc3339).expect("until");
    let earliest = param("earliest").as_deref() == Some("true");
    let mut entries: Vec<Value> = ["oncalls", "upcoming", "later"]
        .iter()
        .flat_map(|f| data[*f].as_array().unwrap().iter())
        .filter(|o| users.contains(&o["user"]["id"].as_str().unwrap()))
        .filter(|o| at(&o["start"]).is_none_or(|s| s < until) && at(&o["end"]).is_none_or(|e| e > since))
        .cloned()
        .collect();
    entries.sort_by_key(|o| at(&o["start"]));
    if earliest {
        let mut seen = std::collections::HashSet::new();
        entries.retain(|o| {
            seen.insert((
                o["escalation_policy"]["id"].to_string(),
                o["escalation_level"].to_string(),
                o["user"]["id"].to_string(),
            ))
        });
    }
    entries
}

async fn opsgenie(s: &FakeState, fault: Fault, asked: Asked) -> Response {
    let Asked { path, headers, .. } = asked;
    let path = path.as_str();
    let envelope =
        |data: Value| json!({ "data": data, "took": 0.012, "requestId": "0d1d2c54-0000-4000-8000-000000000000" });
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if header("authorization") != format!("GenieKey {}", s.key) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &[],
            json!({"message": "Could not authenticate", "took": 0.0, "requestId": "r"}),
        );
    }
    match fault {
        Fault::None => {}
        Fault::RateLimited { headers: true } => {
            return json_response(
                StatusCode::TOO_MANY_REQUESTS,
                &[
                    ("x-ratelimit-state", "THROTTLED"),
                    ("x-ratelimit-reason", "SCHEDULE_ONCALLS"),
                    ("x-ratelimit-period-in-sec", "60"),
                ],
                json!({"message": "You are making too many requests!", "took": 0.0, "requestId": "r"}),
            );
        }
        Fault::RateLimited { headers: false } => {
            return Response::builder().status(StatusCode::TOO_MANY_REQUESTS).body(Body::empty()).unwrap();
        }
        Fault::ServerError => {
            return json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                &[],
                json!({"message": "Service unavailable", "took": 0.0, "requestId": "r"}),
            );
        }
        Fault::Slow(d) => tokio::time::sleep(d).await,
        Fault::ServerErrorWhen(_) => unreachable!("resolved in `handle`"),
    }
    if path == "/v2/schedules" {
        return json_response(StatusCode::OK, &[], envelope(s.data["schedules"].clone()));
    }
    if path == "/v2/schedules/on-calls" {
        return json_response(StatusCode::OK, &[], envelope(s.data["on_calls"].clone()));
    }
    if let Some(id) = path.strip_prefix("/v2/schedules/").and_then(|p| p.strip_suffix("/timeline")) {
        let empty = json!({"_parent": {"id": id}, "finalTimeline": {"rotations": []}});
        let timeline = s.data["timelines"].get(id).cloned().unwrap_or(empty);
        return json_response(StatusCode::OK, &[], envelope(timeline));
    }
    if let Some(id) = path.strip_prefix("/v2/schedules/").and_then(|p| p.strip_suffix("/next-on-calls")) {
        let next: &HashMap<String, Value> = &serde_json::from_value(s.data["next"].clone()).unwrap();
        return match next.get(id) {
            Some(v) => json_response(StatusCode::OK, &[], envelope(v.clone())),
            None => {
                json_response(StatusCode::OK, &[], envelope(json!({"_parent": {"id": id}, "nextOnCallRecipients": []})))
            }
        };
    }
    json_response(StatusCode::NOT_FOUND, &[], json!({"message": "No schedule exists", "took": 0.0, "requestId": "r"}))
}

/// A client for the fakes given (keys through the environment map, as in production).
pub fn client(pd: Option<&Fake>, og: Option<&Fake>, clock: Arc<TestClock>, extra: &str) -> OnCall {
    client_with_keys(pd, og, clock, extra, PD_KEY, OG_KEY)
}

pub fn client_with_keys(
    pd: Option<&Fake>,
    og: Option<&Fake>,
    clock: Arc<TestClock>,
    extra: &str,
    pd_key: &str,
    og_key: &str,
) -> OnCall {
    let mut text = format!("{extra}\n");
    if let Some(pd) = pd {
        text.push_str(&format!("[[pagerduty]]\nname = \"acme\"\nbase_url = \"{}\"\n", pd.url));
    }
    if let Some(og) = og {
        text.push_str(&format!(
            "[[opsgenie]]\nname = \"ops\"\nbase_url = \"{}\"\nweb_url = \"https://acme.app.opsgenie.com\"\n",
            og.url
        ));
    }
    let section: OnCallSection = toml::from_str(&text).unwrap();
    let (pd_key, og_key) = (pd_key.to_owned(), og_key.to_owned());
    let env = move |k: &str| match k {
        "BACKLINE_PAGERDUTY_TOKEN_ACME" => Some(pd_key.clone()),
        "BACKLINE_OPSGENIE_KEY_OPS" => Some(og_key.clone()),
        _ => None,
    };
    OnCall::with_clock(OnCallConfig::resolve(&section, &env).unwrap(), clock).unwrap()
}

pub fn annotations(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

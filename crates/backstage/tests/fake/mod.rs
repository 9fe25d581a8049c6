//! A local fake Backstage backend for the tests and the benchmark. It serves the catalog API's
//! real shapes: `GET /api/catalog/entities` (the whole filtered catalog as one array),
//! `GET /api/catalog/entities/by-query` with keyset cursor paging over
//! `metadata.uid` (the cursor carries the filter, later pages ignore `filter`), `fields`
//! projection, `filter=kind=…`, `{"items","totalItems","pageInfo":{"nextCursor"}}`; and
//! `POST /api/catalog/entities/by-refs` answering `{"items":[entity|null…]}` in the order asked.
//! It checks `Authorization: Bearer` like Backstage (401 `Missing credentials` /
//! `Illegal token`), gzips when asked, counts every request, and fails on demand (429 with
//! `Retry-After`, 503).
#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

/// The static token the fake accepts.
pub const TOKEN: &str = "0FoFiu5bofLVgnFYv-vmDsVvKXD_161u";

/// The real-shaped catalog: 2 Components (one with a processing error), a Group, a User and
/// 2 Locations.
pub const CATALOG: &str = include_str!("../fixtures/catalog.json");

/// What the next requests get instead of an answer, in order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// 429, with this `Retry-After` value if any.
    TooMany(Option<&'static str>),
    /// 503.
    Unavailable,
    /// 503 with this `Retry-After` value (a maintenance window).
    UnavailableFor(&'static str),
}

/// One served entity; identity fields kept apart so listings need not parse the document.
#[derive(Clone)]
struct Entry {
    kind: String,
    namespace: String,
    name: String,
    etag: String,
    json: String,
}

impl Entry {
    fn from_value(v: &Value) -> (String, Entry) {
        let m = &v["metadata"];
        let text = |x: &Value| x.as_str().unwrap().to_owned();
        (
            text(&m["uid"]),
            Entry {
                kind: text(&v["kind"]),
                namespace: m["namespace"].as_str().unwrap_or("default").to_owned(),
                name: text(&m["name"]),
                etag: text(&m["etag"]),
                json: v.to_string(),
            },
        )
    }

    fn canonical_ref(&self) -> String {
        format!("{}:{}/{}", self.kind, self.namespace, self.name).to_lowercase()
    }
}

#[derive(Default)]
struct FakeState {
    /// uid → entity; a BTreeMap is the keyset order Backstage pages in.
    entities: BTreeMap<String, Entry>,
    requests: Vec<Seen>,
    faults: VecDeque<Fault>,
    /// Canonical refs by-refs answers `null` for, as if deleted right after a listing.
    gone_from_refs: Vec<String>,
}

/// A request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub authorization: Option<String>,
    pub gzipped: bool,
    pub body: String,
}

pub struct Fake {
    pub url: String,
    state: Arc<Mutex<FakeState>>,
}

impl Fake {
    /// A fake serving the fixture catalog.
    pub async fn start() -> Fake {
        let values: Vec<Value> = serde_json::from_str(CATALOG).unwrap();
        Fake::serving(values).await
    }

    pub async fn serving(values: Vec<Value>) -> Fake {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Fake::on(listener, values)
    }

    /// Serves `values` on an already bound listener.
    pub fn on(listener: tokio::net::TcpListener, values: Vec<Value>) -> Fake {
        let state = Arc::new(Mutex::new(FakeState::default()));
        {
            let mut s = state.lock().unwrap();
            for v in &values {
                let (uid, entry) = Entry::from_value(v);
                s.entities.insert(uid, entry);
            }
        }
        let app = Router::new().fallback(handle).with_state(Arc::clone(&state));
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Fake { url: format!("http://{addr}"), state }
    }

    /// Queues faults answered to the next requests, one each.
    pub fn fail_next(&self, faults: &[Fault]) {
        self.state.lock().unwrap().faults.extend(faults.iter().copied());
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.state.lock().unwrap().requests.clear();
    }

    /// Requests to a path ending in `suffix` (`by-query`, `by-refs`).
    pub fn count(&self, suffix: &str) -> usize {
        self.requests().iter().filter(|r| r.path.ends_with(suffix)).count()
    }

    /// Adds or replaces an entity (by its uid).
    pub fn put(&self, v: &Value) {
        let (uid, entry) = Entry::from_value(v);
        self.state.lock().unwrap().entities.insert(uid, entry);
    }

    /// The served entity with this uid.
    pub fn get(&self, uid: &str) -> Value {
        serde_json::from_str(&self.state.lock().unwrap().entities[uid].json).unwrap()
    }

    /// Changes an entity the way a re-processing with an edited source does: new content, new etag.
    pub fn touch(&self, uid: &str, description: &str) {
        let mut v = self.get(uid);
        v["metadata"]["description"] = json!(description);
        let etag = format!("{:040x}", fxhash(&v.to_string()));
        v["metadata"]["etag"] = json!(etag);
        self.put(&v);
    }

    /// By-refs answers `null` for this ref from now on (deleted between listing and fetch).
    pub fn vanish_before_fetch(&self, canonical_ref: &str) {
        self.state.lock().unwrap().gone_from_refs.push(canonical_ref.to_owned());
    }

    pub fn delete(&self, uid: &str) {
        self.state.lock().unwrap().entities.remove(uid);
    }
}

fn fxhash(s: &str) -> u128 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325_u128, |h, b| (h ^ u128::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn json_response(status: StatusCode, body: String, gzip: bool) -> Response {
    let builder = Response::builder().status(status).header("content-type", "application/json; charset=utf-8");
    if gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(body.as_bytes()).unwrap();
        builder.header("content-encoding", "gzip").body(Body::from(enc.finish().unwrap())).unwrap()
    } else {
        builder.body(Body::from(body)).unwrap()
    }
}

fn error(status: StatusCode, name: &str, message: &str) -> Response {
    let body = json!({"error": {"name": name, "message": message}, "request": {"method": "GET", "url": "/"}});
    json_response(status, body.to_string(), false)
}

async fn handle(State(state): State<Arc<Mutex<FakeState>>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let header = |n: &str| parts.headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let gzip = header("accept-encoding").is_some_and(|v| v.contains("gzip"));
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    let mut s = state.lock().unwrap();
    s.requests.push(Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: query.clone(),
        authorization: header("authorization"),
        gzipped: gzip,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if let Some(fault) = s.faults.pop_front() {
        return match fault {
            Fault::TooMany(after) => {
                let mut r = error(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", "Too many requests");
                if let Some(after) = after {
                    r.headers_mut().insert("retry-after", after.parse().unwrap());
                }
                r
            }
            Fault::Unavailable => error(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable", "Service Unavailable"),
            Fault::UnavailableFor(after) => {
                let mut r = error(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable", "Service Unavailable");
                r.headers_mut().insert("retry-after", after.parse().unwrap());
                r
            }
        };
    }
    match header("authorization") {
        None => return error(StatusCode::UNAUTHORIZED, "AuthenticationError", "Missing credentials"),
        Some(a) if a != format!("Bearer {TOKEN}") => {
            return error(StatusCode::UNAUTHORIZED, "AuthenticationError", "Illegal token");
        }
        Some(_) => {}
    }
    match (parts.method.as_str(), parts.uri.path()) {
        ("GET", "/api/catalog/entities/by-query") => by_query(&s, &query, gzip),
        ("GET", "/api/catalog/entities") => entities(&s, &query, gzip),
        ("POST", "/api/catalog/entities/by-refs") => by_refs(&s, &body, gzip),
        _ => error(StatusCode::NOT_FOUND, "NotFoundError", "Not Found"),
    }
}

/// The cursor: opaque to clients; here JSON of the last uid served and the filter sets.
fn by_query(s: &FakeState, query: &[(String, String)], gzip: bool) -> Response {
    let known = ["limit", "cursor", "filter", "fields", "offset", "orderField", "totalItems"];
    if let Some((k, _)) = query.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        return error(StatusCode::BAD_REQUEST, "InputError", &format!("Unknown query parameter '{k}'"));
    }
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let limit: usize = get("limit").and_then(|l| l.parse().ok()).unwrap_or(20);
    let fields: Option<Vec<String>> = get("fields").map(|f| f.split(',').map(str::to_owned).collect());
    let (after, filters): (Option<String>, Vec<String>) = match get("cursor") {
        Some(c) => {
            let v: Value = serde_json::from_str(&c).unwrap();
            (
                v["after"].as_str().map(str::to_owned),
                v["filter"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_owned()).collect(),
            )
        }
        None => (None, query.iter().filter(|(k, _)| k == "filter").map(|(_, v)| v.clone()).collect()),
    };
    let matches = |e: &Entry| filtered_in(e, &filters);
    let range = match &after {
        Some(a) => s.entities.range::<String, _>((std::ops::Bound::Excluded(a.clone()), std::ops::Bound::Unbounded)),
        None => s.entities.range::<String, _>(..),
    };
    let total = s.entities.values().filter(|e| matches(e)).count();
    let mut page: Vec<(&String, &Entry)> = Vec::with_capacity(limit.min(10_000));
    let mut more = false;
    for (uid, e) in range.filter(|(_, e)| matches(e)) {
        if page.len() == limit {
            more = true;
            break;
        }
        page.push((uid, e));
    }
    let mut out = String::from("{\"items\":[");
    for (i, (uid, e)) in page.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match &fields {
            None => out.push_str(&e.json),
            Some(fields) => out.push_str(&project(uid, e, fields).to_string()),
        }
    }
    out.push_str(&format!("],\"totalItems\":{total},\"pageInfo\":{{"));
    if more && let Some((last, _)) = page.last() {
        let cursor = json!({"after": last, "filter": filters}).to_string();
        out.push_str(&format!("\"nextCursor\":{}", json!(cursor)));
    }
    out.push_str("}}");
    json_response(StatusCode::OK, out, gzip)
}

/// Whether `e` passes `filters`: any of the sets, every `key=value` of a set.
fn filtered_in(e: &Entry, filters: &[String]) -> bool {
    filters.is_empty()
        || filters.iter().any(|set| {
            set.split(',').all(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                match k {
                    "kind" => e.kind.eq_ignore_ascii_case(v),
                    "metadata.namespace" => e.namespace.eq_ignore_ascii_case(v),
                    "metadata.name" => e.name.eq_ignore_ascii_case(v),
                    _ => false,
                }
            })
        })
}

/// `GET /entities`: every entity passing the filters, as one JSON array.
fn entities(s: &FakeState, query: &[(String, String)], gzip: bool) -> Response {
    let known = ["filter", "fields", "offset", "limit", "after", "order"];
    if let Some((k, _)) = query.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        return error(StatusCode::BAD_REQUEST, "InputError", &format!("Unknown query parameter '{k}'"));
    }
    let filters: Vec<String> = query.iter().filter(|(k, _)| k == "filter").map(|(_, v)| v.clone()).collect();
    let fields: Option<Vec<String>> =
        query.iter().find(|(k, _)| k == "fields").map(|(_, f)| f.split(',').map(str::to_owned).collect());
    let items: Vec<String> = s
        .entities
        .iter()
        .filter(|(_, e)| filtered_in(e, &filters))
        .map(|(uid, e)| match &fields {
            None => e.json.clone(),
            Some(fields) => project(uid, e, fields).to_string(),
        })
        .collect();
    json_response(StatusCode::OK, format!("[{}]", items.join(",")), gzip)
}

/// `fields` projection: identity fields straight from the entry, others from the document.
fn project(uid: &str, e: &Entry, fields: &[String]) -> Value {
    let mut doc: Option<Value> = None;
    let mut out = Value::Object(Map::new());
    for field in fields {
        let value = match field.as_str() {
            "kind" => json!(e.kind),
            "metadata.uid" => json!(uid),
            "metadata.etag" => json!(e.etag),
            "metadata.name" => json!(e.name),
            "metadata.namespace" => json!(e.namespace),
            other => {
                let d = doc.get_or_insert_with(|| serde_json::from_str(&e.json).unwrap());
                match other.split('.').try_fold(&*d, |v, k| v.get(k)) {
                    Some(v) => v.clone(),
                    None => continue,
                }
            }
        };
        let mut at = &mut out;
        let keys: Vec<&str> = field.split('.').collect();
        for k in &keys[..keys.len() - 1] {
            at = at.as_object_mut().unwrap().entry(*k).or_insert_with(|| Value::Object(Map::new()));
        }
        at.as_object_mut().unwrap().insert(keys[keys.len() - 1].to_owned(), value);
    }
    out
}

fn by_refs(s: &FakeState, body: &[u8], gzip: bool) -> Response {
    let Ok(asked) = serde_json::from_slice::<Value>(body) else {
        return error(StatusCode::BAD_REQUEST, "InputError", "Malformed request body");
    };
    let Some(refs) = asked["entityRefs"].as_array() else {
        return error(StatusCode::BAD_REQUEST, "InputError", "entityRefs is required");
    };
    let by_ref: BTreeMap<String, &Entry> = s.entities.values().map(|e| (e.canonical_ref(), e)).collect();
    let mut out = String::from("{\"items\":[");
    for (i, r) in refs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let r = r.as_str().map(str::to_lowercase).filter(|r| !s.gone_from_refs.contains(r));
        match r.and_then(|r| by_ref.get(&r)) {
            Some(e) => out.push_str(&e.json),
            None => out.push_str("null"),
        }
    }
    out.push_str("]}");
    json_response(StatusCode::OK, out, gzip)
}

/// A generated entity in the served shape: Users, Groups and Components in the proportions of
/// an org catalog, with annotations and relations, about 700–900 bytes of JSON each.
pub fn generated(i: usize) -> Value {
    let uid = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        i.wrapping_mul(2_654_435_761) as u32,
        i % 65536,
        i % 4096,
        (i / 7) % 4096,
        i
    );
    let etag = format!("{:040x}", fxhash(&uid));
    let location = format!("url:https://github.com/acme/repo-{}/blob/main/catalog-info.yaml", i / 20);
    let (kind, name, spec, relations) = match i % 20 {
        0 => (
            "Group",
            format!("team-{i}"),
            json!({"type": "team", "children": [], "profile": {"displayName": format!("Team {i}")}}),
            json!([{"type": "hasMember", "targetRef": format!("user:default/user-{}", i + 1)}, {"type": "ownerOf", "targetRef": format!("component:default/service-{}", i + 5)}]),
        ),
        1..=4 => (
            "User",
            format!("user-{i}"),
            json!({"profile": {"displayName": format!("User {i}"), "email": format!("user-{i}@example.com")}, "memberOf": [format!("team-{}", i - i % 20)]}),
            json!([{"type": "memberOf", "targetRef": format!("group:default/team-{}", i - i % 20)}]),
        ),
        _ => (
            "Component",
            format!("service-{i}"),
            json!({"type": "service", "lifecycle": "production", "owner": format!("group:team-{}", i - i % 20), "dependsOn": [format!("component:service-{}", i + 1)]}),
            json!([{"type": "dependsOn", "targetRef": format!("component:default/service-{}", i + 1)}, {"type": "dependencyOf", "targetRef": format!("component:default/service-{}", i.saturating_sub(1))}, {"type": "ownedBy", "targetRef": format!("group:default/team-{}", i - i % 20)}]),
        ),
    };
    json!({
        "metadata": {
            "namespace": "default",
            "annotations": {
                "backstage.io/managed-by-location": location,
                "backstage.io/managed-by-origin-location": location,
                "github.com/project-slug": format!("acme/repo-{}", i / 20),
            },
            "name": name,
            "description": format!("Generated entity number {i} of the benchmark catalog."),
            "uid": uid,
            "etag": etag,
        },
        "apiVersion": "backstage.io/v1alpha1",
        "kind": kind,
        "spec": spec,
        "relations": relations,
    })
}

/// A client of `fake` configured by `extra` TOML lines (fast retries unless overridden), with
/// `token` in `BACKLINE_BACKSTAGE_TOKEN`.
pub fn client_with_token(fake: &Fake, extra: &str, token: &str) -> backline_backstage::Backstage {
    let mut text = format!("base_url = \"{}\"\nfrontend_url = \"https://portal.example.com\"\n{extra}\n", fake.url);
    if !extra.contains("retry_base_ms") {
        text.push_str("retry_base_ms = 5\n");
    }
    let section: backline_backstage::BackstageSection = toml::from_str(&text).unwrap();
    let token = token.to_owned();
    let config = section.resolve(&move |name| (name == backline_backstage::ENV_TOKEN).then(|| token.clone())).unwrap();
    backline_backstage::Backstage::new(config).unwrap()
}

pub fn client(fake: &Fake, extra: &str) -> backline_backstage::Backstage {
    client_with_token(fake, extra, TOKEN)
}

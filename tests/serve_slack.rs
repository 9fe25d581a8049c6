//! End to end: the real `backline serve` binary on a loopback port, indexing the example catalog,
//! answering signed Slack requests; a fake Slack Web API (plain `std` HTTP on loopback) receives
//! what the bot posts. Also: several replicas on one PostgreSQL catalog give the same answers,
//! and a changed catalog file is picked up while serving.
//!
//! PostgreSQL (127.0.0.1:5432, database `test`): when unreachable the replica test fails if `CI`
//! is set and is skipped with a message otherwise, like the index tests.

#![cfg(unix)]

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backline_test_support::example_catalog;
use backline_test_support::http::{Response, http, read_message};
use serde_json::{Value, json};

const SECRET: &str = "e2e-signing-secret";
const BOT_TOKEN: &str = "xoxb-e2e-0000-secret";
const TEAM: &str = "T0E2E";

// ------------------------------------------------------------------------------------------
// Requests to the server under test (HTTP over std: `backline_test_support::http`).

fn signed(addr: SocketAddr, path: &str, content_type: &str, body: &str, secret: &str) -> Response {
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
    let sig = backline_bot::slack::verify::sign(secret, &ts, body.as_bytes());
    http(
        addr,
        "POST",
        path,
        &[("Content-Type", content_type.to_owned()), ("X-Slack-Signature", sig), ("X-Slack-Request-Timestamp", ts)],
        body,
    )
}

fn form(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

fn slash(addr: SocketAddr, text: &str) -> Response {
    slash_as(addr, "U2147483697", text)
}

fn slash_as(addr: SocketAddr, user_id: &str, text: &str) -> Response {
    let body = form(&[
        ("token", "x"),
        ("team_id", TEAM),
        ("team_domain", "northwind"),
        ("channel_id", "C2147483705"),
        ("user_id", user_id),
        ("user_name", "oncall"),
        ("command", "/backline"),
        ("text", text),
        ("response_url", "http://127.0.0.1:9/hooks/commands/unused"),
        ("trigger_id", "1.2.3"),
        ("api_app_id", "A123"),
    ]);
    signed(addr, "/slack/commands", "application/x-www-form-urlencoded", &body, SECRET)
}

/// One request to the fake Web API: path, authorization header, JSON body.
type SlackCall = (String, Option<String>, Value);

/// What the fake `users.info` says about a member: `U2147483697` is Priya Raman of the example
/// catalog (her address in another case than the catalog's), `U0NOEMAIL` a member whose e-mail
/// the app may not read (no `users:read.email` scope), `U0STRANGER` someone the catalog does not
/// know; anyone else is `user_not_found`.
fn users_info(path: &str) -> String {
    let user = path.split_once("user=").map_or("", |(_, u)| u.split('&').next().unwrap_or(""));
    let profile = match user {
        "U2147483697" => json!({"real_name": "Priya Raman", "email": "Priya.Raman@Northwind.example"}),
        "U0NOEMAIL" => json!({"real_name": "No Scope"}),
        "U0STRANGER" => json!({"real_name": "Stranger", "email": "stranger@elsewhere.example"}),
        _ => return r#"{"ok":false,"error":"user_not_found"}"#.to_owned(),
    };
    json!({"ok": true, "user": {"id": user, "name": "x", "tz": "Europe/Paris", "tz_offset": 3600, "profile": profile}})
        .to_string()
}

/// One request to the fake as received: path, authorization header, content type, body bytes.
type RawCall = (String, Option<String>, Option<String>, Vec<u8>);

/// The file id and upload path the fake hands out for uploads.
const FILE_ID: &str = "F0CHART";

/// The channel id the fake says a message went to: ids as given, names (`#platform-migrations`)
/// as a made-up id (`CPLATFORMMIGRATIONS`), as Slack answers with the id of a named channel.
fn channel_id(channel: &str) -> String {
    if channel.starts_with('#') {
        format!("C{}", channel.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_uppercase())
    } else {
        channel.to_owned()
    }
}

/// A fake Slack Web API: records each request, answers ok (and `users.info` from [`users_info`]);
/// file uploads go through Slack's external upload flow, or are refused with `missing_scope` as
/// for a bot without `files:write`.
struct FakeSlack {
    addr: SocketAddr,
    calls: Arc<Mutex<Vec<SlackCall>>>,
    raw: Arc<Mutex<Vec<RawCall>>>,
}

impl FakeSlack {
    fn start() -> FakeSlack {
        FakeSlack::start_with(true)
    }

    fn start_with(uploads: bool) -> FakeSlack {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (record, record_raw) = (Arc::clone(&calls), Arc::clone(&raw));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (record, record_raw) = (Arc::clone(&record), Arc::clone(&record_raw));
                std::thread::spawn(move || {
                    while let Some((line, headers, bytes)) = read_message(&mut stream) {
                        let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                        let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
                        let auth = header("authorization");
                        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                        let (content_type, reply) = if path.starts_with("/api/users.info") {
                            ("application/json", users_info(&path))
                        } else if path.starts_with("/api/files.getUploadURLExternal") && uploads {
                            let url = format!("http://{addr}/upload/{FILE_ID}");
                            ("application/json", json!({"ok": true, "upload_url": url, "file_id": FILE_ID}).to_string())
                        } else if path.starts_with("/api/files.getUploadURLExternal") {
                            let refused = json!({"ok": false, "error": "missing_scope", "needed": "files:write", "provided": "chat:write,commands"});
                            ("application/json", refused.to_string())
                        } else if path.starts_with("/upload/") {
                            ("text/plain", format!("OK - {}", bytes.len()))
                        } else if path.starts_with("/api/files.completeUploadExternal") {
                            (
                                "application/json",
                                json!({"ok": true, "files": [{"id": FILE_ID, "title": "chart"}]}).to_string(),
                            )
                        } else if path.starts_with("/api/chat.postMessage") {
                            let channel = channel_id(body["channel"].as_str().unwrap_or("C1"));
                            let reply = json!({"ok": true, "channel": channel, "ts": "1.2", "message": {"ts": "1.2", "text": "x"}});
                            ("application/json", reply.to_string())
                        } else {
                            ("application/json", r#"{"ok":true,"channel":"C1","ts":"1.2"}"#.to_owned())
                        };
                        record_raw.lock().unwrap().push((path.clone(), auth.clone(), header("content-type"), bytes));
                        record.lock().unwrap().push((path, auth, body));
                        let resp = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{reply}",
                            reply.len()
                        );
                        if stream.write_all(resp.as_bytes()).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        FakeSlack { addr, calls, raw }
    }

    fn calls_to(&self, prefix: &str) -> Vec<SlackCall> {
        self.calls.lock().unwrap().iter().filter(|c| c.0.starts_with(prefix)).cloned().collect()
    }

    fn raw_calls_to(&self, prefix: &str) -> Vec<RawCall> {
        self.raw.lock().unwrap().iter().filter(|c| c.0.starts_with(prefix)).cloned().collect()
    }

    /// The paths called so far, in order.
    fn paths(&self) -> Vec<String> {
        self.calls.lock().unwrap().iter().map(|c| c.0.split('?').next().unwrap_or("").to_owned()).collect()
    }

    fn wait_for(&self, path: &str, timeout: Duration) -> (String, Option<String>, Value) {
        self.wait_for_nth(path, 1, timeout)
    }

    /// The `n`th call (from 1) whose path starts with `prefix`.
    fn wait_for_nth(&self, prefix: &str, n: usize, timeout: Duration) -> SlackCall {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(c) = self.calls_to(prefix).into_iter().nth(n - 1) {
                return c;
            }
            assert!(Instant::now() < deadline, "no call {n} to {prefix}: {:?}", self.paths());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

// ------------------------------------------------------------------------------------------
// The binary.

struct Serve {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    fn start(dir: &Path, toml: &str, extra_args: &[&str]) -> Serve {
        let config = dir.join("backline.toml");
        std::fs::write(&config, toml).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_backline"));
        command
            .args(["serve", "--config"])
            .arg(&config)
            .args(["--listen", "127.0.0.1:0", "--log", "info"])
            .args(extra_args)
            .env("BACKLINE_SLACK_BOT_TOKEN", BOT_TOKEN)
            .env("BACKLINE_SLACK_SIGNING_SECRET", SECRET)
            .env_remove("BACKLINE_SLACK_APP_TOKEN")
            .env_remove("BACKLINE_STORE_URL");
        let (child, addr, stderr) = backline_test_support::process::spawn_serve(command, Duration::from_secs(60));
        let serve = Serve { child, addr, stderr };
        serve.wait_ready();
        serve
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if http(self.addr, "GET", "/readyz", &[], "").status == 200 {
                return;
            }
            assert!(Instant::now() < deadline, "never ready: {}", self.stderr.lock().unwrap());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM, and the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("serve did not stop on SIGTERM: {}", self.stderr.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(store_url: &str, source: &Path, api_url: &str) -> String {
    format!(
        "[store]\nurl = {store_url:?}\n\n[[source]]\nname = \"northwind\"\npath = {:?}\n\n[slack]\nmode = \"http\"\nallowed_teams = [\"{TEAM}\"]\napi_url = {api_url:?}\n",
        source.display().to_string()
    )
}

fn text(v: &Value) -> String {
    v.to_string()
}

#[test]
fn serve_answers_a_signed_slash_command_with_the_example_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeSlack::start();
    let toml = config("sqlite://index.db", &example_catalog(), &format!("http://{}/api", fake.addr));
    let serve = Serve::start(dir.path(), &toml, &["--no-watch"]);

    let resp = slash(serve.addr, "owner payments-api");
    assert_eq!(resp.status, 200, "{}", resp.body);
    let v = resp.json();
    assert_eq!(v["response_type"], "ephemeral");
    let t = text(&v);
    for needle in [
        "Payments API",
        "*Payments* (`team-payments`)",
        "PPAY0A1",
        "#payments-oncall",
        "payments@northwind.example",
        "Payments runbook",
        "production",
    ] {
        assert!(t.contains(needle), "missing {needle:?} in {t}");
    }

    let impact = slash(serve.addr, "impact orders-db").json();
    let t = text(&impact);
    assert!(t.contains("Blast radius") && t.contains("orders-service") && t.contains("team-fulfilment"), "{t}");

    // Unsigned and wrongly signed requests never reach the engine.
    let body = "team_id=T0E2E&text=owner+payments-api";
    assert_eq!(
        http(
            serve.addr,
            "POST",
            "/slack/commands",
            &[("Content-Type", "application/x-www-form-urlencoded".into())],
            body
        )
        .status,
        401
    );
    assert_eq!(signed(serve.addr, "/slack/commands", "application/x-www-form-urlencoded", body, "wrong").status, 401);

    // A mention is answered through the (fake) Web API, threaded, with the bot token.
    let event = json!({
        "token": "x", "team_id": TEAM, "api_app_id": "A123", "type": "event_callback", "event_id": "Ev0E2E", "event_time": 1,
        "event": {"type": "app_mention", "user": "U1", "text": "<@UBOT> what breaks if orders-db goes down", "ts": "1700000000.000100", "channel": "C0E2E", "event_ts": "1700000000.000100"}
    });
    assert_eq!(signed(serve.addr, "/slack/events", "application/json", &event.to_string(), SECRET).status, 200);
    let (_, auth, posted) = fake.wait_for("/api/chat.postMessage", Duration::from_secs(20));
    assert_eq!(auth.as_deref(), Some(format!("Bearer {BOT_TOKEN}").as_str()));
    assert_eq!(posted["channel"], "C0E2E");
    assert_eq!(posted["thread_ts"], "1700000000.000100");
    assert!(text(&posted).contains("orders-service"), "{posted}");

    let metrics = http(serve.addr, "GET", "/metrics", &[], "").body;
    assert!(metrics.contains("backline_slack_requests_total"), "{metrics}");
    let logs = serve.stderr.lock().unwrap().clone();
    assert!(!logs.contains(BOT_TOKEN) && !logs.contains(SECRET), "{logs}");
    assert!(serve.stop().success(), "clean exit on SIGTERM");
}

/// Who is asking: the Slack member's e-mail from `users.info` (cached) to the catalog User, "what
/// do I own" answered with their team's entities, and an asker nobody can match told why and how
/// to fix it. Also: a fuzzy name says which name it answers, and impact in chat is shallow with a
/// button for more.
#[test]
fn the_asker_is_matched_through_users_info_and_answers_say_what_they_matched() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeSlack::start();
    let toml = config("sqlite://index.db", &example_catalog(), &format!("http://{}/api", fake.addr));
    let serve = Serve::start(dir.path(), &toml, &["--no-watch"]);

    // Priya is in team-payments: what she owns is her team's.
    let t = text(&slash(serve.addr, "what do I own").json());
    for needle in ["What you own", "Priya Raman", "team-payments", "payments-api", "matched by your e-mail address"] {
        assert!(t.contains(needle), "missing {needle:?} in {t}");
    }
    let t = text(&slash(serve.addr, "what does my team own").json());
    assert!(t.contains("What your teams own") && t.contains("payments-api"), "{t}");
    let t = text(&slash(serve.addr, "me own").json());
    assert!(t.contains("payments-api"), "{t}");
    // No provider configured: "am I on call" says so instead of guessing.
    let t = text(&slash(serve.addr, "am I on call").json());
    assert!(t.contains("No on-call provider is configured"), "{t}");
    // users.info once for her, with the bot token: later questions use the cache.
    let lookups = fake.calls_to("/api/users.info");
    assert_eq!(lookups.len(), 1, "{lookups:?}");
    assert!(lookups[0].0.contains("user=U2147483697"), "{lookups:?}");
    assert_eq!(lookups[0].1.as_deref(), Some(format!("Bearer {BOT_TOKEN}").as_str()));

    // Unmatched askers are told why, and what to add; nothing is guessed.
    let t = text(&slash_as(serve.addr, "U0STRANGER", "what do I own").json());
    assert!(t.contains("stranger@elsewhere.example") && t.contains("spec.profile.email"), "{t}");
    assert!(t.contains("slack.com/user_id: U0STRANGER"), "{t}");
    let t = text(&slash_as(serve.addr, "U0NOEMAIL", "what do I own").json());
    assert!(t.contains("users:read.email") && t.contains("slack.com/user_id: U0NOEMAIL"), "{t}");

    // A typo is answered for the closest name, and the answer says so.
    let t = text(&slash(serve.addr, "who owns paymnets-api").json());
    assert!(t.contains("Showing payments-api for") && t.contains("paymnets-api"), "{t}");

    // Impact in chat is two levels deep, teams first, with a button for the whole blast radius.
    let shallow = slash(serve.addr, "what breaks if orders-db goes down").json();
    let t = text(&shallow);
    assert!(t.contains("up to depth 2") && t.contains("Teams affected"), "{t}");
    assert!(t.find("Teams affected") < t.find("up to depth 2"), "teams first: {t}");
    let more = "what breaks if resource:default/orders-db goes down depth 10";
    let button = shallow["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["value"] == more)
        .unwrap_or_else(|| panic!("no button asking {more:?}: {t}"));
    assert!(button["action_id"].as_str().unwrap().starts_with("backline.ask"), "{button}");
    // Pressing it answers the whole radius through the response_url.
    let payload = json!({
        "type": "block_actions", "team": {"id": TEAM}, "user": {"id": "U2147483697", "team_id": TEAM},
        "api_app_id": "A123", "token": "x", "container": {"type": "message", "is_ephemeral": true},
        "response_url": format!("http://{}/hooks/impact", fake.addr),
        "actions": [{"action_id": button["action_id"], "block_id": "b", "value": more, "type": "button", "action_ts": "1"}]
    });
    let body = form(&[("payload", &payload.to_string())]);
    assert_eq!(
        signed(serve.addr, "/slack/interactions", "application/x-www-form-urlencoded", &body, SECRET).status,
        200
    );
    let (_, _, deep) = fake.wait_for("/hooks/impact", Duration::from_secs(20));
    let t = text(&deep);
    assert!(t.contains("up to depth 10") && t.contains("Depth 4"), "{t}");

    let logs = serve.stderr.lock().unwrap().clone();
    assert!(!logs.contains(BOT_TOKEN) && !logs.to_lowercase().contains("priya.raman@northwind.example"), "{logs}");
    serve.stop();
}

#[test]
fn a_changed_catalog_file_is_answered_without_restarting() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    copy_dir(&example_catalog(), &catalog);
    let toml = config("sqlite://index.db", &catalog, "http://127.0.0.1:9/api");
    let serve = Serve::start(dir.path(), &toml, &[]);
    assert!(text(&slash(serve.addr, "owner payments-api").json()).contains("`team-payments`"));

    let file = catalog.join("services/payments-api/catalog-info.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    let before = "  lifecycle: production\n  owner: team-payments\n  system: payments\n";
    assert!(yaml.contains(before), "the example catalog changed; update this test");
    std::fs::write(
        &file,
        yaml.replace(before, "  lifecycle: production\n  owner: team-checkout\n  system: payments\n"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let t = text(&slash(serve.addr, "owner payments-api").json());
        if t.contains("`team-checkout`") {
            break;
        }
        assert!(Instant::now() < deadline, "the change was not picked up: {t}");
        std::thread::sleep(Duration::from_millis(200));
    }
    serve.stop();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The PostgreSQL server for the replica test, or `None` (skip) outside CI.
fn postgres() -> Option<String> {
    let url =
        std::env::var("BACKLINE_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    if TcpStream::connect_timeout(&"127.0.0.1:5432".parse().unwrap(), Duration::from_secs(2)).is_ok() {
        return Some(url);
    }
    let message = "PostgreSQL is unreachable on 127.0.0.1:5432";
    assert!(std::env::var_os("CI").is_none(), "{message}; CI requires the PostgreSQL tests to run");
    eprintln!("skipping the replica test: {message}");
    None
}

#[test]
fn replicas_on_one_postgres_catalog_give_the_same_answers() {
    let Some(base) = postgres() else { return };
    let schema = format!("bl_serve_e2e_{}", std::process::id());
    let store = format!("{base}?schema={schema}");
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let toml = config(&store, &example_catalog(), "http://127.0.0.1:9/api");
    // Both index at start; the store's lock lets one of them do it while the other reads.
    let a = Serve::start(a_dir.path(), &toml, &["--no-watch"]);
    let b = Serve::start(b_dir.path(), &toml, &["--no-watch"]);
    for question in
        ["owner payments-api", "impact orders-db", "team team-payments", "search fraud", "who owns payments"]
    {
        let (ra, rb) = (slash(a.addr, question), slash(b.addr, question));
        assert_eq!(ra.status, 200);
        assert_eq!(ra.json(), rb.json(), "replicas disagree on {question:?}");
        assert!(text(&ra.json()).contains("payments") || question.contains("orders"), "{question}: {}", ra.body);
    }
    a.stop();
    b.stop();
    // Drop the schema (psql is how the test environment talks to the server).
    let _ = Command::new("psql")
        .arg(&base)
        .args(["-q", "-c", &format!("DROP SCHEMA IF EXISTS {schema} CASCADE")])
        .env("PGOPTIONS", "--client-min-messages=warning")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

// ------------------------------------------------------------------------------------------
// Migrations: burn-down charts with the answers, nudges on their schedule.

/// The python3 migration of the example catalog, as `tests/migration.rs` has it.
const PYTHON3: &str =
    "\n[[migration]]\nname = \"python3\"\nscope = \"kind:component\"\ntodo = \"tag:python2\"\ndone = \"tag:python3\"\n";

fn mention(addr: SocketAddr, event_id: &str, text: &str) {
    let event = json!({
        "token": "x", "team_id": TEAM, "api_app_id": "A123", "type": "event_callback", "event_id": event_id, "event_time": 1,
        "event": {"type": "app_mention", "user": "U1", "text": format!("<@UBOT> {text}"), "ts": "1700000000.000200", "channel": "C0E2E", "event_ts": "1700000000.000200"}
    });
    assert_eq!(signed(addr, "/slack/events", "application/json", &event.to_string(), SECRET).status, 200);
}

fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000
}

/// A migration answer asked in a channel comes with its burn-down: the answer is posted, then
/// the PNG goes through Slack's external upload flow into the answer's thread, with the bot
/// token on the API calls and not on the upload URL. An ephemeral slash answer uploads nothing
/// (a file would show it to the whole channel).
#[test]
fn a_migration_answer_in_a_channel_uploads_its_burn_down_chart() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeSlack::start();
    let toml = config("sqlite://index.db", &example_catalog(), &format!("http://{}/api", fake.addr)) + PYTHON3;
    let serve = Serve::start(dir.path(), &toml, &["--no-watch"]);

    let slash_answer = text(&slash(serve.addr, "migration python3").json());
    assert!(slash_answer.contains("Migration python3") && slash_answer.contains("team-payments"), "{slash_answer}");

    mention(serve.addr, "EvChart1", "how is the python3 migration going");
    let (_, auth, complete) = fake.wait_for("/api/files.completeUploadExternal", Duration::from_secs(30));
    let bearer = format!("Bearer {BOT_TOKEN}");
    assert_eq!(auth.as_deref(), Some(bearer.as_str()));
    assert_eq!(complete["channel_id"], "C0E2E", "{complete}");
    assert_eq!(complete["thread_ts"], "1700000000.000200", "{complete}");
    assert_eq!(complete["files"][0]["id"], FILE_ID, "{complete}");
    assert!(
        complete["files"][0]["title"].as_str().unwrap().starts_with("Burn-down of migration python3"),
        "{complete}"
    );

    // The three calls of the flow, once, after the answer itself.
    let paths: Vec<String> = fake.paths().into_iter().filter(|p| !p.starts_with("/api/users.info")).collect();
    let upload = format!("/upload/{FILE_ID}");
    assert_eq!(
        paths,
        [
            "/api/chat.postMessage",
            "/api/files.getUploadURLExternal",
            upload.as_str(),
            "/api/files.completeUploadExternal"
        ]
    );
    let (_, _, answer) = &fake.calls_to("/api/chat.postMessage")[0];
    assert!(text(answer).contains("Migration python3"), "{answer}");
    let get = &fake.calls_to("/api/files.getUploadURLExternal")[0];
    let (_, upload_auth, content_type, bytes) = &fake.raw_calls_to("/upload/")[0];
    assert!(is_png(bytes), "the uploaded bytes are a PNG ({} bytes)", bytes.len());
    assert!(
        get.0.contains("filename=burn-down.png") && get.0.contains(&format!("length={}", bytes.len())),
        "{}",
        get.0
    );
    assert_eq!(get.1.as_deref(), Some(bearer.as_str()));
    assert_eq!(content_type.as_deref(), Some("image/png"));
    assert_eq!(*upload_auth, None, "the bot token is not sent to the upload URL");

    let metrics = http(serve.addr, "GET", "/metrics", &[], "").body;
    assert!(metrics.contains(r#"backline_charts_total{platform="slack",outcome="uploaded"} 1"#), "{metrics}");
    let logs = serve.stderr.lock().unwrap().clone();
    assert!(!logs.contains(BOT_TOKEN) && !logs.contains(&upload), "{logs}");
    serve.stop();
}

/// A bot without `files:write` (Slack answers `missing_scope`) shows the chart in an image block
/// whose URL `serve` serves itself, under `public_url`, at an unguessable path; it does not ask
/// Slack again. An ephemeral slash answer gets its image block through the `response_url`.
#[test]
fn without_files_write_the_chart_is_an_image_block_served_by_serve() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeSlack::start_with(false);
    let toml = config("sqlite://index.db", &example_catalog(), &format!("http://{}/api", fake.addr))
        .replace("[slack]\n", "[slack]\npublic_url = \"https://backline.example.com/bl\"\n")
        + PYTHON3;
    let serve = Serve::start(dir.path(), &toml, &["--no-watch"]);

    mention(serve.addr, "EvChart2", "how is the python3 migration going");
    let (_, _, image) = fake.wait_for_nth("/api/chat.postMessage", 2, Duration::from_secs(30));
    assert_eq!(image["channel"], "C0E2E");
    assert_eq!(image["thread_ts"], "1700000000.000200");
    let block = &image["blocks"][0];
    assert_eq!(block["type"], "image", "{image}");
    assert!(block["alt_text"].as_str().unwrap().starts_with("Burn-down of migration python3"), "{block}");
    let url = block["image_url"].as_str().unwrap();
    let path = url.strip_prefix("https://backline.example.com/bl").unwrap_or_else(|| panic!("{url}"));
    let token =
        path.strip_prefix("/slack/charts/").and_then(|t| t.strip_suffix(".png")).unwrap_or_else(|| panic!("{url}"));
    assert!(token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()), "128 random bits: {token}");

    // Served by serve itself, as a PNG; a guessed path is not.
    let mut s = TcpStream::connect(serve.addr).unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut s, &mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    assert!(head.starts_with("http/1.1 200") && head.contains("content-type: image/png"), "{head}");
    assert!(is_png(&raw[split + 4..]));
    let guessed = format!("/slack/charts/{}.png", "0".repeat(32));
    assert_eq!(http(serve.addr, "GET", &guessed, &[], "").status, 404);

    // Slack is not asked again; an ephemeral slash answer's image goes to its response_url.
    let body = form(&[
        ("team_id", TEAM),
        ("channel_id", "C2147483705"),
        ("user_id", "U2147483697"),
        ("command", "/backline"),
        ("text", "migration python3"),
        ("response_url", &format!("http://{}/hooks/chart", fake.addr)),
    ]);
    assert_eq!(signed(serve.addr, "/slack/commands", "application/x-www-form-urlencoded", &body, SECRET).status, 200);
    let (_, _, followed) = fake.wait_for("/hooks/chart", Duration::from_secs(30));
    assert_eq!(followed["response_type"], "ephemeral");
    assert_eq!(followed["blocks"][0]["type"], "image", "{followed}");
    assert_eq!(fake.calls_to("/api/files.getUploadURLExternal").len(), 1);
    assert!(fake.calls_to("/upload/").is_empty() && fake.calls_to("/api/files.completeUploadExternal").is_empty());
    serve.stop();
}

/// Nudges: `serve` posts each team's part of the migration to its channel and the summary to
/// the configured channel, once per period, remembered in the store across restarts; a dry run
/// logs instead.
#[test]
fn serve_posts_migration_nudges_once_per_team_per_period() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeSlack::start();
    let nudged = format!(
        "{PYTHON3}[migration.nudge]\nevery = \"weekly\"\nsummary_channel = \"#platform-migrations\"\n\n[serve]\nnudge_check_secs = 1\n"
    );
    let toml = config("sqlite://index.db", &example_catalog(), &format!("http://{}/api", fake.addr)) + &nudged;
    let serve = Serve::start(dir.path(), &toml, &["--no-watch"]);

    // Two checks: the first posts, the second finds every post made.
    let checks = wait_for_log(&serve, "migration nudges checked", 2);
    assert!(checks[0].contains("posted=5") && checks[0].contains("already=0"), "{checks:?}");
    assert!(checks[1].contains("posted=0") && checks[1].contains("already=5"), "{checks:?}");
    let posts = fake.calls_to("/api/chat.postMessage");
    let sent: Vec<(&str, String)> = posts
        .iter()
        .map(|(_, _, body)| (body["channel"].as_str().unwrap(), body["text"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        sent,
        [
            ("#payments-oncall", "Migration python3 for team-payments: 60% done, 2 remaining.".to_owned()),
            ("#fulfilment", "Migration python3 for team-fulfilment: 0% done, 1 remaining.".to_owned()),
            ("#logistics", "Migration python3 for team-logistics: 0% done, 1 remaining.".to_owned()),
            ("#data-team", "Migration python3 for team-data: 50% done, 1 remaining.".to_owned()),
            ("#platform-migrations", "Migration python3: 44% done, 5 remaining across 4 teams.".to_owned()),
        ]
    );
    for (_, auth, body) in &posts {
        assert_eq!(auth.as_deref(), Some(format!("Bearer {BOT_TOKEN}").as_str()));
        assert!(text(body).contains("left, ") && !text(body).contains("team-sre"), "{body}");
    }
    // The summary carries the burn-down, in the summary channel (by the id Slack answered with).
    let (_, _, complete) = fake.wait_for("/api/files.completeUploadExternal", Duration::from_secs(10));
    assert_eq!(complete["channel_id"], "CPLATFORMMIGRATIONS");
    assert_eq!(fake.calls_to("/api/files.completeUploadExternal").len(), 1);
    serve.stop();

    // A restart in the same period posts nothing: the store remembers.
    let serve = Serve::start(dir.path(), &toml, &["--no-watch"]);
    let checks = wait_for_log(&serve, "migration nudges checked", 1);
    assert!(checks[0].contains("posted=0") && checks[0].contains("already=5"), "{checks:?}");
    assert_eq!(fake.calls_to("/api/chat.postMessage").len(), 5);
    serve.stop();

    // A dry run on a fresh store logs each post once and posts nothing.
    let dry_dir = tempfile::tempdir().unwrap();
    let dry = toml.replace("nudge_check_secs = 1\n", "nudge_check_secs = 1\nnudge_dry_run = true\n");
    let serve = Serve::start(dry_dir.path(), &dry, &["--no-watch"]);
    let checks = wait_for_log(&serve, "migration nudges checked", 2);
    assert!(checks[0].contains("logged=5") && checks[1].contains("logged=0"), "{checks:?}");
    let logs = serve.stderr.lock().unwrap().clone();
    assert_eq!(logs.matches("nudge dry run: would post").count(), 5, "{logs}");
    assert!(logs.contains("channel=#payments-oncall"), "{logs}");
    assert_eq!(fake.calls_to("/api/chat.postMessage").len(), 5);
    serve.stop();
}

/// The first `n` log lines containing `needle`, once there are that many.
fn wait_for_log(serve: &Serve, needle: &str, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lines: Vec<String> =
            serve.stderr.lock().unwrap().lines().filter(|l| l.contains(needle)).map(str::to_owned).collect();
        if lines.len() >= n {
            return lines.into_iter().take(n).collect();
        }
        assert!(Instant::now() < deadline, "fewer than {n} lines with {needle:?}: {}", serve.stderr.lock().unwrap());
        std::thread::sleep(Duration::from_millis(100));
    }
}

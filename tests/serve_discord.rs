//! End to end: the real `backline serve` binary on a loopback port, indexing the example catalog,
//! answering Discord interactions signed with a test key pair (PING, `/backline owner`,
//! autocomplete, `/backline impact`), refusing a bad signature; a migration answer's burn-down
//! chart attached by editing the answer (multipart, against a fake Discord REST API on loopback,
//! plain `std` HTTP); `/backline scorecard` with and without a team; and `backline discord
//! register` registering the command (its options snapshotted).

#![cfg(unix)]

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backline_test_support::example_catalog;
use backline_test_support::http::{Response, http, read_message};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

const BOT_TOKEN: &str = "MTAxMTExMTExMTExMTExMTExMQ.e2e.bot-token-secret";
const APP_ID: &str = "1011111111111111111";
const GUILD: &str = "290926798626357999";
const INTERACTION_TOKEN: &str = "aW50ZXJhY3Rpb246ZTJlLWludGVyYWN0aW9uLXRva2Vu";

fn key() -> SigningKey {
    SigningKey::from_bytes(&[42u8; 32])
}

/// POSTs an interaction signed like Discord signs it (Ed25519 over timestamp || body).
fn interaction(addr: SocketAddr, payload: &Value) -> Response {
    let body = payload.to_string();
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
    let sig = hex::encode(key().sign([ts.as_bytes(), body.as_bytes()].concat().as_slice()).to_bytes());
    http(
        addr,
        "POST",
        "/discord/interactions",
        &[("Content-Type", "application/json".into()), ("X-Signature-Ed25519", sig), ("X-Signature-Timestamp", ts)],
        &body,
    )
}

fn member() -> Value {
    json!({
        "user": {"id": "53908232506183680", "username": "oncall", "global_name": "On Call", "avatar": null, "discriminator": "0", "public_flags": 0},
        "roles": [], "premium_since": null, "permissions": "2147483647", "pending": false, "nick": null,
        "mute": false, "deaf": false, "joined_at": "2017-03-13T19:19:14.040000+00:00", "flags": 0
    })
}

/// An APPLICATION_COMMAND (2) or AUTOCOMPLETE (4) interaction in the allowlisted guild.
fn backline(kind: u8, sub: &str, options: Value) -> Value {
    json!({
        "type": kind, "id": "786008729715212338", "application_id": APP_ID, "token": INTERACTION_TOKEN, "version": 1,
        "guild_id": GUILD, "channel_id": "645027906669510667", "member": member(),
        "app_permissions": "442368", "locale": "en-US", "guild_locale": "en-US", "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD}, "context": 0, "attachment_size_limit": 10485760,
        "data": {"id": "771825006014889984", "name": "backline", "type": 1, "options": [{"type": 1, "name": sub, "options": options}]}
    })
}

// ------------------------------------------------------------------------------------------
// A fake Discord REST API: records (method, path, authorization, body); echoes commands.

type Call = (String, String, Option<String>, Value);
/// A request as received: method, path, content type, body bytes.
type RawCall = (String, String, Option<String>, Vec<u8>);

struct FakeDiscord {
    addr: SocketAddr,
    calls: Arc<Mutex<Vec<Call>>>,
    raw: Arc<Mutex<Vec<RawCall>>>,
}

impl FakeDiscord {
    fn start() -> FakeDiscord {
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
                        let mut parts = line.split_whitespace();
                        let method = parts.next().unwrap_or("").to_owned();
                        let path = parts.next().unwrap_or("").to_owned();
                        let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
                        let auth = header("authorization");
                        record_raw.lock().unwrap().push((
                            method.clone(),
                            path.clone(),
                            header("content-type"),
                            bytes.clone(),
                        ));
                        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                        let reply = match body.as_array() {
                            Some(cmds) if method == "PUT" => Value::Array(
                                cmds.iter()
                                    .map(|c| {
                                        let mut c = c.clone();
                                        c["id"] = json!("900");
                                        c["application_id"] = json!(APP_ID);
                                        c["version"] = json!("1");
                                        c["default_member_permissions"] = Value::Null;
                                        c["type"] = json!(1);
                                        c
                                    })
                                    .collect(),
                            ),
                            _ => json!({}),
                        };
                        record.lock().unwrap().push((method, path, auth, body));
                        let reply = reply.to_string();
                        let resp = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{reply}",
                            reply.len()
                        );
                        if stream.write_all(resp.as_bytes()).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        FakeDiscord { addr, calls, raw }
    }

    /// The first request whose path ends with `suffix`, waiting for it.
    fn wait_for(&self, method: &str, suffix: &str) -> RawCall {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(c) = self.raw.lock().unwrap().iter().find(|c| c.0 == method && c.1.ends_with(suffix)) {
                return c.clone();
            }
            let seen: Vec<String> = self.raw.lock().unwrap().iter().map(|c| format!("{} {}", c.0, c.1)).collect();
            assert!(Instant::now() < deadline, "no {method} …{suffix}: {seen:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The parts of a `multipart/form-data` body: (headers, content) by part name.
fn multipart(content_type: &str, body: &[u8]) -> Vec<(String, String, Vec<u8>)> {
    let boundary = content_type.split("boundary=").nth(1).expect("a boundary").trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let head_end = find(rest, b"\r\n\r\n").expect("part headers");
        let head = String::from_utf8_lossy(&rest[..head_end]).to_string();
        let content_start = head_end + 4;
        let end = find(&rest[content_start..], delimiter.as_bytes()).expect("part end") + content_start;
        let content = rest[content_start..end - 2].to_vec(); // less the CRLF before the delimiter
        let name = head.split("name=\"").nth(1).and_then(|n| n.split('"').next()).unwrap_or("").to_owned();
        parts.push((name, head, content));
        rest = &rest[end..];
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ------------------------------------------------------------------------------------------
// The binary.

fn config(dir: &Path, fake: &FakeDiscord) -> PathBuf {
    config_with(dir, fake, "")
}

/// The python3 migration of the example catalog, and a scorecard.
const MIGRATION_AND_SCORECARD: &str = "\n[[migration]]\nname = \"python3\"\nscope = \"kind:component\"\ntodo = \"tag:python2\"\ndone = \"tag:python3\"\n\n[[scorecard]]\nname = \"ready\"\nlevels = [\n  { name = \"bronze\", rules = [\"owner-has-members\", \"description\"] },\n  { name = \"silver\", rules = [\"on-call\", \"runbook-or-dashboard\"] },\n]\n";

fn config_with(dir: &Path, fake: &FakeDiscord, extra: &str) -> PathBuf {
    let toml = format!(
        "[store]\nurl = \"sqlite://index.db\"\n\n[[source]]\nname = \"northwind\"\npath = {:?}\n\n[discord]\nmode = \"http\"\napplication_id = \"{APP_ID}\"\npublic_key = \"{}\"\nallowed_guilds = [\"{GUILD}\"]\napi_url = \"http://{}\"\n",
        example_catalog().display().to_string(),
        hex::encode(key().verifying_key().to_bytes()),
        fake.addr
    ) + extra;
    let path = dir.join("backline.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

fn backline_cmd(config: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_backline"));
    cmd.arg("--config")
        .arg(config)
        .env("BACKLINE_DISCORD_TOKEN", BOT_TOKEN)
        .env_remove("BACKLINE_DISCORD_MODE")
        .env_remove("BACKLINE_DISCORD_API_URL")
        .env_remove("BACKLINE_SLACK_BOT_TOKEN")
        .env_remove("BACKLINE_SLACK_APP_TOKEN")
        .env_remove("BACKLINE_SLACK_SIGNING_SECRET")
        .env_remove("BACKLINE_STORE_URL");
    cmd
}

struct Serve {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    fn start(config: &Path) -> Serve {
        let mut command = backline_cmd(config);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--no-watch", "--log", "debug"])
            .current_dir(config.parent().unwrap());
        let (child, addr, stderr) = backline_test_support::process::spawn_serve(command, Duration::from_secs(60));
        let serve = Serve { child, addr, stderr };
        let deadline = Instant::now() + Duration::from_secs(60);
        while http(serve.addr, "GET", "/readyz", &[], "").status != 200 {
            assert!(Instant::now() < deadline, "never ready: {}", serve.stderr.lock().unwrap());
            std::thread::sleep(Duration::from_millis(100));
        }
        serve
    }

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

#[test]
fn serve_answers_signed_discord_interactions_with_the_example_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeDiscord::start();
    let config = config(dir.path(), &fake);
    let serve = Serve::start(&config);

    let ping = json!({"type": 1, "id": "1", "application_id": APP_ID, "token": INTERACTION_TOKEN, "version": 1});
    let pong = interaction(serve.addr, &ping);
    assert_eq!((pong.status, pong.json()), (200, json!({"type": 1})));

    let owner =
        interaction(serve.addr, &backline(2, "owner", json!([{"type": 3, "name": "name", "value": "payments-api"}])));
    assert_eq!(owner.status, 200, "{}", owner.body);
    let v = owner.json();
    assert_eq!((v["type"].as_u64(), v["data"]["flags"].as_u64()), (Some(4), Some(64)), "{v}");
    assert_eq!(v["data"]["allowed_mentions"]["parse"], json!([]), "{v}");
    let t = v.to_string();
    for needle in ["Payments API", "team-payments", "PPAY0A1", "#payments-oncall", "Payments runbook", "production"] {
        assert!(t.contains(needle), "missing {needle:?} in {t}");
    }

    let suggest = interaction(
        serve.addr,
        &backline(4, "owner", json!([{"type": 3, "name": "name", "value": "paym", "focused": true}])),
    )
    .json();
    assert_eq!(suggest["type"], 8, "{suggest}");
    let values: Vec<&str> =
        suggest["data"]["choices"].as_array().unwrap().iter().filter_map(|c| c["value"].as_str()).collect();
    assert!(values.contains(&"component:default/payments-api"), "{suggest}");

    let impact =
        interaction(serve.addr, &backline(2, "impact", json!([{"type": 3, "name": "name", "value": "orders-db"}])))
            .json();
    let t = impact.to_string();
    assert!(t.contains("Blast radius") && t.contains("orders-service") && t.contains("team-fulfilment"), "{t}");

    // Who is asking: the Discord user id, matched by the `discord.com/user-id` annotation.
    let about = |what: &str| json!([{"type": 3, "name": "about", "value": what}]);
    let t = interaction(serve.addr, &backline(2, "me", about("own"))).json().to_string();
    assert!(t.contains("discord.com/user-id") && t.contains("53908232506183680"), "{t}");
    let mut as_luca = backline(2, "me", about("team"));
    as_luca["member"]["user"]["id"] = json!("412345678901234567");
    let t = interaction(serve.addr, &as_luca).json().to_string();
    assert!(t.contains("What your teams own") && t.contains("checkout-api") && t.contains("payments-api"), "{t}");

    // Discord's probe: a wrong signature must get 401.
    let body = ping.to_string();
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
    let bad = http(
        serve.addr,
        "POST",
        "/discord/interactions",
        &[("X-Signature-Ed25519", "00".repeat(64)), ("X-Signature-Timestamp", ts)],
        &body,
    );
    assert_eq!(bad.status, 401);

    let metrics = http(serve.addr, "GET", "/metrics", &[], "").body;
    assert!(metrics.contains("backline_discord_requests_total"), "{metrics}");
    let logs = serve.stderr.lock().unwrap().clone();
    assert!(!logs.contains(BOT_TOKEN) && !logs.contains(INTERACTION_TOKEN), "{logs}");
    assert!(serve.stop().success(), "clean exit on SIGTERM");
}

/// A migration answer is sent at once; then the answer is edited to attach its burn-down as a
/// PNG (`multipart/form-data`: `payload_json` and `files[0]`) shown in the embed. And
/// `/backline scorecard` answers with a team and without one (the option is optional).
#[test]
fn a_migration_answer_gets_its_burn_down_attached_and_scorecards_need_no_team() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeDiscord::start();
    let config = config_with(dir.path(), &fake, MIGRATION_AND_SCORECARD);
    let serve = Serve::start(&config);

    let asked = interaction(
        serve.addr,
        &backline(2, "migration", json!([{"type": 3, "name": "migration", "value": "python3"}])),
    );
    assert_eq!(asked.status, 200, "{}", asked.body);
    let v = asked.json();
    assert_eq!(v["type"], 4, "answered at once: {v}");
    let t = v.to_string();
    assert!(t.contains("Migration python3") && t.contains("team-payments"), "{t}");

    let (_, path, content_type, body) =
        fake.wait_for("PATCH", &format!("/webhooks/{APP_ID}/{INTERACTION_TOKEN}/messages/@original"));
    assert!(path.starts_with("/api/v10/"), "{path}");
    let content_type = content_type.expect("a content type");
    assert!(content_type.starts_with("multipart/form-data"), "{content_type}");
    let parts = multipart(&content_type, &body);
    let names: Vec<&str> = parts.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(names, ["files[0]", "payload_json"]);
    let (_, file_head, png) = &parts[0];
    assert!(file_head.contains("filename=\"burn-down.png\""), "{file_head}");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000, "{} bytes", png.len());
    let payload: Value = serde_json::from_slice(&parts[1].2).unwrap();
    assert_eq!(payload["embeds"][0]["image"]["url"], "attachment://burn-down.png", "{payload}");
    assert_eq!(payload["attachments"][0]["filename"], "burn-down.png", "{payload}");
    assert_eq!(payload["allowed_mentions"]["parse"], json!([]), "{payload}");
    assert!(payload.to_string().contains("Migration python3"), "the edit keeps the answer: {payload}");

    // Scorecards: without a team, every team furthest behind first; with one, that team.
    let all = interaction(serve.addr, &backline(2, "scorecard", json!([]))).json().to_string();
    assert!(all.contains("Scorecard ready") && all.contains("Teams, furthest behind first"), "{all}");
    let team = json!([{"type": 3, "name": "team", "value": "team-payments"}]);
    let one = interaction(serve.addr, &backline(2, "scorecard", team)).json().to_string();
    assert!(one.contains("Scorecard ready · team-payments") && one.contains("payments-api"), "{one}");

    let metrics = http(serve.addr, "GET", "/metrics", &[], "").body;
    assert!(metrics.contains(r#"backline_charts_total{platform="discord",outcome="attached"} 1"#), "{metrics}");
    let logs = serve.stderr.lock().unwrap().clone();
    assert!(!logs.contains(BOT_TOKEN) && !logs.contains(INTERACTION_TOKEN), "{logs}");
    serve.stop();
}

#[test]
fn discord_register_puts_the_command_for_a_guild_and_globally() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeDiscord::start();
    let config = config(dir.path(), &fake);
    for args in
        [&["discord", "register"][..], &["discord", "register", "--guild", "7"], &["discord", "register", "--global"]]
    {
        let out = backline_cmd(&config).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(stderr.contains("registered /backline"), "{stderr}");
        assert!(!stderr.contains(BOT_TOKEN), "{stderr}");
    }
    let calls = fake.calls.lock().unwrap().clone();
    let paths: Vec<(&str, &str)> = calls.iter().map(|(m, p, _, _)| (m.as_str(), p.as_str())).collect();
    assert_eq!(
        paths,
        [
            ("PUT", format!("/api/v10/applications/{APP_ID}/guilds/{GUILD}/commands").as_str()),
            ("PUT", format!("/api/v10/applications/{APP_ID}/guilds/7/commands").as_str()),
            ("PUT", format!("/api/v10/applications/{APP_ID}/commands").as_str()),
        ]
    );
    for (_, _, auth, body) in &calls {
        assert_eq!(auth.as_deref(), Some(format!("Bot {BOT_TOKEN}").as_str()));
        let cmd = &body[0];
        assert_eq!(cmd["name"], "backline");
        assert_eq!(cmd["integration_types"], json!([0]), "guild install only");
        assert_eq!(cmd["contexts"], json!([0]), "guilds only unless allow_dms");
        let subs: Vec<&str> = cmd["options"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
        assert_eq!(
            subs,
            [
                "owner",
                "oncall",
                "impact",
                "deps",
                "team",
                "search",
                "find",
                "health",
                "migration",
                "scorecard",
                "what-is",
                "me",
                "help"
            ]
        );
        assert_eq!(cmd["options"][0]["options"][0]["autocomplete"], true);
    }
    // What each subcommand takes, as registered: a required option is one the answer needs.
    let options: Vec<Value> = calls[0].3[0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|sub| {
            let opts: Vec<Value> = sub["options"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| json!({"name": o["name"], "description": o["description"], "required": o["required"].as_bool().unwrap_or(false), "autocomplete": o["autocomplete"].as_bool().unwrap_or(false)}))
                .collect();
            json!({"subcommand": sub["name"], "options": opts})
        })
        .collect();
    insta::assert_json_snapshot!("discord_registration", options);
}

//! Who is on call now, end to end over the real binary: a fake PagerDuty on 127.0.0.1 serving
//! the documented `/services/{id}` and `/oncalls` shapes, a catalog whose component has
//! `pagerduty.com/service-id`, and `[oncall]` pointing at the fake. `ask --json` shows the level-1
//! person (matched to the catalog User by e-mail), `oncall` names them in plain text, a provider
//! answering 503 leaves the rest of the answer standing, and the key never reaches the output,
//! even with `--log trace`. "When am I on call next" (`ask --as`) finds the asker's PagerDuty user
//! by e-mail (`/users`) and their on-calls (`/oncalls?user_ids[]=…`). The same through
//! `backline serve` answering signed Slack commands.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::{Value, json};

const KEY: &str = "u+PDREADONLYKEY0123456789";

/// A fake PagerDuty: checks the key as PagerDuty does, answers 503 while `failing` is set.
struct FakePagerDuty {
    url: String,
    failing: Arc<AtomicBool>,
    calls: Arc<AtomicUsize>,
}

fn oncall_entry(level: u32, id: &str, name: &str, email: &str, times: Option<(&str, &str)>) -> Value {
    let (start, end) = times.map_or((Value::Null, Value::Null), |(s, e)| (json!(s), json!(e)));
    json!({
        "escalation_policy": {
            "id": "PEP0001", "type": "escalation_policy_reference", "summary": "Payments",
            "html_url": "https://acme.pagerduty.com/escalation_policies/PEP0001"
        },
        "escalation_level": level,
        "schedule": if times.is_some() {
            json!({"id": "PSCH01A", "type": "schedule_reference", "summary": "Payments primary",
                   "html_url": "https://acme.pagerduty.com/schedules/PSCH01A"})
        } else { Value::Null },
        "user": {
            "id": id, "type": "user", "name": name, "summary": name, "email": email,
            "html_url": format!("https://acme.pagerduty.com/users/{id}")
        },
        "start": start,
        "end": end
    })
}

fn respond(mut stream: TcpStream, failing: &AtomicBool) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut authorized = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
            && value.trim() == format!("Token token={KEY}")
        {
            authorized = true;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let (status, body) = if failing.load(Ordering::SeqCst) {
        ("503 Service Unavailable", json!({"error": {"message": "Service Unavailable", "code": 2001}}))
    } else if !authorized {
        ("401 Unauthorized", json!({"error": {"message": "Unauthorized", "code": 2006}}))
    } else if path.starts_with("/services/PSVC001") {
        (
            "200 OK",
            json!({"service": {"id": "PSVC001", "type": "service", "name": "payments-api",
                "escalation_policy": {"id": "PEP0001", "type": "escalation_policy_reference", "summary": "Payments",
                    "html_url": "https://acme.pagerduty.com/escalation_policies/PEP0001"}}}),
        )
    } else if path.starts_with("/users?") {
        // `query` matches names and addresses, case-insensitively.
        let users = if path.to_lowercase().contains("query=ada%40northwind.example") {
            vec![json!({"id": "PUSR001", "type": "user", "name": "Ada Lovelace", "email": "ada@northwind.example",
                        "html_url": "https://acme.pagerduty.com/users/PUSR001"})]
        } else {
            vec![]
        };
        ("200 OK", json!({"users": users, "limit": 100, "offset": 0, "more": false, "total": null}))
    } else if path.starts_with("/oncalls") && path.contains("user_ids%5B%5D=PUSR001") {
        // Ada's earliest on-call per policy and level over the window: the one under way, and a
        // later one on another policy.
        let mut later = oncall_entry(
            1,
            "PUSR001",
            "Ada Lovelace",
            "ada@northwind.example",
            Some(("2099-02-01T09:00:00Z", "2099-02-02T09:00:00Z")),
        );
        later["escalation_policy"] = json!({"id": "PEP0002", "type": "escalation_policy_reference", "summary": "Checkout",
            "html_url": "https://acme.pagerduty.com/escalation_policies/PEP0002"});
        let oncalls = vec![
            oncall_entry(
                1,
                "PUSR001",
                "Ada Lovelace",
                "ada@northwind.example",
                Some(("2020-01-01T00:00:00Z", "2099-01-01T09:00:00Z")),
            ),
            later,
        ];
        ("200 OK", json!({"oncalls": oncalls, "limit": 100, "offset": 0, "more": false, "total": null}))
    } else if path.starts_with("/oncalls") {
        let oncalls = vec![
            oncall_entry(
                1,
                "PUSR001",
                "Ada Lovelace",
                "ada@northwind.example",
                Some(("2020-01-01T00:00:00Z", "2099-01-01T09:00:00Z")),
            ),
            oncall_entry(2, "PUSR002", "Bob Li", "bob@northwind.example", None),
        ];
        ("200 OK", json!({"oncalls": oncalls, "limit": 100, "offset": 0, "more": false, "total": null}))
    } else {
        ("404 Not Found", json!({"error": {"message": "Not Found", "code": 2100}}))
    };
    let body = body.to_string();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

impl FakePagerDuty {
    fn start() -> FakePagerDuty {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let failing = Arc::new(AtomicBool::new(false));
        let calls = Arc::new(AtomicUsize::new(0));
        let (f, c) = (Arc::clone(&failing), Arc::clone(&calls));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                c.fetch_add(1, Ordering::SeqCst);
                let f = Arc::clone(&f);
                std::thread::spawn(move || respond(stream, &f));
            }
        });
        FakePagerDuty { url, failing, calls }
    }
}

const CATALOG: &str = r##"apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  annotations:
    pagerduty.com/service-id: PSVC001
spec:
  type: service
  lifecycle: production
  owner: team-payments
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-payments
  annotations:
    slack.com/channel: "#payments-oncall"
spec:
  type: team
  profile:
    email: payments@northwind.example
  children: []
  members: [ada]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: ada
  annotations:
    slack.com/bot-notify: U0ADA1234
    slack.com/user_id: U2147483697
spec:
  profile:
    displayName: Ada Lovelace
    email: Ada@Northwind.example
  memberOf: [team-payments]
"##;

/// A directory with the catalog, a `backline.toml` whose `[oncall]` points at `fake`, indexed.
fn workspace(fake: &FakePagerDuty) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("catalog")).unwrap();
    std::fs::write(dir.path().join("catalog/catalog-info.yaml"), CATALOG).unwrap();
    let toml = format!(
        "[store]\nurl = \"sqlite://index.db\"\n\n[[source]]\nname = \"catalog\"\npath = \"catalog\"\n\n\
         [oncall]\ntimeout_ms = 3000\ncache_secs = 1\n\n[[oncall.pagerduty]]\nname = \"prod\"\nbase_url = \"{}\"\n",
        fake.url
    );
    std::fs::write(dir.path().join("backline.toml"), toml).unwrap();
    let out = run(dir.path(), &["index"]);
    assert_eq!(out.status.code(), Some(0), "index: {}", text(&out.stderr));
    dir
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backline"))
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("BACKLINE_PAGERDUTY_TOKEN", KEY)
        .env_remove("BACKLINE_CONFIG")
        .env_remove("BACKLINE_LOG")
        .env_remove("BACKLINE_LOG_FORMAT")
        .env_remove("BACKLINE_STORE_URL")
        .args(args)
        .output()
        .expect("run backline")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}\nstderr: {}", text(&out.stdout), text(&out.stderr)))
}

fn assert_no_key(out: &Output) {
    for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(!text(bytes).contains(KEY), "the key leaked to {what}");
        assert!(!text(bytes).contains("PDREADONLYKEY"), "part of the key leaked to {what}");
    }
}

fn schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas/answer.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn answers_name_who_is_on_call_now() {
    let fake = FakePagerDuty::start();
    let dir = workspace(&fake);

    let out = run(dir.path(), &["ask", "who owns payments-api", "--json", "--log", "trace"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_no_key(&out);
    let answer = json_of(&out);
    let errors: Vec<String> = schema().iter_errors(&answer).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let live = &answer["body"]["reach"]["live_on_call"][0];
    assert_eq!(live["provider"], "pagerduty", "{answer:#}");
    assert_eq!(live["state"], "current");
    assert_eq!(live["annotation"], "pagerduty.com/service-id");
    assert_eq!(live["from"], "component:default/payments-api");
    let roster = &live["rosters"][0];
    assert_eq!(roster["name"], "Payments");
    let ada = &roster["level1"][0];
    assert_eq!(ada["name"], "Ada Lovelace");
    assert_eq!(ada["until"], "2099-01-01T09:00:00Z");
    // Matched to the catalog User by e-mail, whatever the case, with her Slack member id.
    assert_eq!(ada["user"], "user:default/ada", "{ada:#}");
    assert!(ada["contacts"].as_array().unwrap().iter().any(|c| c["value"] == "U0ADA1234"), "{ada:#}");
    assert_eq!(roster["later"], json!([{"level": 2, "names": ["Bob Li"]}]));
    assert!(answer["summary"].as_str().unwrap().ends_with("On call now: Ada Lovelace (PagerDuty)."), "{answer:#}");
    assert!(fake.calls.load(Ordering::SeqCst) >= 2, "the service, then its on-calls");

    let out = run(dir.path(), &["oncall", "payments-api"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("on call now  PagerDuty, as of"), "{shown}");
    assert!(shown.contains("level 1  Ada Lovelace <ada@northwind.example>"), "{shown}");
    assert!(shown.contains("until 2099-01-01 09:00 UTC"), "{shown}");
    assert!(shown.contains("then level 2: Bob Li"), "{shown}");
    // The live answer replaces the service-directory hint it was made from.
    assert!(!shown.contains("service-directory/PSVC001"), "{shown}");
    assert_no_key(&out);
}

#[test]
fn a_failing_provider_never_fails_the_answer() {
    let fake = FakePagerDuty::start();
    let dir = workspace(&fake);
    fake.failing.store(true, Ordering::SeqCst);

    let out = run(dir.path(), &["owner", "payments-api", "--json", "--log", "trace"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_no_key(&out);
    let answer = json_of(&out);
    let body = &answer["body"];
    assert_eq!(body["owner"]["entity_ref"], "group:default/team-payments");
    assert!(body["reach"]["contacts"].as_array().unwrap().iter().any(|c| c["value"] == "#payments-oncall"));
    let live = &body["reach"]["live_on_call"][0];
    assert_eq!(live["state"], "unavailable", "{body:#}");
    assert!(live["reason"].as_str().unwrap().contains("503"), "{live:#}");
    assert!(live.get("rosters").is_none());

    let out = run(dir.path(), &["oncall", "payments-api"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("PagerDuty on-call unavailable right now"), "{shown}");
    assert!(shown.contains("#payments-oncall"), "the rest of the answer stands: {shown}");
    assert_no_key(&out);
}

#[test]
fn when_am_i_on_call_next_asks_the_provider_about_the_asker() {
    let fake = FakePagerDuty::start();
    let dir = workspace(&fake);
    let out = run(dir.path(), &["ask", "--as", "ada", "when am I on call next", "--json", "--log", "trace"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_no_key(&out);
    let answer = json_of(&out);
    let errors: Vec<String> = schema().iter_errors(&answer).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let next = &answer["body"]["next_on_call"][0];
    assert_eq!(
        (&next["provider"], &next["state"], &next["account"]),
        (&json!("pagerduty"), &json!("current"), &json!("prod")),
        "{answer:#}"
    );
    let shifts = next["shifts"].as_array().unwrap();
    assert_eq!(shifts.len(), 2, "{next:#}");
    assert_eq!(
        (&shifts[0]["roster"], &shifts[0]["now"], &shifts[0]["level"]),
        (&json!("Payments"), &json!(true), &json!(1))
    );
    assert_eq!(shifts[0]["until"], "2099-01-01T09:00:00Z");
    assert_eq!((&shifts[1]["roster"], &shifts[1]["from"]), (&json!("Checkout"), &json!("2099-02-01T09:00:00Z")));
    assert!(shifts[1].get("now").is_none());
    let summary = answer["summary"].as_str().unwrap();
    assert!(
        summary.contains("You are on call now for Payments (PagerDuty, level 1), until 2099-01-01 09:00 UTC."),
        "{summary}"
    );
    assert!(
        summary.contains("Your next on-call shift: Checkout (PagerDuty, level 1) from 2099-02-01 09:00 UTC until 2099-02-02 09:00 UTC."),
        "{summary}"
    );

    let out = run(dir.path(), &["ask", "--as", "Ada@Northwind.example", "when am I on call next"]);
    let shown = text(&out.stdout);
    assert!(shown.contains("Your on-call shifts:"), "{shown}");
    assert!(
        shown.contains(
            "now  Payments (PagerDuty, level 1) until 2099-01-01 09:00 UTC  https://acme.pagerduty.com/escalation_policies/PEP0001"
        ),
        "{shown}"
    );

    // Someone PagerDuty does not know: said so, with the account, never a guess.
    std::fs::create_dir(dir.path().join("catalog/bob")).unwrap();
    std::fs::write(dir.path().join("catalog/bob/catalog-info.yaml"), BOB).unwrap();
    let out = run(dir.path(), &["ask", "--as", "bob", "when am I on call next"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.starts_with("PagerDuty cannot say when you are on call next: PagerDuty account `prod` has no user with the asker's e-mail address."),
        "{shown}"
    );

    // A provider fault before any answer: unavailable, and why; the rest of the answer stands.
    fake.failing.store(true, Ordering::SeqCst);
    let out = run(dir.path(), &["ask", "--as", "ada", "when am I on call next", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let answer = json_of(&out);
    let next = &answer["body"]["next_on_call"][0];
    assert_eq!(next["state"], "unavailable", "{answer:#}");
    assert!(next["reason"].as_str().unwrap().contains("HTTP 503"), "{next:#}");
    assert_eq!(answer["body"]["me"]["entity"]["entity_ref"], "user:default/ada");
}

const BOB: &str = r##"apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: bob
spec:
  profile:
    email: bob@northwind.example
  memberOf: [team-payments]
"##;

#[test]
fn without_oncall_answers_are_the_catalogs() {
    let fake = FakePagerDuty::start();
    let dir = workspace(&fake);
    let config = std::fs::read_to_string(dir.path().join("backline.toml")).unwrap();
    let without = config.split("[oncall]").next().unwrap().to_owned();
    std::fs::write(dir.path().join("backline.toml"), without).unwrap();
    let out = run(dir.path(), &["owner", "payments-api", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let answer = json_of(&out);
    assert!(answer["body"]["reach"].get("live_on_call").is_none(), "{answer:#}");
    assert_eq!(answer["body"]["reach"]["on_call"][0]["value"], "PSVC001");
    assert_eq!(fake.calls.load(Ordering::SeqCst), 0);
}

// ------------------------------------------------------------------------------------------
// The same through `backline serve`: a signed Slack slash command.

#[cfg(unix)]
mod serve {
    use std::net::SocketAddr;
    use std::process::{Child, Command};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use backline_test_support::http::{Response, http};

    use super::{FakePagerDuty, KEY, workspace};

    const SECRET: &str = "oncall-signing-secret";
    const BOT_TOKEN: &str = "xoxb-oncall-0000-secret";
    const TEAM: &str = "T0ONCALL";

    struct Serve {
        child: Child,
        addr: SocketAddr,
        stderr: Arc<Mutex<String>>,
    }

    impl Drop for Serve {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn start(dir: &std::path::Path) -> Serve {
        let mut command = Command::new(env!("CARGO_BIN_EXE_backline"));
        command
            .current_dir(dir)
            .args(["serve", "--listen", "127.0.0.1:0", "--no-watch", "--log", "trace"])
            .env("BACKLINE_SLACK_BOT_TOKEN", BOT_TOKEN)
            .env("BACKLINE_SLACK_SIGNING_SECRET", SECRET)
            .env("BACKLINE_PAGERDUTY_TOKEN", KEY)
            .env_remove("BACKLINE_SLACK_APP_TOKEN")
            .env_remove("BACKLINE_STORE_URL")
            .env_remove("BACKLINE_CONFIG")
            .env_remove("BACKLINE_LOG");
        let (child, addr, stderr) = backline_test_support::process::spawn_serve(command, Duration::from_secs(60));
        let serve = Serve { child, addr, stderr };
        let deadline = Instant::now() + Duration::from_secs(60);
        while http(serve.addr, "GET", "/readyz", &[], "").status != 200 {
            assert!(Instant::now() < deadline, "never ready: {}", serve.stderr.lock().unwrap());
            std::thread::sleep(Duration::from_millis(100));
        }
        serve
    }

    fn slash(addr: SocketAddr, text: &str) -> Response {
        let body = format!(
            "token=x&team_id={TEAM}&team_domain=northwind&channel_id=C2147483705&user_id=U2147483697&user_name=oncall\
             &command=%2Fbackline&text={}&response_url=http%3A%2F%2F127.0.0.1%3A9%2Funused&trigger_id=1.2.3&api_app_id=A123",
            text.replace(' ', "+")
        );
        let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
        let sig = backline_bot::slack::verify::sign(SECRET, &ts, body.as_bytes());
        http(
            addr,
            "POST",
            "/slack/commands",
            &[
                ("Content-Type", "application/x-www-form-urlencoded".to_owned()),
                ("X-Slack-Signature", sig),
                ("X-Slack-Request-Timestamp", ts),
            ],
            &body,
        )
    }

    #[test]
    fn a_slack_command_names_who_is_on_call_now() {
        let fake = FakePagerDuty::start();
        let dir = workspace(&fake);
        let config = std::fs::read_to_string(dir.path().join("backline.toml")).unwrap();
        let slack =
            format!("[slack]\nmode = \"http\"\nallowed_teams = [\"{TEAM}\"]\napi_url = \"http://127.0.0.1:9/api\"\n");
        std::fs::write(dir.path().join("backline.toml"), format!("{slack}\n{config}")).unwrap();
        let serve = start(dir.path());

        let resp = slash(serve.addr, "oncall payments-api");
        assert_eq!(resp.status, 200, "{}", resp.body);
        let shown = resp.json().to_string();
        assert!(shown.contains("On call now"), "{shown}");
        assert!(shown.contains("*Ada Lovelace*"), "{shown}");
        assert!(shown.contains("`U0ADA1234`"), "the catalog User's Slack id, never a mention: {shown}");
        assert!(shown.contains("until 2099-01-01 09:00 UTC"), "{shown}");

        // Once the answer has expired (`cache_secs = 1`) and PagerDuty fails, the last good answer
        // is shown, marked as such, with the rest of the answer.
        fake.failing.store(true, std::sync::atomic::Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(2100));
        let resp = slash(serve.addr, "owner payments-api");
        assert_eq!(resp.status, 200, "{}", resp.body);
        let shown = resp.json().to_string();
        assert!(shown.contains("Ada Lovelace") && shown.contains("#payments-oncall"), "{shown}");
        assert!(shown.contains("PagerDuty did not answer: last known, as of"), "{shown}");
        assert!(shown.contains("HTTP 503"), "{shown}");

        let logs = serve.stderr.lock().unwrap().clone();
        assert!(!logs.contains(KEY) && !logs.contains(BOT_TOKEN), "a secret reached the log");
        assert!(!shown.contains(KEY));
    }

    #[test]
    fn a_slack_user_asks_when_they_are_on_call_next() {
        let fake = FakePagerDuty::start();
        let dir = workspace(&fake);
        let config = std::fs::read_to_string(dir.path().join("backline.toml")).unwrap();
        let slack =
            format!("[slack]\nmode = \"http\"\nallowed_teams = [\"{TEAM}\"]\napi_url = \"http://127.0.0.1:9/api\"\n");
        std::fs::write(dir.path().join("backline.toml"), format!("{slack}\n{config}")).unwrap();
        let serve = start(dir.path());
        // The asker is the catalog User with their Slack member id (`slack.com/user_id`).
        let resp = slash(serve.addr, "me next");
        assert_eq!(resp.status, 200, "{}", resp.body);
        let shown = resp.json().to_string();
        assert!(shown.contains("When are you on call next?"), "{shown}");
        assert!(
            shown.contains("You are on call now for Payments (PagerDuty, level 1), until 2099-01-01 09:00 UTC."),
            "{shown}"
        );
        assert!(shown.contains("Your on-call shifts"), "{shown}");
        assert!(shown.contains("Checkout (PagerDuty, level 1)"), "{shown}");
        let logs = serve.stderr.lock().unwrap().clone();
        assert!(!logs.contains(KEY) && !logs.contains(BOT_TOKEN), "a secret reached the log");
    }
}

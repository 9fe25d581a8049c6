//! Load benchmark of the Slack slash-command endpoint: signed `/backline` commands against a
//! running `backline serve`, on loopback, bounded in count and time.
//!
//! Not a criterion benchmark (`harness = false`): it is a load generator that reports latency
//! percentiles (request sent → acknowledgement with the answer received) and throughput, and
//! fails (exit 1) on any error: a non-200 status, a transport error, or a reply without blocks.
//!
//! ```sh
//! cargo build --release
//! ./target/release/backline generate --entities 100000 --out /tmp/bl100k/catalog
//! # backline.toml: [[source]] path = "catalog"; [slack] mode = "http", allowed_teams = ["T0BENCH"]
//! BACKLINE_SLACK_BOT_TOKEN=xoxb-bench BACKLINE_SLACK_SIGNING_SECRET=bench \
//!   ./target/release/backline serve --config /tmp/bl100k/backline.toml --listen 127.0.0.1:8089 --no-watch
//! cargo bench -p backline-bot --bench slack_load -- --url http://127.0.0.1:8089 --secret bench \
//!   --team T0BENCH --catalog /tmp/bl100k/catalog --requests 30000 --concurrency 16
//! # Fixed offered load (open loop; latency counted from the scheduled send time):
//! cargo bench -p backline-bot --bench slack_load -- ... --rate 1000 --requests 30000
//! # The figure is the server's only when the two do not share a core: pin them apart.
//! taskset -c 0 ./target/release/backline serve ...
//! taskset -c 1 ./target/release/deps/slack_load-* --url ... --rate 1000 --requests 30000
//! # An incident: most questions are about a few names (`--hot 20`: 90 % of requests ask about
//! # 20 names, the rest about any), which the answer cache serves.
//! ```
//!
//! `--in-process` measures the bot alone: it starts the Slack HTTP endpoints in this process on
//! loopback with a constant engine (one realistic ownership answer, no catalog), so the figures
//! are signature check + parsing + policy + rendering + HTTP, without the question engine.
//!
//! Questions are drawn deterministically from the component names of the generated catalog
//! (`--catalog`): `owner` 60 %, `oncall` 15 %, `deps` 10 %, `impact` 10 %, `search` 5 %
//! (`--mix owner` sends only `owner`).

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use backline_bot::slack::verify::{sign, unix_now};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

struct Args {
    url: String,
    secret: String,
    team: String,
    catalog: Option<String>,
    requests: usize,
    concurrency: usize,
    duration: Duration,
    warmup: usize,
    rate: Option<f64>,
    mix: String,
    in_process: bool,
    /// Names that 90 % of requests ask about (0: every name alike).
    hot: usize,
}

fn parse_args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:8089".into(),
        secret: "bench".into(),
        team: "T0BENCH".into(),
        catalog: None,
        requests: 20_000,
        concurrency: 16,
        duration: Duration::from_secs(120),
        warmup: 1000,
        rate: None,
        mix: "mixed".into(),
        in_process: false,
        hot: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        // `cargo bench` passes `--bench`; ignore it.
        if flag == "--bench" {
            continue;
        }
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = value(),
            "--secret" => a.secret = value(),
            "--team" => a.team = value(),
            "--catalog" => a.catalog = Some(value()),
            "--requests" => a.requests = value().parse().expect("--requests N"),
            "--concurrency" => a.concurrency = value().parse().expect("--concurrency N"),
            "--duration-secs" => a.duration = Duration::from_secs(value().parse().expect("--duration-secs N")),
            "--warmup" => a.warmup = value().parse().expect("--warmup N"),
            "--rate" => a.rate = Some(value().parse().expect("--rate R")),
            "--mix" => a.mix = value(),
            "--in-process" => a.in_process = true,
            "--hot" => a.hot = value().parse().expect("--hot N"),
            other => panic!("unknown flag {other}"),
        }
    }
    // Bounded whatever is asked: at most a million requests, at most ten minutes.
    a.requests = a.requests.min(1_000_000);
    a.duration = a.duration.min(Duration::from_secs(600));
    a.concurrency = a.concurrency.clamp(1, 1024);
    a
}

/// Component names of the generated catalog (one directory per component under `services/`).
fn names(catalog: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = catalog
        .and_then(|dir| std::fs::read_dir(std::path::Path::new(dir).join("services")).ok())
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned())).collect())
        .unwrap_or_default();
    names.sort();
    if names.is_empty() {
        names = vec!["payments-api".into(), "orders-service".into(), "checkout-api".into()];
    }
    names
}

/// The i-th command text, deterministic.
fn command(i: usize, names: &[String], mix: &str, hot: usize) -> String {
    // A multiplicative hash spreads consecutive requests over the whole catalog.
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize);
    let name = if hot > 0 && !(h >> 7).is_multiple_of(10) {
        &names[(h >> 11) % hot.min(names.len())]
    } else {
        &names[h % names.len()]
    };
    if mix == "owner" {
        return format!("owner {name}");
    }
    match h % 100 {
        0..60 => format!("owner {name}"),
        60..75 => format!("oncall {name}"),
        75..85 => format!("deps {name}"),
        85..95 => format!("impact {name}"),
        _ => format!("search {}", name.split('-').next().unwrap_or("payments")),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn body(team: &str, text: &str, i: usize) -> String {
    format!(
        "token=x&team_id={team}&team_domain=bench&channel_id=C0BENCH&channel_name=bench&user_id=U{i:08}&user_name=bench\
         &command=%2Fbackline&text={}&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fhooks%2F{i}&trigger_id={i}.1.1&api_app_id=A0BENCH",
        urlencode(text)
    )
}

#[derive(Clone)]
struct Shared {
    client: Client<HttpConnector, Full<Bytes>>,
    uri: String,
    secret: String,
    team: String,
    names: Arc<Vec<String>>,
    mix: String,
    hot: usize,
}

/// Sends command `i`; `Err` describes a failure.
async fn one(s: &Shared, i: usize) -> Result<(), String> {
    let text = command(i, &s.names, &s.mix, s.hot);
    let body = body(&s.team, &text, i);
    let ts = unix_now().to_string();
    let sig = sign(&s.secret, &ts, body.as_bytes());
    let req = hyper::Request::post(&s.uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", sig)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let resp = s.client.request(req).await.map_err(|e| format!("transport: {e}"))?;
    let status = resp.status();
    let bytes = resp.into_body().collect().await.map_err(|e| format!("body: {e}"))?.to_bytes();
    if status != 200 {
        return Err(format!("status {status} for {text:?}"));
    }
    if !bytes.windows(9).any(|w| w == b"\"blocks\":") || bytes.windows(12).any(|w| w == b"Looking that") {
        return Err(format!(
            "no inline answer for {text:?}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        ));
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 * p / 100.0).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx]
}

/// The bot alone: Slack endpoints in this process, answering every question with one canned,
/// realistic ownership answer. Returns the base URL, and the trigger that keeps it running.
async fn start_in_process(secret: &str, team: &str) -> (String, backline_bot::serve::ShutdownTrigger) {
    use backline_answer::*;
    use backline_bot::engine::{EngineError, FnEngine};
    use backline_bot::serve::{ChatModule, IndexHealth, ModuleContext, Server, shutdown_pair};
    use backline_bot::slack::outbound::RetryPolicy;
    use backline_bot::slack::{Mode, SlackConfig, SlackModule};

    let entity = |kind: &str, name: &str, title: &str| EntitySummary {
        entity_ref: format!("{}:default/{name}", kind.to_lowercase()),
        kind: kind.into(),
        namespace: "default".into(),
        name: name.into(),
        title: Some(title.into()),
        description: Some("Authorises, captures and refunds card and wallet payments.".into()),
        spec_type: Some("service".into()),
        lifecycle: Some("production".into()),
        owner: Some("group:default/team-payments".into()),
        exists: true,
        valid: true,
        defined_at: Some(SourceLocation {
            source: "catalog".into(),
            file: format!("services/{name}/catalog-info.yaml"),
            line: 6,
            column: 9,
            stale: false,
        }),
        error_count: 0,
        warning_count: 0,
        first_error: None,
        url: None,
    };
    let contact = |channel, value: &str, url: &str| Contact {
        channel,
        value: value.into(),
        url: Some(url.into()),
        label: None,
        from: "group:default/team-payments".into(),
    };
    let answer = Answer {
        question: String::new(),
        query: None,
        summary: "payments-api is owned by team-payments.".into(),
        body: AnswerBody::Ownership(OwnershipAnswer {
            entity: entity("Component", "payments-api", "Payments API"),
            owner: Some(entity("Group", "team-payments", "Payments")),
            parents: vec![
                entity("Group", "commerce", "Commerce Engineering"),
                entity("Group", "northwind", "Northwind"),
            ],
            members: (0..6)
                .map(|i| Person {
                    entity: entity("User", &format!("user-{i}"), &format!("User {i}")),
                    display_name: Some(format!("User {i}")),
                    email: Some(format!("user-{i}@northwind.example")),
                    contacts: vec![],
                })
                .collect(),
            reach: Reach {
                contacts: vec![
                    contact(
                        ContactChannel::SlackChannel,
                        "#payments-oncall",
                        "https://northwind.slack.com/archives/C0123ABCD",
                    ),
                    contact(ContactChannel::Email, "payments@northwind.example", "mailto:payments@northwind.example"),
                ],
                on_call: vec![OnCall {
                    provider: "pagerduty".into(),
                    annotation: "pagerduty.com/service-id".into(),
                    value: "PPAY0A1".into(),
                    url: Some("https://app.pagerduty.com/service-directory/PPAY0A1".into()),
                    from: "component:default/payments-api".into(),
                }],
                links: (0..3)
                    .map(|i| LinkInfo {
                        url: format!("https://runbooks.northwind.example/{i}"),
                        title: Some(format!("Runbook {i}")),
                        link_type: Some("runbook".into()),
                        icon: None,
                        from: "component:default/payments-api".into(),
                    })
                    .collect(),
                live_on_call: Vec::new(),
            },
            findings: vec![],
        }),
        stale_sources: vec![],
        fuzzy: None,
    };
    let engine = Arc::new(FnEngine(move |_: &backline_bot::Ask| Ok::<_, EngineError>(answer.clone())));
    let cfg = SlackConfig {
        mode: Mode::Http,
        allowed_teams: vec![team.to_owned()],
        allowed_enterprises: vec![],
        allow_external_users: false,
        bot_token: backline_bot::Secret::new("xoxb-bench"),
        signing_secret: Some(backline_bot::Secret::new(secret)),
        app_token: None,
        api_url: "http://127.0.0.1:9/api".into(),
        ephemeral: true,
        reply_in_thread: true,
        catalog_url: None,
        public_url: None,
        max_body_bytes: 64 * 1024,
        answer_budget: Duration::from_secs(2),
        max_pending: 256,
        socket_connections: 1,
        socket_reconnect: Duration::from_secs(5),
    };
    let module = SlackModule::new(cfg, &ModuleContext { engine }, RetryPolicy::default()).expect("slack module");
    let index = Arc::new(IndexHealth::default());
    index.set_loaded(true);
    let server = Server::new(vec![Arc::new(module) as Arc<dyn ChatModule>], index);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (trigger, shutdown) = shutdown_pair();
    tokio::spawn(server.serve(listener, shutdown));
    (format!("http://{addr}"), trigger)
}

#[tokio::main]
async fn main() {
    let mut args = parse_args();
    let _server = if args.in_process {
        let (url, trigger) = start_in_process(&args.secret, &args.team).await;
        args.url = url;
        Some(trigger)
    } else {
        None
    };
    let names = Arc::new(names(args.catalog.as_deref()));
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(1024).build(connector);
    let shared = Shared {
        client,
        uri: format!("{}/slack/commands", args.url.trim_end_matches('/')),
        secret: args.secret.clone(),
        team: args.team.clone(),
        names: Arc::clone(&names),
        mix: args.mix.clone(),
        hot: args.hot,
    };
    println!(
        "slack_load: {} requests ({} warm-up), {}, {} names (hot {}), mix {}",
        args.requests,
        args.warmup,
        match args.rate {
            Some(r) => format!("open loop at {r} req/s"),
            None => format!("closed loop, concurrency {}", args.concurrency),
        },
        names.len(),
        args.hot,
        args.mix
    );

    // Warm-up: caches, connections, the engine's first queries; not measured.
    for i in 0..args.warmup {
        if let Err(e) = one(&shared, 1_000_000 + i).await {
            eprintln!("warm-up failed: {e}");
            std::process::exit(1);
        }
    }

    let errors = Arc::new(AtomicUsize::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let started = Instant::now();
    let deadline = started + args.duration;
    let mut latencies: Vec<Duration> = Vec::with_capacity(args.requests);
    // Open loop only: from the actual send, i.e. without the generator's own delays.
    let mut service: Vec<Duration> = Vec::new();
    match args.rate {
        None => {
            let next = Arc::new(AtomicUsize::new(0));
            let mut workers = Vec::new();
            for _ in 0..args.concurrency {
                let (s, next, errors, first_error) =
                    (shared.clone(), Arc::clone(&next), Arc::clone(&errors), Arc::clone(&first_error));
                let total = args.requests;
                workers.push(tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total || Instant::now() > deadline {
                            break;
                        }
                        let t = Instant::now();
                        match one(&s, i).await {
                            Ok(()) => mine.push(t.elapsed()),
                            Err(e) => {
                                errors.fetch_add(1, Ordering::Relaxed);
                                first_error.lock().unwrap().get_or_insert(e);
                            }
                        }
                    }
                    mine
                }));
            }
            for w in workers {
                latencies.extend(w.await.unwrap());
            }
        }
        Some(rate) => {
            let interval = Duration::from_secs_f64(1.0 / rate);
            let limit = Arc::new(tokio::sync::Semaphore::new(4096));
            let mut tasks = tokio::task::JoinSet::new();
            for i in 0..args.requests {
                let scheduled = started + interval.mul_f64(i as f64);
                if scheduled > deadline {
                    break;
                }
                tokio::time::sleep_until(scheduled.into()).await;
                let permit = Arc::clone(&limit).acquire_owned().await.unwrap();
                let (s, errors, first_error) = (shared.clone(), Arc::clone(&errors), Arc::clone(&first_error));
                tasks.spawn(async move {
                    let _permit = permit;
                    let sent = Instant::now();
                    match one(&s, i).await {
                        // From the scheduled time: a stall delays the requests behind it too.
                        Ok(()) => Some((scheduled.elapsed(), sent.elapsed())),
                        Err(e) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            first_error.lock().unwrap().get_or_insert(e);
                            None
                        }
                    }
                });
            }
            while let Some(r) = tasks.join_next().await {
                if let Ok(Some((from_schedule, from_send))) = r {
                    latencies.push(from_schedule);
                    service.push(from_send);
                }
            }
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let errors = errors.load(Ordering::Relaxed);
    let done = latencies.len() + errors;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "completed {done} requests in {:.2} s: {:.0} req/s, {errors} errors",
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(percentile(&latencies, 99.9)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    if !service.is_empty() {
        service.sort();
        println!(
            "  from the actual send: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
            ms(percentile(&service, 50.0)),
            ms(percentile(&service, 90.0)),
            ms(percentile(&service, 99.0)),
            ms(percentile(&service, 99.9)),
            ms(service.last().copied().unwrap_or_default())
        );
    }
    if errors > 0 {
        eprintln!("first error: {}", first_error.lock().unwrap().clone().unwrap_or_default());
        std::process::exit(1);
    }
}

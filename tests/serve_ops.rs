//! `backline serve` as an operator runs it, over the real binary on a loopback port: slow and
//! idle clients are cut off by the header and body read timeouts while `/healthz` keeps
//! answering, the connection cap refuses with `503` and says so in the log, oversized headers get
//! `431`, a client leaving mid-body is counted as aborted (not too large), an unreachable store
//! leaves the process up and not ready, and `/metrics` describes every series from the start.
//!
//! No assertion here is about time: waits have generous deadlines only so a hung server fails the
//! test instead of hanging it.

#![cfg(unix)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Long enough for a loaded machine; only reached when something is broken.
const PATIENCE: Duration = Duration::from_secs(60);

fn example_catalog() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/catalog").display().to_string()
}

struct Serve {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Serve {
    /// Starts serve (Slack over HTTP; no Slack API call is needed to start) with `serve_section`
    /// as `[serve]` and `store_url` as the store.
    fn start(serve_section: &str, store_url: &str) -> Serve {
        Serve::start_with_fd_limit(serve_section, store_url, None)
    }

    /// As [`Serve::start`], with the soft limit on open files set to `fd_limit` (`ulimit -n`).
    fn start_with_fd_limit(serve_section: &str, store_url: &str, fd_limit: Option<u32>) -> Serve {
        let dir = tempfile::tempdir().unwrap();
        let toml = format!(
            "[store]\nurl = {store_url:?}\n\n[[source]]\nname = \"example\"\npath = {:?}\n\n[serve]\n{serve_section}\n\n[slack]\nmode = \"http\"\nallowed_teams = [\"T0OPS\"]\n",
            example_catalog()
        );
        let config = dir.path().join("backline.toml");
        std::fs::write(&config, toml).unwrap();
        let mut command = match fd_limit {
            Some(n) => {
                let mut c = Command::new("sh");
                c.args(["-c", &format!("ulimit -n {n} && exec \"$0\" \"$@\""), env!("CARGO_BIN_EXE_backline")]);
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_backline")),
        };
        command
            .args(["serve", "--config"])
            .arg(&config)
            .args(["--listen", "127.0.0.1:0", "--no-watch", "--log", "info"])
            .current_dir(dir.path())
            .env("BACKLINE_SLACK_BOT_TOKEN", "xoxb-ops-test")
            .env("BACKLINE_SLACK_SIGNING_SECRET", "ops-test-secret")
            .env_remove("BACKLINE_SLACK_APP_TOKEN")
            .env_remove("BACKLINE_STORE_URL")
            .env_remove("BACKLINE_LOG_FORMAT");
        let (child, addr, stderr) = backline_test_support::process::spawn_serve(command, PATIENCE);
        Serve { child, addr, stderr, _dir: dir }
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn get(&self, path: &str) -> (u16, String) {
        request(self.addr, &format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"))
    }

    fn wait_until(&self, what: &str, mut done: impl FnMut(&Serve) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !done(self) {
            assert!(Instant::now() < deadline, "never {what}:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_ready(&self) {
        self.wait_until("ready", |s| s.get("/readyz").0 == 200);
    }

    /// The value of one series on `/metrics` (its exact name and labels as rendered).
    fn metric(&self, series: &str) -> Option<f64> {
        let (status, body) = self.get("/metrics");
        assert_eq!(status, 200, "{body}");
        body.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
    }

    /// SIGTERM, and the exit code.
    fn stop(mut self) -> Option<i32> {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "serve did not stop on SIGTERM:\n{}", self.log());
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

/// Sends raw bytes, reads the whole response (the server closes), returns status and body.
fn request(addr: SocketAddr, raw: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let out = String::from_utf8_lossy(&out).into_owned();
    let status = out.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// Reads until the server closes the connection; what it sent before closing.
fn read_until_closed(s: &mut TcpStream) -> String {
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut out = Vec::new();
    match s.read_to_end(&mut out) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the server did not close the connection: {e}"),
    }
    String::from_utf8_lossy(&out).into_owned()
}

const SQLITE: &str = "sqlite://index.db";

#[test]
fn slowloris_connections_are_closed_while_healthz_keeps_answering() {
    let serve = Serve::start("header_read_timeout_secs = 1\nmax_connections = 64", SQLITE);
    serve.wait_ready();
    // Half a request head, never finished; and connections that send nothing at all.
    let mut slow: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(serve.addr).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: ").unwrap();
            s
        })
        .collect();
    slow.extend((0..20).map(|_| TcpStream::connect(serve.addr).unwrap()));
    assert_eq!(serve.get("/healthz"), (200, "ok\n".to_owned()));
    for s in &mut slow {
        // Closed by the server: end of stream, no response.
        assert_eq!(read_until_closed(s), "");
    }
    assert_eq!(serve.get("/healthz").0, 200);
    let timed_out = serve.metric("backline_http_connections_closed_total{reason=\"header_timeout\"}").unwrap();
    assert!(timed_out >= 40.0, "{timed_out}");
    assert_eq!(serve.stop(), Some(0));
}

#[test]
fn the_connection_cap_refuses_with_503_and_says_so() {
    let serve = Serve::start("header_read_timeout_secs = 600\nmax_connections = 8", SQLITE);
    serve.wait_ready();
    let mut idle: Vec<TcpStream> = (0..8).map(|_| TcpStream::connect(serve.addr).unwrap()).collect();
    // The readiness probe's connection may still hold its slot for a moment after the client
    // saw it close, so the ninth connection is not necessarily the refused one: connections that
    // got a slot stay idle, and a few more are opened until one is refused.
    let refused = (0..4).find_map(|_| {
        let mut s = TcpStream::connect(serve.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let mut out = Vec::new();
        match s.read_to_end(&mut out) {
            Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                Some(String::from_utf8_lossy(&out).into_owned())
            }
            Err(_) => {
                idle.push(s);
                None
            }
        }
    });
    let answer = refused.expect("no connection was refused with eight slots held");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    serve.wait_until("logged the cap", |s| s.log().contains("connection limit reached"));
    drop(idle);
    serve.wait_until("serving again", |s| s.get("/healthz").0 == 200);
    assert!(serve.metric("backline_http_connections_refused_total{reason=\"at_capacity\"}").unwrap() >= 1.0);
    assert_eq!(serve.stop(), Some(0));
}

#[test]
fn idle_connections_cannot_exhaust_file_descriptors() {
    // With 64 descriptors, the default cap is 32 connections: the store, search and the
    // listener keep the rest, so `accept` never fails with "Too many open files".
    let serve = Serve::start_with_fd_limit("header_read_timeout_secs = 20", SQLITE, Some(64));
    serve.wait_ready();
    assert_eq!(serve.metric("process_max_fds"), Some(64.0));
    let mut conns: Vec<TcpStream> = (0..100).map(|_| TcpStream::connect(serve.addr).unwrap()).collect();
    // Every connection ends: refused ones with a 503 at once, served ones when their header
    // read timeout closes them.
    let refused = conns.iter_mut().map(read_until_closed).filter(|answer| answer.starts_with("HTTP/1.1 503")).count();
    assert!(refused >= 60, "only {refused} of 100 refused:\n{}", serve.log());
    let log = serve.log();
    assert!(log.contains("connection limit reached") && log.contains("max_connections=32"), "{log}");
    assert!(!log.contains("Too many open files"), "{log}");
    assert_eq!(serve.get("/healthz").0, 200);
    assert_eq!(serve.stop(), Some(0));
}

#[test]
fn an_oversized_header_is_refused() {
    let serve = Serve::start("max_header_bytes = 8192", SQLITE);
    serve.wait_ready();
    let big = "a".repeat(64 * 1024);
    let (status, _) = request(serve.addr, &format!("GET /healthz HTTP/1.1\r\nHost: test\r\nX-Big: {big}\r\n\r\n"));
    assert_eq!(status, 431);
    // Just under the limit is fine.
    let fits = "a".repeat(6 * 1024);
    let (status, _) = request(
        serve.addr,
        &format!("GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\nX-Fits: {fits}\r\n\r\n"),
    );
    assert_eq!(status, 200);
    assert!(serve.metric("backline_http_connections_closed_total{reason=\"header_too_large\"}").unwrap() >= 1.0);
    assert_eq!(serve.stop(), Some(0));
}

#[test]
fn a_mid_body_disconnect_is_aborted_and_a_stalled_body_times_out() {
    let serve = Serve::start("body_read_timeout_secs = 1", SQLITE);
    serve.wait_ready();
    let aborted = "backline_slack_requests_total{endpoint=\"commands\",outcome=\"aborted\"}";
    let too_large = "backline_slack_requests_total{endpoint=\"commands\",outcome=\"too_large\"}";
    let timed_out = "backline_slack_requests_total{endpoint=\"commands\",outcome=\"body_timeout\"}";
    assert_eq!(serve.metric(aborted), Some(0.0));

    let head = "POST /slack/commands HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n";
    let mut s = TcpStream::connect(serve.addr).unwrap();
    s.write_all(format!("{head}command=%2Fbackline&te").as_bytes()).unwrap();
    drop(s);
    serve.wait_until("counted the aborted body", |s| s.metric(aborted) == Some(1.0));
    assert_eq!(serve.metric(too_large), Some(0.0));

    // Same head, then silence: the body read deadline answers 408.
    let mut s = TcpStream::connect(serve.addr).unwrap();
    s.write_all(format!("{head}command=%2Fbackline").as_bytes()).unwrap();
    let answer = read_until_closed(&mut s);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(serve.metric(timed_out), Some(1.0));

    // A declared length over the cap is still too large.
    let (status, _) = request(
        serve.addr,
        "POST /slack/commands HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: 100000000\r\n\r\n",
    );
    assert_eq!(status, 413);
    assert_eq!(serve.metric(too_large), Some(1.0));
    assert_eq!(serve.metric(aborted), Some(1.0));
    assert_eq!(serve.stop(), Some(0));
}

#[test]
fn an_unreachable_store_leaves_serve_up_and_not_ready() {
    // Nothing listens on port 1: every connection attempt is refused.
    let serve = Serve::start("", "postgres://backline@127.0.0.1:1/test");
    assert_eq!(serve.get("/healthz").0, 200);
    let (status, body) = serve.get("/readyz");
    assert_eq!(status, 503, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["index"], false);
    serve.wait_until("logged the retry", |s| s.log().contains("cannot open the catalog index; not ready, retrying"));
    assert_eq!(serve.metric("backline_index_store_up"), Some(0.0));
    assert!(serve.metric("backline_index_open_failures_total").unwrap() >= 1.0);
    assert_eq!(serve.get("/readyz").0, 503);
    // Shutdown does not wait for the store.
    assert_eq!(serve.stop(), Some(0));
}

#[test]
fn metrics_describe_every_series_from_the_start() {
    let serve = Serve::start("", SQLITE);
    // The very first request.
    let (status, body) = serve.get("/metrics");
    assert_eq!(status, 200);
    for name in [
        "backline_build_info",
        "backline_http_connections_open",
        "backline_http_connections_refused_total",
        "backline_http_connections_closed_total",
        "backline_slack_requests_total",
        "backline_engine_errors_total",
        "backline_index_store_up",
        "backline_index_runs_total",
        "backline_index_source_last_success_timestamp_seconds",
        "backline_index_source_entities",
        "backline_index_stale_sources",
    ] {
        assert!(body.contains(&format!("# HELP {name} ")), "no HELP for {name}:\n{body}");
    }
    for series in [
        "backline_http_connections_refused_total{reason=\"at_capacity\"} 0",
        "backline_http_connections_closed_total{reason=\"header_timeout\"} 0",
        "backline_slack_requests_total{endpoint=\"commands\",outcome=\"aborted\"} 0",
        "backline_slack_requests_total{endpoint=\"events\",outcome=\"too_large\"} 0",
        "backline_engine_busy_total{platform=\"slack\"} 0",
        "backline_index_source_stale{source=\"example\"} 0",
    ] {
        assert!(body.lines().any(|l| l == series), "missing `{series}`:\n{body}");
    }
    let build = body.lines().find(|l| l.starts_with("backline_build_info{")).unwrap();
    assert!(
        build.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))) && build.contains("commit=\""),
        "{build}"
    );
    if cfg!(target_os = "linux") {
        for name in ["process_resident_memory_bytes", "process_open_fds", "process_cpu_seconds_total"] {
            assert!(serve.metric(name).is_some_and(|v| v > 0.0), "{name}:\n{body}");
        }
    }
    // Once indexed, freshness says when and how much.
    serve.wait_ready();
    serve.wait_until("indexed", |s| s.metric("backline_index_runs_total{outcome=\"ok\"}").is_some_and(|v| v >= 1.0));
    assert!(serve.metric("backline_index_source_entities{source=\"example\"}").unwrap() >= 60.0);
    assert!(serve.metric("backline_index_source_last_success_timestamp_seconds{source=\"example\"}").unwrap() > 1.0e9);
    assert_eq!(serve.metric("backline_index_stale_sources"), Some(0.0));
    assert_eq!(serve.stop(), Some(0));
}

#[test]
fn invalid_limits_are_configuration_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (section, message) in [
        ("max_header_bytes = 100", "max_header_bytes must be at least 8192"),
        ("header_read_timeout_secs = 0", "header_read_timeout_secs must be at least 1"),
        ("max_connections = 0", "max_connections must be at least 1"),
    ] {
        let config = dir.path().join("backline.toml");
        std::fs::write(&config, format!("[serve]\n{section}\n[slack]\nmode = \"http\"\n")).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_backline"))
            .args(["serve", "--config"])
            .arg(&config)
            .env("BACKLINE_SLACK_BOT_TOKEN", "xoxb-ops-test")
            .env("BACKLINE_SLACK_SIGNING_SECRET", "ops-test-secret")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
}

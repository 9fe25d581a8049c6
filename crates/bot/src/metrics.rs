//! Prometheus metrics for `/metrics`: what an operator needs to see that the bot answers, how
//! fast, and why it refuses.
//!
//! Built on the `metrics` facade with `metrics-exporter-prometheus` (default features off: they
//! would bring an HTTP listener we do not need and aws-lc-rs, a second TLS provider). The facade
//! is why: the index and any future module record into the same registry without depending on
//! this crate, labels and histograms come for free, and rendering is the exporter's job. The
//! recorder is process-global and installed once.
//!
//! Every series is described (`# HELP`) and registered at zero when the server starts, so a
//! dashboard or an alert sees `0`, not "no data", before the first request.
//!
//! Metric names (all prefixed `backline_` except the standard `process_*`):
//! - `slack_requests_total{endpoint, outcome}`: every inbound Slack request or envelope;
//!   `outcome` is `ok`, `unsigned`, `stale`, `bad_signature`, `malformed`, `too_large`,
//!   `aborted` (the client left mid-body), `body_timeout`, `foreign_workspace`, `external_user`,
//!   `duplicate`, `ignored`. `discord_requests_total{endpoint, outcome}` likewise for Discord.
//! - `slack_ack_seconds{endpoint}`: time from request to acknowledgement (the HTTP response).
//! - `engine_seconds{platform}` and `engine_errors_total{platform}`: question engine calls;
//!   `engine_busy_total{platform}`: questions turned away because the engine was saturated.
//! - `slack_outbound_total{method, outcome}`: `chat.postMessage` and `response_url` posts and
//!   the file upload calls (`files.getUploadURLExternal`, `file_upload`,
//!   `files.completeUploadExternal`), `outcome` `ok`, `rate_limited`, `error`.
//! - `charts_total{platform, outcome}`: chart images of answers: `uploaded` (a Slack file),
//!   `linked` (a Slack image block served by `serve`), `attached` (a Discord attachment),
//!   `skipped` (no way to deliver it), `failed` (not drawn, or delivery failed).
//! - `slack_socket_connections_total{event}`: Socket Mode `hello`, `disconnect`, `error`.
//! - `http_connections_open`: connections being served now; `http_connections_refused_total
//!   {reason}`: `at_capacity` (the `max_connections` cap) or `accept_error` (e.g. out of file
//!   descriptors); `http_connections_closed_total{reason}`: `done`, `header_timeout` (slow or
//!   idle client), `header_too_large`, `malformed`, `incomplete`, `error`.
//! - `process_resident_memory_bytes`, `process_open_fds`, `process_max_fds`,
//!   `process_cpu_seconds_total`, `process_start_time_seconds`: read from `/proc` on Linux at
//!   each scrape (absent elsewhere).

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Seconds buckets fit for sub-millisecond acks up to multi-second engine calls.
const BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Installs the global recorder (once per process) and returns the handle that renders it.
/// `None` if another recorder was installed first (then `/metrics` says so).
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .clone()
}

pub fn slack_request(endpoint: &'static str, outcome: &'static str) {
    metrics::counter!("backline_slack_requests_total", "endpoint" => endpoint, "outcome" => outcome).increment(1);
}

pub fn slack_ack(endpoint: &'static str, elapsed: Duration) {
    metrics::histogram!("backline_slack_ack_seconds", "endpoint" => endpoint).record(elapsed.as_secs_f64());
}

pub fn engine(platform: &'static str, elapsed: Duration, ok: bool) {
    metrics::histogram!("backline_engine_seconds", "platform" => platform).record(elapsed.as_secs_f64());
    if !ok {
        metrics::counter!("backline_engine_errors_total", "platform" => platform).increment(1);
    }
}

/// A question answered from the answer cache (`hit`) or by the engine (`miss`).
pub fn answer_cache(platform: &'static str, hit: bool) {
    let outcome = if hit { "hit" } else { "miss" };
    metrics::counter!("backline_answer_cache_total", "platform" => platform, "outcome" => outcome).increment(1);
}

/// A question turned away because too many were already waiting for the engine.
pub fn engine_busy(platform: &'static str) {
    metrics::counter!("backline_engine_busy_total", "platform" => platform).increment(1);
}

pub fn outbound(method: &'static str, outcome: &'static str) {
    metrics::counter!("backline_slack_outbound_total", "method" => method, "outcome" => outcome).increment(1);
}

/// What became of an answer's chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartOutcome {
    Uploaded,
    Linked,
    Attached,
    Skipped,
    Failed,
}

impl ChartOutcome {
    const ALL: [ChartOutcome; 5] = [
        ChartOutcome::Uploaded,
        ChartOutcome::Linked,
        ChartOutcome::Attached,
        ChartOutcome::Skipped,
        ChartOutcome::Failed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ChartOutcome::Uploaded => "uploaded",
            ChartOutcome::Linked => "linked",
            ChartOutcome::Attached => "attached",
            ChartOutcome::Skipped => "skipped",
            ChartOutcome::Failed => "failed",
        }
    }
}

pub fn chart(platform: &'static str, outcome: ChartOutcome) {
    metrics::counter!("backline_charts_total", "platform" => platform, "outcome" => outcome.label()).increment(1);
}

pub fn socket(event: &'static str) {
    metrics::counter!("backline_slack_socket_connections_total", "event" => event).increment(1);
}

/// Why a connection was not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `max_connections` were open.
    AtCapacity,
    /// `accept` itself failed (typically: no file descriptor left).
    AcceptError,
}

impl Refusal {
    const ALL: [Refusal; 2] = [Refusal::AtCapacity, Refusal::AcceptError];

    fn label(self) -> &'static str {
        match self {
            Refusal::AtCapacity => "at_capacity",
            Refusal::AcceptError => "accept_error",
        }
    }
}

/// How a served connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The client closed it, or shutdown did, between requests.
    Done,
    /// No complete request head within `header_read_timeout` (slowloris, or an idle keep-alive).
    HeaderTimeout,
    /// A request head over `max_header_bytes` (answered `431`).
    HeaderTooLarge,
    /// Not HTTP/1 (answered `400`).
    Malformed,
    /// The client left in the middle of a request.
    Incomplete,
    /// Any other I/O or protocol error.
    Error,
}

impl CloseReason {
    const ALL: [CloseReason; 6] = [
        CloseReason::Done,
        CloseReason::HeaderTimeout,
        CloseReason::HeaderTooLarge,
        CloseReason::Malformed,
        CloseReason::Incomplete,
        CloseReason::Error,
    ];

    fn label(self) -> &'static str {
        match self {
            CloseReason::Done => "done",
            CloseReason::HeaderTimeout => "header_timeout",
            CloseReason::HeaderTooLarge => "header_too_large",
            CloseReason::Malformed => "malformed",
            CloseReason::Incomplete => "incomplete",
            CloseReason::Error => "error",
        }
    }
}

const CONNECTIONS_OPEN: &str = "backline_http_connections_open";
const CONNECTIONS_REFUSED: &str = "backline_http_connections_refused_total";
const CONNECTIONS_CLOSED: &str = "backline_http_connections_closed_total";

pub fn connection_refused(reason: Refusal) {
    metrics::counter!(CONNECTIONS_REFUSED, "reason" => reason.label()).increment(1);
}

pub fn connection_closed(reason: CloseReason) {
    metrics::counter!(CONNECTIONS_CLOSED, "reason" => reason.label()).increment(1);
}

/// Counts a connection in `http_connections_open` while it lives.
pub struct OpenConnection(());

impl OpenConnection {
    pub fn new() -> OpenConnection {
        metrics::gauge!(CONNECTIONS_OPEN).increment(1.0);
        OpenConnection(())
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        metrics::gauge!(CONNECTIONS_OPEN).decrement(1.0);
    }
}

/// Outcomes of an inbound HTTP request to a chat endpoint that the server itself decides, before
/// any platform logic: registered at start for every HTTP endpoint.
const HTTP_OUTCOMES: &[&str] =
    &["ok", "unsigned", "stale", "bad_signature", "malformed", "too_large", "aborted", "body_timeout"];

/// HELP text for every metric this crate records.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "backline_slack_requests_total",
        "Inbound Slack requests and Socket Mode envelopes, by endpoint and outcome."
    );
    describe_histogram!(
        "backline_slack_ack_seconds",
        metrics::Unit::Seconds,
        "Time from a Slack request to its acknowledgement."
    );
    describe_counter!("backline_discord_requests_total", "Inbound Discord interactions, by endpoint and outcome.");
    describe_histogram!(
        "backline_discord_ack_seconds",
        metrics::Unit::Seconds,
        "Time from a Discord interaction to its HTTP response."
    );
    describe_counter!("backline_discord_outbound_total", "Calls to the Discord API, by method and outcome.");
    describe_histogram!("backline_engine_seconds", metrics::Unit::Seconds, "Question engine calls, by platform.");
    describe_counter!("backline_engine_errors_total", "Question engine calls that failed, by platform.");
    describe_counter!(
        "backline_answer_cache_total",
        "Questions answered from the answer cache (hit) or by the engine (miss), by platform."
    );
    describe_counter!(
        "backline_engine_busy_total",
        "Questions turned away because too many were waiting for the engine, by platform."
    );
    describe_counter!("backline_slack_outbound_total", "Posts to Slack (chat.postMessage, response_url), by outcome.");
    describe_counter!("backline_slack_socket_connections_total", "Slack Socket Mode connection events.");
    describe_counter!(
        "backline_charts_total",
        "Chart images of answers, by platform and outcome (uploaded, linked, attached, skipped, failed)."
    );
    describe_gauge!(CONNECTIONS_OPEN, "HTTP connections being served now.");
    describe_counter!(
        CONNECTIONS_REFUSED,
        "HTTP connections not served: at_capacity (max_connections reached) or accept_error (e.g. no file descriptor left)."
    );
    describe_counter!(
        CONNECTIONS_CLOSED,
        "HTTP connections closed, by reason (header_timeout: no complete request head in time)."
    );
    describe_gauge!("process_resident_memory_bytes", metrics::Unit::Bytes, "Resident memory size in bytes.");
    describe_gauge!("process_open_fds", "Open file descriptors.");
    describe_gauge!("process_max_fds", "Maximum number of open file descriptors (soft limit).");
    describe_gauge!("process_cpu_seconds_total", metrics::Unit::Seconds, "User and system CPU time spent, in seconds.");
    describe_gauge!(
        "process_start_time_seconds",
        metrics::Unit::Seconds,
        "Start time of the process since the Unix epoch."
    );

    metrics::gauge!(CONNECTIONS_OPEN).increment(0.0);
    for r in Refusal::ALL {
        metrics::counter!(CONNECTIONS_REFUSED, "reason" => r.label()).absolute(0);
    }
    for r in CloseReason::ALL {
        metrics::counter!(CONNECTIONS_CLOSED, "reason" => r.label()).absolute(0);
    }
    process::record();
}

/// Registers at zero the series of one chat platform (by its module name), so they exist from the
/// start.
pub fn register_platform(platform: &'static str) {
    let _ = metrics::histogram!("backline_engine_seconds", "platform" => platform);
    metrics::counter!("backline_engine_errors_total", "platform" => platform).increment(0);
    metrics::counter!("backline_engine_busy_total", "platform" => platform).increment(0);
    for outcome in ["hit", "miss"] {
        metrics::counter!("backline_answer_cache_total", "platform" => platform, "outcome" => outcome).increment(0);
    }
    for outcome in ChartOutcome::ALL {
        metrics::counter!("backline_charts_total", "platform" => platform, "outcome" => outcome.label()).increment(0);
    }
    match platform {
        "slack" => {
            for endpoint in ["events", "commands", "interactions"] {
                for outcome in HTTP_OUTCOMES {
                    metrics::counter!("backline_slack_requests_total", "endpoint" => endpoint, "outcome" => *outcome)
                        .increment(0);
                }
                let _ = metrics::histogram!("backline_slack_ack_seconds", "endpoint" => endpoint);
            }
            for method in [
                "chat.postMessage",
                "response_url",
                "files.getUploadURLExternal",
                "file_upload",
                "files.completeUploadExternal",
            ] {
                for outcome in ["ok", "rate_limited", "error"] {
                    metrics::counter!("backline_slack_outbound_total", "method" => method, "outcome" => outcome)
                        .increment(0);
                }
            }
            for event in ["hello", "disconnect", "error"] {
                metrics::counter!("backline_slack_socket_connections_total", "event" => event).increment(0);
            }
        }
        "discord" => {
            for outcome in HTTP_OUTCOMES {
                metrics::counter!("backline_discord_requests_total", "endpoint" => "interactions", "outcome" => *outcome)
                    .increment(0);
            }
            let _ = metrics::histogram!("backline_discord_ack_seconds", "endpoint" => "interactions");
            for method in ["edit_original", "send_message"] {
                for outcome in ["ok", "error"] {
                    metrics::counter!("backline_discord_outbound_total", "method" => method, "outcome" => outcome)
                        .increment(0);
                }
            }
        }
        // Another platform: its engine series above; its own series appear when first recorded.
        _ => {}
    }
}

/// Records the process metrics; called at each scrape.
pub fn record_process() {
    process::record();
}

/// Process metrics from `/proc/self` (Linux). Elsewhere nothing is recorded.
mod process {
    /// Clock ticks per second of `/proc/self/stat` times: 100 on every Linux architecture in use
    /// (USER_HZ is fixed by the kernel ABI, whatever the kernel's internal HZ).
    const TICKS_PER_SECOND: f64 = 100.0;

    pub(super) fn record() {
        let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return };
        // Fields after the command name, which is in parentheses and may contain spaces.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { return };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // `rest` starts at field 3 (state); utime is field 14, stime 15, starttime 22, rss 24.
        let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok());
        if let (Some(utime), Some(stime)) = (field(14), field(15)) {
            // A gauge: the facade's counters are integers, and whole seconds are too coarse here.
            metrics::gauge!("process_cpu_seconds_total").set((utime + stime) / TICKS_PER_SECOND);
        }
        if let Some(rss_pages) = field(24) {
            // The page size is 4 KiB on the platforms this runs on; `statm` uses the same unit.
            metrics::gauge!("process_resident_memory_bytes").set(rss_pages * 4096.0);
        }
        if let (Some(start), Some(boot)) = (field(22), boot_time()) {
            metrics::gauge!("process_start_time_seconds").set(boot + start / TICKS_PER_SECOND);
        }
        if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
            // Minus the descriptor `read_dir` itself holds.
            metrics::gauge!("process_open_fds").set(dir.count().saturating_sub(1) as f64);
        }
        if let Some(max) = max_fds() {
            metrics::gauge!("process_max_fds").set(max);
        }
    }

    fn boot_time() -> Option<f64> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        stat.lines().find_map(|l| l.strip_prefix("btime ")).and_then(|v| v.trim().parse().ok())
    }

    /// The soft limit on open files, from `/proc/self/limits`.
    pub(crate) fn max_fds() -> Option<f64> {
        let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
        let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
        line["Max open files".len()..].split_whitespace().next()?.parse().ok()
    }
}

/// The soft limit on open file descriptors, where the platform says (Linux).
pub fn max_open_files() -> Option<u64> {
    process::max_fds().map(|v| v as u64)
}

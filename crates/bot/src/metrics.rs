//! Prometheus metrics for `/metrics`: what an operator needs to see that the bot answers, how
//! fast, and why it refuses.
//!
//! Built on the `metrics` facade with `metrics-exporter-prometheus` (default features off: they
//! would bring an HTTP listener we do not need and aws-lc-rs, a second TLS provider). The facade
//! is why: the index and any future module record into the same registry without depending on
//! this crate, labels and histograms come for free, and rendering is the exporter's job. The
//! recorder is process-global and installed once.
//!
//! Metric names (all prefixed `backline_`):
//! - `slack_requests_total{endpoint, outcome}`: every inbound Slack request or envelope;
//!   `outcome` is `ok`, `unsigned`, `stale`, `bad_signature`, `malformed`, `too_large`,
//!   `foreign_workspace`, `external_user`, `duplicate`, `ignored`.
//! - `slack_ack_seconds{endpoint}`: time from request to acknowledgement (the HTTP response).
//! - `engine_seconds{platform}` and `engine_errors_total{platform}`: question engine calls;
//!   `engine_busy_total{platform}`: questions turned away because the engine was saturated.
//! - `slack_outbound_total{method, outcome}`: `chat.postMessage` and `response_url` posts,
//!   `outcome` `ok`, `rate_limited`, `error`.
//! - `slack_socket_connections_total{event}`: Socket Mode `hello`, `disconnect`, `error`.

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

/// A question turned away because too many were already waiting for the engine.
pub fn engine_busy(platform: &'static str) {
    metrics::counter!("backline_engine_busy_total", "platform" => platform).increment(1);
}

pub fn outbound(method: &'static str, outcome: &'static str) {
    metrics::counter!("backline_slack_outbound_total", "method" => method, "outcome" => outcome).increment(1);
}

pub fn socket(event: &'static str) {
    metrics::counter!("backline_slack_socket_connections_total", "event" => event).increment(1);
}

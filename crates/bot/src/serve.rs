//! The shared HTTP server of `backline serve`: `/healthz`, `/readyz`, `/metrics`, and the routes
//! and background work of each chat platform, on one port.
//!
//! A chat platform plugs in as a [`ChatModule`]: it contributes routes (merged into one axum
//! router; each platform keeps to its own path prefix, `/slack/…`, `/discord/…`), may run
//! background work (Socket Mode, a gateway) until shutdown, and says whether it is ready. Which
//! modules exist is decided in [`crate::platforms`], one line per platform, so adding Discord
//! touches neither this file nor Slack's.
//!
//! The accept loop is ours, over hyper's HTTP/1 server, because a chat endpoint faces the
//! internet: every connection gets [`ConnectionLimits`] (a header read timeout, which also ends
//! idle keep-alive connections; a body read deadline; a header size limit) and at most
//! `max_connections` are served at once, so slow or idle clients cannot hold the process's
//! file descriptors and take `/healthz` down with the bot. What happened to connections is
//! counted in [`crate::metrics`].
//!
//! Readiness (`/readyz`) means "send me traffic": the catalog index is loaded and every module
//! is ready. Liveness (`/healthz`) only means the process answers HTTP.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use backline_answer::Answer;
use backline_answer::card::ChatPlatform;
use futures_util::future::BoxFuture;
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::engine::SharedEngine;

/// Fires once when the server shuts down; cheap to clone into every background task.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// Resolves when shutdown has been requested.
    pub async fn wait(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }

    pub fn is_requested(&self) -> bool {
        *self.0.borrow()
    }
}

/// Requests shutdown of everything holding a [`Shutdown`].
pub struct ShutdownTrigger(watch::Sender<bool>);

impl ShutdownTrigger {
    pub fn trigger(&self) {
        let _ = self.0.send(true);
    }
}

pub fn shutdown_pair() -> (ShutdownTrigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (ShutdownTrigger(tx), Shutdown(rx))
}

/// What every chat module gets to build itself.
#[derive(Clone)]
pub struct ModuleContext {
    pub engine: SharedEngine,
}

/// Why a module could not start.
#[derive(Debug, thiserror::Error)]
#[error("{platform}: {message}")]
pub struct ModuleError {
    pub platform: &'static str,
    pub message: String,
}

/// Why a post the server made on its own (a scheduled nudge) did not go out. Safe to log: no
/// tokens, URLs or bodies.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("this chat platform does not post on its own")]
    Unsupported,
    #[error("not a channel this platform can post to: {0}")]
    BadChannel(String),
    /// The platform refused the post (a channel it does not know, a missing permission): trying
    /// again will not help.
    #[error("{0}")]
    Failed(String),
    /// Rate limited or unreachable: a later attempt may succeed.
    #[error("{0}")]
    Transient(String),
}

/// One chat platform inside `backline serve`.
pub trait ChatModule: Send + Sync + 'static {
    /// `slack`, `discord`: used in logs, `/readyz` and errors.
    fn name(&self) -> &'static str;

    /// Which platform this is, for posts addressed to one (a team's Slack or Discord channel).
    fn platform(&self) -> ChatPlatform;

    /// Posts `answer` into `channel` on the server's own initiative (scheduled posts such as
    /// migration nudges), rendered as the platform renders answers, followed by its chart when
    /// it has one. The default posts nothing.
    fn post<'a>(&'a self, channel: &'a str, answer: &'a Answer) -> BoxFuture<'a, Result<(), PostError>> {
        let _ = (channel, answer);
        Box::pin(async { Err(PostError::Unsupported) })
    }

    /// HTTP routes on the shared port, under the module's own prefix. May be empty.
    fn routes(&self) -> Router {
        Router::new()
    }

    /// Background work (WebSocket connections, gateways) until `shutdown` fires. The default
    /// has none.
    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ModuleError>> {
        let mut shutdown = shutdown;
        Box::pin(async move {
            shutdown.wait().await;
            Ok(())
        })
    }

    /// Ready for traffic (e.g. Socket Mode has connected once).
    fn ready(&self) -> bool {
        true
    }
}

/// What `/readyz` reports besides the modules: the catalog index.
#[derive(Debug, Default)]
pub struct IndexHealth {
    loaded: AtomicBool,
}

impl IndexHealth {
    pub fn set_loaded(&self, loaded: bool) {
        self.loaded.store(loaded, Ordering::Release);
    }

    pub fn loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }
}

#[derive(Clone)]
struct AppState {
    modules: Arc<Vec<Arc<dyn ChatModule>>>,
    index: Arc<IndexHealth>,
    metrics: Option<PrometheusHandle>,
}

/// How much a client may cost the server before it is cut off. Without these, idle or slow
/// clients (slowloris: headers one byte at a time, or a body that never ends) each hold a task and
/// a file descriptor forever, and a few hundred of them exhaust the descriptor limit, after which
/// `accept` fails and `/healthz` and the bot stop answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Time a connection has to deliver a complete request head, counted from when the server
    /// starts waiting for one; also how long an idle keep-alive connection is kept.
    pub header_read_timeout: Duration,
    /// Time a request has to deliver its whole body, counted from when its head arrived.
    pub body_read_timeout: Duration,
    /// Connections served at once; more are answered `503` and closed at once. Keep it well under
    /// the process's descriptor limit (`ulimit -n`): the index and the chat clients need some.
    pub max_connections: usize,
    /// Largest request head (request line and headers) in bytes; larger ones get `431`.
    pub max_header_bytes: usize,
}

impl ConnectionLimits {
    /// The smallest `max_header_bytes` accepted: hyper reads the head into a buffer of at least
    /// this size.
    pub const MIN_HEADER_BYTES: usize = 8 * 1024;
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 512,
            max_header_bytes: 16 * 1024,
        }
    }
}

/// The server: modules plus the health of the index.
pub struct Server {
    modules: Vec<Arc<dyn ChatModule>>,
    index: Arc<IndexHealth>,
    metrics: Option<PrometheusHandle>,
    limits: ConnectionLimits,
}

impl Server {
    pub fn new(modules: Vec<Arc<dyn ChatModule>>, index: Arc<IndexHealth>) -> Server {
        for module in &modules {
            crate::metrics::register_platform(module.name());
        }
        Server { modules, index, metrics: crate::metrics::install(), limits: ConnectionLimits::default() }
    }

    /// Replaces the default [`ConnectionLimits`]. `max_header_bytes` below
    /// [`ConnectionLimits::MIN_HEADER_BYTES`] is raised to it, and `max_connections` to 1.
    pub fn with_limits(mut self, limits: ConnectionLimits) -> Server {
        self.limits = ConnectionLimits {
            max_header_bytes: limits.max_header_bytes.max(ConnectionLimits::MIN_HEADER_BYTES),
            max_connections: limits.max_connections.max(1),
            ..limits
        };
        self
    }

    pub fn modules(&self) -> &[Arc<dyn ChatModule>] {
        &self.modules
    }

    /// The whole router: health endpoints plus every module's routes, every request body under
    /// the body read deadline.
    pub fn router(&self) -> Router {
        let state = AppState {
            modules: Arc::new(self.modules.clone()),
            index: Arc::clone(&self.index),
            metrics: self.metrics.clone(),
        };
        let mut router = Router::new()
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics))
            .with_state(state);
        for module in &self.modules {
            router = router.merge(module.routes());
        }
        router.layer(axum::middleware::from_fn_with_state(self.limits.body_read_timeout, body_deadline))
    }

    /// Serves until `shutdown` fires, then stops accepting, lets in-flight requests finish (for
    /// at most [`DRAIN_TIMEOUT`]), and stops the modules' background work.
    pub async fn serve(self, listener: TcpListener, shutdown: Shutdown) -> std::io::Result<()> {
        let router = self.router();
        let mut tasks = tokio::task::JoinSet::new();
        for module in &self.modules {
            let module = Arc::clone(module);
            let name = module.name();
            let shutdown = shutdown.clone();
            tasks.spawn(async move {
                if let Err(e) = module.run(shutdown).await {
                    tracing::error!(platform = name, error = %e, "chat module stopped");
                }
            });
        }
        if let Some(handle) = self.metrics.clone() {
            let mut stop = shutdown.clone();
            tasks.spawn(async move {
                loop {
                    tokio::select! {
                        _ = stop.wait() => break,
                        _ = tokio::time::sleep(Duration::from_secs(10)) => handle.run_upkeep(),
                    }
                }
            });
        }
        accept_loop(listener, router, &self.limits, shutdown).await;
        while tasks.join_next().await.is_some() {}
        Ok(())
    }
}

/// How long shutdown waits for open connections to finish their requests.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Pause after an `accept` error that is not about one connection (descriptors exhausted):
/// retrying at once would spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(250);

/// What a connection refused at the cap is told before it is closed.
const BUSY_RESPONSE: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 1\r\ncontent-length: 0\r\n\r\n";

/// Accepts connections until `shutdown`, each served by hyper's HTTP/1 server with the header
/// timeout and size limit, at most `limits.max_connections` at once; then drains.
async fn accept_loop(listener: TcpListener, router: Router, limits: &ConnectionLimits, shutdown: Shutdown) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(ConnectionLimits::MIN_HEADER_BYTES));
    let http = Arc::new(http);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut at_capacity = false;
    let mut stop = shutdown.clone();
    loop {
        let accepted = tokio::select! {
            _ = stop.wait() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, _peer) = match accepted {
            Ok(pair) => pair,
            Err(e) if is_per_connection(&e) => continue,
            Err(e) => {
                tracing::error!(error = %e, "cannot accept connections; retrying");
                crate::metrics::connection_refused(crate::metrics::Refusal::AcceptError);
                tokio::select! {
                    _ = stop.wait() => break,
                    _ = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => continue,
                }
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            if !at_capacity {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "connection limit reached: refusing new connections with 503 until some close ([serve] max_connections)"
                );
                at_capacity = true;
            }
            crate::metrics::connection_refused(crate::metrics::Refusal::AtCapacity);
            // Best effort and never waiting: the client is told why, then the socket is closed.
            let _ = stream.try_write(BUSY_RESPONSE);
            continue;
        };
        if at_capacity && slots.available_permits() > 0 {
            tracing::info!("below the connection limit again");
            at_capacity = false;
        }
        let _ = stream.set_nodelay(true);
        let http = Arc::clone(&http);
        let router = router.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let _open = crate::metrics::OpenConnection::new();
            let service = hyper_util::service::TowerToHyperService::new(router);
            let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(conn);
            let result = tokio::select! {
                result = conn.as_mut() => result,
                _ = stop.wait() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            crate::metrics::connection_closed(close_reason(result.as_ref().err()));
            drop(slot);
        });
    }
    drop(listener);
    // Every connection holds a slot until it ends: all slots back means all connections done.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(DRAIN_TIMEOUT, slots.acquire_many(all)).await.is_err() {
        tracing::warn!(
            open = limits.max_connections - slots.available_permits(),
            "connections still open after the drain timeout; closing them"
        );
    }
}

/// `accept` errors that concern one connection (it was reset before we took it); the listener is
/// fine.
fn is_per_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

fn close_reason(error: Option<&hyper::Error>) -> crate::metrics::CloseReason {
    use crate::metrics::CloseReason;
    match error {
        None => CloseReason::Done,
        Some(e) if e.is_timeout() => CloseReason::HeaderTimeout,
        Some(e) if e.is_parse_too_large() => CloseReason::HeaderTooLarge,
        Some(e) if e.is_parse() => CloseReason::Malformed,
        Some(e) if e.is_incomplete_message() => CloseReason::Incomplete,
        Some(_) => CloseReason::Error,
    }
}

/// Why a request body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Longer than the endpoint accepts (declared or sent): `413`.
    TooLarge,
    /// Not complete within `body_read_timeout`: `408`.
    TimedOut,
    /// The client went away (or broke the framing) before the end of the body; nobody is left
    /// to read a response.
    Aborted,
}

impl BodyError {
    /// The `outcome` label of request metrics.
    pub fn label(self) -> &'static str {
        match self {
            BodyError::TooLarge => "too_large",
            BodyError::TimedOut => "body_timeout",
            BodyError::Aborted => "aborted",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            BodyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::TimedOut => StatusCode::REQUEST_TIMEOUT,
            BodyError::Aborted => StatusCode::BAD_REQUEST,
        }
    }
}

/// Reads a whole request body of at most `max` bytes (a declared `Content-Length` over `max` is
/// refused before reading), telling apart too large, too slow and abandoned.
pub async fn read_body(headers: &axum::http::HeaderMap, body: Body, max: usize) -> Result<Bytes, BodyError> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(BodyError::TooLarge);
    }
    axum::body::to_bytes(body, max).await.map_err(|e| {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if s.is::<http_body_util::LengthLimitError>() {
                return BodyError::TooLarge;
            }
            if s.is::<BodyTimedOut>() {
                return BodyError::TimedOut;
            }
            source = s.source();
        }
        BodyError::Aborted
    })
}

/// The error a request body yields once its read deadline has passed.
#[derive(Debug, thiserror::Error)]
#[error("the request body was not received within the body read timeout")]
pub struct BodyTimedOut;

/// Puts the request body under a deadline counted from now.
async fn body_deadline(
    State(timeout): State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let request =
        request.map(|body| Body::new(DeadlineBody { inner: body, deadline: Box::pin(tokio::time::sleep(timeout)) }));
    next.run(request).await
}

/// A body that fails with [`BodyTimedOut`] if it has not ended by its deadline.
struct DeadlineBody {
    inner: Body,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        use std::task::Poll;
        if let Poll::Ready(frame) = std::pin::Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Installs one TLS provider for the process (ring), whatever else enabled another; call once
/// before any client is built.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Resolves on SIGINT or SIGTERM.
pub async fn os_signals() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> Response {
    let index = state.index.loaded();
    let modules: serde_json::Map<String, serde_json::Value> =
        state.modules.iter().map(|m| (m.name().to_owned(), json!(m.ready()))).collect();
    let ready = index && modules.values().all(|v| v == &json!(true));
    let body = json!({ "ready": ready, "index": index, "modules": modules });
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => {
            crate::metrics::record_process();
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
        }
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics recorder not installed\n").into_response(),
    }
}

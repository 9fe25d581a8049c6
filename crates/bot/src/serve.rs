//! The shared HTTP server of `backline serve`: `/healthz`, `/readyz`, `/metrics`, and the routes
//! and background work of each chat platform, on one port.
//!
//! A chat platform plugs in as a [`ChatModule`]: it contributes routes (merged into one axum
//! router; each platform keeps to its own path prefix, `/slack/…`, `/discord/…`), may run
//! background work (Socket Mode, a gateway) until shutdown, and says whether it is ready. Which
//! modules exist is decided in [`crate::platforms`], one line per platform, so adding Discord
//! touches neither this file nor Slack's.
//!
//! Readiness (`/readyz`) means "send me traffic": the catalog index is loaded and every module
//! is ready. Liveness (`/healthz`) only means the process answers HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::future::BoxFuture;
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

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

/// One chat platform inside `backline serve`.
pub trait ChatModule: Send + Sync + 'static {
    /// `slack`, `discord`: used in logs, `/readyz` and errors.
    fn name(&self) -> &'static str;

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

/// The server: modules plus the health of the index.
pub struct Server {
    modules: Vec<Arc<dyn ChatModule>>,
    index: Arc<IndexHealth>,
    metrics: Option<PrometheusHandle>,
}

impl Server {
    pub fn new(modules: Vec<Arc<dyn ChatModule>>, index: Arc<IndexHealth>) -> Server {
        Server { modules, index, metrics: crate::metrics::install() }
    }

    pub fn modules(&self) -> &[Arc<dyn ChatModule>] {
        &self.modules
    }

    /// The whole router: health endpoints plus every module's routes.
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
        router
    }

    /// Serves until `shutdown` fires, then stops accepting, lets in-flight requests finish, and
    /// stops the modules' background work.
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
                        _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => handle.run_upkeep(),
                    }
                }
            });
        }
        let mut stop = shutdown.clone();
        let result = axum::serve(listener, router).with_graceful_shutdown(async move { stop.wait().await }).await;
        while tasks.join_next().await.is_some() {}
        result
    }
}

/// Resolves on SIGINT or SIGTERM.
/// Installs one TLS provider for the process (ring), whatever else enabled another; call once
/// before any client is built.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

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
        Some(handle) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics recorder not installed\n").into_response(),
    }
}

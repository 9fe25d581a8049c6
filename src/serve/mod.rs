//! `backline serve` from start to stop: build the chat modules, listen, open the index (retrying
//! with back-off while the store is unreachable: the process stays up, live and not ready), keep
//! the index current, and shut down cleanly on SIGINT/SIGTERM.
//!
//! The CLI (`src/cli/serve.rs`) only parses flags and calls [`serve`]. This module is where the
//! index meets the bots: the bot crate knows only the [`backline_bot::QuestionEngine`] seam, and
//! [`keeper::IndexEngine`] implements it over the index.
//!
//! `[serve]` in `backline.toml`:
//!
//! ```toml
//! [serve]
//! listen = "0.0.0.0:8080"   # default 127.0.0.1:8080; BACKLINE_SERVE_LISTEN overrides
//! refresh_secs = 60         # re-index every source this often
//! watch = true              # re-index directory sources when their files change
//! index_on_start = true
//! header_read_timeout_secs = 10  # a complete request head within this, or the connection is closed
//! body_read_timeout_secs = 10    # a complete request body within this, or 408
//! max_connections = 512          # more are answered 503 and closed (capped at half `ulimit -n`)
//! max_header_bytes = 16384       # larger request heads get 431 (at least 8192)
//! nudge_check_secs = 300         # how often migration nudges are checked (`nudge`)
//! nudge_dry_run = false          # log the nudges instead of posting them
//! ```
//!
//! Besides answering, `serve` posts the migration nudges of `[[migration]]`s with a
//! `[migration.nudge]` on their schedule ([`nudge`]).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub mod keeper;
pub mod nudge;

use backline_bot::engine::SharedEngine;
use backline_bot::serve::{ConnectionLimits, IndexHealth, ModuleContext, ModuleError, Server, shutdown_pair};
use backline_index::IndexError;
use backline_index::settings::Env;
use serde::Deserialize;
use tokio::net::TcpListener;

use self::keeper::{IndexEngine, IndexSlot, KeeperOptions, keep_current, open_index};
use self::nudge::{Modules, NudgeOptions, Nudger};
use crate::config::Config;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const ENV_LISTEN: &str = "BACKLINE_SERVE_LISTEN";

/// `[serve]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSection {
    listen: Option<String>,
    refresh_secs: Option<u64>,
    watch: Option<bool>,
    index_on_start: Option<bool>,
    header_read_timeout_secs: Option<u64>,
    body_read_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    max_header_bytes: Option<usize>,
    nudge_check_secs: Option<u64>,
    nudge_dry_run: Option<bool>,
}

/// Settings of one `serve` run: `[serve]`, then flags and environment on top.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub refresh: Duration,
    pub watch: bool,
    pub index_on_start: bool,
    pub limits: ConnectionLimits,
    pub nudge: NudgeOptions,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("invalid listen address `{0}` (expected host:port, e.g. 127.0.0.1:8080)")]
    Listen(String),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("catalog index: {0}")]
    Index(#[from] IndexError),
    #[error(transparent)]
    Module(#[from] ModuleError),
    #[error(
        "no chat platform is configured: add a [slack] or [discord] table, or set BACKLINE_SLACK_BOT_TOKEN or BACKLINE_DISCORD_TOKEN (see docs/slack.md, docs/discord.md)"
    )]
    NoPlatform,
    #[error("[serve] {0} must be at least {1}")]
    Limit(&'static str, u64),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    OnCall(String),
    #[error(transparent)]
    Kinds(#[from] backline_catalog::kinds::custom::CustomKindError),
}

/// Overrides from the command line; `None` keeps the file's value or the default.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub refresh_secs: Option<u64>,
    pub no_watch: bool,
    pub no_index: bool,
}

impl ServeOptions {
    pub fn resolve(
        config: &Config,
        overrides: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ServeOptions, ServeError> {
        let t = config.serve.clone().unwrap_or_default();
        let listen = overrides
            .listen
            .clone()
            .or_else(|| env(ENV_LISTEN))
            .or(t.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen: SocketAddr = listen.parse().map_err(|_| ServeError::Listen(listen.clone()))?;
        let defaults = ConnectionLimits::default();
        let secs = |name: &'static str, value: Option<u64>, default: Duration| match value {
            Some(0) => Err(ServeError::Limit(name, 1)),
            Some(v) => Ok(Duration::from_secs(v)),
            None => Ok(default),
        };
        let min_header = ConnectionLimits::MIN_HEADER_BYTES;
        let limits = ConnectionLimits {
            header_read_timeout: secs(
                "header_read_timeout_secs",
                t.header_read_timeout_secs,
                defaults.header_read_timeout,
            )?,
            body_read_timeout: secs("body_read_timeout_secs", t.body_read_timeout_secs, defaults.body_read_timeout)?,
            max_connections: match t.max_connections {
                Some(0) => return Err(ServeError::Limit("max_connections", 1)),
                Some(n) => n,
                // Half the descriptor limit leaves the rest to the store, search and chat clients.
                None => backline_bot::metrics::max_open_files()
                    .map_or(defaults.max_connections, |max| defaults.max_connections.min((max / 2).max(1) as usize)),
            },
            max_header_bytes: match t.max_header_bytes {
                Some(n) if n < min_header => return Err(ServeError::Limit("max_header_bytes", min_header as u64)),
                Some(n) => n,
                None => defaults.max_header_bytes,
            },
        };
        Ok(ServeOptions {
            listen,
            refresh: Duration::from_secs(overrides.refresh_secs.or(t.refresh_secs).unwrap_or(60).max(1)),
            watch: !overrides.no_watch && t.watch.unwrap_or(true),
            index_on_start: !overrides.no_index && t.index_on_start.unwrap_or(true),
            limits,
            nudge: NudgeOptions {
                check_every: secs("nudge_check_secs", t.nudge_check_secs, nudge::DEFAULT_CHECK)?,
                dry_run: t.nudge_dry_run.unwrap_or(false),
            },
        })
    }
}

struct FnEnv<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env for FnEnv<'_> {
    fn var(&self, key: &str) -> Option<String> {
        (self.0)(key).filter(|v| !v.is_empty())
    }
}

/// Runs `backline serve` until SIGINT/SIGTERM. `base` is the directory relative paths in the
/// configuration are resolved against. `on_listening` is called with the bound address (the
/// CLI prints it; with port 0 it is how callers learn the port).
pub async fn serve(
    config: &Config,
    base: &Path,
    opts: ServeOptions,
    env: &dyn Fn(&str) -> Option<String>,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    backline_bot::serve::install_tls_provider();
    backline_bot::metrics::install();
    record_build_info();

    // A configuration error is final; an unreachable store is not (see `keeper::open_index`).
    let settings = config.index_settings(base, &FnEnv(env)).map_err(IndexError::from)?;
    keeper::register_metrics(&settings.sources);
    let slot = Arc::new(IndexSlot::default());
    // Like the index's, a configuration error is final (a key the section names is missing).
    let oncall =
        crate::oncall::client(config.oncall.as_ref(), env).map_err(|e| ServeError::OnCall(format!("{e:#}")))?;
    let engine: SharedEngine = Arc::new(IndexEngine { slot: Arc::clone(&slot), oncall });
    let modules = backline_bot::platforms::modules(config.chat_sections(), &ModuleContext { engine }, env)?;
    if modules.is_empty() {
        return Err(ServeError::NoPlatform);
    }
    let health = Arc::new(IndexHealth::default());
    let poster = Arc::new(Modules(modules.clone()));
    let server = Server::new(modules, Arc::clone(&health)).with_limits(opts.limits.clone());

    let listener = TcpListener::bind(opts.listen).await.map_err(|e| ServeError::Bind(opts.listen, e))?;
    on_listening(listener.local_addr()?);
    tracing::info!(
        max_connections = opts.limits.max_connections,
        header_read_timeout_secs = opts.limits.header_read_timeout.as_secs(),
        body_read_timeout_secs = opts.limits.body_read_timeout.as_secs(),
        max_header_bytes = opts.limits.max_header_bytes,
        "serving"
    );

    let (trigger, shutdown) = shutdown_pair();
    let keeper = KeeperOptions {
        index_on_start: opts.index_on_start,
        watch: opts.watch,
        refresh: opts.refresh,
        lint_levels: config.lint_levels().ok(),
        kinds: Arc::new(config.custom_kinds(base)?),
        ..KeeperOptions::default()
    };
    let keeper_task = {
        let scorecards = config.scorecards.clone();
        let frontend_url = config.frontend_url(&settings);
        let slot = Arc::clone(&slot);
        let shutdown = shutdown.clone();
        let nudges = opts.nudge.clone();
        tokio::spawn(async move {
            let Some(index) = open_index(settings, scorecards, frontend_url, &slot, shutdown.clone()).await else {
                return;
            };
            let nudger = Nudger::new(Arc::clone(&index), poster, nudges, nudge::system_clock());
            let nudging = tokio::spawn(nudger.run(Arc::clone(&health), shutdown.clone()));
            keep_current(index, health, keeper, shutdown).await;
            let _ = nudging.await;
        })
    };
    tokio::spawn(async move {
        backline_bot::serve::os_signals().await;
        tracing::info!("shutting down");
        trigger.trigger();
    });
    let served = server.serve(listener, shutdown).await;
    let _ = keeper_task.await;
    if let Some(index) = slot.get() {
        index.close().await;
    }
    served?;
    Ok(())
}

/// The commit the binary was built from (`build.rs`), or `unknown` outside a git checkout.
pub const COMMIT: &str = env!("BACKLINE_COMMIT");

/// `backline_build_info{version, commit} 1`: which build is running, for dashboards and alerts.
fn record_build_info() {
    metrics::describe_gauge!("backline_build_info", "The running build: version and commit, value always 1.");
    metrics::gauge!("backline_build_info", "version" => env!("CARGO_PKG_VERSION"), "commit" => COMMIT).set(1.0);
}

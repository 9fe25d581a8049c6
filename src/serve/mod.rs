//! `backline serve` from start to stop: open the index, build the chat modules, listen, keep
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
//! ```

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub mod keeper;

use backline_bot::engine::SharedEngine;
use backline_bot::serve::{IndexHealth, ModuleContext, ModuleError, Server, shutdown_pair};
use backline_index::settings::Env;
use backline_index::{Index, IndexError};
use serde::Deserialize;
use tokio::net::TcpListener;

use self::keeper::{IndexEngine, KeeperOptions, keep_current};
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
}

/// Settings of one `serve` run: `[serve]`, then flags and environment on top.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub refresh: Duration,
    pub watch: bool,
    pub index_on_start: bool,
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
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
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
        Ok(ServeOptions {
            listen,
            refresh: Duration::from_secs(overrides.refresh_secs.or(t.refresh_secs).unwrap_or(60).max(1)),
            watch: !overrides.no_watch && t.watch.unwrap_or(true),
            index_on_start: !overrides.no_index && t.index_on_start.unwrap_or(true),
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

    let settings = config.index_settings(base, &FnEnv(env)).map_err(IndexError::from)?;
    let index = Arc::new(Index::open(settings).await?);
    let engine: SharedEngine = Arc::new(IndexEngine(Arc::clone(&index)));
    let modules = backline_bot::platforms::modules(config.chat_sections(), &ModuleContext { engine }, env)?;
    if modules.is_empty() {
        return Err(ServeError::NoPlatform);
    }
    let health = Arc::new(IndexHealth::default());
    let server = Server::new(modules, Arc::clone(&health));

    let listener = TcpListener::bind(opts.listen).await.map_err(|e| ServeError::Bind(opts.listen, e))?;
    on_listening(listener.local_addr()?);

    let (trigger, shutdown) = shutdown_pair();
    let keeper = KeeperOptions {
        index_on_start: opts.index_on_start,
        watch: opts.watch,
        refresh: opts.refresh,
        lint_levels: config.lint_levels().ok(),
        ..KeeperOptions::default()
    };
    let keeper_task = tokio::spawn(keep_current(Arc::clone(&index), health, keeper, shutdown.clone()));
    tokio::spawn(async move {
        backline_bot::serve::os_signals().await;
        tracing::info!("shutting down");
        trigger.trigger();
    });
    let served = server.serve(listener, shutdown).await;
    let _ = keeper_task.await;
    index.close().await;
    served?;
    Ok(())
}

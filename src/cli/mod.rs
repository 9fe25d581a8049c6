//! Subcommands of the `backline` binary, one file each, plus what they share: global flags,
//! logging set-up and loading `backline.toml`.

pub mod ask;
pub mod check;
pub mod discord;
pub mod explain;
pub mod generate;
pub mod index;
pub mod lsp;
pub mod query;
pub mod serve;

use std::path::{Path, PathBuf};

use anyhow::Context;
use crate::config::Config;
use clap::Args as ClapArgs;

/// Flags every subcommand understands.
#[derive(Debug, ClapArgs)]
pub struct GlobalArgs {
    /// Configuration file (default: `backline.toml` in the current directory, if present).
    #[arg(long, global = true, env = "BACKLINE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log filter, e.g. `info` or `backline_catalog=debug` (logs go to stderr).
    #[arg(long, global = true, env = "BACKLINE_LOG", default_value = "warn")]
    pub log: String,
}

/// Logs go to stderr through tracing, never to stdout: stdout carries results (and, for
/// `backline lsp`, the protocol itself).
pub fn init_tracing(global: &GlobalArgs) {
    let filter = tracing_subscriber::EnvFilter::try_new(&global.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .finish();
    // A cap whatever `--log` says: Slack's client library logs response_urls at debug/trace.
    let subscriber = tracing_subscriber::layer::SubscriberExt::with(
        subscriber,
        tracing_subscriber::filter::filter_fn(backline_bot::logging::allowed),
    );
    let _ = tracing_subscriber::util::SubscriberInitExt::try_init(subscriber);
}

/// Loads the configuration: the `--config` file (which must exist), else `./backline.toml` if it
/// exists, else defaults.
pub fn load_config(global: &GlobalArgs) -> anyhow::Result<Config> {
    let (path, required) = match &global.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("backline.toml"), false),
    };
    if !required && !Path::new(&path).exists() {
        return Ok(Config::default());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    Config::parse(&text).with_context(|| format!("in {}", path.display()))
}

//! `backline serve`: the chat bots (Slack and Discord) and `/healthz`, `/readyz`, `/metrics`
//! on one HTTP port, answering from the catalog index and keeping it current.
//!
//! Flags only; the work is `crate::serve::serve`. Secrets come from the environment or
//! `backline.toml` and never from flags (flags end up in shell history and `ps`).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::serve::{Overrides, ServeOptions};
use anyhow::Context;

use super::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on, e.g. 0.0.0.0:8080 (default: [serve] listen, else 127.0.0.1:8080).
    #[arg(long, env = "BACKLINE_SERVE_LISTEN")]
    listen: Option<String>,
    /// Re-index every source this often, in seconds (default: [serve] refresh_secs, else 60).
    #[arg(long, value_name = "SECS")]
    refresh: Option<u64>,
    /// Do not watch directory sources for changes (the periodic refresh still runs).
    #[arg(long)]
    no_watch: bool,
    /// Do not index at start: serve what the store already holds.
    #[arg(long)]
    no_index: bool,
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(global)?;
    // Relative paths in the configuration are relative to the file, like `backline index`.
    let base: PathBuf = super::config_base(global)?;
    let env = |key: &str| std::env::var(key).ok();
    let overrides =
        Overrides { listen: args.listen, refresh_secs: args.refresh, no_watch: args.no_watch, no_index: args.no_index };
    let opts = ServeOptions::resolve(&config, &overrides, &env)?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(crate::serve::serve(&config, &base, opts, &env, |addr| {
        // On stderr like every log line; tests and scripts read the port from it.
        anstream::eprintln!("backline serve: listening on http://{addr}");
    }))?;
    Ok(ExitCode::SUCCESS)
}

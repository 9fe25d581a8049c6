//! Subcommands of the `backline` binary, one file each, plus what they share: global flags,
//! logging set-up, loading `backline.toml`, and writing JSON results (with their schema
//! version, and ending quietly when the reader of stdout has gone).

pub mod ask;
pub mod check;
pub mod completions;
pub mod discord;
pub mod explain;
pub mod generate;
pub mod index;
pub mod lsp;
pub mod migration;
pub mod query;
pub mod scorecard;
pub mod serve;

use std::path::{Path, PathBuf};

use crate::config::Config;
use anyhow::Context;
use clap::Args as ClapArgs;

/// Flags every subcommand understands.
#[derive(Debug, ClapArgs)]
pub struct GlobalArgs {
    /// Configuration file (default: the nearest `backline.toml` in the current directory or
    /// above it, if any).
    #[arg(long, global = true, env = "BACKLINE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log filter, e.g. `info` or `backline_catalog=debug` (logs go to stderr).
    #[arg(long, global = true, env = "BACKLINE_LOG", default_value = "warn")]
    pub log: String,
    /// Log line format: `text` for people, `json` (one object per line) for log pipelines.
    #[arg(long, global = true, env = "BACKLINE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Logs go to stderr through tracing, never to stdout: stdout carries results (and, for
/// `backline lsp`, the protocol itself). A `--log` filter that does not parse is an error: a
/// silent fallback would hide exactly the logs someone asked for.
pub fn init_tracing(global: &GlobalArgs) -> anyhow::Result<()> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::builder().parse(&global.log).map_err(|e| {
        anyhow::anyhow!("invalid --log filter `{}`: {e} (e.g. `info` or `backline_index=debug,warn`)", global.log)
    })?;
    // A cap whatever `--log` says: Slack's client library logs response_urls at debug/trace.
    let cap = tracing_subscriber::filter::filter_fn(backline_bot::logging::allowed);
    let registry = tracing_subscriber::registry().with(filter).with(cap);
    let _ = match global.log_format {
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    Ok(())
}

/// The version of every JSON document the CLI writes (`schema_version` at its top level). Bumped
/// when a field is removed or changes meaning; adding fields keeps it. The documents are
/// described by `docs/schemas/*.schema.json`.
pub const SCHEMA_VERSION: u32 = 1;

/// A JSON result with `schema_version` first, then the value's own fields (objects only).
#[derive(serde::Serialize)]
pub struct Versioned<'a, T: serde::Serialize> {
    schema_version: u32,
    #[serde(flatten)]
    value: &'a T,
}

/// `value` (which must serialize as an object) with `schema_version` added, for serializing.
pub fn versioned<T: serde::Serialize>(value: &T) -> Versioned<'_, T> {
    Versioned { schema_version: SCHEMA_VERSION, value }
}

/// Writes `value` (which must serialize as an object) as pretty JSON with `schema_version`, and a
/// newline.
pub fn write_json<T: serde::Serialize>(out: &mut impl std::io::Write, value: &T) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &versioned(value))?;
    writeln!(out)?;
    Ok(())
}

/// Output format of the query commands: `--format text|json`, or `--json` (the older spelling,
/// kept) for `--format json`.
#[derive(Debug, Clone, ClapArgs)]
pub struct JsonFlag {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Same as `--format json`.
    #[arg(long, global = true)]
    json: bool,
}

impl JsonFlag {
    pub fn json(&self) -> bool {
        self.json || self.format == OutputFormat::Json
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Whether an error is only "the reader of stdout went away" (`backline find | head -1`): the
/// output nobody reads is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// The configuration file's name, looked for in the working directory and its ancestors.
pub const CONFIG_FILE: &str = "backline.toml";

/// The nearest `backline.toml` in `dir` or above it, as git finds `.git`: so `backline ask` in a
/// sub-directory of a repository uses the repository's configuration. The walk stops at the
/// filesystem root.
pub fn find_config(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().map(|d| d.join(CONFIG_FILE)).find(|p| p.is_file())
}

/// The configuration file in effect: `--config` (or `BACKLINE_CONFIG`), else the nearest
/// `backline.toml` from the working directory up, else none. Absolute.
pub fn config_path(global: &GlobalArgs) -> anyhow::Result<Option<PathBuf>> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    Ok(match &global.config {
        Some(p) => Some(if p.is_absolute() { p.clone() } else { cwd.join(p) }),
        None => find_config(&cwd),
    })
}

/// The directory relative paths of the configuration are resolved against: the configuration
/// file's, or the working directory without one.
pub fn config_base(global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    Ok(config_path(global)?.and_then(|p| p.parent().map(Path::to_owned)).unwrap_or(cwd))
}

/// Loads the configuration: the `--config` file (which must exist), else the nearest
/// `backline.toml` (see [`config_path`]), else defaults.
pub fn load_config(global: &GlobalArgs) -> anyhow::Result<Config> {
    let Some(path) = config_path(global)? else { return Ok(Config::default()) };
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    Config::parse(&text).with_context(|| format!("in {}", path.display()))
}

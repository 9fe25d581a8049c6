//! `backline index [PATH...]`: build or update the catalog index (store + search).
//!
//! Without paths, indexes the `[[source]]`s of `backline.toml` and removes sources no longer
//! configured (unless `--keep-unconfigured`). With paths, indexes each as a directory source
//! named after the path and leaves other sources alone. Also what `ask` and the query
//! subcommands use to open the index (and to index it the first time).
//!
//! Exit codes: 0 indexed, 1 some source failed (it keeps its last good index, marked stale),
//! 2 usage, configuration or store failure (including "another index run holds the lock"
//! without `--wait`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use backline_index::{Index, IndexReport, IndexSettings, Phase, Progress, RunOptions, SourceSettings};

use super::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directories (or files) to index as sources named after their path, instead of the
    /// configured `[[source]]`s.
    paths: Vec<PathBuf>,
    /// Wait for another `backline index` on the same store to finish instead of failing.
    #[arg(long)]
    wait: bool,
    /// Keep sources that are in the store but no longer in `backline.toml`.
    #[arg(long)]
    keep_unconfigured: bool,
    /// `--format json` or `--json`: the run's report as JSON.
    #[command(flatten)]
    out: super::JsonFlag,
}

/// The directory relative paths in the configuration are resolved against.
fn config_base(global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    Ok(match &global.config {
        Some(p) => {
            let p = if p.is_absolute() { p.clone() } else { cwd.join(p) };
            p.parent().map_or(cwd, Path::to_owned)
        }
        None => cwd,
    })
}

/// The index settings: `backline.toml` (or `--config`), `BACKLINE_*` overrides.
pub fn settings(global: &GlobalArgs) -> anyhow::Result<IndexSettings> {
    let config = super::load_config(global)?;
    let base = config_base(global)?;
    Ok(config.index_settings(&base, &backline_index::settings::ProcessEnv)?)
}

/// A runtime for the async store: one thread plus the blocking pool parsing uses.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")
}

fn progress_bar() -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} indexing {msg} ({elapsed})").expect("static template"),
    );
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// Runs an index with a progress bar on a terminal.
pub async fn run_with_progress(
    index: &Index,
    sources: Option<&[SourceSettings]>,
    mut options: RunOptions,
) -> anyhow::Result<IndexReport> {
    let bar = progress_bar();
    let tick = bar.clone();
    options.progress = Some(Arc::new(move |p: &Progress| match p.phase {
        Phase::Reading => tick.set_message(format!("{}: {} files, {} parsed", p.source, p.files_seen, p.files_parsed)),
        Phase::Search => tick.set_message("committed; updating search"),
    }));
    let result = match sources {
        Some(s) => index.index_sources(s, &options).await,
        None => index.index(&options).await,
    };
    bar.finish_and_clear();
    Ok(result?)
}

/// Opens the index; indexes configured sources that were never indexed into this store, so a
/// first `backline ask` works with nothing else set up.
pub async fn open_ready(global: &GlobalArgs) -> anyhow::Result<Index> {
    let settings = settings(global)?;
    let mut index = Index::open(settings).await?;
    index.set_scorecards(super::load_config(global)?.scorecards);
    let missing = index.unindexed_sources().await?;
    if !missing.is_empty() {
        let sources: Vec<SourceSettings> =
            index.settings().sources.iter().filter(|s| missing.contains(&s.name)).cloned().collect();
        let report =
            run_with_progress(&index, Some(&sources), RunOptions { wait_for_lock: true, ..RunOptions::default() })
                .await?;
        for s in report.failed_sources() {
            anstream::eprintln!(
                "warning: source {} could not be indexed: {}",
                s.name,
                s.error.as_deref().unwrap_or("")
            );
        }
    }
    Ok(index)
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(async {
        let config = super::load_config(global)?;
        let mut settings = settings(global)?;
        let adhoc = !args.paths.is_empty();
        if adhoc {
            let cwd = std::env::current_dir()?;
            settings.sources = args
                .paths
                .iter()
                .map(|p| {
                    let abs = if p.is_absolute() { p.clone() } else { cwd.join(p) };
                    SourceSettings::dir(&p.display().to_string(), abs)
                })
                .collect();
        }
        if settings.sources.is_empty() {
            anyhow::bail!(
                "no sources to index: add a [[source]] to backline.toml (see docs/configuration.md) or pass a directory"
            );
        }
        let index = Index::open(settings).await?;
        let options = RunOptions {
            wait_for_lock: args.wait,
            prune: !adhoc && !args.keep_unconfigured,
            lint_levels: Some(config.lint_levels()?),
            progress: None,
        };
        let report = match run_with_progress(&index, None, options).await {
            Ok(r) => r,
            Err(e) => {
                index.close().await;
                return Err(e);
            }
        };
        index.close().await;
        let mut out = anstream::stdout().lock();
        if args.out.json() {
            super::write_json(&mut out, &report)?;
        } else {
            use std::io::Write;
            for s in &report.sources {
                match &s.error {
                    Some(e) => writeln!(out, "{}: FAILED, keeping its last good index (stale): {e}", s.name)?,
                    None => {
                        let rev =
                            s.revision.as_deref().map(|r| format!(" at {}", &r[..r.len().min(12)])).unwrap_or_default();
                        writeln!(
                            out,
                            "{}{rev}: {} files, {} parsed, {} removed, {} entities written",
                            s.name, s.files_seen, s.files_parsed, s.files_deleted, s.entities_written
                        )?;
                    }
                }
            }
            for p in &report.pruned {
                writeln!(out, "{p}: removed (no longer configured)")?;
            }
            writeln!(
                out,
                "{} entities changed; store {} ms, search {} ms",
                report.changed_entities,
                report.store_time.as_millis(),
                report.search_time.as_millis()
            )?;
        }
        Ok(if report.failed_sources().next().is_some() { ExitCode::from(1) } else { ExitCode::SUCCESS })
    })
}

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
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use backline_index::{
    Index, IndexError, IndexReport, IndexSettings, Phase, Progress, RunOptions, SourceKind, SourceSettings,
};

use super::GlobalArgs;
use crate::backstage::Prefetch;

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

/// The index settings: `backline.toml` (or `--config`), `BACKLINE_*` overrides.
pub fn settings(global: &GlobalArgs) -> anyhow::Result<IndexSettings> {
    let config = super::load_config(global)?;
    let base = super::config_base(global)?;
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

/// Runs an index with a progress bar on a terminal. Backstage sources use the listings
/// `prefetch` started, if any.
pub async fn run_with_progress(
    index: &Index,
    sources: Option<&[SourceSettings]>,
    mut options: RunOptions,
    prefetch: Prefetch,
) -> anyhow::Result<IndexReport> {
    let bar = progress_bar();
    let tick = bar.clone();
    options.progress = Some(Arc::new(move |p: &Progress| match p.phase {
        Phase::Reading => tick.set_message(format!("{}: {} files, {} parsed", p.source, p.files_seen, p.files_parsed)),
        Phase::Search => tick.set_message("committed; updating search"),
    }));
    let all = sources.unwrap_or(&index.settings().sources);
    let result = match sources {
        Some(s) => index.index_sources(s, &options).await,
        None => index.index(&options).await,
    };
    let result = match result {
        Ok(report) => crate::backstage::sync_all(index, all, &options, prefetch).await.map(|remote| {
            let mut report = report;
            remote.into_iter().for_each(|r| report.absorb(r));
            report
        }),
        Err(e) => Err(e),
    };
    bar.finish_and_clear();
    Ok(result?)
}

/// Why there is nothing to answer from, and how to set a catalog up: said instead of creating
/// an empty index and answering "nothing is called payments-api".
fn no_catalog(global: &GlobalArgs) -> anyhow::Error {
    let cwd = std::env::current_dir().unwrap_or_default();
    let why = match super::config_path(global) {
        Ok(Some(path)) => format!("{} has no [[source]], and no index was built here", path.display()),
        _ => format!(
            "there is no {} in {} or any directory above it, and no index was built here",
            super::CONFIG_FILE,
            cwd.display()
        ),
    };
    anyhow::anyhow!(
        "no catalog is configured: {why}.\n\
         Set one up with a backline.toml at the root of your repository (or pass --config):\n\n\
         \x20   [[source]]\n\
         \x20   name = \"catalog\"\n\
         \x20   path = \"catalog\"          # a directory, or git = \"https://git.example.com/org/catalog.git\"\n\n\
         then run `backline index`; or index a directory once with `backline index <directory>`.\n\
         See docs/configuration.md."
    )
}

/// Opens the index, ready to answer: refuses to answer from nothing ([`no_catalog`]), indexes
/// configured sources that were never indexed into this store (so a first `backline ask` works
/// with nothing else set up), and brings directory sources up to date, so an answer never
/// silently predates an edit. That run is the incremental indexer, which reads only files whose
/// size or modification time moved; when it cannot run (another run holds the lock, the store
/// is read-only) the answer comes with a warning that it may be stale.
pub async fn open_ready(global: &GlobalArgs) -> anyhow::Result<Index> {
    let config = super::load_config(global)?;
    let settings = settings(global)?;
    if settings.sources.is_empty() && settings.store.sqlite_path().is_some_and(|p| !p.exists()) {
        return Err(no_catalog(global));
    }
    let frontend_url = config.frontend_url(&settings);
    let mut index = Index::open(settings).await?;
    index.set_scorecards(config.scorecards.clone());
    index.set_frontend_url(frontend_url);
    let known = index.sources().await?;
    if index.settings().sources.is_empty() && known.is_empty() {
        index.close().await;
        return Err(no_catalog(global));
    }
    // The same lint levels and custom kinds as `backline index`, so a run from here never
    // re-parses what an index run just wrote.
    let options = RunOptions {
        wait_for_lock: true,
        lint_levels: Some(config.lint_levels()?),
        kinds: Arc::new(config.custom_kinds(&super::config_base(global)?)?),
        ..RunOptions::default()
    };
    let missing = index.unindexed_sources().await?;
    if !missing.is_empty() {
        let sources: Vec<SourceSettings> =
            index.settings().sources.iter().filter(|s| missing.contains(&s.name)).cloned().collect();
        let report = run_with_progress(&index, Some(&sources), options.clone(), Prefetch::default()).await?;
        for s in report.failed_sources() {
            anstream::eprintln!(
                "warning: source {} could not be indexed: {}",
                s.name,
                s.error.as_deref().unwrap_or("")
            );
        }
    }
    // Directory sources: the configured ones, and those indexed by `backline index <directory>`.
    let mut dirs: Vec<SourceSettings> = index
        .settings()
        .sources
        .iter()
        .filter(|s| matches!(s.kind, SourceKind::Dir { .. }) && !missing.contains(&s.name))
        .cloned()
        .collect();
    if index.settings().sources.is_empty() {
        let allowed = config.allowed_locations(&super::config_base(global)?);
        dirs.extend(known.iter().filter(|k| k.kind == "dir").map(|k| {
            let mut source = SourceSettings::dir(&k.name, &k.location);
            source.allowed_locations.clone_from(&allowed);
            source
        }));
    }
    if !dirs.is_empty() {
        let names = || dirs.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ");
        if index.store().is_read_only() {
            anstream::eprintln!(
                "warning: the index is read-only, so changes to {} since it was built are not in this answer",
                names()
            );
        } else {
            match run_with_progress(
                &index,
                Some(&dirs),
                RunOptions { wait_for_lock: false, ..options },
                Prefetch::default(),
            )
            .await
            {
                Ok(_) => {}
                Err(e) if e.downcast_ref::<IndexError>().is_some_and(|e| matches!(e, IndexError::Busy)) => {
                    anstream::eprintln!(
                        "warning: another `backline index` is updating the index; changes to {} since the last run may not be in this answer",
                        names()
                    );
                }
                Err(e) => return Err(e.context("bringing the index up to date")),
            }
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
            let allowed = config.allowed_locations(&super::config_base(global)?);
            settings.sources = args
                .paths
                .iter()
                .map(|p| {
                    let abs = if p.is_absolute() { p.clone() } else { cwd.join(p) };
                    let mut source = SourceSettings::dir(&p.display().to_string(), abs);
                    source.allowed_locations.clone_from(&allowed);
                    source
                })
                .collect();
        }
        if settings.sources.is_empty() {
            anyhow::bail!(
                "no sources to index: add a [[source]] to backline.toml (see docs/configuration.md) or pass a directory"
            );
        }
        let index = Index::open(settings).await?;
        // Backstage listings run while the rest of the run does (see `Prefetch`).
        let prefetch = match Prefetch::start(&index, &index.settings().sources).await {
            Ok(prefetch) => prefetch,
            Err(e) => {
                index.close().await;
                return Err(e.into());
            }
        };
        let options = RunOptions {
            wait_for_lock: args.wait,
            prune: !adhoc && !args.keep_unconfigured,
            lint_levels: Some(config.lint_levels()?),
            kinds: Arc::new(config.custom_kinds(&super::config_base(global)?)?),
            progress: None,
            migration_day: None,
        };
        let report = match run_with_progress(&index, None, options, prefetch).await {
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

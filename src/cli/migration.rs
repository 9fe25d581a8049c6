//! `backline migration [NAME] [TEAM]`: how a `[[migration]]` is going, per team, with what is
//! left (the same answer as `backline ask "how is the python3 migration going"` and the bots);
//! without a name, every migration with its progress. `--chart FILE` writes the burn-down chart
//! (`.svg` or `.png`); `--nudge --dry-run` prints exactly what the nudges would post.
//!
//! Exit codes as `ask`: 0 answered, 1 the team was not found, 2 usage, configuration or store
//! failure (an unknown migration name among them).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use backline_answer::Query;
use backline_answer::command::MIGRATION;

use super::{GlobalArgs, JsonFlag};

#[derive(Debug, clap::Args)]
#[command(about = MIGRATION.about)]
pub struct Args {
    /// The migration's name (all migrations when left out).
    name: Option<String>,
    /// A team (or person): only what it still has to migrate.
    team: Option<String>,
    /// Write the migration's burn-down chart to FILE: SVG or PNG, by its extension.
    #[arg(long, value_name = "FILE", requires = "name")]
    chart: Option<PathBuf>,
    /// The nudges of the migration's `[migration.nudge]`: what each team still has to do, to its
    /// channel, and a summary. Needs `--dry-run`: the command line posts nothing.
    #[arg(long, requires = "name")]
    nudge: bool,
    /// With `--nudge`: print what would be posted, post nothing.
    #[arg(long, requires = "nudge")]
    dry_run: bool,
    #[command(flatten)]
    out: JsonFlag,
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    if args.nudge && !args.dry_run {
        anyhow::bail!("--nudge needs --dry-run: the command line posts nothing; it shows what would be posted");
    }
    let rt = super::index::runtime()?;
    rt.block_on(async {
        let index = super::index::open_ready(global).await?;
        let result = answer(&index, &args).await;
        index.close().await;
        result
    })
}

async fn answer(index: &backline_index::Index, args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(name) = &args.name
        && index.migration(name).is_none()
        && !(args.team.is_none() && index.migrations().len() == 1)
    {
        let known: Vec<&str> = index.migrations().iter().map(|m| m.name.as_str()).collect();
        anyhow::bail!(
            "no migration is called `{name}`; configured: {}",
            if known.is_empty() { "none (add a [[migration]] to backline.toml)".to_owned() } else { known.join(", ") }
        );
    }
    if args.nudge {
        let name = args.name.as_deref().unwrap_or_default();
        let plan = index.nudge_plan(name, backline_index::migration::today()).await?;
        let mut out = anstream::stdout().lock();
        if args.out.json() {
            super::write_json(&mut out, &plan)?;
        } else {
            write!(out, "{}", backline_answer::present::migration::nudge_text(&plan))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let (Some(path), Some(name)) = (&args.chart, &args.name) {
        let Some(m) = index.migration(name) else { anyhow::bail!("no migration is called `{name}`") };
        let chart = crate::chart::burn_down(index, m).await?;
        let bytes = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("svg") => backline_chart::svg(&chart)?.into_bytes(),
            Some("png") => backline_chart::png(&chart)?,
            _ => anyhow::bail!("--chart {}: name a .svg or .png file", path.display()),
        };
        std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let query = Query::Migration { name: args.name.clone(), team: args.team.clone() };
    let answer = index.answer(&query).await?;
    super::ask::print(&answer, args.out.json())
}

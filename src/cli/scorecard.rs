//! `backline scorecard [NAME] [--team T] [--entity E]`: a `[[scorecard]]`'s levels from the
//! index: for a team (its entities and sub-teams, furthest behind first, with what each needs
//! for its next level), one entity, or the whole catalog by owning team. `--json` prints the
//! answer model (`docs/schemas/answer.schema.json`), the same the bots render for
//! `/backline scorecard`. Exit codes as `ask`: 0 answered, 1 nothing matched the name, 2 failure.

use std::process::ExitCode;

use backline_answer::Query;
use backline_answer::command::SCORECARD;

use super::{GlobalArgs, JsonFlag};

#[derive(Debug, clap::Args)]
#[command(about = SCORECARD.about, aliases = SCORECARD.aliases)]
pub struct Args {
    /// The scorecard (default: the first configured).
    name: Option<String>,
    /// A team (Group or User): its entities and those of its sub-teams.
    #[arg(long, conflicts_with = "entity")]
    team: Option<String>,
    /// One entity.
    #[arg(long)]
    entity: Option<String>,
    #[command(flatten)]
    out: JsonFlag,
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(global)?;
    if config.scorecards.is_empty() {
        anyhow::bail!("no scorecard is configured: add a [[scorecard]] to backline.toml (see docs/scorecards.md)");
    }
    let query = Query::Scorecard { scorecard: args.name, team: args.team, entity: args.entity };
    backline_answer::question::check_length(&backline_answer::question_for(&query))?;
    let rt = super::index::runtime()?;
    rt.block_on(async {
        let index = super::index::open_ready(global).await?;
        let answer = index.answer(&query).await;
        index.close().await;
        super::ask::print(&answer?, args.out.json())
    })
}

//! Structured queries for scripts: `owner`, `oncall` (alias `contact`), `search`, `deps`,
//! `impact`, `team`, `find`, `health`, `what-is`, each with `--json` (the same answer model as
//! `ask --json` and the bots). Names, aliases, help and defaults come from the command table
//! ([`backline_answer::command`]) that Slack and Discord use too.
//!
//! These skip the question parser but not name resolution: `backline owner payments` resolves
//! `payments` exactly, by variant or fuzzily, and asks back with candidates when ambiguous.
//! `owner` and `oncall` say who is on call now when `[oncall]` configures a provider.
//! Exit codes as `ask`: 0 answered, 1 nothing matched the name, 2 failure.

use std::process::ExitCode;

use backline_answer::command::{CONTACT, DEPS, FIND, HEALTH, IMPACT, OWNER, SEARCH, TEAM, WHAT_IS};
use backline_answer::question::{IMPACT_DEPTH, SEARCH_LIMIT, check_length, parse_filter, question_for};
use backline_answer::{Filter, Query};

use super::{GlobalArgs, JsonFlag};

// Names, aliases, help and defaults come from the one command table the bots use too.
#[derive(Debug, clap::Subcommand)]
pub enum QueryCommand {
    // Who owns an entity: owner, parent groups, members, how to reach them.
    #[command(name = OWNER.name, about = OWNER.about, aliases = OWNER.aliases)]
    Owner {
        name: String,
        #[command(flatten)]
        out: JsonFlag,
    },
    // How to reach a team, a person, or the owner of an entity (`contact` is an alias).
    #[command(name = CONTACT.name, about = CONTACT.about, aliases = CONTACT.aliases)]
    Contact {
        name: String,
        #[command(flatten)]
        out: JsonFlag,
    },
    #[command(
        name = SEARCH.name,
        about = SEARCH.about,
        aliases = SEARCH.aliases,
        long_about = "Full-text search over names, titles, descriptions, tags, owners, kinds and systems."
    )]
    Search {
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        #[arg(long, default_value_t = SEARCH.limit.unwrap_or(SEARCH_LIMIT))]
        limit: u32,
        #[command(flatten)]
        out: JsonFlag,
    },
    // What an entity depends on (`dependsOn`), with the path to each.
    #[command(name = DEPS.name, about = DEPS.about, aliases = DEPS.aliases)]
    Deps {
        name: String,
        #[arg(long, default_value_t = DEPS.depth.unwrap_or(1))]
        depth: u32,
        #[command(flatten)]
        out: JsonFlag,
    },
    // What breaks if an entity goes down: everything depending on it, with the path.
    #[command(name = IMPACT.name, about = IMPACT.about, aliases = IMPACT.aliases)]
    Impact {
        name: String,
        #[arg(long, default_value_t = IMPACT.depth.unwrap_or(IMPACT_DEPTH))]
        depth: u32,
        #[command(flatten)]
        out: JsonFlag,
    },
    // A team: what it owns (with sub-teams), its members, children and contacts.
    #[command(name = TEAM.name, about = TEAM.about, aliases = TEAM.aliases)]
    Team {
        name: String,
        #[command(flatten)]
        out: JsonFlag,
    },
    #[command(
        name = FIND.name,
        about = FIND.about,
        aliases = FIND.aliases,
        long_about = "Entities matching filters, grouped by owner: kind: type: lifecycle: tag: owner: system: domain: namespace: label:key[=value] annotation:key[=value]."
    )]
    Find {
        #[arg(required = true, num_args = 1..)]
        filters: Vec<String>,
        #[command(flatten)]
        out: JsonFlag,
    },
    // Catalog health: missing owners, empty owner teams, deprecated dependencies, findings, stale
    // sources.
    #[command(name = HEALTH.name, about = HEALTH.about, aliases = HEALTH.aliases)]
    Health {
        #[command(flatten)]
        out: JsonFlag,
    },
    // The entity itself: relations, links, findings, the document as written.
    #[command(name = WHAT_IS.name, about = WHAT_IS.about, aliases = WHAT_IS.aliases)]
    WhatIs {
        name: String,
        #[command(flatten)]
        out: JsonFlag,
    },
}

pub fn run(global: &GlobalArgs, command: QueryCommand) -> anyhow::Result<ExitCode> {
    let (query, json) = match command {
        QueryCommand::Owner { name, out } => (Query::Owner { name }, out.json()),
        QueryCommand::Contact { name, out } => (Query::Contact { name }, out.json()),
        QueryCommand::Search { text, limit, out } => (Query::Search { text: text.join(" "), limit }, out.json()),
        QueryCommand::Deps { name, depth, out } => (Query::Dependencies { name, depth }, out.json()),
        QueryCommand::Impact { name, depth, out } => (Query::Dependents { name, depth }, out.json()),
        QueryCommand::Team { name, out } => (Query::Team { name }, out.json()),
        QueryCommand::Find { filters, out } => {
            let parsed: Vec<Filter> = filters
                .iter()
                .map(|f| {
                    parse_filter(f).ok_or_else(|| {
                        anyhow::anyhow!(
                            "`{f}` is not a filter; use kind:, type:, lifecycle:, tag:, owner:, system:, domain:, namespace:, label:key[=value] or annotation:key[=value]"
                        )
                    })
                })
                .collect::<anyhow::Result<_>>()?;
            (Query::Find { filters: parsed }, out.json())
        }
        QueryCommand::Health { out } => (Query::Health, out.json()),
        QueryCommand::WhatIs { name, out } => (Query::Describe { name }, out.json()),
    };
    // Names given here skip the parser, not its length limits.
    check_length(&question_for(&query))?;
    let oncall = super::ask::oncall_client(global)?;
    let rt = super::index::runtime()?;
    rt.block_on(async {
        let index = super::index::open_ready(global).await?;
        let answer = match index.answer(&query).await {
            Ok(mut answer) => {
                crate::oncall::enrich(oncall.as_ref(), &index, &mut answer).await;
                Ok(answer)
            }
            Err(e) => Err(e),
        };
        index.close().await;
        super::ask::print(&answer?, json)
    })
}

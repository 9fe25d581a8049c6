//! `backline`: the one binary. A thin command-line layer over `backline-catalog` (check, index, ask),
//! `backline-lsp` (the language server) and `backline-bot` (Slack and Discord).
//!
//! Each subcommand lives in its own file under `src/cli/` and exposes an `Args` struct (clap) and a
//! `run` function returning the process exit code. This file only dispatches.

#![allow(unreachable_pub, reason = "a binary has no public API; `pub` marks what sibling modules use")]

mod backstage;
mod chart;
mod cli;
mod config;
mod oncall;
mod org_catalog;
mod serve;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// mimalloc: many small allocations from several threads while checking and indexing, where the
/// system allocator cost about a third of `check` on a large catalog.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Who owns what: check, index and ask questions of a Backstage software catalog.
#[derive(Debug, Parser)]
#[command(name = "backline", version = env!("BACKLINE_VERSION"), about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: cli::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate catalog files exactly as Backstage would, plus Backline's cross-file lints.
    Check(cli::check::Args),
    /// Explain a finding code: what it checks, why, an example and the fix.
    Explain(cli::explain::Args),
    /// Run the language server on stdin/stdout (for editors).
    Lsp(cli::lsp::Args),
    /// Build or update the catalog index (store and search) from the configured sources.
    Index(cli::index::Args),
    /// Ask a question: "who owns payments-api", "what breaks if orders-db goes down", "help".
    Ask(cli::ask::Args),
    #[command(flatten)]
    Query(cli::query::QueryCommand),
    /// How a migration is going per team, what is left, its burn-down chart and nudges.
    #[command(aliases = ["migrations"])]
    Migration(cli::migration::Args),
    /// Scorecard levels of a team, an entity or the catalog, and what the next level needs.
    Scorecard(cli::scorecard::Args),
    /// Run the chat bots (Slack, Discord) with /healthz, /readyz and /metrics, keeping the index current.
    Serve(cli::serve::Args),
    /// Discord set-up: `backline discord register` registers the /backline command.
    Discord(cli::discord::Args),
    /// Write a synthetic catalog (realistic names, owners, dependencies) for trying Backline out
    /// and for benchmarks.
    Generate(cli::generate::Args),
    /// Print a shell completion script: `backline completions bash|zsh|fish|elvish|powershell`.
    Completions(cli::completions::CompletionsArgs),
    /// Print the man page (roff), or write one per subcommand with `--dir`.
    Man(cli::completions::ManArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(err) = cli::init_tracing(&cli.global) {
        anstream::eprintln!("error: {err:#}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Check(args) => cli::check::run(&cli.global, args),
        Command::Explain(args) => cli::explain::run(args),
        Command::Lsp(args) => cli::lsp::run(&cli.global, args),
        Command::Generate(args) => cli::generate::run(args),
        Command::Serve(args) => cli::serve::run(&cli.global, args),
        Command::Discord(args) => cli::discord::run(&cli.global, args),
        Command::Index(args) => cli::index::run(&cli.global, args),
        Command::Ask(args) => cli::ask::run(&cli.global, args),
        Command::Query(command) => cli::query::run(&cli.global, command),
        Command::Migration(args) => cli::migration::run(&cli.global, args),
        Command::Scorecard(args) => cli::scorecard::run(&cli.global, args),
        Command::Completions(args) => cli::completions::completions(Cli::command(), args),
        Command::Man(args) => cli::completions::man(Cli::command(), args),
    };
    match result {
        Ok(code) => code,
        // `backline find … | head -1`: the reader has what it wanted; nothing failed.
        Err(err) if cli::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Usage and I/O failures exit with 2, distinct from "findings were reported" (1).
            anstream::eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

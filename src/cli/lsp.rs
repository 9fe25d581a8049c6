//! `backline lsp`: the language server over stdio (see the `backline-lsp` crate).
//!
//! Nothing may be printed to stdout here: it carries the protocol. Logs go to stderr (editors
//! show it as the server's log), at the level of `--log` / `BACKLINE_LOG`. The `[[scorecard]]`s
//! of `backline.toml` are handed to the server for its hints.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Speak LSP over stdin/stdout (the default and only transport; accepted because
    /// vscode-languageclient and other clients pass it).
    #[arg(long)]
    stdio: bool,
}

pub fn run(global: &super::GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    let _ = args.stdio;
    // The `[[scorecard]]`s of `backline.toml` (`--config`, else the working directory's) become
    // hints on each entity's file. A file that cannot be read costs the hints, not the server.
    let scorecards = match super::load_config(global) {
        Ok(config) => config.scorecards,
        Err(e) => {
            tracing::warn!("scorecard hints are off: {e:#}");
            Vec::new()
        }
    };
    backline_lsp::run_stdio_with(scorecards)?;
    Ok(ExitCode::SUCCESS)
}

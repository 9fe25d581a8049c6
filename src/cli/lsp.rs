//! `backline lsp`: the language server over stdio (see the `backline-lsp` crate).
//!
//! Nothing may be printed to stdout here: it carries the protocol. Logs go to stderr (editors
//! show it as the server's log), at the level of `--log` / `BACKLINE_LOG`.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Speak LSP over stdin/stdout (the default and only transport; accepted because
    /// vscode-languageclient and other clients pass it).
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args.stdio;
    backline_lsp::run_stdio()?;
    Ok(ExitCode::SUCCESS)
}

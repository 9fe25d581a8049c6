//! `backline completions <shell>` and `backline man`: shell completion scripts and man pages,
//! generated from the same clap definition the binary parses with, so they never drift.
//!
//! Install, for example:
//! - bash: `backline completions bash > ~/.local/share/bash-completion/completions/backline`
//! - zsh: `backline completions zsh > ~/.zfunc/_backline` (with `~/.zfunc` on `fpath`)
//! - fish: `backline completions fish > ~/.config/fish/completions/backline.fish`
//! - man: `backline man --dir /usr/local/share/man/man1` (one page per subcommand), or
//!   `backline man | man -l -` to read the main page.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write `backline.1` and one page per subcommand (`backline-check.1`, …) into this
    /// directory instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Prints the completion script for `args.shell` to stdout.
pub fn completions(mut command: clap::Command, args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let name = command.get_name().to_owned();
    // Into memory first: clap_complete panics on a write error (a closed pipe, say).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    let mut out = std::io::stdout().lock();
    std::io::Write::write_all(&mut out, &script)?;
    std::io::Write::flush(&mut out)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the main man page (roff), or writes every page into `--dir`.
pub fn man(command: clap::Command, args: ManArgs) -> anyhow::Result<ExitCode> {
    match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(command, &dir)
                .with_context(|| format!("writing man pages into {}", dir.display()))?;
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command).render(&mut page)?;
            let mut out = std::io::stdout().lock();
            std::io::Write::write_all(&mut out, &page)?;
            std::io::Write::flush(&mut out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `backline discord register`: registers the `/backline` command with Discord, for the
//! allowlisted servers (the default; updates at once), one server, or globally.
//!
//! Flags only; the work is `backline_bot::discord::rest::register`. The token, application id
//! and allowlist come from `[discord]` / `BACKLINE_DISCORD_*`, the same settings `serve` uses,
//! so what is registered matches what is answered (including `allow_dms`). Registration is a
//! bulk overwrite: running it again is safe and removes commands Backline no longer has.

use std::process::ExitCode;

use anyhow::{Context, bail};
use backline_bot::discord::DiscordConfig;
use backline_bot::discord::rest::{Scope, build_http, register};

use super::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: DiscordCommand,
}

#[derive(Debug, clap::Subcommand)]
enum DiscordCommand {
    /// Register the /backline command: in every allowlisted server (default), one server, or globally.
    Register(RegisterArgs),
}

#[derive(Debug, clap::Args)]
struct RegisterArgs {
    /// Register in this server (guild) only; repeatable. Default: every server in `allowed_guilds`.
    #[arg(long, value_name = "GUILD_ID", conflicts_with = "global")]
    guild: Vec<u64>,
    /// Register globally (every server the app is installed in; Discord may take a while to show it).
    #[arg(long)]
    global: bool,
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    let DiscordCommand::Register(args) = args.command;
    let config = super::load_config(global)?;
    let env = |key: &str| std::env::var(key).ok();
    let Some(cfg) = DiscordConfig::resolve(config.discord.as_ref(), &env)? else {
        bail!("Discord is not configured: add a [discord] table or set BACKLINE_DISCORD_TOKEN (see docs/discord.md)");
    };
    let scopes: Vec<Scope> = if args.global {
        vec![Scope::Global]
    } else if !args.guild.is_empty() {
        args.guild.iter().map(|g| Scope::Guild(*g)).collect()
    } else {
        cfg.allowed_guilds.iter().map(|g| Scope::Guild(*g)).collect()
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let http = build_http(&cfg);
        for scope in scopes {
            let names = register(&http, scope, cfg.allow_dms).await?;
            let place = match scope {
                Scope::Global => "globally".to_owned(),
                Scope::Guild(g) => format!("in server {g}"),
            };
            anstream::eprintln!("registered /{} {place}", names.join(", /"));
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

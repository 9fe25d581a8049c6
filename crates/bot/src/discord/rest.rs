//! Discord's REST API through serenity's `Http`: the client (pointed at a fake in tests), and
//! registering the `/backline` command for one guild or globally.
//!
//! `api_url` replaces `https://discord.com` (serenity's `proxy`), so a fake must serve
//! `/api/v10/…`; the rate limiter is then off, since the fake does not send its headers. The
//! application id is set explicitly: in HTTP mode nothing else would set it, and follow-ups and
//! registration fail without it.

use serenity::all::{ApplicationId, Command, GuildId, Http, HttpBuilder};

use super::bot::describe;
use super::command;
use super::config::DiscordConfig;

pub fn build_http(cfg: &DiscordConfig) -> Http {
    // One TLS provider for the process (ring), whatever else enabled another.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = HttpBuilder::new(cfg.bot_token.expose()).application_id(ApplicationId::new(cfg.application_id));
    if let Some(url) = &cfg.api_url {
        builder = builder.proxy(url.clone()).ratelimiter_disabled(true);
    }
    builder.build()
}

/// Where commands are registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every guild the app is installed in (Discord may take a while to show changes).
    Global,
    /// One guild; updates at once.
    Guild(u64),
}

#[derive(Debug, thiserror::Error)]
#[error("registering the commands failed: {0}")]
pub struct RegisterError(String);

/// Replaces the application's commands in `scope` with Backline's (bulk overwrite: commands
/// removed from Backline disappear). Returns the names Discord now has.
pub async fn register(http: &Http, scope: Scope, allow_dms: bool) -> Result<Vec<String>, RegisterError> {
    let commands = command::definitions(allow_dms);
    let registered = match scope {
        Scope::Global => Command::set_global_commands(http, commands).await,
        Scope::Guild(id) => GuildId::new(id).set_commands(http, commands).await,
    }
    .map_err(|e| RegisterError(describe(&e)))?;
    Ok(registered.into_iter().map(|c| c.name).collect())
}

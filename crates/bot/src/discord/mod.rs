//! The Discord bot: a `/backline` application command with autocomplete, answered by core's
//! question engine and rendered as embeds.
//!
//! Layout, outside in:
//! - [`gateway`] (default; a WebSocket, no public URL) and [`http`] (the interactions endpoint on
//!   the serve port, for replicas behind a load balancer) are the transports; Discord delivers an
//!   application's interactions one way only. Both hand serenity's `Interaction` to
//!   [`bot::DiscordBot`].
//! - [`verify`] checks Ed25519 signatures and timestamps; [`bot`] decides who may ask.
//! - [`command`] defines `/backline` and parses invocations; [`render`] turns answers into
//!   embeds within Discord's limits; [`rest`] talks to Discord's REST API (deferred answers,
//!   command registration).

pub mod bot;
pub mod command;
pub mod config;
pub mod gateway;
pub mod http;
pub mod payload;
pub mod render;
pub mod rest;
pub mod verify;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use backline_answer::Answer;
use backline_answer::card::ChatPlatform;
use futures_util::future::BoxFuture;

use self::bot::DiscordBot;
pub use self::config::{DiscordConfig, DiscordSection, Mode};
use self::verify::InteractionVerifier;
use crate::serve::{ChatModule, ModuleContext, ModuleError, PostError, Shutdown};

/// Discord inside `backline serve`.
pub struct DiscordModule {
    bot: Arc<DiscordBot>,
    verifier: Option<InteractionVerifier>,
    ready: Arc<AtomicBool>,
}

fn err(message: impl std::fmt::Display) -> ModuleError {
    ModuleError { platform: "discord", message: message.to_string() }
}

impl DiscordModule {
    /// `Ok(None)` when Discord is not configured.
    pub fn from_config(
        section: Option<&DiscordSection>,
        ctx: &ModuleContext,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<DiscordModule>, ModuleError> {
        match DiscordConfig::resolve(section, env).map_err(err)? {
            Some(cfg) => DiscordModule::new(cfg, ctx).map(Some),
            None => Ok(None),
        }
    }

    pub fn new(cfg: DiscordConfig, ctx: &ModuleContext) -> Result<DiscordModule, ModuleError> {
        let verifier = match (&cfg.mode, &cfg.public_key) {
            (Mode::Http, Some(key)) => Some(InteractionVerifier::new(key).map_err(err)?),
            (Mode::Http, None) => return Err(err("HTTP mode needs the application's public key")),
            (Mode::Gateway, _) => None,
        };
        let rest = Arc::new(rest::build_http(&cfg));
        let bot = Arc::new(DiscordBot::new(cfg, Arc::clone(&ctx.engine), rest));
        Ok(DiscordModule { bot, verifier, ready: Arc::new(AtomicBool::new(false)) })
    }

    pub fn bot(&self) -> &Arc<DiscordBot> {
        &self.bot
    }
}

impl ChatModule for DiscordModule {
    fn name(&self) -> &'static str {
        "discord"
    }

    fn platform(&self) -> ChatPlatform {
        ChatPlatform::Discord
    }

    fn post<'a>(&'a self, channel: &'a str, answer: &'a Answer) -> BoxFuture<'a, Result<(), PostError>> {
        Box::pin(self.bot.post(channel, answer))
    }

    fn routes(&self) -> Router {
        match &self.verifier {
            Some(v) => http::router(Arc::clone(&self.bot), v.clone()),
            None => Router::new(),
        }
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ModuleError>> {
        let mut shutdown = shutdown;
        Box::pin(async move {
            if self.bot.config().mode == Mode::Http {
                shutdown.wait().await;
                return Ok(());
            }
            gateway::run(Arc::clone(&self.bot), Arc::clone(&self.ready), shutdown).await
        })
    }

    fn ready(&self) -> bool {
        match self.bot.config().mode {
            Mode::Http => true,
            Mode::Gateway => self.ready.load(Ordering::Acquire),
        }
    }
}

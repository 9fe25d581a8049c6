//! The Slack bot: `/backline` slash commands, mentions and DMs, answered by core's question
//! engine and rendered as Block Kit.
//!
//! Layout, outside in:
//! - [`http`] (Events API, slash commands, interactivity over HTTP) and [`socket`] (Socket Mode)
//!   are the transports; both parse [`payload`] types and call [`bot::SlackBot`].
//! - [`verify`] checks request signatures, [`policy`] who may ask, [`dedup`] Slack's retries.
//! - [`command`] parses `/backline` subcommands; [`render`] and [`mrkdwn`] turn answers into
//!   safe Block Kit; [`outbound`] talks to Slack's Web API and `response_url`s; [`identity`]
//!   caches who is asking (`users.info`: e-mail and time zone).

pub mod bot;
pub mod command;
pub mod config;
pub mod dedup;
pub mod http;
pub mod identity;
pub mod mrkdwn;
pub mod outbound;
pub mod payload;
pub mod policy;
pub mod render;
pub mod socket;
pub mod verify;

use std::sync::{Arc, OnceLock};

use axum::Router;
use futures_util::future::BoxFuture;

use self::bot::SlackBot;
pub use self::config::{Mode, SlackConfig, SlackSection};
use self::outbound::{Client, Outbound, RetryPolicy};
use self::socket::{SocketMode, SocketState};
use self::verify::Verifier;
use crate::serve::{ChatModule, ModuleContext, ModuleError, Shutdown};

/// Slack inside `backline serve`.
pub struct SlackModule {
    bot: Arc<SlackBot>,
    client: Arc<Client>,
    socket_state: OnceLock<Arc<SocketState>>,
}

fn err(message: impl std::fmt::Display) -> ModuleError {
    ModuleError { platform: "slack", message: message.to_string() }
}

impl SlackModule {
    /// `Ok(None)` when Slack is not configured.
    pub fn from_config(
        section: Option<&SlackSection>,
        ctx: &ModuleContext,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<SlackModule>, ModuleError> {
        match SlackConfig::resolve(section, env).map_err(err)? {
            Some(cfg) => SlackModule::new(cfg, ctx, RetryPolicy::default()).map(Some),
            None => Ok(None),
        }
    }

    pub fn new(cfg: SlackConfig, ctx: &ModuleContext, retry: RetryPolicy) -> Result<SlackModule, ModuleError> {
        let client = outbound::build_client(&cfg.api_url).map_err(err)?;
        let out = Outbound::new(Arc::clone(&client), &cfg.bot_token, retry);
        let bot = Arc::new(SlackBot::new(cfg, Arc::clone(&ctx.engine), out));
        Ok(SlackModule { bot, client, socket_state: OnceLock::new() })
    }

    pub fn bot(&self) -> &Arc<SlackBot> {
        &self.bot
    }

    /// Socket Mode connection counters, once Socket Mode has started.
    pub fn socket_state(&self) -> Option<&Arc<SocketState>> {
        self.socket_state.get()
    }
}

impl ChatModule for SlackModule {
    fn name(&self) -> &'static str {
        "slack"
    }

    fn routes(&self) -> Router {
        let cfg = self.bot.config();
        match (cfg.mode, &cfg.signing_secret) {
            (Mode::Http, Some(secret)) => http::router(Arc::clone(&self.bot), Verifier::new(secret)),
            _ => Router::new(),
        }
    }

    fn run(self: Arc<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<(), ModuleError>> {
        let mut shutdown = shutdown;
        Box::pin(async move {
            let cfg = self.bot.config();
            let (Mode::Socket, Some(app_token)) = (cfg.mode, cfg.app_token.clone()) else {
                shutdown.wait().await;
                return Ok(());
            };
            let socket = SocketMode::start(
                Arc::clone(&self.bot),
                Arc::clone(&self.client),
                &app_token,
                cfg.socket_connections,
                cfg.socket_reconnect.as_secs(),
            )
            .await
            .map_err(|_| err("could not start Socket Mode"))?;
            let _ = self.socket_state.set(Arc::clone(&socket.state));
            shutdown.wait().await;
            socket.shutdown().await;
            Ok(())
        })
    }

    fn ready(&self) -> bool {
        match self.bot.config().mode {
            Mode::Http => true,
            Mode::Socket => self.socket_state.get().is_some_and(|s| s.connected_once()),
        }
    }
}

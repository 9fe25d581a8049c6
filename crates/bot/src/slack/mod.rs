//! The Slack bot: `/backline` slash commands, mentions and DMs, answered by core's question
//! engine and rendered as Block Kit.
//!
//! Layout, outside in:
//! - [`http`] (Events API, slash commands, interactivity over HTTP) and [`socket`] (Socket Mode)
//!   are the transports; both parse [`payload`] types and call [`bot::SlackBot`].
//! - [`verify`] checks request signatures, [`policy`] who may ask, [`dedup`] Slack's retries.
//! - [`command`] parses `/backline` subcommands; [`render`] and [`mrkdwn`] turn answers into
//!   safe Block Kit; [`outbound`] talks to Slack's Web API and `response_url`s; [`identity`]
//!   caches who is asking (`users.info`: e-mail and time zone); [`chart`] delivers an answer's
//!   chart after it (a file upload, or an image block `serve` serves).

pub mod bot;
pub mod chart;
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
use backline_answer::Answer;
use backline_answer::card::ChatPlatform;
use futures_util::future::BoxFuture;

use self::bot::SlackBot;
use self::chart::{ChartTarget, Fallback};
pub use self::config::{Mode, SlackConfig, SlackSection};
use self::outbound::{Client, Outbound, RetryPolicy};
use self::socket::{SocketMode, SocketState};
use self::verify::Verifier;
use crate::serve::{ChatModule, ModuleContext, ModuleError, PostError, Shutdown};

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

    fn platform(&self) -> ChatPlatform {
        ChatPlatform::Slack
    }

    fn routes(&self) -> Router {
        let cfg = self.bot.config();
        let router = match (cfg.mode, &cfg.signing_secret) {
            (Mode::Http, Some(secret)) => http::router(Arc::clone(&self.bot), Verifier::new(secret)),
            _ => Router::new(),
        };
        // Chart images for image blocks, in either mode: Slack fetches them from `public_url`.
        match self.bot.charts().store() {
            Some(store) => router.merge(crate::images::router(chart::IMAGES_PATH, Arc::clone(store))),
            None => router,
        }
    }

    fn post<'a>(&'a self, channel: &'a str, answer: &'a Answer) -> BoxFuture<'a, Result<(), PostError>> {
        Box::pin(async move {
            let rendered = self.bot.render_unasked(answer);
            let posted = self.bot.outbound().post_message(channel, None, &rendered).await.map_err(|e| match e {
                outbound::OutboundError::RateLimited | outbound::OutboundError::Transport(_) => {
                    PostError::Transient(e.to_string())
                }
                outbound::OutboundError::Api(_) | outbound::OutboundError::BadUrl => PostError::Failed(e.to_string()),
            })?;
            let target = ChartTarget {
                upload: Some((posted.channel_id.clone(), None)),
                fallback: Fallback::Post { channel: posted.channel_id, thread_ts: None },
            };
            self.bot.follow_with_chart(&rendered, target).await;
            Ok(())
        })
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

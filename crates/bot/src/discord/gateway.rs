//! Receiving interactions over the gateway (the default: no public URL needed).
//!
//! A serenity `Client` with no intents (slash commands need none, and no privileged intent means
//! no approval), whose only handler answers `INTERACTION_CREATE` through the same
//! [`DiscordBot`] as the HTTP endpoint. Responses always go through the REST callback
//! (`POST /interactions/{id}/{token}/callback`): Discord never takes them over the socket.
//! Serenity reconnects and resumes by itself; shutdown closes the shards.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serenity::all::{ClientBuilder, Context, EventHandler, GatewayIntents, Interaction, Ready};
use serenity::async_trait;
use tracing::{info, warn};

use super::bot::{DiscordBot, describe};
use super::rest::build_http;
use crate::serve::{ModuleError, Shutdown};

struct Handler {
    bot: Arc<DiscordBot>,
    ready: Arc<AtomicBool>,
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        self.ready.store(true, Ordering::Release);
        info!(guilds = ready.guilds.len(), "Discord gateway connected");
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let (id, token) = match &interaction {
            Interaction::Command(c) | Interaction::Autocomplete(c) => (c.id, c.token.clone()),
            Interaction::Component(c) => (c.id, c.token.clone()),
            Interaction::Modal(m) => (m.id, m.token.clone()),
            _ => return,
        };
        let mut reply = self.bot.handle(interaction).await;
        metrics::counter!("backline_discord_requests_total", "endpoint" => "gateway", "outcome" => reply.outcome.label()).increment(1);
        match ctx.http.create_interaction_response(id, &token, &reply.response, Vec::new()).await {
            Ok(()) => reply.mark_sent(),
            Err(e) => warn!(error = %describe(&e), "could not respond to a Discord interaction"),
        }
    }
}

/// Runs the gateway until shutdown.
pub async fn run(bot: Arc<DiscordBot>, ready: Arc<AtomicBool>, mut shutdown: Shutdown) -> Result<(), ModuleError> {
    // Its own client with the same token and base URL as the bot's (a fake in tests).
    let mut client = ClientBuilder::new_with_http(build_http(bot.config()), GatewayIntents::empty())
        .event_handler(Handler { bot: Arc::clone(&bot), ready })
        .await
        .map_err(|e| ModuleError {
            platform: "discord",
            message: format!("cannot start the gateway client: {}", describe(&e)),
        })?;
    let shards = Arc::clone(&client.shard_manager);
    tokio::select! {
        result = client.start() => result.map_err(|e| ModuleError { platform: "discord", message: format!("gateway stopped: {}", describe(&e)) }),
        _ = shutdown.wait() => {
            shards.shutdown_all().await;
            Ok(())
        }
    }
}

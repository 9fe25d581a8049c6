//! Socket Mode: Slack pushes the same payloads over a WebSocket we open, so no public URL is
//! needed.
//!
//! slack-morphism runs the connections: `apps.connections.open` with the app-level token, the
//! WebSocket, pings, and reconnecting after a drop or a `disconnect` envelope. We plug in at its
//! lowest public seam, [`SlackSocketModeClientListener`], which hands us each frame's raw text
//! instead of slack-morphism's parsed models. That way both transports parse the same payload
//! types ([`super::payload`]), which carry the fields the security policy needs, and share one
//! dispatcher ([`SlackBot`]). An envelope is acknowledged with `{"envelope_id": …}`; a slash
//! command's acknowledgement carries the answer as its `payload`, as over HTTP.
//!
//! slack-morphism's own logging at debug and trace prints frames (which contain `response_url`s)
//! and the WebSocket URL; `backline` caps the `slack_morphism` target at `info` for that reason.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;
use slack_morphism::clients_manager::{SlackSocketModeClientsManager, SlackSocketModeClientsManagerFactory};
use slack_morphism::listener::SlackClientEventsListenerEnvironment;
use slack_morphism::prelude::*;
use slack_morphism::{SlackSocketModeClientListener, SlackSocketModeWssClientId};

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
use tracing::{debug, info, warn};

use super::bot::SlackBot;
use super::outbound::{Client, Connector};
use super::payload::{Interaction, PushPayload, SlashCommand};
use crate::metrics as m;
use crate::secret::Secret;

/// Connection state, for `/readyz` and tests.
#[derive(Debug, Default)]
pub struct SocketState {
    /// `hello` envelopes received (one per successful connection).
    pub hellos: AtomicU64,
    /// Connections lost (closed, failed, or asked to reconnect by Slack).
    pub drops: AtomicU64,
}

impl SocketState {
    pub fn connected_once(&self) -> bool {
        self.hellos.load(Ordering::Relaxed) > 0
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    envelope_id: Option<String>,
    #[serde(default)]
    payload: Option<serde_json::Value>,
}

struct Listener {
    bot: Arc<SlackBot>,
    manager: Weak<dyn SlackSocketModeClientsManager + Send + Sync>,
    state: Arc<SocketState>,
}

fn ack(envelope_id: &str) -> Option<String> {
    Some(json!({ "envelope_id": envelope_id }).to_string())
}

impl Listener {
    async fn restart(&self, client_id: &SlackSocketModeWssClientId) {
        self.state.drops.fetch_add(1, Ordering::Relaxed);
        m::socket("disconnect");
        if let Some(manager) = self.manager.upgrade() {
            manager.restart_client(client_id).await;
        }
    }
}

#[async_trait]
impl SlackSocketModeClientListener for Listener {
    async fn on_message(&self, client_id: &SlackSocketModeWssClientId, message_body: String) -> Option<String> {
        let Ok(envelope) = serde_json::from_str::<Envelope>(&message_body) else {
            warn!("Socket Mode: a frame that is not an envelope; ignored");
            return None;
        };
        match envelope.kind.as_str() {
            "hello" => {
                self.state.hellos.fetch_add(1, Ordering::Relaxed);
                m::socket("hello");
                info!(client = %client_id.to_string(), "Socket Mode connected");
                None
            }
            "disconnect" => {
                debug!("Socket Mode: Slack asked us to reconnect");
                self.restart(client_id).await;
                None
            }
            kind => {
                let id = envelope.envelope_id?;
                let payload = envelope.payload.unwrap_or_default();
                match kind {
                    "slash_commands" => match serde_json::from_value::<SlashCommand>(payload) {
                        Ok(cmd) => {
                            let (reply, outcome) = self.bot.command(cmd).await;
                            m::slack_request("socket_commands", outcome.label());
                            Some(json!({ "envelope_id": id, "payload": reply }).to_string())
                        }
                        Err(_) => {
                            m::slack_request("socket_commands", "malformed");
                            ack(&id)
                        }
                    },
                    "events_api" => {
                        let label = match serde_json::from_value::<PushPayload>(payload) {
                            Ok(PushPayload::EventCallback(cb)) => self.bot.event(*cb).label(),
                            Ok(_) => "ignored",
                            Err(_) => "malformed",
                        };
                        m::slack_request("socket_events", label);
                        ack(&id)
                    }
                    "interactive" => {
                        let label = match serde_json::from_value::<Interaction>(payload) {
                            Ok(i) => self.bot.interaction(i).label(),
                            Err(_) => "malformed",
                        };
                        m::slack_request("socket_interactions", label);
                        ack(&id)
                    }
                    _ => ack(&id),
                }
            }
        }
    }

    async fn on_error(&self, error: BoxError) {
        m::socket("error");
        // The error can carry a frame (with response_urls): log its kind only.
        let kind = match error.downcast_ref::<slack_morphism::errors::SlackClientError>() {
            Some(slack_morphism::errors::SlackClientError::SocketModeProtocolError(_)) => "websocket",
            Some(slack_morphism::errors::SlackClientError::ProtocolError(_)) => "protocol",
            Some(_) => "client",
            None => "other",
        };
        warn!(kind, "Socket Mode error");
    }

    async fn on_disconnect(&self, client_id: &SlackSocketModeWssClientId) {
        debug!("Socket Mode connection lost; reconnecting");
        self.restart(client_id).await;
    }
}

/// slack-morphism's error handler, for errors its own code reports (e.g. `apps.connections.open`
/// failing). Its default prints the error with `{:?}`; ours prints the kind.
fn error_handler(err: BoxError, _client: Arc<Client>, _state: SlackClientEventsUserState) -> HttpStatusCode {
    m::socket("error");
    warn!(
        kind = if err.is::<slack_morphism::errors::SlackClientError>() { "client" } else { "other" },
        "Socket Mode error"
    );
    HttpStatusCode::OK
}

/// A running Socket Mode session; dropping it does not stop it, [`SocketMode::shutdown`] does.
pub struct SocketMode {
    manager: Arc<dyn SlackSocketModeClientsManager + Send + Sync>,
    pub state: Arc<SocketState>,
}

impl SocketMode {
    /// Opens `connections` WebSockets with the app-level token (Slack spreads envelopes across
    /// them; each reconnects on its own after `reconnect`).
    pub async fn start(
        bot: Arc<SlackBot>,
        client: Arc<Client>,
        app_token: &Secret,
        connections: u32,
        reconnect_secs: u64,
    ) -> Result<SocketMode, BoxError> {
        let env =
            Arc::new(SlackClientEventsListenerEnvironment::new(Arc::clone(&client)).with_error_handler(error_handler));
        let manager = <Connector as SlackSocketModeClientsManagerFactory<Connector>>::new_clients_manager(
            &client.http_api.connector,
            env,
        );
        let state = Arc::new(SocketState::default());
        let listener = Arc::new(Listener { bot, manager: Arc::downgrade(&manager), state: Arc::clone(&state) });
        let config = SlackClientSocketModeConfig::new()
            .with_max_connections_count(connections)
            .with_reconnect_timeout_in_seconds(reconnect_secs)
            .with_initial_backoff_in_seconds(1);
        let token = SlackApiToken::new(SlackApiTokenValue(app_token.expose().to_owned()));
        manager.register_new_token(&config, token, listener).await.map_err(|e| -> BoxError { Box::new(e) })?;
        manager.start().await;
        Ok(SocketMode { manager, state })
    }

    pub async fn shutdown(&self) {
        self.manager.shutdown().await;
    }
}

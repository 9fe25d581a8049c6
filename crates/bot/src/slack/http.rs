//! Slack's HTTP endpoints on the serve port: `/slack/events`, `/slack/commands`,
//! `/slack/interactions`.
//!
//! Each handler does, in order: cap the body (413), verify the v0 signature over the raw bytes
//! (401), and only then parse (400 if malformed) and hand over to [`SlackBot`]. The body is read
//! by us, not by an extractor, so the cap and the signature check see exactly the bytes Slack
//! signed. Rejections are counted by reason and logged at debug without header values.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tracing::debug;

use super::bot::SlackBot;
use super::payload::{Interaction, InteractionForm, PushPayload, SlashCommand};
use super::verify::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, unix_now};
use crate::metrics as m;

pub const EVENTS_PATH: &str = "/slack/events";
pub const COMMANDS_PATH: &str = "/slack/commands";
pub const INTERACTIONS_PATH: &str = "/slack/interactions";

#[derive(Clone)]
struct HttpState {
    bot: Arc<SlackBot>,
    verifier: Verifier,
    max_body: usize,
}

/// The Slack routes, ready to merge into the serve router.
pub fn router(bot: Arc<SlackBot>, verifier: Verifier) -> Router {
    let max_body = bot.config().max_body_bytes;
    let state = HttpState { bot, verifier, max_body };
    Router::new()
        .route(EVENTS_PATH, post(events))
        .route(COMMANDS_PATH, post(commands))
        .route(INTERACTIONS_PATH, post(interactions))
        .with_state(state)
}

/// Reads at most `max` bytes and checks the signature. `Err` is the response to send.
async fn authentic(
    endpoint: &'static str,
    state: &HttpState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, Response> {
    let bytes = match crate::serve::read_body(headers, body, state.max_body).await {
        Ok(b) => b,
        Err(e) => {
            m::slack_request(endpoint, e.label());
            return Err(e.status().into_response());
        }
    };
    let header_str = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(e) =
        state.verifier.verify(header_str(TIMESTAMP_HEADER), header_str(SIGNATURE_HEADER), &bytes, unix_now())
    {
        debug!(endpoint, reason = %e, "refused unsigned or badly signed Slack request");
        m::slack_request(endpoint, e.label());
        return Err(StatusCode::UNAUTHORIZED.into_response());
    }
    Ok(bytes)
}

fn malformed(endpoint: &'static str) -> Response {
    m::slack_request(endpoint, "malformed");
    StatusCode::BAD_REQUEST.into_response()
}

async fn events(State(state): State<HttpState>, headers: HeaderMap, body: Body) -> Response {
    let start = Instant::now();
    let bytes = match authentic("events", &state, &headers, body).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let Ok(payload) = serde_json::from_slice::<PushPayload>(&bytes) else {
        return malformed("events");
    };
    let response = match payload {
        PushPayload::UrlVerification { challenge } => {
            m::slack_request("events", "ok");
            ([(header::CONTENT_TYPE, "text/plain")], challenge).into_response()
        }
        PushPayload::EventCallback(cb) => {
            let outcome = state.bot.event(*cb);
            m::slack_request("events", outcome.label());
            StatusCode::OK.into_response()
        }
        PushPayload::AppRateLimited { team_id } => {
            tracing::warn!(
                team = team_id.as_deref().unwrap_or("?"),
                "Slack is rate-limiting events to this app (app_rate_limited)"
            );
            m::slack_request("events", "ignored");
            StatusCode::OK.into_response()
        }
        PushPayload::Other => {
            m::slack_request("events", "ignored");
            StatusCode::OK.into_response()
        }
    };
    m::slack_ack("events", start.elapsed());
    response
}

async fn commands(State(state): State<HttpState>, headers: HeaderMap, body: Body) -> Response {
    let start = Instant::now();
    let bytes = match authentic("commands", &state, &headers, body).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    // Slack may probe the URL's certificate with `ssl_check=1` (signed like the rest).
    if bytes.starts_with(b"ssl_check=1") {
        return StatusCode::OK.into_response();
    }
    let Ok(cmd) = serde_urlencoded::from_bytes::<SlashCommand>(&bytes) else {
        return malformed("commands");
    };
    let (reply, outcome) = state.bot.command(cmd).await;
    m::slack_request("commands", outcome.label());
    m::slack_ack("commands", start.elapsed());
    Json(reply).into_response()
}

async fn interactions(State(state): State<HttpState>, headers: HeaderMap, body: Body) -> Response {
    let start = Instant::now();
    let bytes = match authentic("interactions", &state, &headers, body).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let Ok(form) = serde_urlencoded::from_bytes::<InteractionForm>(&bytes) else {
        return malformed("interactions");
    };
    let Ok(interaction) = serde_json::from_str::<Interaction>(&form.payload) else {
        return malformed("interactions");
    };
    let outcome = state.bot.interaction(interaction);
    m::slack_request("interactions", outcome.label());
    m::slack_ack("interactions", start.elapsed());
    StatusCode::OK.into_response()
}

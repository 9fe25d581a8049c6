//! Discord's interactions endpoint on the serve port: `POST /discord/interactions`.
//!
//! In order, before anything else: cap the body (413), check the timestamp's age and the Ed25519
//! signature over the raw bytes (401; Discord probes with bad signatures and removes endpoints
//! that accept one). Only then parse: PING gets PONG (`{"type":1}`) without further ado; anything
//! else is deserialised as serenity's `Interaction` (400 if that fails) and answered inline with
//! the interaction response as JSON. Rejections are counted by reason and logged at debug without
//! header values or bodies.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use tracing::debug;

use super::bot::DiscordBot;
use super::verify::{InteractionVerifier, SIGNATURE_HEADER, TIMESTAMP_HEADER, unix_now};

pub const INTERACTIONS_PATH: &str = "/discord/interactions";

#[derive(Clone)]
struct HttpState {
    bot: Arc<DiscordBot>,
    verifier: InteractionVerifier,
    max_body: usize,
    max_age: u64,
}

/// The Discord routes, ready to merge into the serve router.
pub fn router(bot: Arc<DiscordBot>, verifier: InteractionVerifier) -> Router {
    let max_body = bot.config().max_body_bytes;
    let max_age = bot.config().max_timestamp_age.as_secs();
    Router::new().route(INTERACTIONS_PATH, post(interactions)).with_state(HttpState {
        bot,
        verifier,
        max_body,
        max_age,
    })
}

pub fn request_metric(outcome: &'static str) {
    metrics::counter!("backline_discord_requests_total", "endpoint" => "interactions", "outcome" => outcome)
        .increment(1);
}

/// Reads at most `max` bytes and checks timestamp and signature. `Err` is the response to send.
async fn authentic(state: &HttpState, headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
    let bytes = match crate::serve::read_body(headers, body, state.max_body).await {
        Ok(b) => b,
        Err(e) => {
            request_metric(e.label());
            return Err(e.status().into_response());
        }
    };
    let header_str = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(e) = state.verifier.verify(
        header_str(SIGNATURE_HEADER),
        header_str(TIMESTAMP_HEADER),
        &bytes,
        unix_now(),
        state.max_age,
    ) {
        debug!(reason = %e, "refused unsigned or badly signed Discord request");
        request_metric(e.label());
        return Err((StatusCode::UNAUTHORIZED, "invalid request signature").into_response());
    }
    Ok(bytes)
}

#[derive(Deserialize)]
struct Peek {
    #[serde(rename = "type")]
    kind: u8,
}

fn json(body: Vec<u8>) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn interactions(State(state): State<HttpState>, headers: HeaderMap, body: Body) -> Response {
    let start = Instant::now();
    let bytes = match authentic(&state, &headers, body).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let Ok(peek) = serde_json::from_slice::<Peek>(&bytes) else {
        request_metric("malformed");
        return StatusCode::BAD_REQUEST.into_response();
    };
    if peek.kind == 1 {
        request_metric("pong");
        return json(br#"{"type":1}"#.to_vec());
    }
    let interaction = match super::payload::parse_interaction(&bytes) {
        Ok(i) => i,
        Err(e) => {
            debug!(kind = peek.kind, error = %e, "Discord interaction did not parse");
            request_metric("malformed");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let mut reply = state.bot.handle(interaction).await;
    request_metric(reply.outcome.label());
    let body = match serde_json::to_vec(&reply.response) {
        Ok(b) => b,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    metrics::histogram!("backline_discord_ack_seconds", "endpoint" => "interactions")
        .record(start.elapsed().as_secs_f64());
    // The deferred answer waits for this; the response is on its way once we return.
    reply.mark_sent();
    json(body)
}

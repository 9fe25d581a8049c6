//! Log hygiene for `backline serve`: what must never be logged, whatever `--log` says.
//!
//! slack-morphism logs whole Socket Mode frames (which contain `response_url`s, live
//! capabilities to post into a conversation) and WebSocket URLs (with their connection ticket)
//! at `debug` and `trace`. The binary installs [`allowed`] as a global filter, which caps the
//! `slack_morphism` target at `info`; our own code logs chosen ids only and never tokens,
//! signing secrets, `response_url`s or signature headers (tests assert this at `trace`).

/// False for events that must be dropped. A cap, never a raise: it only removes events.
pub fn allowed(meta: &tracing::Metadata<'_>) -> bool {
    // serenity logs failed requests' `Debug` (URLs with interaction tokens) and raw gateway
    // events (interaction tokens) at debug/trace; tungstenite logs frames at trace.
    let capped = ["slack_morphism", "serenity", "tungstenite", "tokio_tungstenite"];
    // serenity's `#[instrument]` spans (INFO) record whole requests and gateway events, interaction
    // tokens included, and every event inside them (hyper, reqwest) would print them: no spans.
    if meta.is_span() && meta.target().starts_with("serenity") {
        return false;
    }
    !(capped.iter().any(|t| meta.target().starts_with(t)) && *meta.level() > tracing::Level::INFO)
}

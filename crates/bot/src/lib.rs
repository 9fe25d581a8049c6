//! `backline-bot`: the chat bots and the HTTP server of `backline serve`.
//!
//! The bots are thin adapters over the question engine ([`engine::QuestionEngine`]): chat
//! text in, `backline_answer::Answer` out, rendered for the platform. They never
//! query the catalog themselves, so Slack, Discord and `backline ask` always agree.
//!
//! - [`serve`]: the shared server (`/healthz`, `/readyz`, `/metrics`) and the [`serve::ChatModule`]
//!   seam every platform plugs into; [`platforms`] lists the platforms.
//! - [`slack`]: the Slack bot (Socket Mode and HTTP, slash commands, mentions, DMs, buttons).
//! - [`discord`]: the Discord bot (gateway and HTTP interactions, `/backline` with autocomplete,
//!   embeds, buttons).
//! - [`answer_cache`]: rendered answers kept per catalog version, for questions asked again.
//! - [`images`]: chart images served at unguessable, expiring paths (Slack's image blocks).
//! - [`secret`]: the type tokens live in, so they never reach a log; [`logging`] caps what
//!   libraries may log.

pub mod answer_cache;
pub mod discord;
pub mod engine;
pub mod images;
pub mod logging;
pub mod metrics;
pub mod platforms;
pub mod secret;
pub mod serve;
pub mod slack;

pub use engine::{Ask, EngineError, QuestionEngine, SharedEngine};
pub use secret::Secret;

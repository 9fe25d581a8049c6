//! `backline-answer`: the contract between the question engine and everything that shows an
//! answer (the terminal, `--json`, Slack, Discord).
//!
//! - [`model`]: the answer model, plain serde data; every renderer codes against it
//!   ([`scorecard`] holds the scorecard answer's part of it).
//! - [`question`]: chat-style text to a structured [`Query`], deterministically (pure).
//! - [`render`]: the one-line summary and the plain-text answer.
//! - [`card`] and [`present`]: the chat-neutral card every chat platform renders (what is shown,
//!   in which order, with which links and contacts), so Slack and Discord cannot drift apart.
//! - [`links`]: every entity an answer names linked to its Backstage page.
//! - [`command`]: the one command table (names, aliases, arguments, defaults, help) behind
//!   Slack's subcommands, Discord's registered options and the CLI's structured subcommands.
//!
//! **Invariant:** this crate depends on serde and nothing that does I/O. The bots depend on it
//! and not on the index, so Cargo keeps them from querying the catalog themselves.

pub mod card;
pub mod command;
pub mod links;
pub mod model;
pub mod present;
pub mod question;
pub mod render;
pub mod scorecard;

pub use model::*;
pub use question::{Parsed, parse_question, question_for};
pub use scorecard::*;

/// The name part of a canonical ref (`kind:namespace/name`), for display.
pub fn name_of_ref(entity_ref: &str) -> &str {
    let after_kind = entity_ref.split_once(':').map_or(entity_ref, |(_, r)| r);
    after_kind.split_once('/').map_or(after_kind, |(_, n)| n)
}

//! The query API and the question engine: plain data in, [`answer::Answer`] out.
//!
//! - [`answer`]: the answer model, the contract every renderer (terminal, Slack, Discord,
//!   `--json`) codes against. It depends on nothing but serde, so it is available without the
//!   `index` feature, as are the pure parts below.
//! - [`engine`]: chat-style text to a structured [`answer::Query`] (pure), and `Index::ask`.
//! - [`api`]: structured queries answered from the index (`Index::answer`, `resolve`, `search`,
//!   `find`, `health`); feature `index`.
//! - [`render`]: the one-line summary and the plain-text answer.

pub mod answer;
#[cfg(feature = "index")]
pub mod api;
pub mod engine;
pub mod render;

pub use engine::{Parsed, parse_question, question_for};

/// The name part of a canonical ref (`kind:namespace/name`), for display.
pub fn name_of_ref(entity_ref: &str) -> &str {
    let after_kind = entity_ref.split_once(':').map_or(entity_ref, |(_, r)| r);
    after_kind.split_once('/').map_or(after_kind, |(_, n)| n)
}

//! The query API and the question engine: plain data in, [`answer::Answer`] out.
//!
//! [`answer`] is the contract every renderer (terminal, Slack, Discord, `--json`) codes against;
//! it depends on nothing but serde so it is available without the `index` feature.

pub mod answer;

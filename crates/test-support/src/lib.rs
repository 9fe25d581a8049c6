//! Test support shared by Backline's test suites (a dev-dependency only, never published).
//!
//! - [`answers`]: answers as the engine gives them about the example catalog (ownership,
//!   ambiguity, help, search), for the bots' tests with a fake engine.
//! - [`corpus`]: one answer of every kind, plus empty, huge and hostile ones, rendered for every
//!   chat platform by the snapshot tests so a drift between platforms shows in review.
//! - [`http`]: a minimal HTTP/1.1 client and message reader over `std`, for end-to-end tests of
//!   the real binary and the fake chat APIs they run.
//! - [`logs`]: log output captured in memory, for tests that no secret reaches a log.
//! - [`process`]: `backline serve` as a child process, its address and its log.

pub mod answers;
pub mod corpus;
pub mod http;
pub mod logs;
pub mod process;

use std::path::PathBuf;

/// The example catalog of the repository (`examples/catalog`).
pub fn example_catalog() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/catalog")
}

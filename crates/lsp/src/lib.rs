//! `backline-lsp`: the language server for Backstage catalog files, started by `backline lsp`.
//!
//! What it knows comes from `backline-catalog`: per-file validation exactly as Backstage does it,
//! cross-file lints over the whole catalog, and the entity model with a range on everything. This
//! crate only adapts that to the Language Server Protocol (it is the only crate that knows LSP
//! types, all from `tower_lsp_server::ls_types`).
//!
//! Map of the crate:
//! - [`server`]: the `LanguageServer` implementation, dispatch only.
//! - `handlers/`: one module per LSP method; conversions at the edge in [`convert`].
//! - [`state`]: the mutable state behind one lock, and the snapshots requests read.
//! - [`document`]: an open document's text at one version, incremental edits, lazy parse.
//! - [`workspace`]: scanning folders, the catalog and its cross-file index, when to rebuild it.
//! - [`analysis`]: background work (scan, rebuild, diagnostics jobs, publishing).
//! - [`schema`]: what may be written where, with prose, for completion and hover.
//! - `fuzzing`: incremental edits from arbitrary bytes, checked against the protocol's rules
//!   (the `lsp_edits` fuzz target and its regression test).
//!
//! Ordering and liveness rules (tower-lsp-server runs handlers concurrently):
//! edits are applied to the state before a handler's first `.await`; heavy work runs in
//! `spawn_blocking` and checks a cancellation flag; a request overtaken by an edit is answered
//! with `ContentModified`; no handler awaits a request to the client; a panic in a handler
//! becomes an error response.

#![deny(clippy::print_stdout, clippy::print_stderr)]

mod analysis;
mod convert;
mod document;
mod external;
#[doc(hidden)]
pub mod fuzzing;
mod handlers;
mod lookup;
mod schema;
mod server;
mod settings;
mod state;
mod workspace;

#[cfg(test)]
mod tests;

use std::time::Duration;

use tower_lsp_server::LspService;

/// How many requests and notifications may be in flight at once. Higher than the framework's 4
/// so that slow requests (a workspace check waiting for the scan) never hold up edits.
const CONCURRENCY: usize = 32;

/// The project's own settings (`backline.toml`, read by the binary, which owns that file):
/// called with the first workspace folder, it returns a payload in the editor settings' shape
/// (`{"catalogs": [absolute paths or URLs], "lints": {...}}`), or `None` when the project has no
/// configuration. Editor settings take precedence where both say something (see
/// `settings::merge`).
pub type ProjectSettings = std::sync::Arc<dyn Fn(&std::path::Path) -> Option<serde_json::Value> + Send + Sync>;

/// What the project's `backline.toml` gives the server besides editor-shaped settings: the binary
/// owns that file and hands these over typed.
#[derive(Clone, Default)]
pub struct Project {
    /// The project's settings as defaults under the editor's.
    pub settings: Option<ProjectSettings>,
    /// `[[scorecard]]`s: each entity's file gets a hint with its level and what the next level
    /// needs (`scorecard-progress`).
    pub scorecards: Vec<backline_catalog::scorecard::Scorecard>,
    /// `[[kind]]`s: custom kinds, recognised in open documents and the workspace like built-in ones.
    pub kinds: std::sync::Arc<backline_catalog::CustomKinds>,
}

/// Serves LSP on stdin/stdout until the client sends `exit` (or closes stdin).
pub fn run_stdio() -> std::io::Result<()> {
    run_stdio_with(Project::default())
}

/// [`run_stdio`], with what the project's `backline.toml` says.
pub fn run_stdio_with(project: Project) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("backline-lsp").build()?;
    runtime.block_on(async {
        let (service, socket) = LspService::new(move |client| server::Server::with_project(client, project.clone()));
        tower_lsp_server::Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .concurrency_level(CONCURRENCY)
            .serve(service)
            .await;
    });
    // Background scans and the stdin reader thread must not keep the process alive after `exit`.
    runtime.shutdown_timeout(Duration::from_millis(200));
    Ok(())
}

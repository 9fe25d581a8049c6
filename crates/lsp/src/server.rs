//! The `LanguageServer` implementation: dispatch only. Each method hands its parameters to the
//! handler module of the same name, with the plumbing from [`crate::handlers`] around it (panic
//! containment, blocking work off the protocol task, staleness, tracing).

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::analysis;
use crate::handlers::{self, execute_command, guard, invalid_params, on_document};
use crate::settings::Trace;
use crate::state::Shared;

pub(crate) struct Server {
    shared: Arc<Shared>,
}

impl Server {
    /// A server with the project's settings (`backline.toml`, as the binary reads it) under the
    /// editor's, its `[[scorecard]]`s for the editor's hints and its custom kinds.
    pub(crate) fn with_project(client: Client, project: crate::Project) -> Server {
        let mut shared = Shared::new(client);
        shared.project = project.settings;
        let shared = Arc::new(shared);
        {
            let mut st = shared.lock();
            st.settings = Arc::new(crate::settings::Settings {
                scorecards: Arc::new(project.scorecards),
                kinds: project.kinds,
                ..Default::default()
            });
        }
        Server { shared }
    }

    /// A server over prepared state (tests set the scan gate and the wait bound).
    #[cfg(test)]
    pub(crate) fn from_shared(shared: Shared) -> Server {
        Server { shared: Arc::new(shared) }
    }

    #[cfg(test)]
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Logs a request's duration to the client when `trace` asks for it.
    fn trace(&self, method: &str, started: Instant, detail: impl FnOnce() -> String) {
        let trace = self.shared.lock().settings.trace;
        if trace == Trace::Off {
            return;
        }
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        let message = if trace == Trace::Verbose {
            format!("[backline] {method} in {elapsed:.2} ms: {}", detail())
        } else {
            format!("[backline] {method} in {elapsed:.2} ms")
        };
        analysis::log(&self.shared, MessageType::LOG, message);
    }

    fn doc(&self, uri: &Uri) -> Option<Arc<crate::document::Document>> {
        self.shared.document(uri)
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        guard("initialize", || {
            let encoding = handlers::initialize::negotiate_encoding(&params.capabilities);
            let roots = handlers::initialize::roots(&params);
            let project = match (&self.shared.project, roots.first()) {
                (Some(read), Some(root)) => read(root),
                _ => None,
            };
            let (mut settings, problems) =
                handlers::initialize::settings(&params, project.as_ref(), roots.first().map(|p| p.as_path()));
            {
                let mut st = self.shared.lock();
                st.encoding = Some(encoding);
                st.caps = handlers::initialize::client_caps(&params.capabilities);
                st.roots = roots;
                settings.scorecards = st.settings.scorecards.clone();
                settings.kinds = st.settings.kinds.clone();
                st.settings = Arc::new(settings);
                st.project_settings = project;
            }
            for p in problems {
                tracing::warn!("settings: {p}");
            }
            Ok(handlers::initialize::result(encoding))
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        handlers::watched_files::register(&self.shared);
        analysis::start_scan(&self.shared);
    }

    async fn shutdown(&self) -> Result<()> {
        if let Some(cancel) = self.shared.lock().scan_cancel.take() {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        handlers::sync::did_open(&self.shared, params);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        handlers::sync::did_change(&self.shared, params);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        handlers::sync::did_close(&self.shared, params);
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {
        // The open document already has the saved text; watched-file events update the disk view.
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        handlers::configuration::did_change_configuration(&self.shared, params);
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        handlers::configuration::did_change_workspace_folders(&self.shared, params);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        handlers::watched_files::did_change_watched_files(&self.shared, params);
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let started = Instant::now();
        let tdp = params.text_document_position;
        let Some(doc) = self.doc(&tdp.text_document.uri) else { return Ok(None) };
        // Entity references come from the catalog: during the first scan, wait for it a little,
        // then answer from what is known (the list says it is incomplete).
        self.shared.wait_indexed().await;
        if !self.shared.is_current(&doc) {
            return Err(handlers::content_modified());
        }
        let snap = self.shared.snapshot();
        // Completion reads lines, never the parse: always quick enough to run inline.
        let result = guard("completion", || Ok(handlers::completion::completion(&snap, &doc, tdp.position)));
        self.trace("textDocument/completion", started, || match &result {
            Ok(Some(CompletionResponse::List(l))) => format!("{} items", l.items.len()),
            _ => "no items".into(),
        });
        result
    }

    async fn completion_resolve(&self, item: CompletionItem) -> Result<CompletionItem> {
        let snap = self.shared.snapshot();
        let fallback = item.clone();
        guard("completionItem/resolve", || Ok(handlers::completion::resolve(&snap, item))).or(Ok(fallback))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let started = Instant::now();
        let tdp = params.text_document_position_params;
        let Some(doc) = self.doc(&tdp.text_document.uri) else { return Ok(None) };
        self.shared.wait_indexed().await;
        let snap = self.shared.snapshot();
        let result =
            on_document(&self.shared, "hover", doc, move |d| Ok(handlers::hover::hover(&snap, d, tdp.position))).await;
        self.trace("textDocument/hover", started, String::new);
        result
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let started = Instant::now();
        let tdp = params.text_document_position_params;
        let Some(doc) = self.doc(&tdp.text_document.uri) else { return Ok(None) };
        self.shared.wait_indexed().await;
        let snap = self.shared.snapshot();
        let result = on_document(&self.shared, "definition", doc, move |d| {
            Ok(handlers::definition::definition(&snap, d, tdp.position))
        })
        .await;
        self.trace("textDocument/definition", started, String::new);
        result
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let started = Instant::now();
        let Some(doc) = self.doc(&params.text_document_position.text_document.uri) else { return Ok(None) };
        let snap = self.shared.snapshot();
        let d = doc.clone();
        let result = handlers::blocking("references", move |cancel| {
            Ok(handlers::references::references(&snap, &d, &params, cancel))
        })
        .await;
        self.trace("textDocument/references", started, || match &result {
            Ok(Some(l)) => format!("{} locations", l.len()),
            _ => "none".into(),
        });
        if !self.shared.is_current(&doc) {
            return Err(handlers::content_modified());
        }
        result
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let Some(doc) = self.doc(&params.text_document.uri) else { return Ok(None) };
        let snap = self.shared.snapshot();
        on_document(&self.shared, "prepareRename", doc, move |d| {
            Ok(handlers::rename::prepare_rename(&snap, d, params.position))
        })
        .await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let started = Instant::now();
        let tdp = params.text_document_position;
        let Some(doc) = self.doc(&tdp.text_document.uri) else { return Ok(None) };
        let snap = self.shared.snapshot();
        let d = doc.clone();
        let new_name = params.new_name;
        let result = handlers::blocking("rename", move |cancel| {
            handlers::rename::rename(&snap, &d, tdp.position, new_name.trim(), cancel)
        })
        .await;
        self.trace("textDocument/rename", started, String::new);
        if !self.shared.is_current(&doc) {
            return Err(handlers::content_modified());
        }
        result
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let started = Instant::now();
        let Some(doc) = self.doc(&params.text_document.uri) else { return Ok(None) };
        let snap = self.shared.snapshot();
        let result = on_document(&self.shared, "documentSymbol", doc, move |d| {
            Ok(handlers::document_symbol::document_symbol(&snap, d))
        })
        .await;
        self.trace("textDocument/documentSymbol", started, String::new);
        result
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        let started = Instant::now();
        let snap = self.shared.snapshot();
        let query = params.query;
        let result = handlers::blocking("workspace/symbol", move |cancel| {
            Ok(handlers::workspace_symbol::workspace_symbol(&snap, &query, cancel))
        })
        .await;
        self.trace("workspace/symbol", started, String::new);
        result
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let started = Instant::now();
        let Some(doc) = self.doc(&params.text_document.uri) else { return Ok(None) };
        let snap = self.shared.snapshot();
        let d = doc.clone();
        // Cross-file lints of a large file take a few milliseconds: off the protocol task.
        let result =
            handlers::blocking("codeAction", move |_| Ok(handlers::code_action::code_action(&snap, &d, &params))).await;
        self.trace("textDocument/codeAction", started, String::new);
        if !self.shared.is_current(&doc) {
            return Err(handlers::content_modified());
        }
        result
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        let started = Instant::now();
        let result = match params.command.as_str() {
            execute_command::OWNER_AT => {
                let (uri, position) = execute_command::parse_owner_at(&params.arguments)?;
                let snap = self.shared.snapshot();
                handlers::blocking(execute_command::OWNER_AT, move |_| {
                    Ok(Some(execute_command::owner_at(&snap, &uri, position).unwrap_or(Value::Null)))
                })
                .await
            }
            execute_command::CHECK_WORKSPACE => execute_command::run_check(&self.shared).await.map(Some),
            execute_command::TEST_PANIC if execute_command::test_hooks() => {
                handlers::blocking(execute_command::TEST_PANIC, |_| -> Result<Option<Value>> {
                    panic!("a panic requested by {}", execute_command::TEST_PANIC)
                })
                .await
            }
            execute_command::TEST_SLEEP if execute_command::test_hooks() => {
                let ms = params.arguments.first().and_then(Value::as_u64).unwrap_or(1000);
                handlers::blocking(execute_command::TEST_SLEEP, move |cancel| {
                    let until = Instant::now() + std::time::Duration::from_millis(ms);
                    while Instant::now() < until && !cancel.is_cancelled() {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                    Ok(Some(Value::Bool(!cancel.is_cancelled())))
                })
                .await
            }
            other => Err(invalid_params(format!("unknown command {other}"))),
        };
        self.trace(&format!("workspace/executeCommand {}", params.command), started, String::new);
        result
    }
}

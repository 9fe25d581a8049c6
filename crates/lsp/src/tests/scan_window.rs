//! The first workspace scan: completion, hover and definition requested before it is done wait
//! for it (within [`crate::state::Shared::index_wait`]) instead of answering from the open
//! documents alone, and past that bound answer from what is known, saying so.
//!
//! These drive a real [`Server`] through its `LanguageServer` methods over a workspace on disk;
//! the scan is held back by the server's test gate, which stands for a scan that takes seconds
//! (100,000 entities take about six).

use std::time::Duration;

use tower_lsp_server::ls_types::{
    CompletionParams, CompletionResponse, DidOpenTextDocumentParams, GotoDefinitionParams, HoverContents, HoverParams,
    InitializeParams, InitializedParams, PartialResultParams, Position, TextDocumentIdentifier, TextDocumentItem,
    TextDocumentPositionParams, Uri, WorkDoneProgressParams, WorkspaceFolder,
};
use tower_lsp_server::{LanguageServer, LspService};

use crate::server::Server;
use crate::state::Shared;

const SERVICE: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  lifecycle: production
  owner: team-a
";

/// `owner: team-a` is on line 7; the cursor sits after `team-`.
const OWNER: Position = Position { line: 7, character: 14 };

struct Workspace {
    _dir: tempfile::TempDir,
    server: LspService<Server>,
    uri: Uri,
}

/// A workspace whose `org.yaml` defines `team-a`, and an open `catalog-info.yaml` owned by it;
/// the scan waits for the gate, and requests wait at most `wait` for the scan.
async fn workspace(wait: Duration) -> Workspace {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("org.yaml"), super::ORG).expect("org.yaml");
    std::fs::write(dir.path().join("catalog-info.yaml"), SERVICE).expect("catalog-info.yaml");
    let (server, _socket) = LspService::new(|client| {
        let mut shared = Shared::new(client);
        shared.index_wait = wait;
        shared.scan_gate.send_replace(false);
        Server::from_shared(shared)
    });
    let root = Uri::from_file_path(dir.path()).expect("a folder URI");
    let params = InitializeParams {
        workspace_folders: Some(vec![WorkspaceFolder { uri: root, name: "ws".into() }]),
        ..InitializeParams::default()
    };
    let s = server.inner();
    s.initialize(params).await.expect("initialize");
    s.initialized(InitializedParams {}).await;
    let uri = Uri::from_file_path(dir.path().join("catalog-info.yaml")).expect("a file URI");
    s.did_open(DidOpenTextDocumentParams {
        text_document: TextDocumentItem {
            uri: uri.clone(),
            language_id: "yaml".into(),
            version: 1,
            text: SERVICE.into(),
        },
    })
    .await;
    Workspace { _dir: dir, server, uri }
}

impl Workspace {
    fn server(&self) -> &Server {
        self.server.inner()
    }

    fn open_gate(&self) {
        self.server().shared().scan_gate.send_replace(true);
    }

    fn at(&self, position: Position) -> TextDocumentPositionParams {
        TextDocumentPositionParams { text_document: TextDocumentIdentifier { uri: self.uri.clone() }, position }
    }

    /// Owner completion at `team-|`: the labels offered and whether the list is incomplete.
    async fn owners(&self) -> (Vec<String>, bool) {
        let params = CompletionParams {
            text_document_position: self.at(OWNER),
            work_done_progress_params: WorkDoneProgressParams::default(),
            partial_result_params: PartialResultParams::default(),
            context: None,
        };
        match self.server().completion(params).await.expect("a completion answer") {
            Some(CompletionResponse::List(l)) => (l.items.into_iter().map(|i| i.label).collect(), l.is_incomplete),
            other => panic!("a completion list, not {other:?}"),
        }
    }

    async fn hover(&self) -> String {
        let params = HoverParams {
            text_document_position_params: self.at(OWNER),
            work_done_progress_params: WorkDoneProgressParams::default(),
        };
        match self.server().hover(params).await.expect("a hover answer").map(|h| h.contents) {
            Some(HoverContents::Markup(m)) => m.value,
            other => format!("{other:?}"),
        }
    }

    async fn definition_files(&self) -> Vec<String> {
        let params = GotoDefinitionParams {
            text_document_position_params: self.at(OWNER),
            work_done_progress_params: WorkDoneProgressParams::default(),
            partial_result_params: PartialResultParams::default(),
        };
        let answer = self.server().goto_definition(params).await.expect("a definition answer");
        let locations = match answer {
            Some(tower_lsp_server::ls_types::GotoDefinitionResponse::Array(l)) => l,
            Some(tower_lsp_server::ls_types::GotoDefinitionResponse::Scalar(l)) => vec![l],
            _ => Vec::new(),
        };
        locations
            .iter()
            .filter_map(|l| l.uri.to_file_path())
            .map(|p| p.file_name().unwrap_or_default().to_string_lossy().into_owned())
            .collect()
    }
}

/// Requests sent while the scan runs are answered once it is done, with what other files define.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_during_the_scan_wait_for_it() {
    let ws = std::sync::Arc::new(workspace(Duration::from_secs(30)).await);
    let (completion, hover, definition) = {
        let (a, b, c) = (ws.clone(), ws.clone(), ws.clone());
        (
            tokio::spawn(async move { a.owners().await }),
            tokio::spawn(async move { b.hover().await }),
            tokio::spawn(async move { c.definition_files().await }),
        )
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!completion.is_finished(), "completion answered before the scan was done");
    ws.open_gate();
    let (labels, incomplete) = completion.await.expect("the completion task");
    assert!(labels.iter().any(|l| l == "team-a"), "team-a offered: {labels:?}");
    assert!(!incomplete, "a list from the whole workspace is complete");
    let hover = hover.await.expect("the hover task");
    assert!(hover.contains("Team A"), "hover describes team-a: {hover}");
    assert_eq!(definition.await.expect("the definition task"), ["org.yaml"]);
}

/// Past the bound, the answer comes from what is known and says it is not the whole story; once
/// the scan is done the editor's next request gets everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_bound_answers_say_they_are_incomplete() {
    let ws = workspace(Duration::from_millis(100)).await;
    let (labels, incomplete) = ws.owners().await;
    assert!(incomplete, "an answer before the scan is marked incomplete: {labels:?}");
    assert!(!labels.iter().any(|l| l == "team-a"), "org.yaml is not read yet: {labels:?}");
    let hover = ws.hover().await;
    assert!(hover.contains("still being indexed"), "hover says the workspace is being indexed: {hover}");

    ws.open_gate();
    let mut indexed = ws.server().shared().indexed.subscribe();
    tokio::time::timeout(Duration::from_secs(30), indexed.wait_for(|done| *done))
        .await
        .expect("the scan finishes")
        .expect("the server is alive");
    let (labels, incomplete) = ws.owners().await;
    assert!(labels.iter().any(|l| l == "team-a") && !incomplete, "{labels:?} incomplete={incomplete}");
}

//! `workspace/didChangeWatchedFiles`, and registering the watcher that sends it.

use std::sync::Arc;

use tower_lsp_server::ls_types::{
    DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions, FileChangeType, FileSystemWatcher,
    GlobPattern, Registration,
};

use crate::analysis;
use crate::convert;
use crate::state::Shared;

/// Asks the client to watch YAML files. Called from `initialized`; the registration is a request
/// to the client, so it runs in its own task and no handler waits for the answer.
pub(crate) fn register(shared: &Arc<Shared>) {
    if !shared.lock().caps.watch_registration {
        return;
    }
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: ["**/*.yaml", "**/*.yml"]
            .into_iter()
            .map(|g| FileSystemWatcher { glob_pattern: GlobPattern::String(g.into()), kind: None })
            .collect(),
    };
    let registration = Registration {
        id: "backline-watch-yaml".into(),
        method: "workspace/didChangeWatchedFiles".into(),
        register_options: serde_json::to_value(options).ok(),
    };
    let client = shared.client.clone();
    tokio::spawn(async move {
        let answer =
            tokio::time::timeout(std::time::Duration::from_secs(30), client.register_capability(vec![registration]))
                .await;
        match answer {
            Ok(Ok(())) => tracing::debug!("file watcher registered"),
            Ok(Err(err)) => tracing::warn!("the client refused the file watcher: {err}"),
            Err(_) => tracing::warn!("the client did not answer the file watcher registration"),
        }
    });
}

pub(crate) fn did_change_watched_files(shared: &Arc<Shared>, params: DidChangeWatchedFilesParams) {
    let mut changed = Vec::new();
    let mut deleted = Vec::new();
    for event in params.changes {
        let Some(path) = convert::file_path(&event.uri) else { continue };
        if event.typ == FileChangeType::DELETED {
            deleted.push(path);
        } else {
            changed.push(path);
        }
    }
    if !changed.is_empty() || !deleted.is_empty() {
        analysis::files_changed(shared, changed, deleted);
    }
}

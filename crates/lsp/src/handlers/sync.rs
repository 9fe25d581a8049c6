//! `textDocument/didOpen`, `didChange`, `didClose`: the document store.
//!
//! Each applies its change to the state synchronously, before the handler's first `.await`:
//! tower-lsp-server polls handler futures in arrival order, so this is what guarantees that an
//! edit is applied before any later request looks at the document. The
//! diagnostics are then computed in the background ([`crate::analysis::schedule`]).

use std::sync::Arc;

use tower_lsp_server::ls_types::{DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams};

use crate::analysis;
use crate::convert;
use crate::document::Document;
use crate::state::Shared;
use crate::workspace::needs_rebuild;

pub(crate) fn did_open(shared: &Arc<Shared>, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    let key = convert::uri_key(&doc.uri);
    let seq = shared.next_seq();
    let path = {
        let mut st = shared.lock();
        // The catalog's own key for this file, so the index recognises the document as the file
        // it already knows (its duplicate lint compares keys by pointer).
        let path = st
            .catalog
            .by_path
            .get_key_value(key.as_str())
            .map(|(k, _)| k.clone())
            .or_else(|| st.disk.by_path.get_key_value(key.as_str()).map(|(k, _)| k.clone()))
            .unwrap_or_else(|| Arc::from(key.as_str()));
        let kinds = st.settings.kinds.clone();
        let document = Document::with_kinds(doc.uri, path.clone(), doc.version, seq, Arc::from(doc.text), kinds);
        st.docs.insert(path.clone(), Arc::new(document));
        path
    };
    analysis::schedule(shared, path);
}

pub(crate) fn did_change(shared: &Arc<Shared>, params: DidChangeTextDocumentParams) {
    let key = convert::uri_key(&params.text_document.uri);
    let seq = shared.next_seq();
    let path = {
        let mut st = shared.lock();
        let encoding = st.encoding.unwrap_or(backline_catalog::Encoding::Utf16);
        let Some((path, old)) = st.docs.get_key_value(key.as_str()).map(|(k, v)| (k.clone(), v.clone())) else {
            tracing::warn!("didChange for a document that is not open: {key}");
            return;
        };
        let next = old.changed(params.content_changes, params.text_document.version, seq, encoding);
        st.docs.insert(path.clone(), Arc::new(next));
        path
    };
    analysis::schedule(shared, path);
}

pub(crate) fn did_close(shared: &Arc<Shared>, params: DidCloseTextDocumentParams) {
    let key = convert::uri_key(&params.text_document.uri);
    let (closed, keep_published) = {
        let mut st = shared.lock();
        let closed = st.docs.remove(key.as_str());
        let keep = match st.published.get_mut(key.as_str()) {
            // Published by a workspace check: publish the disk version's findings again (a hash
            // of 0 makes the republication unconditional).
            Some(hash) => {
                *hash = 0;
                true
            }
            None => false,
        };
        (closed, keep)
    };
    let Some(closed) = closed else { return };
    let shared = shared.clone();
    tokio::spawn(async move {
        if !keep_published {
            shared.client.publish_diagnostics(closed.uri.clone(), Vec::new(), None).await;
        }
        // The disk version takes the document's place in the catalog.
        let work = {
            let shared = shared.clone();
            tokio::task::spawn_blocking(move || {
                let disk = shared.lock().disk.clone();
                let on_disk = disk.by_path.get(&*closed.path).map(|&i| disk.files[i].parsed.clone());
                analysis::rebuild(&shared, None, |catalog| match &on_disk {
                    Some(parsed) => needs_rebuild(catalog, parsed),
                    None => catalog.by_path.contains_key(&*closed.path),
                });
            })
            .await
        };
        if let Err(err) = work {
            tracing::error!("updating the catalog after didClose failed: {err}");
        }
        if keep_published {
            analysis::republish(&shared);
        }
    });
}

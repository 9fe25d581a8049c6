//! One module per LSP method (or per group of notifications that share their state changes):
//! each converts the parameters, asks the core and the catalog, and converts the answer. The
//! plumbing they share is here: panics turned into error responses, blocking work off the
//! protocol task with cancellation, and "the document changed meanwhile" answers.

pub(crate) mod code_action;
pub(crate) mod completion;
pub(crate) mod configuration;
pub(crate) mod definition;
pub(crate) mod document_symbol;
pub(crate) mod execute_command;
pub(crate) mod hover;
pub(crate) mod initialize;
pub(crate) mod references;
pub(crate) mod rename;
pub(crate) mod sync;
pub(crate) mod watched_files;
pub(crate) mod workspace_symbol;

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};

use crate::document::Document;
use crate::state::Shared;

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

pub(crate) fn internal_error(method: &str, payload: &(dyn Any + Send)) -> Error {
    let message = format!("backline lsp: {method} failed: {}", panic_message(payload));
    tracing::error!("{message}");
    Error { code: ErrorCode::InternalError, message: message.into(), data: None }
}

pub(crate) fn content_modified() -> Error {
    Error {
        code: ErrorCode::ContentModified,
        message: "the document changed while the request was computed".into(),
        data: None,
    }
}

pub(crate) fn invalid_params(message: impl Into<String>) -> Error {
    Error { code: ErrorCode::InvalidParams, message: message.into().into(), data: None }
}

/// Runs quick, synchronous handler code on the protocol task; a panic becomes an error response.
pub(crate) fn guard<T>(method: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(internal_error(method, payload.as_ref())),
    }
}

/// Set when the request that started the work is dropped (cancelled by `$/cancelRequest`, which
/// aborts the handler future): CPU-bound loops poll it to stop early.
pub(crate) struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag nobody sets, for calling handlers directly in tests.
    #[cfg(test)]
    pub(crate) fn never() -> Cancel {
        Cancel(Arc::new(AtomicBool::new(false)))
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs heavy handler code on the blocking pool so the protocol task keeps reading (edits,
/// cancellations). A panic becomes an error response; a cancelled request stops the work.
pub(crate) async fn blocking<T: Send + 'static>(
    method: &'static str,
    f: impl FnOnce(&Cancel) -> Result<T> + Send + 'static,
) -> Result<T> {
    let flag = Arc::new(AtomicBool::new(false));
    let _cancel_on_drop = CancelOnDrop(flag.clone());
    let cancel = Cancel(flag);
    match tokio::task::spawn_blocking(move || std::panic::catch_unwind(AssertUnwindSafe(|| f(&cancel)))).await {
        Ok(Ok(result)) => result,
        Ok(Err(payload)) => Err(internal_error(method, payload.as_ref())),
        Err(err) => {
            Err(Error { code: ErrorCode::InternalError, message: format!("{method}: {err}").into(), data: None })
        }
    }
}

/// A request about one document: quick when its parse is ready (done inline), else on the
/// blocking pool; answered with `ContentModified` when an edit overtook it.
pub(crate) async fn on_document<T: Send + 'static>(
    shared: &Arc<Shared>,
    method: &'static str,
    doc: Arc<Document>,
    f: impl FnOnce(&Arc<Document>) -> Result<T> + Send + 'static,
) -> Result<T> {
    let result = if doc.parsed_if_ready().is_some() {
        guard(method, || f(&doc))
    } else {
        let d = doc.clone();
        blocking(method, move |_| f(&d)).await
    };
    if !shared.is_current(&doc) {
        return Err(content_modified());
    }
    result
}

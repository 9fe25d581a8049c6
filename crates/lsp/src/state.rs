//! The server's mutable state, and the immutable snapshots requests work on.
//!
//! One `std::sync::Mutex` guards the state and is never held across an `.await` nor during
//! heavy work: notifications that mutate (`didOpen`, `didChange`, `didClose`) take it, apply
//! their change and let go before their first `.await`, which is what keeps edits in order under
//! tower-lsp-server's concurrent handlers (it polls each handler's future as it arrives). Requests take a [`Snapshot`]
//! (a few `Arc` clones) and compute without the lock.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use backline_catalog::{Encoding, LineIndex, ParsedFile, TextRange};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{Location, Range, Uri};

use crate::convert::{self, FileLookup};
use crate::document::Document;
use crate::settings::Settings;
use crate::workspace::{Catalog, DiskFiles};

/// What the client said it can do, reduced to what changes our answers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ClientCaps {
    pub snippets: bool,
    pub hierarchical_symbols: bool,
    pub watch_registration: bool,
    pub related_information: bool,
    pub markdown_hover: bool,
    pub label_details: bool,
    /// The client resolves a completion item's documentation lazily (`completionItem/resolve`).
    pub resolve_documentation: bool,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub encoding: Option<Encoding>,
    pub caps: ClientCaps,
    pub settings: Arc<Settings>,
    /// The project's settings payload, read at `initialize`: the defaults every editor
    /// settings payload is merged over.
    pub project_settings: Option<serde_json::Value>,
    /// Workspace folders, as local paths.
    pub roots: Vec<PathBuf>,
    pub docs: HashMap<Arc<str>, Arc<Document>>,
    pub disk: Arc<DiskFiles>,
    pub catalog: Arc<Catalog>,
    /// Files that are not open but have diagnostics published (by `backline.checkWorkspace`),
    /// with a hash of what was published, so a rebuild republishes only what changed.
    pub published: HashMap<Arc<str>, u64>,
    /// Diagnostics jobs running, per file; `true` when another edit arrived meanwhile.
    pub diagnostics_jobs: HashMap<Arc<str>, bool>,
    /// Cancels the running workspace scan when a newer one starts.
    pub scan_cancel: Option<Arc<AtomicBool>>,
}

pub(crate) struct Shared {
    pub client: Client,
    state: Mutex<State>,
    /// Serialises catalog rebuilds (one at a time; a second one first checks it is still needed).
    pub rebuild: Mutex<()>,
    seq: AtomicU64,
    /// `true` once the first workspace scan is done (or there was nothing to scan).
    pub scanned: tokio::sync::watch::Sender<bool>,
    /// Reads the project's settings (`backline.toml`) for a workspace folder; set by the binary.
    pub project: Option<crate::ProjectSettings>,
    /// `true` once the catalog in the state holds the whole workspace: the first scan is done and
    /// the rebuild after it is installed. Until then completion, hover and definition would
    /// answer from the open documents alone.
    pub indexed: tokio::sync::watch::Sender<bool>,
    /// How long completion, hover and definition wait for [`Shared::indexed`] before answering
    /// from what is known (a completion list is then marked incomplete, so the editor asks
    /// again). Long enough for a small workspace's scan, short enough not to feel stuck.
    pub index_wait: Duration,
    /// Test hook: the workspace scan starts only once this is `true` (it is from the start).
    #[cfg(test)]
    pub scan_gate: tokio::sync::watch::Sender<bool>,
}

/// The default of [`Shared::index_wait`].
pub(crate) const INDEX_WAIT: Duration = Duration::from_secs(2);

impl Shared {
    pub(crate) fn new(client: Client) -> Shared {
        Shared {
            client,
            state: Mutex::new(State::default()),
            rebuild: Mutex::new(()),
            seq: AtomicU64::new(1),
            scanned: tokio::sync::watch::Sender::new(false),
            project: None,
            indexed: tokio::sync::watch::Sender::new(false),
            index_wait: INDEX_WAIT,
            #[cfg(test)]
            scan_gate: tokio::sync::watch::Sender::new(true),
        }
    }

    /// Waits until the catalog holds the whole workspace, for at most [`Shared::index_wait`].
    /// Returns at once when it already does; after the bound, the caller answers from what is
    /// known (and says so).
    pub(crate) async fn wait_indexed(&self) {
        let mut indexed = self.indexed.subscribe();
        if *indexed.borrow() {
            return;
        }
        let _ = tokio::time::timeout(self.index_wait, indexed.wait_for(|done| *done)).await;
    }

    /// The state, even after a panic elsewhere poisoned the lock: every critical section leaves
    /// the state consistent (assignments of whole values), so carrying on is safe.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst)
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        let st = self.lock();
        Snapshot {
            encoding: st.encoding.unwrap_or(Encoding::Utf16),
            caps: st.caps,
            settings: st.settings.clone(),
            catalog: st.catalog.clone(),
            docs: st.docs.clone(),
        }
    }

    /// The open document at `uri`, in its latest version.
    pub(crate) fn document(&self, uri: &Uri) -> Option<Arc<Document>> {
        self.lock().docs.get(convert::uri_key(uri).as_str()).cloned()
    }

    /// Whether `doc` is still the latest version of its document.
    pub(crate) fn is_current(&self, doc: &Document) -> bool {
        self.lock().docs.get(&doc.path).is_some_and(|d| d.seq == doc.seq)
    }

    pub(crate) fn workspace_base(&self) -> Option<PathBuf> {
        self.lock().roots.first().cloned()
    }
}

/// A consistent view for one request: the catalog as last built plus the open documents as they
/// were when the request started.
#[derive(Clone)]
pub(crate) struct Snapshot {
    pub encoding: Encoding,
    pub caps: ClientCaps,
    pub settings: Arc<Settings>,
    pub catalog: Arc<Catalog>,
    pub docs: HashMap<Arc<str>, Arc<Document>>,
}

impl Snapshot {
    /// The current parse of a file: the open document's if it is open, else the catalog's.
    pub(crate) fn parsed(&self, path: &str) -> Option<Arc<ParsedFile>> {
        match self.docs.get(path) {
            Some(d) => Some(d.parsed()),
            None => self.catalog.file(path).cloned(),
        }
    }

    /// Every file of the catalog, open documents in their current version (plus open documents
    /// the catalog does not know yet).
    pub(crate) fn files(&self) -> impl Iterator<Item = Arc<ParsedFile>> + '_ {
        let from_catalog = self.catalog.files.iter().map(|f| match self.docs.get(&f.path) {
            Some(d) => d.parsed(),
            None => f.clone(),
        });
        let extra = self
            .docs
            .values()
            .filter(|d| !self.catalog.by_path.contains_key(&d.path) && d.is_catalog())
            .map(|d| d.parsed());
        from_catalog.chain(extra)
    }

    /// The URI of a file.
    pub(crate) fn uri(&self, path: &str) -> Option<Uri> {
        match self.docs.get(path) {
            Some(d) => Some(d.uri.clone()),
            None => convert::key_uri(path),
        }
    }

    /// A range of a file as an LSP range, with the file's line index: the open document's, the
    /// catalog's, or (for a file known only by a finding) the one on disk.
    pub(crate) fn range(&self, path: &str, range: TextRange) -> Option<Range> {
        if let Some(d) = self.docs.get(path) {
            return Some(convert::range(&d.line_index(), range, self.encoding));
        }
        if let Some(f) = self.catalog.file(path) {
            return Some(convert::range(&f.line_index, range, self.encoding));
        }
        let text = std::fs::read_to_string(Path::new(path)).ok()?;
        Some(convert::range(&LineIndex::new(&text), range, self.encoding))
    }
}

impl FileLookup for Snapshot {
    fn location(&self, path: &str, range: TextRange) -> Option<Location> {
        Some(Location { uri: self.uri(path)?, range: self.range(path, range)? })
    }
}

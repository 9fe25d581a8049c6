//! `workspace/didChangeConfiguration` and `workspace/didChangeWorkspaceFolders`.
//!
//! New lint levels only need the diagnostics recomputed; new catalogs or folders need a scan.

use std::sync::Arc;

use tower_lsp_server::ls_types::{DidChangeConfigurationParams, DidChangeWorkspaceFoldersParams, MessageType};

use crate::analysis;
use crate::convert;
use crate::settings::Settings;
use crate::state::Shared;

pub(crate) fn did_change_configuration(shared: &Arc<Shared>, params: DidChangeConfigurationParams) {
    if !Settings::is_ours(&params.settings) {
        // Another section changed, or a client that only signals "something changed" and expects
        // a pull: our settings stay as they are.
        return;
    }
    let base = shared.workspace_base();
    let project = shared.lock().project_settings.clone();
    let (mut settings, problems) =
        Settings::from_json(&crate::settings::merge(project.as_ref(), &params.settings), base.as_deref());
    for p in problems {
        analysis::log(shared, MessageType::WARNING, format!("Backline settings: {p}"));
    }
    let (rescan, open, has_published) = {
        let mut st = shared.lock();
        let rescan = st.settings.catalogs != settings.catalogs;
        settings.scorecards = st.settings.scorecards.clone();
        settings.kinds = st.settings.kinds.clone();
        st.settings = Arc::new(settings);
        (rescan, st.docs.keys().cloned().collect::<Vec<_>>(), !st.published.is_empty())
    };
    if rescan {
        analysis::start_scan(shared);
    }
    for path in open {
        analysis::schedule(shared, path);
    }
    if has_published {
        // Lint levels changed: force a republication of the checked files.
        for hash in shared.lock().published.values_mut() {
            *hash = 0;
        }
        analysis::republish(shared);
    }
}

pub(crate) fn did_change_workspace_folders(shared: &Arc<Shared>, params: DidChangeWorkspaceFoldersParams) {
    {
        let mut st = shared.lock();
        let removed: Vec<_> = params.event.removed.iter().filter_map(|f| convert::file_path(&f.uri)).collect();
        st.roots.retain(|r| !removed.contains(r));
        for f in &params.event.added {
            if let Some(p) = convert::file_path(&f.uri)
                && !st.roots.contains(&p)
            {
                st.roots.push(p);
            }
        }
    }
    analysis::start_scan(shared);
}

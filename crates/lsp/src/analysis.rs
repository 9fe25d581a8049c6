//! Background work: scanning the workspace, rebuilding the catalog, computing and publishing
//! diagnostics. Everything CPU-heavy runs in `spawn_blocking`; everything here is started by a
//! handler and never awaited by one, so a slow scan never holds a handler slot.
//!
//! Diagnostics of an open document are computed by one job per file at a time: an edit that
//! arrives while the job runs only marks it dirty, and the job loops once more with the latest
//! version. A burst of keystrokes therefore costs one computation for the version being computed
//! plus one for the last version, and the last publication always reflects the last edit.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use backline_catalog::lint_level::LintLevel;
use backline_catalog::scorecard::lint::{Enabled, lint_file};
use backline_catalog::{Code, Finding, ParsedFile};
use tower_lsp_server::ls_types::{Diagnostic, MessageType};

use crate::convert;
use crate::document::Document;
use crate::external::{self, OrgCatalog};
use crate::settings::{CatalogSource, Settings};
use crate::state::{Shared, Snapshot};
use crate::workspace::{self, Catalog, DiskFile, DiskFiles, Origin, needs_rebuild};

/// Above this many entities a rebuild takes long enough (tens of milliseconds) that an edit's
/// diagnostics are published once before it and once after.
const BIG_CATALOG: usize = 20_000;

/// The findings of one file as the editor shows them: its own, what discovery found about it,
/// the cross-file lints (once the workspace is scanned), with the configured lint levels.
pub(crate) fn findings_for(parsed: &ParsedFile, catalog: &Catalog, settings: &Settings, open: bool) -> Vec<Finding> {
    let mut out = parsed.findings.clone();
    if open {
        // An open Location file is checked against its current text, not what the scan saw.
        let scope = catalog.scope_for(std::path::Path::new(&*parsed.path));
        out.extend(workspace::location_targets(parsed, &scope).1);
    } else if let Some(found) = catalog.discovery_findings.get(&parsed.path) {
        out.extend(found.iter().cloned());
    }
    if catalog.cross_file() {
        out.extend(catalog.index.lint_file(parsed));
        catalog.index.improve_fixes(parsed, &mut out);
        out.extend(scorecard_hints(parsed, catalog, settings));
    }
    settings.lints.apply(&mut out);
    out.sort_by_key(|f| (f.range.start, f.range.end, f.code));
    out
}

/// Scorecard findings on the file's entities: the progress hint unless `lints` turn it off,
/// and the required level's finding as `check` reports it.
fn scorecard_hints(parsed: &ParsedFile, catalog: &Catalog, settings: &Settings) -> Vec<Finding> {
    if settings.scorecards.is_empty() {
        return Vec::new();
    }
    let configured = |code| settings.lints.configured(code);
    let enabled = Enabled {
        level_everywhere: configured(Code::ScorecardLevel).is_some_and(|l| l != LintLevel::Off),
        progress: configured(Code::ScorecardProgress) != Some(LintLevel::Off),
    };
    lint_file(&settings.scorecards, &catalog.scorecard_facts.with(&catalog.index), parsed, enabled)
}

/// Cross-file findings that do not depend on the file's own identity: still right when the
/// index has not yet seen the file's latest version.
fn provisional(parsed: &ParsedFile, catalog: &Catalog, settings: &Settings) -> Vec<Finding> {
    let mut out = parsed.findings.clone();
    if catalog.cross_file() {
        out.extend(
            catalog
                .index
                .lint_file(parsed)
                .into_iter()
                .filter(|f| !matches!(f.code, Code::DuplicateEntity | Code::GroupWithoutMembers)),
        );
    }
    settings.lints.apply(&mut out);
    out
}

pub(crate) fn diagnostics(snap: &Snapshot, parsed: &ParsedFile, findings: &[Finding]) -> Vec<Diagnostic> {
    findings
        .iter()
        .map(|f| convert::diagnostic(f, &parsed.line_index, snap.encoding, snap, snap.caps.related_information))
        .collect()
}

enum Outcome {
    /// A newer version exists: the job loops.
    Stale,
    Done(Arc<Document>, Vec<Diagnostic>),
    /// Published now; the catalog must be rebuilt before the final diagnostics.
    Provisional(Arc<Document>, Vec<Diagnostic>),
}

fn compute_open(shared: &Arc<Shared>, path: &str, may_defer: bool) -> Outcome {
    let Some(doc) = shared.lock().docs.get(path).cloned() else { return Outcome::Stale };
    // Any YAML file a client opens reaches us; only catalog files (known to the catalog, e.g. a
    // Location's target, or catalog files by name or head) are parsed and diagnosed.
    let known = shared.lock().catalog.by_path.contains_key(&doc.path);
    if !known && !doc.is_catalog() {
        return if shared.is_current(&doc) { Outcome::Done(doc, Vec::new()) } else { Outcome::Stale };
    }
    let parsed = doc.parsed();
    if !shared.is_current(&doc) {
        return Outcome::Stale;
    }
    let mut snap = shared.snapshot();
    if needs_rebuild(&snap.catalog, &parsed) {
        if may_defer && snap.catalog.cross_file() && snap.catalog.index.len() > BIG_CATALOG {
            let findings = provisional(&parsed, &snap.catalog, &snap.settings);
            return Outcome::Provisional(doc.clone(), diagnostics(&snap, &parsed, &findings));
        }
        rebuild(shared, Some(path), |catalog| needs_rebuild(catalog, &parsed));
        snap = shared.snapshot();
    }
    let findings = findings_for(&parsed, &snap.catalog, &snap.settings, true);
    Outcome::Done(doc.clone(), diagnostics(&snap, &parsed, &findings))
}

/// Makes sure the open document at `path` gets diagnostics for its latest version.
pub(crate) fn schedule(shared: &Arc<Shared>, path: Arc<str>) {
    {
        let mut st = shared.lock();
        if let Some(dirty) = st.diagnostics_jobs.get_mut(&path) {
            *dirty = true;
            return;
        }
        st.diagnostics_jobs.insert(path.clone(), false);
    }
    let shared = shared.clone();
    tokio::spawn(async move {
        let mut may_defer = true;
        loop {
            let job = {
                let (shared, path) = (shared.clone(), path.clone());
                tokio::task::spawn_blocking(move || compute_open(&shared, &path, may_defer)).await
            };
            let mut again = false;
            match job {
                Ok(Outcome::Done(doc, diags)) => {
                    if shared.is_current(&doc) {
                        shared.client.publish_diagnostics(doc.uri.clone(), diags, Some(doc.version)).await;
                    }
                    may_defer = true;
                }
                Ok(Outcome::Provisional(doc, diags)) => {
                    if shared.is_current(&doc) {
                        shared.client.publish_diagnostics(doc.uri.clone(), diags, Some(doc.version)).await;
                    }
                    may_defer = false;
                    again = true;
                }
                Ok(Outcome::Stale) => {}
                Err(err) => {
                    tracing::error!("diagnostics for {path} failed: {err}");
                    log(
                        &shared,
                        MessageType::ERROR,
                        format!("Backline: computing diagnostics for {path} failed: {err}"),
                    );
                }
            }
            let mut st = shared.lock();
            match st.diagnostics_jobs.get_mut(&path) {
                Some(dirty) if *dirty || again => *dirty = false,
                _ => {
                    st.diagnostics_jobs.remove(&path);
                    break;
                }
            }
        }
    });
}

/// Rebuilds the catalog from the disk files and the open documents' latest parses, unless
/// `still_needed` says another rebuild already covered it. Then every other open document (and
/// every file published by a workspace check) gets its diagnostics again.
pub(crate) fn rebuild(shared: &Arc<Shared>, except: Option<&str>, still_needed: impl Fn(&Catalog) -> bool) {
    let _one_at_a_time = shared.rebuild.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (disk, docs, complete, has_roots, catalog) = {
        let st = shared.lock();
        let has_roots =
            !st.roots.is_empty() || st.settings.catalogs.iter().any(|c| matches!(c, CatalogSource::Directory(_)));
        (
            st.disk.clone(),
            st.docs.values().cloned().collect::<Vec<_>>(),
            *shared.scanned.borrow(),
            has_roots,
            st.catalog.clone(),
        )
    };
    if !still_needed(&catalog) {
        return;
    }
    let open: Vec<Arc<ParsedFile>> = docs.iter().map(|d| d.parsed()).collect();
    let catalog = Arc::new(Catalog::build(&disk, &open, complete, has_roots));
    let others: Vec<Arc<str>> = {
        let mut st = shared.lock();
        st.catalog = catalog;
        st.docs.keys().filter(|k| Some(&***k) != except).cloned().collect()
    };
    if complete {
        shared.indexed.send_replace(true);
    }
    for path in others {
        schedule(shared, path);
    }
    republish(shared);
}

/// Publishes again, for files that are not open, the diagnostics a workspace check published,
/// when they changed (a rename elsewhere can fix or break them).
pub(crate) fn republish(shared: &Arc<Shared>) {
    if shared.lock().published.is_empty() {
        return;
    }
    let shared = shared.clone();
    tokio::spawn(async move {
        let work = {
            let shared = shared.clone();
            tokio::task::spawn_blocking(move || {
                let snap = shared.snapshot();
                let published = shared.lock().published.clone();
                let mut out = Vec::new();
                for (path, old_hash) in published {
                    if snap.docs.contains_key(&path) {
                        continue;
                    }
                    let (Some(parsed), Some(uri)) = (snap.catalog.file(&path), snap.uri(&path)) else {
                        out.push((path, None, Vec::new(), 0));
                        continue;
                    };
                    let findings = findings_for(parsed, &snap.catalog, &snap.settings, false);
                    let hash = findings_hash(&findings);
                    if hash != old_hash {
                        out.push((path, Some(uri), diagnostics(&snap, parsed, &findings), hash));
                    }
                }
                out
            })
            .await
        };
        let Ok(changed) = work else { return };
        for (path, uri, diags, hash) in changed {
            let uri = uri.or_else(|| convert::key_uri(&path));
            if let Some(uri) = uri {
                shared.client.publish_diagnostics(uri, diags, None).await;
            }
            shared.lock().published.insert(path, hash);
        }
    });
}

pub(crate) fn findings_hash(findings: &[Finding]) -> u64 {
    let mut h = DefaultHasher::new();
    for f in findings {
        (f.code, f.severity, f.range, &f.message).hash(&mut h);
    }
    h.finish()
}

/// Sends a `window/logMessage` without making the caller wait.
pub(crate) fn log(shared: &Arc<Shared>, typ: MessageType, message: String) {
    let client = shared.client.clone();
    tokio::spawn(async move { client.log_message(typ, message).await });
}

/// (Re)scans the workspace folders and the extra catalogs in the background, then rebuilds the
/// catalog. A scan already running is cancelled.
pub(crate) fn start_scan(shared: &Arc<Shared>) {
    let cancel = Arc::new(AtomicBool::new(false));
    let (roots, indexes) = {
        let mut st = shared.lock();
        if let Some(old) = st.scan_cancel.replace(cancel.clone()) {
            old.store(true, Ordering::Relaxed);
        }
        let mut roots: Vec<(PathBuf, Origin)> = st.roots.iter().map(|r| (r.clone(), Origin::Workspace)).collect();
        let mut indexes = Vec::new();
        for c in &st.settings.catalogs {
            match c {
                CatalogSource::Directory(p) => roots.push((p.clone(), Origin::Extra)),
                other => indexes.push(other.clone()),
            }
        }
        (roots, indexes)
    };
    let shared = shared.clone();
    tokio::spawn(async move {
        #[cfg(test)]
        let _ = shared.scan_gate.subscribe().wait_for(|open| *open).await;
        let started = std::time::Instant::now();
        let scan_cancel = cancel.clone();
        let kinds = shared.lock().settings.kinds.clone();
        let disk = tokio::task::spawn_blocking(move || workspace::scan(&roots, &kinds, &scan_cancel)).await;
        let Ok(mut disk) = disk else { return };
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        if !indexes.is_empty() {
            let mut entities = Vec::new();
            for source in &indexes {
                match external::load(source).await {
                    Ok(found) => entities.extend(found),
                    Err(message) => log(&shared, MessageType::WARNING, format!("Backline: {message}")),
                }
            }
            if cancel.load(Ordering::Relaxed) {
                return;
            }
            disk.external = Arc::new(OrgCatalog::new(entities));
        }
        let files = disk.files.len();
        tracing::info!("scan read {files} files in {:?}; RSS {:?} MiB", started.elapsed(), rss_mib());
        {
            let mut st = shared.lock();
            st.disk = Arc::new(disk);
        }
        shared.scanned.send_replace(true);
        let rebuilt = {
            let shared = shared.clone();
            tokio::task::spawn_blocking(move || rebuild(&shared, None, |_| true)).await
        };
        if rebuilt.is_ok() {
            let (entities, external) = {
                let st = shared.lock();
                (st.catalog.index.len(), st.catalog.external.len())
            };
            let external = match external {
                0 => String::new(),
                n => format!(" (and {n} from org catalogs)"),
            };
            tracing::info!(
                "indexed {files} catalog files ({entities} entities) in {:?}; RSS {:?} MiB",
                started.elapsed(),
                rss_mib()
            );
            log(
                &shared,
                MessageType::INFO,
                format!(
                    "Backline: indexed {files} catalog files, {entities} entities{external} in {} ms",
                    started.elapsed().as_millis()
                ),
            );
        }
    });
}

/// Resident memory of this process (Linux), for the log.
pub(crate) fn rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// Applies file changes seen by the client's watcher: re-reads changed catalog files, drops
/// deleted ones, follows new Location targets, then rebuilds.
pub(crate) fn files_changed(shared: &Arc<Shared>, changed: Vec<PathBuf>, deleted: Vec<PathBuf>) {
    let shared = shared.clone();
    tokio::spawn(async move {
        let work = {
            let shared = shared.clone();
            tokio::task::spawn_blocking(move || {
                let (disk, kinds) = {
                    let st = shared.lock();
                    (st.disk.clone(), st.settings.kinds.clone())
                };
                let scope = disk.scope.clone();
                let removed: HashSet<Arc<str>> = deleted
                    .iter()
                    .filter_map(|p| disk.by_path.get_key_value(p.to_string_lossy().as_ref()))
                    .map(|(k, _)| k.clone())
                    .collect();
                let mut loaded: Vec<DiskFile> = Vec::new();
                let mut findings: HashMap<Arc<str>, Vec<Finding>> = HashMap::new();
                let mut seen: HashSet<PathBuf> = HashSet::new();
                let mut wave: Vec<(PathBuf, Origin)> = changed
                    .into_iter()
                    .filter_map(|p| {
                        let key = p.to_string_lossy();
                        let known = disk.by_path.get(key.as_ref()).map(|&i| disk.files[i].origin);
                        let named = workspace::is_catalog_path(&p);
                        match known {
                            Some(origin) => Some((p, origin)),
                            None if named => Some((p, Origin::Workspace)),
                            None => None,
                        }
                    })
                    .collect();
                while !wave.is_empty() {
                    let mut next = Vec::new();
                    for (p, origin) in wave {
                        if !seen.insert(p.clone()) {
                            continue;
                        }
                        let (parsed, mut f) = workspace::load(&p, &kinds);
                        if let Some(parsed) = parsed {
                            let (targets, lf) = workspace::location_targets(&parsed, &scope);
                            f.extend(lf);
                            for t in targets {
                                if !disk.by_path.contains_key(t.to_string_lossy().as_ref()) {
                                    next.push((t, origin));
                                }
                            }
                            let parsed = workspace::slim(parsed);
                            findings.insert(parsed.path.clone(), f);
                            loaded.push(DiskFile { parsed: Arc::new(parsed), origin });
                        } else if let Some(first) = f.first() {
                            findings.insert(first.file.clone(), f);
                        }
                    }
                    wave = next;
                }
                let mut next_disk: DiskFiles = disk.with_changes(loaded, &removed);
                for (k, v) in findings {
                    if v.is_empty() {
                        next_disk.discovery_findings.remove(&k);
                    } else {
                        next_disk.discovery_findings.insert(k, v);
                    }
                }
                shared.lock().disk = Arc::new(next_disk);
                rebuild(&shared, None, |_| true);
            })
            .await
        };
        if let Err(err) = work {
            tracing::error!("applying file changes failed: {err}");
        }
    });
}

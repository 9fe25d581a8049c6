//! Backstage sources (`[[source]]` with `backstage = "<backend URL>"`): fetched here, in the
//! binary, with `backline-backstage`, and handed to the index as plain data
//! ([`Index::apply_remote`]), so the index does no HTTP.
//!
//! The first run of a source reads the whole catalog; later runs (`backline index`, every
//! refresh of `serve`) rebuild the previous state from the store ([`Index::remote_snapshot`]:
//! each entity's uid and etag) and ask Backstage only for what changed. A source that cannot be
//! read (Backstage down, a refused token, no token set) keeps its last good entities and is
//! recorded stale with the reason, which names the source and, for a token, its variable.

use std::collections::HashMap;
use std::sync::Arc;

use backline_backstage::{
    Backstage, BackstageError, BackstageSection, EntityRef, Listing, RemoteEntity, Snapshot, StatusLevel,
};
use backline_index::remote::{self, RemoteChanges, RemoteRelation, RemoteStatus};
use backline_index::{BackstageSource, Index, IndexError, IndexReport, RunOptions, SourceKind, SourceSettings};
use tokio::task::JoinHandle;
use tracing::warn;

/// Listings of Backstage sources, started before anything else of a run. A refresh's listing
/// (every uid and etag served) needs nothing from the store, and it is most of what a refresh
/// with little changed waits for, so `backline index` starts it right after opening the store
/// and loads the stored snapshot and indexes its other sources meanwhile. Only sources the store
/// holds entities of are listed: a first sync reads the whole catalog instead, and a listing
/// started for nothing would keep Backstage busy while it serves the first pages.
#[derive(Default)]
pub struct Prefetch {
    started: HashMap<String, Started>,
}

struct Started {
    client: Arc<Backstage>,
    listing: JoinHandle<Result<Listing, BackstageError>>,
}

impl Prefetch {
    /// Starts the listing of every Backstage source among `sources` that `index` holds entities
    /// of and whose client can be built (one that cannot reports why when it is synced). Call
    /// inside the runtime.
    pub async fn start(index: &Index, sources: &[SourceSettings]) -> Result<Prefetch, IndexError> {
        let synced: Vec<String> =
            index.sources().await?.into_iter().filter(|s| s.file_count > 0).map(|s| s.name).collect();
        let mut started = HashMap::new();
        for source in sources {
            let SourceKind::Backstage(settings) = &source.kind else { continue };
            if !synced.contains(&source.name) {
                continue;
            }
            let Ok(client) = client(&source.name, settings) else { continue };
            let client = Arc::new(client);
            let lister = Arc::clone(&client);
            let listing = tokio::spawn(async move { lister.list().await });
            started.insert(source.name.clone(), Started { client, listing });
        }
        Ok(Prefetch { started })
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.started.values().for_each(|s| s.listing.abort());
    }
}

/// Syncs every Backstage source among `sources`, one transaction each; one report per source
/// (a failed source's report carries its error). Store errors stop the run; Backstage errors
/// only mark the source stale. Listings `prefetch` started are used, not asked for again.
pub async fn sync_all(
    index: &Index,
    sources: &[SourceSettings],
    options: &RunOptions,
    mut prefetch: Prefetch,
) -> Result<Vec<IndexReport>, IndexError> {
    let mut reports = Vec::new();
    for source in sources {
        let SourceKind::Backstage(settings) = &source.kind else { continue };
        let started = prefetch.started.remove(&source.name);
        reports.push(sync(index, &source.name, settings, options, started).await?);
    }
    Ok(reports)
}

/// Reads one Backstage source (in full the first time, then only what changed) and applies it.
async fn sync(
    index: &Index,
    name: &str,
    settings: &BackstageSource,
    options: &RunOptions,
    started: Option<Started>,
) -> Result<IndexReport, IndexError> {
    match fetch(index, name, settings, started).await? {
        Ok(changes) => index.apply_remote(name, changes, options).await,
        Err(message) => {
            warn!(source = %name, error = %message, "Backstage source failed; answers use its last good state");
            index.remote_failed(name, &message, options).await
        }
    }
}

/// The changes to apply, or why the source could not be read (safe to show: no error of the
/// client quotes the token).
async fn fetch(
    index: &Index,
    name: &str,
    settings: &BackstageSource,
    started: Option<Started>,
) -> Result<Result<RemoteChanges, String>, IndexError> {
    let failed = |e: &dyn std::fmt::Display| format!("source `{name}`: {e}");
    let (client, mut listing) = match started {
        Some(Started { client, listing }) => (client, Some(listing)),
        None => match client(name, settings) {
            Ok(client) => (Arc::new(client), None),
            Err(message) => return Ok(Err(message)),
        },
    };
    let stamps = index.remote_snapshot(name).await?;
    if stamps.is_empty() {
        if let Some(listing) = listing.take() {
            listing.abort();
        }
        return Ok(match client.full_sync().await {
            Ok(sync) => Ok(RemoteChanges::Full(sync.entities.into_iter().map(convert).collect())),
            Err(e) => Err(failed(&e)),
        });
    }
    let mut previous = Snapshot::new();
    for s in stamps {
        previous.insert(s.uid, s.etag, EntityRef { kind: s.kind, namespace: s.namespace, name: s.name });
    }
    let listed = match listing {
        Some(task) => match task.await {
            Ok(listed) => listed,
            Err(e) => return Ok(Err(failed(&format!("the listing stopped: {e}")))),
        },
        None => client.list().await,
    };
    let refreshed = match listed {
        Ok(listing) => client.refresh_from(listing, &previous).await,
        Err(e) => Err(e),
    };
    Ok(match refreshed {
        Ok(refresh) => Ok(RemoteChanges::Delta {
            upserts: refresh.added.into_iter().chain(refresh.changed).map(convert).collect(),
            removed: refresh.removed.into_iter().map(|r| r.uid).collect(),
        }),
        Err(e) => Err(failed(&e)),
    })
}

/// The source's client, or why it cannot be built (its settings, a missing token).
fn client(name: &str, settings: &BackstageSource) -> Result<Backstage, String> {
    section(settings)
        .resolve_from_env()
        .map_err(|e| e.to_string())
        .and_then(|config| Backstage::new(config).map_err(|e| e.to_string()))
        .map_err(|e| format!("source `{name}`: {e}"))
}

/// The client's settings for a source (also what `check --catalog <Backstage URL>` reads with):
/// every setting the source does not give at the client's default, the token from `token_env`
/// (by default `BACKLINE_BACKSTAGE_TOKEN`).
pub fn section(settings: &BackstageSource) -> BackstageSection {
    let mut section = BackstageSection::new(settings.url.clone());
    section.frontend_url.clone_from(&settings.frontend_url);
    section.token_env.clone_from(&settings.token_env);
    section.filter.clone_from(&settings.filter);
    section.page_size = settings.page_size;
    section.timeout_ms = settings.timeout_ms;
    section
}

/// The client's entity as the index's plain data.
fn convert(e: RemoteEntity) -> remote::RemoteEntity {
    remote::RemoteEntity {
        uid: e.uid,
        etag: e.etag,
        kind: e.entity_ref.kind,
        namespace: e.entity_ref.namespace,
        name: e.entity_ref.name,
        document: e.document,
        relations: e
            .relations
            .into_iter()
            .map(|r| RemoteRelation { relation_type: r.relation_type, target_ref: r.target_ref })
            .collect(),
        status: e
            .status
            .into_iter()
            .map(|s| RemoteStatus {
                level: match s.level {
                    StatusLevel::Error => remote::StatusLevel::Error,
                    // A level this version does not know is shown, not hidden.
                    StatusLevel::Warning | StatusLevel::Other => remote::StatusLevel::Warning,
                    StatusLevel::Info => remote::StatusLevel::Info,
                },
                message: s.message,
            })
            .collect(),
        page_url: e.page_url,
    }
}

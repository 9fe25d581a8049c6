//! Backstage sources (`[[source]]` with `backstage = "<backend URL>"`): fetched here, in the
//! binary, with `backline-backstage`, and handed to the index as plain data
//! ([`Index::apply_remote`]), so the index does no HTTP.
//!
//! The first run of a source reads the whole catalog; later runs (`backline index`, every
//! refresh of `serve`) rebuild the previous state from the store ([`Index::remote_snapshot`]:
//! each entity's uid and etag) and ask Backstage only for what changed. A source that cannot be
//! read (Backstage down, a refused token, no token set) keeps its last good entities and is
//! recorded stale with the reason, which names the source and, for a token, its variable.

use backline_backstage::{Backstage, BackstageSection, EntityRef, RemoteEntity, Snapshot, StatusLevel};
use backline_index::remote::{self, RemoteChanges, RemoteRelation, RemoteStatus};
use backline_index::{BackstageSource, Index, IndexError, IndexReport, RunOptions, SourceKind, SourceSettings};
use tracing::warn;

/// Syncs every Backstage source among `sources`, one transaction each; one report per source
/// (a failed source's report carries its error). Store errors stop the run; Backstage errors
/// only mark the source stale.
pub async fn sync_all(
    index: &Index,
    sources: &[SourceSettings],
    options: &RunOptions,
) -> Result<Vec<IndexReport>, IndexError> {
    let mut reports = Vec::new();
    for source in sources {
        let SourceKind::Backstage(settings) = &source.kind else { continue };
        reports.push(sync(index, &source.name, settings, options).await?);
    }
    Ok(reports)
}

/// Reads one Backstage source (in full the first time, then only what changed) and applies it.
pub async fn sync(
    index: &Index,
    name: &str,
    settings: &BackstageSource,
    options: &RunOptions,
) -> Result<IndexReport, IndexError> {
    match fetch(index, name, settings).await? {
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
) -> Result<Result<RemoteChanges, String>, IndexError> {
    let client = match section(settings).resolve_from_env() {
        Ok(config) => match Backstage::new(config) {
            Ok(client) => client,
            Err(e) => return Ok(Err(format!("source `{name}`: {e}"))),
        },
        Err(e) => return Ok(Err(format!("source `{name}`: {e}"))),
    };
    let stamps = index.remote_snapshot(name).await?;
    if stamps.is_empty() {
        return Ok(match client.full_sync().await {
            Ok(sync) => Ok(RemoteChanges::Full(sync.entities.into_iter().map(convert).collect())),
            Err(e) => Err(format!("source `{name}`: {e}")),
        });
    }
    let mut previous = Snapshot::new();
    for s in stamps {
        previous.insert(s.uid, s.etag, EntityRef { kind: s.kind, namespace: s.namespace, name: s.name });
    }
    Ok(match client.refresh(&previous).await {
        Ok(refresh) => Ok(RemoteChanges::Delta {
            upserts: refresh.added.into_iter().chain(refresh.changed).map(convert).collect(),
            removed: refresh.removed.into_iter().map(|r| r.uid).collect(),
        }),
        Err(e) => Err(format!("source `{name}`: {e}")),
    })
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

//! A running Backstage's catalog as a source for Backline: users and groups from org providers,
//! components from discovery, everything Backstage knows beyond the files.
//!
//! - [`BackstageSection`] is one backend's settings (a `[[source]]` with `backstage = …`),
//!   resolved with the environment into a [`BackstageConfig`] (the static token held in a [`Token`] that never prints);
//! - [`Backstage::full_sync`] reads the whole catalog by cursor paging, gzip on the wire,
//!   `Location` entities left out;
//! - [`Backstage::refresh`] lists only uids and etags, diffs them against the previous
//!   [`Snapshot`], fetches only the added and changed entities by ref, and reports the removed
//!   ones: a [`Refresh`] the index applies incrementally (Backstage has no change feed);
//! - [`RemoteEntity`] is an entity as Backstage says it: relations, status errors, origin
//!   location, uid, etag, page link, and the exact JSON document.
//!
//! Requests are retried with jittered back-off on 429 (honouring `Retry-After`), 5xx, timeouts
//! and refused connections, a bounded number of times.
//!
//! **Invariant:** the token appears in no error, no `Debug` output and no log line; it travels
//! only in the `Authorization` header, marked sensitive.

mod client;
mod config;
mod entity;
mod error;
mod http;
mod retry;
mod snapshot;
mod token;

pub use client::{Backstage, Listing};
pub use config::{BackstageConfig, BackstageSection, ConfigError, ENV_TOKEN};
pub use entity::{
    EntityRef, MANAGED_BY_LOCATION, MANAGED_BY_ORIGIN_LOCATION, Relation, RemoteEntity, StatusError, StatusItem,
    StatusLevel, page_url,
};
pub use error::BackstageError;
pub use snapshot::{FullSync, Refresh, Removed, Snapshot, Stamp};
pub use token::Token;

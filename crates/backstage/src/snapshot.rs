//! What a sync leaves behind and what a refresh reports: the uid → etag map the next refresh
//! diffs against, and the exact changes since the previous state.
//!
//! Backstage has no "changes since" endpoint, so the previous state must be kept by the caller.
//! A [`Snapshot`] is small (a uid, an etag and a ref per entity), serialisable, and can also be
//! rebuilt from stored entities with [`Snapshot::insert`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::entity::{EntityRef, RemoteEntity};

/// What was known of one entity at the last sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub etag: String,
    pub entity_ref: EntityRef,
}

/// The state of a synced catalog: `metadata.uid` → [`Stamp`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    entries: BTreeMap<String, Stamp>,
}

impl Snapshot {
    pub fn new() -> Snapshot {
        Snapshot::default()
    }

    /// The snapshot of a full sync's entities.
    pub fn of(entities: &[RemoteEntity]) -> Snapshot {
        let mut snapshot = Snapshot::new();
        for e in entities {
            snapshot.insert(e.uid.clone(), e.etag.clone(), e.entity_ref.clone());
        }
        snapshot
    }

    pub fn insert(&mut self, uid: String, etag: String, entity_ref: EntityRef) {
        self.entries.insert(uid, Stamp { etag, entity_ref });
    }

    pub fn get(&self, uid: &str) -> Option<&Stamp> {
        self.entries.get(uid)
    }

    pub fn contains(&self, uid: &str) -> bool {
        self.entries.contains_key(uid)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `(uid, stamp)` in uid order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Stamp)> {
        self.entries.iter().map(|(uid, stamp)| (uid.as_str(), stamp))
    }
}

/// A whole catalog, read page by page.
#[derive(Debug, Clone)]
pub struct FullSync {
    /// Every entity but `Location`s, in uid order.
    pub entities: Vec<RemoteEntity>,
    /// How many `Location` entities were skipped.
    pub skipped_locations: usize,
    /// The state to hand to the next [`crate::Backstage::refresh`].
    pub snapshot: Snapshot,
}

/// An entity that is no longer served: deleted, or filtered out since. An entity deleted and
/// re-created comes back under a new uid, so it is reported removed (old uid) and added (new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub uid: String,
    pub entity_ref: EntityRef,
}

/// What changed since a previous [`Snapshot`]. Apply `removed` first, then `changed` and
/// `added`: a ref can be both removed (old uid) and added (new uid).
#[derive(Debug, Clone)]
pub struct Refresh {
    /// Served now, unknown to the previous snapshot.
    pub added: Vec<RemoteEntity>,
    /// Known before, with a different etag now.
    pub changed: Vec<RemoteEntity>,
    pub removed: Vec<Removed>,
    /// Entities whose etag did not change (not fetched).
    pub unchanged: usize,
    /// The state to hand to the next refresh.
    pub snapshot: Snapshot,
}

impl Refresh {
    /// Whether nothing changed at all.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

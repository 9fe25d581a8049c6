//! Rendered answers, kept per catalog version: during an incident the same "who owns X" arrives
//! many times a second, and its answer cannot change until the index does. A hit skips the
//! engine (store queries, search, on-call) and the rendering, and takes one short lock.
//!
//! What makes an entry stale is decided by the engine, not here: [`QuestionEngine::version`]
//! names what answers are made from (the store's generation and which sources are stale), and an
//! entry is used only at the version it was made at; [`QuestionEngine::cache_policy`] bounds the
//! life of answers that carry live data (who is on call now) to that data's own cache period, so
//! a cached answer never shows on-call data older than an uncached one could.
//!
//! The lock guards a map lookup or insert only; the engine runs outside it. Two askers missing
//! at once both ask the engine (no single-flight): rare, and cheaper than making the second wait.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::engine::Ask;

/// How long an answer may be reused, as the engine says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    /// Until the engine's version moves.
    UntilChanged,
    /// At most this long (and not past a version change): the answer holds live data.
    For(Duration),
    /// Not at all.
    Never,
}

/// Entries kept at most; past it the cache starts over (a new version clears it anyway).
const CAPACITY: usize = 4_096;

struct Entry<V> {
    version: u64,
    expires: Option<Instant>,
    value: Arc<V>,
}

/// Rendered answers of one platform by question and `variant`: what else the rendering depends
/// on (whether it is shared, the time zone on-call times are shown in).
pub struct AnswerCache<V> {
    inner: Mutex<Inner<V>>,
    capacity: usize,
}

struct Inner<V> {
    /// The version every entry was made at: entries of older versions were dropped.
    version: u64,
    /// By the question as JSON (a `Query` is not `Hash`) and the rendering variant.
    entries: HashMap<(String, i64), Entry<V>>,
}

impl<V> Default for AnswerCache<V> {
    fn default() -> Self {
        AnswerCache::with_capacity(CAPACITY)
    }
}

impl<V> AnswerCache<V> {
    pub fn with_capacity(capacity: usize) -> AnswerCache<V> {
        AnswerCache { inner: Mutex::new(Inner { version: 0, entries: HashMap::new() }), capacity: capacity.max(1) }
    }

    /// The answer to `ask` rendered as `variant`, if one was made at `version` and is fresh.
    pub fn get(&self, ask: &Ask, variant: i64, version: u64) -> Option<Arc<V>> {
        let key = (key(ask)?, variant);
        let inner = self.inner.lock().ok()?;
        let entry = inner.entries.get(&key)?;
        let fresh = entry.version == version && entry.expires.is_none_or(|at| Instant::now() < at);
        fresh.then(|| Arc::clone(&entry.value))
    }

    /// Keeps `value`, the answer to `ask` made at `version`, as `policy` allows. Another version
    /// than the cache's drops every entry: versions are compared for equality only (the engine's
    /// are not ordered), and entries of another version are never used again.
    pub fn put(&self, ask: &Ask, variant: i64, version: u64, policy: CachePolicy, value: Arc<V>) {
        let expires = match policy {
            CachePolicy::Never => return,
            CachePolicy::UntilChanged => None,
            CachePolicy::For(d) => Some(Instant::now() + d),
        };
        let Some(key) = key(ask) else { return };
        let Ok(mut inner) = self.inner.lock() else { return };
        if version != inner.version {
            inner.version = version;
            inner.entries.clear();
        }
        if inner.entries.len() >= self.capacity {
            inner.entries.clear();
        }
        inner.entries.insert((key, variant), Entry { version, expires, value });
    }

    /// Entries held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.entries.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn key(ask: &Ask) -> Option<String> {
    serde_json::to_string(ask).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(name: &str) -> Ask {
        Ask::Question(format!("who owns {name}"))
    }

    #[test]
    fn an_answer_is_reused_at_its_version_only() {
        let cache = AnswerCache::default();
        cache.put(&ask("payments"), 0, 7, CachePolicy::UntilChanged, Arc::new("team-payments"));
        assert_eq!(cache.get(&ask("payments"), 0, 7).as_deref(), Some(&"team-payments"));
        // Another rendering of the same question, another question: not this entry.
        assert_eq!(cache.get(&ask("payments"), 1, 7), None);
        assert_eq!(cache.get(&ask("orders"), 0, 7), None);
        // A new generation: the entry is not used, and is dropped once a newer answer is kept.
        assert_eq!(cache.get(&ask("payments"), 0, 8), None);
        cache.put(&ask("orders"), 0, 8, CachePolicy::UntilChanged, Arc::new("team-orders"));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(&ask("payments"), 0, 7), None);
        assert_eq!(cache.get(&ask("orders"), 0, 8).as_deref(), Some(&"team-orders"));
    }

    #[test]
    fn live_data_expires_and_never_is_never_kept() {
        let cache = AnswerCache::default();
        cache.put(&ask("a"), 0, 1, CachePolicy::For(Duration::ZERO), Arc::new(1));
        assert_eq!(cache.get(&ask("a"), 0, 1), None);
        cache.put(&ask("b"), 0, 1, CachePolicy::For(Duration::from_secs(60)), Arc::new(2));
        assert_eq!(cache.get(&ask("b"), 0, 1).as_deref(), Some(&2));
        cache.put(&ask("c"), 0, 1, CachePolicy::Never, Arc::new(3));
        assert_eq!(cache.get(&ask("c"), 0, 1), None);
    }

    #[test]
    fn capacity_bounds_the_entries() {
        let cache = AnswerCache::with_capacity(2);
        for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
            cache.put(&ask(name), 0, 1, CachePolicy::UntilChanged, Arc::new(i));
        }
        assert!(cache.len() <= 2);
        assert_eq!(cache.get(&ask("c"), 0, 1).as_deref(), Some(&2));
    }
}

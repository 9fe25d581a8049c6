//! The answer cache with single-flight: whatever the number of askers, at most one provider call
//! per key is under way, and none while an answer is fresh or the provider is backing us off.
//!
//! A slot per key (a PagerDuty policy, an Opsgenie account's on-calls, ...) keeps the last good
//! value with the time it was fetched, until when it is fresh, the last failure and until when
//! not to ask again. An asker *claims* the keys it needs: fresh keys are answered at once, keys
//! being fetched are waited for, the rest are marked as being fetched by this asker, who fetches
//! them in one batched call. A failure leaves the last good value in place: it is served with its
//! age, marked stale, until the back-off ends.
//!
//! Waiting uses a `watch` channel whose sender lives in the [`Flight`] guard: when the fetch ends,
//! or its task is dropped or panics, the guard clears the in-flight marks and the waiters wake.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use crate::error::OnCallError;
use crate::time::Timestamp;

/// A value as fetched.
#[derive(Debug)]
pub(crate) struct Fetched<V> {
    pub(crate) value: V,
    pub(crate) at: Timestamp,
}

struct Slot<V> {
    last: Option<Arc<Fetched<V>>>,
    fresh_until: Timestamp,
    failure: Option<(OnCallError, Timestamp)>,
    retry_at: Timestamp,
    flight: Option<watch::Receiver<()>>,
}

impl<V> Default for Slot<V> {
    fn default() -> Self {
        Slot {
            last: None,
            fresh_until: Timestamp(i64::MIN),
            failure: None,
            retry_at: Timestamp(i64::MIN),
            flight: None,
        }
    }
}

/// What a key holds once nobody is fetching it.
pub(crate) struct Outcome<V> {
    pub(crate) last: Option<Arc<Fetched<V>>>,
    /// The last failure, only when it is newer than `last`.
    pub(crate) failure: Option<(OnCallError, Timestamp)>,
}

impl<V> Outcome<V> {
    /// The value to answer with (possibly stale) or, when there never was one, the failure.
    pub(crate) fn into_result(self, fallback: impl FnOnce() -> OnCallError) -> Result<Served<V>, OnCallError> {
        match (self.last, self.failure) {
            (Some(last), failure) => Ok(Served { fetched: last, stale: failure }),
            (None, Some((error, _))) => Err(error),
            (None, None) => Err(fallback()),
        }
    }
}

pub(crate) struct Served<V> {
    pub(crate) fetched: Arc<Fetched<V>>,
    pub(crate) stale: Option<(OnCallError, Timestamp)>,
}

pub(crate) struct Store<K, V> {
    slots: Mutex<HashMap<K, Slot<V>>>,
}

/// The keys an asker must fetch, and the sender its waiters wait on.
pub(crate) struct Flight<K: Eq + Hash + Clone, V> {
    store: Arc<Store<K, V>>,
    pub(crate) keys: Vec<K>,
    _done: watch::Sender<()>,
}

impl<K: Eq + Hash + Clone, V> Drop for Flight<K, V> {
    fn drop(&mut self) {
        let mut slots = self.store.slots.lock().unwrap_or_else(PoisonError::into_inner);
        for key in &self.keys {
            if let Some(slot) = slots.get_mut(key) {
                slot.flight = None;
            }
        }
    }
}

/// Completion of one key of a flight.
pub(crate) enum Completion<V> {
    /// A new value, fresh until the given instant.
    Value(V, Timestamp),
    /// A failure; no new call before the given instant.
    Failed(OnCallError, Timestamp),
}

impl<K: Eq + Hash + Clone, V> Store<K, V> {
    pub(crate) fn new() -> Arc<Store<K, V>> {
        Arc::new(Store { slots: Mutex::new(HashMap::new()) })
    }

    /// Claims `keys` at `now`: returns the receivers to wait on (one per distinct flight, ours
    /// included) and, when some keys need fetching, the flight this asker must carry out.
    pub(crate) fn claim(
        self: &Arc<Self>,
        keys: impl IntoIterator<Item = K>,
        now: Timestamp,
    ) -> (Vec<watch::Receiver<()>>, Option<Flight<K, V>>) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let (tx, rx) = watch::channel(());
        let mut waits = Vec::new();
        let mut mine = Vec::new();
        for key in keys {
            if mine.contains(&key) {
                continue;
            }
            let slot = slots.entry(key.clone()).or_default();
            if let Some(flight) = &slot.flight {
                waits.push(flight.clone());
            } else if (slot.last.is_some() && now < slot.fresh_until) || now < slot.retry_at {
                // Fresh, or backing off: answered from the slot as it is.
            } else {
                slot.flight = Some(rx.clone());
                mine.push(key);
            }
        }
        if mine.is_empty() {
            return (waits, None);
        }
        waits.push(rx);
        (waits, Some(Flight { store: Arc::clone(self), keys: mine, _done: tx }))
    }

    /// Records the results of a flight; keys of the flight without a result keep their slot.
    pub(crate) fn complete(&self, results: Vec<(K, Completion<V>)>, now: Timestamp) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        for (key, completion) in results {
            let slot = slots.entry(key).or_default();
            match completion {
                Completion::Value(value, fresh_until) => {
                    slot.last = Some(Arc::new(Fetched { value, at: now }));
                    slot.fresh_until = fresh_until;
                    slot.failure = None;
                    slot.retry_at = Timestamp(i64::MIN);
                }
                Completion::Failed(error, retry_at) => {
                    slot.failure = Some((error, now));
                    slot.retry_at = retry_at;
                }
            }
        }
    }

    pub(crate) fn read(&self, key: &K) -> Outcome<V> {
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        match slots.get(key) {
            Some(slot) => Outcome { last: slot.last.clone(), failure: slot.failure.clone() },
            None => Outcome { last: None, failure: None },
        }
    }
}

/// Waits until every flight in `waits` has ended.
pub(crate) async fn wait_all(waits: Vec<watch::Receiver<()>>) {
    for mut rx in waits {
        // `changed` fails once the sender is dropped, which is how a flight signals its end;
        // nothing is ever sent.
        while rx.changed().await.is_ok() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_flight_per_key_and_fresh_values_are_not_fetched() {
        let store: Arc<Store<&str, u32>> = Store::new();
        let now = Timestamp(100);
        let (_, first) = store.claim(["a", "b"], now);
        let first = first.expect("nothing was cached, so the first asker fetches");
        let (waits, second) = store.claim(["b", "c"], now);
        let second = second.expect("c is not being fetched");
        assert_eq!(second.keys, ["c"]);
        assert_eq!(waits.len(), 2, "waits for b's flight and its own");
        store.complete(
            vec![("a", Completion::Value(1, Timestamp(200))), ("b", Completion::Value(2, Timestamp(150)))],
            now,
        );
        drop(first);
        store.complete(vec![("c", Completion::Value(3, Timestamp(200)))], now);
        drop(second);
        wait_all(waits).await;
        assert!(store.claim(["a", "b", "c"], Timestamp(149)).1.is_none());
        assert_eq!(store.claim(["a", "b", "c"], Timestamp(150)).1.expect("b expired").keys, ["b"]);
    }

    #[tokio::test]
    async fn a_failure_keeps_the_last_value_and_backs_off() {
        let store: Arc<Store<&str, u32>> = Store::new();
        let (_, flight) = store.claim(["a"], Timestamp(0));
        store.complete(vec![("a", Completion::Value(7, Timestamp(10)))], Timestamp(0));
        drop(flight);
        let (_, flight) = store.claim(["a"], Timestamp(10));
        let error = OnCallError::Interrupted { provider: crate::Provider::PagerDuty };
        store.complete(vec![("a", Completion::Failed(error, Timestamp(40)))], Timestamp(10));
        drop(flight);
        assert!(store.claim(["a"], Timestamp(39)).1.is_none(), "backing off");
        let served = store.read(&"a").into_result(|| unreachable!()).unwrap();
        assert_eq!(
            (served.fetched.value, served.fetched.at, served.stale.map(|s| s.1)),
            (7, Timestamp(0), Some(Timestamp(10)))
        );
        assert!(store.claim(["a"], Timestamp(40)).1.is_some(), "back-off over");
    }

    #[tokio::test]
    async fn a_dropped_flight_wakes_its_waiters() {
        let store: Arc<Store<&str, u32>> = Store::new();
        let (_, flight) = store.claim(["a"], Timestamp(0));
        let (waits, none) = store.claim(["a"], Timestamp(0));
        assert!(none.is_none());
        drop(flight);
        wait_all(waits).await;
        assert!(store.read(&"a").last.is_none());
        assert!(store.claim(["a"], Timestamp(0)).1.is_some(), "the key can be fetched again");
    }
}

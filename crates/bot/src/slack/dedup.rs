//! Slack's retries, recognised by `event_id`, so one question is answered once.
//!
//! Slack redelivers an event when the first delivery was not acknowledged in 3 seconds, even if
//! we are still answering it. We ack at once, so retries are rare, but they do happen (a slow
//! network, a restart): a bounded, time-limited set of recently seen ids absorbs them. The set is
//! per process; with several replicas a retry can reach another replica (Slack's retries carry
//! `X-Slack-Retry-Num`, which the HTTP layer also honours for that case).

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Dedup {
    ttl: Duration,
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    seen: HashSet<String>,
    order: VecDeque<(Instant, String)>,
}

impl Dedup {
    /// Slack retries within about an hour at most; `ttl` should cover that.
    pub fn new(ttl: Duration, capacity: usize) -> Dedup {
        Dedup { ttl, capacity: capacity.max(1), inner: Mutex::new(Inner::default()) }
    }

    /// True the first time an id is seen (within the ttl), false for repeats.
    pub fn first_time(&self, id: &str) -> bool {
        self.first_time_at(id, Instant::now())
    }

    fn first_time_at(&self, id: &str, now: Instant) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while let Some((at, _)) = inner.order.front() {
            if now.duration_since(*at) < self.ttl && inner.order.len() < self.capacity {
                break;
            }
            if let Some((_, old)) = inner.order.pop_front() {
                inner.seen.remove(&old);
            }
        }
        if inner.seen.contains(id) {
            return false;
        }
        inner.seen.insert(id.to_owned());
        inner.order.push_back((now, id.to_owned()));
        true
    }

    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.seen.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_within_ttl_are_dropped() {
        let d = Dedup::new(Duration::from_secs(60), 100);
        let t0 = Instant::now();
        assert!(d.first_time_at("Ev1", t0));
        assert!(!d.first_time_at("Ev1", t0 + Duration::from_secs(1)));
        assert!(d.first_time_at("Ev2", t0 + Duration::from_secs(2)));
        // After the ttl the id is forgotten.
        assert!(d.first_time_at("Ev1", t0 + Duration::from_secs(61)));
    }

    #[test]
    fn capacity_is_bounded() {
        let d = Dedup::new(Duration::from_secs(3600), 3);
        let t0 = Instant::now();
        for i in 0..10 {
            assert!(d.first_time_at(&format!("Ev{i}"), t0));
        }
        assert!(d.len() <= 3);
        assert!(!d.first_time_at("Ev9", t0));
    }
}

//! When to ask Backstage again: exponential back-off with jitter, and `Retry-After` read back.
//!
//! Backstage has no rate limit by default, but `backend.rateLimit` can be turned on (its default
//! is 5 requests a minute per client) and answers 429; a backend restarting or a proxy in front
//! answers 5xx. Jitter keeps several Backline processes that failed together from retrying
//! together. Pure functions; the loop that sleeps is in `http`.

use std::time::{Duration, SystemTime};

/// The longest single back-off, whatever the attempt.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The wait before retry number `attempt` (0 for the first retry): `base · 2^attempt`, capped,
/// then "equal jitter": half of it fixed, the other half uniformly random, so waits never
/// collapse to zero yet two clients rarely pick the same one. `unit` is a random number in
/// `[0, 1)`.
pub(crate) fn backoff(base: Duration, attempt: u32, unit: f64) -> Duration {
    let full = base.saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX)).min(MAX_BACKOFF);
    let half = full / 2;
    half + half.mul_f64(unit.clamp(0.0, 1.0))
}

/// `Retry-After` as a wait: delta-seconds (what Backstage's rate limiter sends) or an HTTP date,
/// relative to `now`. A date already past means "now".
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_jitters_within_bounds() {
        let base = Duration::from_millis(100);
        assert_eq!(backoff(base, 0, 0.0), Duration::from_millis(50));
        assert_eq!(backoff(base, 0, 0.999_999).as_millis(), 99);
        assert_eq!(backoff(base, 3, 0.0), Duration::from_millis(400));
        assert_eq!(backoff(base, 40, 1.0), MAX_BACKOFF);
        assert_eq!(backoff(Duration::ZERO, 5, 0.5), Duration::ZERO);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = httpdate::parse_http_date("Mon, 07 Dec 2026 10:00:00 GMT").unwrap();
        assert_eq!(retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("Mon, 07 Dec 2026 10:00:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after("Mon, 07 Dec 2026 09:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
    }
}

//! Every provider call goes through here: the account's rate-limit gate first, then the GET,
//! then the status judged into a typed error.
//!
//! The gate is per account because the providers limit per key (PagerDuty: 960 requests a minute
//! per account key, plus per-operation limits on `/oncalls`; Opsgenie: token buckets per
//! domain). It closes on a `429` until `ratelimit-reset` / `Retry-After` /
//! `X-RateLimit-Period-In-Sec` says, or for `retry_secs` when the 429 says nothing, and when a
//! successful answer reports `ratelimit-remaining: 0`. While it is closed no call is made: the
//! cache serves the last answer, marked stale.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use serde::Deserialize;

use crate::config::{Account, OPSGENIE_US};
use crate::error::{OnCallError, Provider};
use crate::http::{AuthScheme, Http, Response};
use crate::time::{Clock, Timestamp};

pub(crate) struct Caller {
    pub(crate) http: Http,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) retry_secs: u64,
    gates: Mutex<HashMap<(Provider, String), Timestamp>>,
}

/// PagerDuty's documented error body.
#[derive(Deserialize)]
struct PagerDutyError {
    error: PagerDutyErrorInner,
}

#[derive(Deserialize)]
struct PagerDutyErrorInner {
    message: Option<String>,
    code: Option<i64>,
}

/// Opsgenie's documented error body.
#[derive(Deserialize)]
struct OpsgenieError {
    message: Option<String>,
    code: Option<i64>,
}

/// The provider's message and code, from the documented shape only, cut short.
fn error_details(provider: Provider, body: &[u8]) -> (Option<String>, Option<i64>) {
    let (message, code) = match provider {
        Provider::PagerDuty => serde_json::from_slice::<PagerDutyError>(body)
            .map(|e| (e.error.message, e.error.code))
            .unwrap_or((None, None)),
        Provider::Opsgenie => {
            serde_json::from_slice::<OpsgenieError>(body).map(|e| (e.message, e.code)).unwrap_or((None, None))
        }
    };
    (message.map(|m| m.chars().take(200).collect()), code)
}

impl Caller {
    pub(crate) fn new(http: Http, clock: Arc<dyn Clock>, retry_secs: u64) -> Caller {
        Caller { http, clock, retry_secs, gates: Mutex::new(HashMap::new()) }
    }

    fn gate_key(account: &Account) -> (Provider, String) {
        (account.provider, account.name.clone())
    }

    fn close_gate(&self, account: &Account, until: Timestamp) {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        let gate = gates.entry(Self::gate_key(account)).or_insert(until);
        *gate = (*gate).max(until);
    }

    /// When the next call may be made, if the gate is closed at `now`.
    fn gate_closed(&self, account: &Account, now: Timestamp) -> Option<Timestamp> {
        let gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        gates.get(&Self::gate_key(account)).copied().filter(|open_at| now < *open_at)
    }

    /// When a key that failed with `error` at `now` may be asked again.
    pub(crate) fn retry_at(&self, error: &OnCallError, now: Timestamp) -> Timestamp {
        match error {
            OnCallError::RateLimited { retry_in_secs, .. } => now.plus_secs((*retry_in_secs).max(1)),
            _ => now.plus_secs(self.retry_secs),
        }
    }

    /// GETs `url` and returns the body of a 2xx answer. `what` names the thing asked for, for a
    /// 403 or 404 ("service PXXXX").
    pub(crate) async fn get(&self, account: &Account, url: &url::Url, what: &str) -> Result<Bytes, OnCallError> {
        let now = self.clock.now();
        if let Some(open_at) = self.gate_closed(account, now) {
            return Err(OnCallError::RateLimited {
                provider: account.provider,
                account: account.name.clone(),
                retry_in_secs: open_at.secs_since(now),
            });
        }
        let scheme = match account.provider {
            Provider::PagerDuty => AuthScheme::PagerDuty,
            Provider::Opsgenie => AuthScheme::Opsgenie,
        };
        let Response { status, body, rate } = self.http.get(account, scheme, url).await?;
        let now = self.clock.now();
        if (200..300).contains(&status) {
            if rate.remaining == Some(0) {
                self.close_gate(account, now.plus_secs(rate.reset_secs.unwrap_or(self.retry_secs).max(1)));
            }
            return Ok(body);
        }
        let provider = account.provider;
        let name = account.name.clone();
        let (message, code) = error_details(provider, &body);
        let error = match status {
            401 => OnCallError::Unauthorized {
                provider,
                account: name,
                status,
                env_var: account.env_var.clone(),
                // Opsgenie answers an EU account's key on the US host with a plain 401.
                hint: (provider == Provider::Opsgenie && account.base_url == OPSGENIE_US)
                    .then_some("an account in the EU region needs `region = \"eu\"`"),
            },
            403 => OnCallError::Forbidden { provider, account: name, what: what.to_owned(), code },
            404 => OnCallError::NotFound { provider, account: name, what: what.to_owned() },
            429 => {
                let retry_in_secs = rate.reset_secs.unwrap_or(self.retry_secs).max(1);
                self.close_gate(account, now.plus_secs(retry_in_secs));
                OnCallError::RateLimited { provider, account: name, retry_in_secs }
            }
            _ => OnCallError::Status { provider, account: name, status, message },
        };
        tracing::warn!(provider = %provider, account = %account.name, status, error = %error, "on-call provider call failed");
        Err(error)
    }
}

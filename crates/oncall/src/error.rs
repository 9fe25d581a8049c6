//! Why an on-call lookup failed, typed, and safe to show and log.
//!
//! Invariant: no variant holds a key or an integration key, and none holds a provider's response
//! body verbatim (a body can quote what was sent; the services listing read for the
//! integration-key fallback is full of integration keys). Provider messages are kept only from
//! the documented error shape, and JSON errors only by position. Errors are `Clone` (sources are
//! behind `Arc`) because one failed batched call answers many waiting askers.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The on-call providers Backline can ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    PagerDuty,
    Opsgenie,
}

impl Provider {
    pub fn label(self) -> &'static str {
        match self {
            Provider::PagerDuty => "PagerDuty",
            Provider::Opsgenie => "Opsgenie",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A failed lookup. Every variant names the provider and the account (its configured name, never
/// its key) so an operator knows which credential to look at.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OnCallError {
    #[error("no {provider} account named `{account}` is configured (annotation {annotation})")]
    UnknownAccount { provider: Provider, account: String, annotation: &'static str },
    #[error("no {provider} account is configured")]
    NotConfigured { provider: Provider },
    #[error(
        "{provider} rejected the API key of account `{account}` (HTTP {status}); check {env_var} or the key in its configuration section{}",
        hint.map(|h| format!(" ({h})")).unwrap_or_default()
    )]
    Unauthorized { provider: Provider, account: String, status: u16, env_var: String, hint: Option<&'static str> },
    #[error("{provider} account `{account}` may not read {what} (HTTP 403){}", code_suffix(*.code))]
    Forbidden { provider: Provider, account: String, what: String, code: Option<i64> },
    #[error("{provider} account `{account}` has no {what}")]
    NotFound { provider: Provider, account: String, what: String },
    #[error("{provider} account `{account}` is rate limited; next call in {retry_in_secs} s")]
    RateLimited { provider: Provider, account: String, retry_in_secs: u64 },
    #[error("{provider} account `{account}` answered HTTP {status}{}", message_suffix(.message.as_deref()))]
    Status { provider: Provider, account: String, status: u16, message: Option<String> },
    #[error("{provider} account `{account}` did not answer within {timeout_ms} ms")]
    Timeout { provider: Provider, account: String, timeout_ms: u64 },
    #[error("could not reach {provider} for account `{account}`")]
    Transport {
        provider: Provider,
        account: String,
        #[source]
        source: Arc<hyper_util::client::legacy::Error>,
    },
    #[error("could not read {provider}'s answer for account `{account}` ({detail})")]
    Body { provider: Provider, account: String, detail: &'static str },
    /// Only the position is kept: serde_json's message can quote the offending value.
    #[error("{provider}'s answer for account `{account}` is not the documented JSON (line {line}, column {column})")]
    Decode { provider: Provider, account: String, line: usize, column: usize },
    #[error("the {provider} base URL of account `{account}` cannot be used for {path}")]
    Url { provider: Provider, account: String, path: String },
    #[error("the lookup was interrupted before {provider} answered")]
    Interrupted { provider: Provider },
    #[error("no TLS trust roots for {0}")]
    TlsRoots(#[source] Arc<std::io::Error>),
    #[error("invalid TLS configuration")]
    Tls(#[source] Arc<rustls::Error>),
}

fn code_suffix(code: Option<i64>) -> String {
    code.map(|c| format!(", code {c}")).unwrap_or_default()
}

fn message_suffix(message: Option<&str>) -> String {
    message.map(|m| format!(": {m}")).unwrap_or_default()
}

impl OnCallError {
    /// The provider the error is about.
    pub fn provider(&self) -> Option<Provider> {
        match self {
            OnCallError::UnknownAccount { provider, .. }
            | OnCallError::NotConfigured { provider }
            | OnCallError::Unauthorized { provider, .. }
            | OnCallError::Forbidden { provider, .. }
            | OnCallError::NotFound { provider, .. }
            | OnCallError::RateLimited { provider, .. }
            | OnCallError::Status { provider, .. }
            | OnCallError::Timeout { provider, .. }
            | OnCallError::Transport { provider, .. }
            | OnCallError::Body { provider, .. }
            | OnCallError::Decode { provider, .. }
            | OnCallError::Url { provider, .. }
            | OnCallError::Interrupted { provider } => Some(*provider),
            OnCallError::TlsRoots(_) | OnCallError::Tls(_) => None,
        }
    }

    /// Whether asking again later may succeed (the provider was down, slow or busy), as opposed
    /// to a configuration or catalog mistake that only a person can fix.
    pub fn is_transient(&self) -> bool {
        match self {
            OnCallError::RateLimited { .. }
            | OnCallError::Timeout { .. }
            | OnCallError::Transport { .. }
            | OnCallError::Body { .. }
            | OnCallError::Interrupted { .. } => true,
            OnCallError::Status { status, .. } => *status >= 500 || *status == 408,
            OnCallError::UnknownAccount { .. }
            | OnCallError::NotConfigured { .. }
            | OnCallError::Unauthorized { .. }
            | OnCallError::Forbidden { .. }
            | OnCallError::NotFound { .. }
            | OnCallError::Decode { .. }
            | OnCallError::Url { .. }
            | OnCallError::TlsRoots(_)
            | OnCallError::Tls(_) => false,
        }
    }
}

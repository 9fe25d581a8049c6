//! Why reading a Backstage catalog failed, typed, and safe to show and log.
//!
//! Invariant: every variant names the source (the backend's base URL, which never carries the
//! token) and none holds the token or a response body verbatim. Backstage's own
//! `{"error":{"name","message"}}` message is kept (it says things like `Missing credentials` or
//! `Illegal token`, never the credential); JSON errors are kept only by position, because
//! serde_json's messages can quote the offending value.

use std::sync::Arc;

#[derive(Debug, Clone, thiserror::Error)]
pub enum BackstageError {
    /// 401 or 403: the token is missing, wrong or not allowed to read the catalog.
    #[error(
        "Backstage at {url} refused the token (HTTP {status}{}); check {env_var}: it must be one of the backend's backend.auth.externalAccess static tokens, with read access to the catalog",
        message_suffix(.message.as_deref())
    )]
    Unauthorized { url: String, status: u16, env_var: String, message: Option<String> },
    /// A 404 on the catalog's own endpoints: the catalog plugin is not running there (a backend
    /// whose catalog failed to start, e.g. on a configuration error, still answers, with 404).
    #[error(
        "Backstage at {url} has no catalog at {path} (HTTP 404): is the catalog backend plugin installed and started?"
    )]
    NoCatalog { url: String, path: String },
    #[error("Backstage at {url} answered HTTP {status} to {path}{}", message_suffix(.message.as_deref()))]
    Status { url: String, path: String, status: u16, message: Option<String> },
    /// Still 429 after every retry, or asked to wait longer than `max_retry_after_secs`.
    #[error("Backstage at {url} is rate limiting Backline (HTTP 429){}", retry_suffix(*.retry_after_secs))]
    RateLimited { url: String, retry_after_secs: Option<u64> },
    #[error("Backstage at {url} did not answer {path} within {timeout_ms} ms")]
    Timeout { url: String, path: String, timeout_ms: u64 },
    #[error("could not reach Backstage at {url}")]
    Transport {
        url: String,
        #[source]
        source: Arc<hyper_util::client::legacy::Error>,
    },
    #[error("could not read Backstage's answer to {path} from {url} ({detail})")]
    Body { url: String, path: String, detail: &'static str },
    #[error("Backstage's gzip answer to {path} from {url} does not decompress")]
    Gzip {
        url: String,
        path: String,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("Backstage's answer to {path} from {url} is not the catalog's JSON (line {line}, column {column})")]
    Decode { url: String, path: String, line: usize, column: usize },
    /// An entity without the fields every served entity has (`metadata.uid`, `kind`, …).
    #[error("Backstage at {url} served an entity without {missing}")]
    Shape { url: String, missing: &'static str },
    #[error("the Backstage URL {url} cannot be used for {path}")]
    Url { url: String, path: String },
    #[error("no TLS trust roots for Backstage at {url}")]
    TlsRoots {
        url: String,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("invalid TLS configuration for Backstage at {url}")]
    Tls {
        url: String,
        #[source]
        source: Arc<rustls::Error>,
    },
}

fn message_suffix(message: Option<&str>) -> String {
    message.map(|m| format!(": {m}")).unwrap_or_default()
}

fn retry_suffix(secs: Option<u64>) -> String {
    secs.map(|s| format!("; it asks to wait {s} s")).unwrap_or_default()
}

impl BackstageError {
    /// The source the error is about: the backend's base URL.
    pub fn url(&self) -> &str {
        match self {
            BackstageError::Unauthorized { url, .. }
            | BackstageError::NoCatalog { url, .. }
            | BackstageError::Status { url, .. }
            | BackstageError::RateLimited { url, .. }
            | BackstageError::Timeout { url, .. }
            | BackstageError::Transport { url, .. }
            | BackstageError::Body { url, .. }
            | BackstageError::Gzip { url, .. }
            | BackstageError::Decode { url, .. }
            | BackstageError::Shape { url, .. }
            | BackstageError::Url { url, .. }
            | BackstageError::TlsRoots { url, .. }
            | BackstageError::Tls { url, .. } => url,
        }
    }

    /// Whether trying again later may succeed (Backstage was down, slow or busy), as opposed to
    /// a configuration mistake only a person can fix.
    pub fn is_transient(&self) -> bool {
        match self {
            BackstageError::RateLimited { .. }
            | BackstageError::Timeout { .. }
            | BackstageError::Transport { .. }
            | BackstageError::Body { .. } => true,
            BackstageError::Status { status, .. } => *status >= 500 || *status == 408,
            BackstageError::Unauthorized { .. }
            | BackstageError::NoCatalog { .. }
            | BackstageError::Gzip { .. }
            | BackstageError::Decode { .. }
            | BackstageError::Shape { .. }
            | BackstageError::Url { .. }
            | BackstageError::TlsRoots { .. }
            | BackstageError::Tls { .. } => false,
        }
    }
}

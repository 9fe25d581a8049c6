//! One GET to a provider: the workspace's hyper client over rustls (ring), a timeout around the
//! whole exchange, a bounded body, and the rate-limit headers read back.
//!
//! The `Authorization` header is marked sensitive, so hyper never logs it; no URL built here
//! carries a secret (integration keys are matched locally, never sent as a query), and nothing
//! here logs a URL's query or a body.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER, USER_AGENT};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::config::Account;
use crate::error::OnCallError;

/// A provider answer larger than this is refused rather than held in memory.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A provider's answer, before its status is judged.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
    pub(crate) rate: RateHeaders,
}

/// What the rate-limit headers said. PagerDuty sends `ratelimit-limit`, `ratelimit-remaining`
/// and `ratelimit-reset` (seconds); Opsgenie `X-RateLimit-Period-In-Sec` with a 429; either may
/// send `Retry-After` or nothing at all.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RateHeaders {
    pub(crate) remaining: Option<u64>,
    pub(crate) reset_secs: Option<u64>,
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

impl RateHeaders {
    fn read(headers: &HeaderMap) -> RateHeaders {
        RateHeaders {
            remaining: header_u64(headers, "ratelimit-remaining"),
            reset_secs: header_u64(headers, "ratelimit-reset")
                .or_else(|| header_u64(headers, RETRY_AFTER.as_str()))
                .or_else(|| header_u64(headers, "x-ratelimit-period-in-sec")),
        }
    }
}

/// How a provider wants its key presented.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AuthScheme {
    /// `Authorization: Token token=<key>`.
    PagerDuty,
    /// `Authorization: GenieKey <key>`.
    Opsgenie,
}

#[derive(Clone)]
pub(crate) struct Http {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    timeout: Duration,
}

impl Http {
    /// `native_roots`: whether any account is reached over HTTPS. Plain-HTTP bases (loopback
    /// fakes) need no trust store, which keeps tests independent of the machine's certificates.
    pub(crate) fn new(timeout: Duration, native_roots: bool) -> Result<Http, OnCallError> {
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let https = if native_roots {
            builder.with_native_roots().map_err(|e| OnCallError::TlsRoots(Arc::new(e)))?
        } else {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| OnCallError::Tls(Arc::new(e)))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            builder.with_tls_config(config)
        }
        .https_or_http()
        .enable_http1()
        .build();
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(60)).build(https);
        Ok(Http { client, timeout })
    }

    /// GETs `url` with the account's key. Status codes are not judged here.
    pub(crate) async fn get(
        &self,
        account: &Account,
        scheme: AuthScheme,
        url: &url::Url,
    ) -> Result<Response, OnCallError> {
        let (auth, accept) = match scheme {
            AuthScheme::PagerDuty => (
                format!("Token token={}", account.key.expose()),
                // The vendor type pins API version 2 whatever the key's default.
                "application/vnd.pagerduty+json;version=2",
            ),
            AuthScheme::Opsgenie => (format!("GenieKey {}", account.key.expose()), "application/json"),
        };
        let mut auth = HeaderValue::from_str(&auth).map_err(|_| unprintable_key(account))?;
        auth.set_sensitive(true);
        let request = Request::builder()
            .method(Method::GET)
            .uri(url.as_str())
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, accept)
            .header(USER_AGENT, concat!("backline-oncall/", env!("CARGO_PKG_VERSION")))
            .body(Empty::new())
            .map_err(|_| OnCallError::Url {
                provider: account.provider,
                account: account.name.clone(),
                path: url.path().to_owned(),
            })?;
        let timeout_ms = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX);
        let timed_out =
            || OnCallError::Timeout { provider: account.provider, account: account.name.clone(), timeout_ms };
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| OnCallError::Transport {
                provider: account.provider,
                account: account.name.clone(),
                source: Arc::new(e),
            })?;
            let status = response.status().as_u16();
            let rate = RateHeaders::read(response.headers());
            let body =
                Limited::new(response.into_body(), MAX_BODY_BYTES).collect().await.map_err(|_| OnCallError::Body {
                    provider: account.provider,
                    account: account.name.clone(),
                    detail: "body not read whole",
                })?;
            Ok(Response { status, body: body.to_bytes(), rate })
        };
        tracing::debug!(provider = %account.provider, account = %account.name, path = url.path(), "on-call request");
        tokio::time::timeout(self.timeout, exchange).await.map_err(|_| timed_out())?
    }
}

/// A key that cannot be sent (configuration refuses these; an `Account` built by hand may not).
fn unprintable_key(account: &Account) -> OnCallError {
    OnCallError::Unauthorized {
        provider: account.provider,
        account: account.name.clone(),
        status: 0,
        env_var: account.env_var.clone(),
        hint: Some("the key has characters an HTTP header cannot carry; it was not sent"),
    }
}

/// Parses a provider's JSON, keeping only the position of an error (see `error.rs`).
pub(crate) fn decode<T: serde::de::DeserializeOwned>(account: &Account, body: &[u8]) -> Result<T, OnCallError> {
    serde_json::from_slice(body).map_err(|e| OnCallError::Decode {
        provider: account.provider,
        account: account.name.clone(),
        line: e.line(),
        column: e.column(),
    })
}

/// Appends path segments (percent-encoded: ids come from catalog files) to an account's base.
pub(crate) fn endpoint(account: &Account, segments: &[&str]) -> Result<url::Url, OnCallError> {
    let bad =
        || OnCallError::Url { provider: account.provider, account: account.name.clone(), path: segments.join("/") };
    let mut url = url::Url::parse(&account.base_url).map_err(|_| bad())?;
    url.path_segments_mut().map_err(|_| bad())?.pop_if_empty().extend(segments);
    Ok(url)
}

//! Everything the bot sends to Slack: `chat.postMessage` and `response_url` posts, file uploads
//! (Slack's external upload flow, for chart images), with `429 Retry-After` honoured, and
//! `users.info` (who is asking: e-mail and time zone).
//!
//! Built on slack-morphism's hyper client. Two things are ours:
//! - the connector: slack-morphism's default is HTTPS-only, so when the API base URL is plain
//!   `http://` (the fake Slack of the tests, on loopback) we build one that also speaks HTTP;
//! - `response_url` posts: slack-morphism's webhook request has no `response_type`, which
//!   "Share in channel" needs, so we post our own body through the same connector, flagged as a
//!   sensitive URL so slack-morphism redacts it in its own tracing.
//!
//! Rate limits: slack-morphism maps a 429 to `RateLimitError { retry_after }`; we wait that long
//! (capped) and retry a bounded number of times. Errors are reduced to a category and Slack's
//! error code before they are logged: their `Display` can carry response bodies.

use std::sync::Arc;
use std::time::Duration;

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Serialize;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use slack_morphism::{SlackClientApiCallContext, SlackClientHttpConnector};
use tracing::{debug, warn};

use super::payload::ResponseUrl;
use super::render::Rendered;
use crate::metrics as m;
use crate::secret::Secret;

pub type Connector = SlackClientHyperConnector<HttpsConnector<HttpConnector>>;
pub type Client = SlackClient<Connector>;

/// Slack's production Web API base URL.
pub const SLACK_API_URL: &str = "https://slack.com/api";

#[derive(Debug, thiserror::Error)]
pub enum ClientBuildError {
    #[error("no CA certificates found for TLS to Slack ({0}); install the ca-certificates package")]
    Roots(std::io::Error),
    #[error("invalid TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
}

/// Builds the Slack client for a Web API base URL (it must end in `/api`).
///
/// A plain `http://` base is for tests and local fakes only; it also lets `response_url`s be
/// plain HTTP. Otherwise only HTTPS is spoken, with the operating system's trust store.
pub fn build_client(api_url: &str) -> Result<Arc<Client>, ClientBuildError> {
    let insecure = api_url.starts_with("http://");
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let https = if insecure {
        // No TLS will be spoken to a loopback fake; an empty trust store keeps tests independent
        // of the machine's certificates.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        builder.with_tls_config(config).https_or_http().enable_http1().enable_http2().build()
    } else {
        builder.with_native_roots().map_err(ClientBuildError::Roots)?.https_only().enable_http1().enable_http2().build()
    };
    let connector = SlackClientHyperConnector::with_connector(https).with_slack_api_url(api_url.trim_end_matches('/'));
    Ok(Arc::new(SlackClient::new(connector)))
}

/// How to answer through a `response_url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Respond {
    /// Only the person who asked sees it (slash commands, by default).
    Ephemeral,
    /// Everyone in the conversation sees it ("Share in channel").
    InChannel,
    /// Replace the message whose button was pressed (disambiguation).
    ReplaceOriginal,
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after a 429, beyond the first attempt.
    pub max_retries: u32,
    /// Longest single wait, whatever `Retry-After` says (a reply much later is useless).
    pub max_wait: Duration,
    /// Wait when a 429 carries no `Retry-After`.
    pub default_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 3, max_wait: Duration::from_secs(30), default_wait: Duration::from_secs(1) }
    }
}

/// Why a message could not be delivered. Safe to log: no URLs, tokens or bodies.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("rate limited by Slack and out of retries")]
    RateLimited,
    #[error("Slack refused the call: {0}")]
    Api(String),
    #[error("could not reach Slack ({0})")]
    Transport(&'static str),
    #[error("response_url is not a valid URL")]
    BadUrl,
}

/// What `users.info` says about a member, as far as Backline uses it.
#[derive(Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// `profile.email`; present only with the `users:read.email` scope.
    pub email: Option<String>,
    /// IANA time zone, e.g. `Europe/Paris`.
    pub tz: Option<String>,
    /// The zone's current offset from UTC, in seconds.
    pub tz_offset_secs: Option<i32>,
    pub deleted: bool,
    pub bot: bool,
    /// A multi- or single-channel guest (`is_restricted`, `is_ultra_restricted`).
    pub guest: bool,
}

/// An e-mail address is personal data: `Debug` says whether there is one, not what it is.
impl std::fmt::Debug for UserInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserInfo")
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("tz", &self.tz)
            .field("tz_offset_secs", &self.tz_offset_secs)
            .field("deleted", &self.deleted)
            .field("bot", &self.bot)
            .field("guest", &self.guest)
            .finish()
    }
}

/// Where a message went, as Slack says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub channel_id: String,
    pub ts: String,
}

/// A file to share.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub alt_text: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

#[derive(Serialize)]
struct ResponseUrlBody<'a> {
    text: &'a str,
    blocks: &'a [SlackBlock],
    #[serde(skip_serializing_if = "Option::is_none")]
    response_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replace_original: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delete_original: Option<bool>,
}

/// Sends messages with the bot token.
pub struct Outbound {
    client: Arc<Client>,
    token: SlackApiToken,
    retry: RetryPolicy,
}

impl Outbound {
    pub fn new(client: Arc<Client>, bot_token: &Secret, retry: RetryPolicy) -> Outbound {
        Outbound { client, token: SlackApiToken::new(SlackApiTokenValue(bot_token.expose().to_owned())), retry }
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// Posts into a channel or DM, in a thread when `thread_ts` is set. Returns where it went
    /// as Slack says: the channel's id (also for a channel given by name) and the message's `ts`.
    pub async fn post_message(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        msg: &Rendered,
    ) -> Result<Posted, OutboundError> {
        let req = SlackApiChatPostMessageRequest::new(SlackChannelId(channel.to_owned()), msg.content())
            .opt_thread_ts(thread_ts.map(|t| SlackTs(t.to_owned())))
            .with_unfurl_links(false)
            .with_unfurl_media(false);
        self.with_retry("chat.postMessage", || async {
            let session = self.client.open_session(&self.token);
            session.chat_post_message(&req).await.map(|r| Posted { channel_id: r.channel.0, ts: r.ts.0 })
        })
        .await
    }

    /// Shares a file in a conversation through Slack's external upload flow:
    /// `files.getUploadURLExternal` (a one-time upload URL for this name and length), the bytes
    /// POSTed to that URL, then `files.completeUploadExternal` into `channel_id` (in the thread
    /// `thread_ts` when set). The upload URL is a capability of its own: it is never logged and
    /// the bot token is not sent to it. A bot without `files:write` fails at the first call with
    /// [`OutboundError::Api`] `missing_scope`.
    pub async fn upload_file(
        &self,
        channel_id: &str,
        thread_ts: Option<&str>,
        file: &Upload<'_>,
    ) -> Result<(), OutboundError> {
        let get = SlackApiFilesGetUploadUrlExternalRequest::new(file.name.to_owned(), file.bytes.len())
            .with_alt_txt(file.alt_text.to_owned());
        let target = self
            .with_retry("files.getUploadURLExternal", || async {
                let session = self.client.open_session(&self.token);
                session.get_upload_url_external(&get).await
            })
            .await?;
        let url = target.upload_url.0.clone();
        self.with_retry("file_upload", || {
            let url = url.clone();
            async move {
                let span = tracing::debug_span!("slack file upload");
                let ctx = url_call(&span);
                self.client
                    .http_api
                    .connector
                    .http_post_uri_binary::<SlackApiFilesUploadViaUrlResponse>(
                        url,
                        file.content_type.to_owned(),
                        file.bytes,
                        ctx,
                    )
                    .await
                    .map(|_| ())
            }
        })
        .await?;
        let complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![
            SlackApiFilesComplete::new(target.file_id.clone()).with_title(file.title.to_owned()),
        ])
        .with_channel_id(SlackChannelId(channel_id.to_owned()))
        .opt_thread_ts(thread_ts.map(|t| SlackTs(t.to_owned())));
        self.with_retry("files.completeUploadExternal", || async {
            let session = self.client.open_session(&self.token);
            session.files_complete_upload_external(&complete).await.map(|_| ())
        })
        .await
    }

    /// Answers through a `response_url`.
    pub async fn respond(&self, url: &ResponseUrl, msg: &Rendered, how: Respond) -> Result<(), OutboundError> {
        let full = url::Url::parse(url.expose()).map_err(|_| OutboundError::BadUrl)?;
        let body = ResponseUrlBody {
            text: &msg.text,
            blocks: &msg.blocks,
            response_type: match how {
                Respond::Ephemeral => Some("ephemeral"),
                Respond::InChannel => Some("in_channel"),
                Respond::ReplaceOriginal => None,
            },
            replace_original: match how {
                Respond::ReplaceOriginal => Some(true),
                Respond::InChannel => Some(false),
                Respond::Ephemeral => None,
            },
            delete_original: None,
        };
        self.with_retry("response_url", || {
            let full = full.clone();
            let body = &body;
            async move {
                let span = tracing::debug_span!("slack response_url");
                let ctx = url_call(&span);
                self.client
                    .http_api
                    .connector
                    .http_post_uri::<_, SlackApiPostWebhookMessageResponse>(full, body, ctx)
                    .await
                    .map(|_| ())
            }
        })
        .await
    }

    /// `users.info` for one member: one attempt (a 429 is an error here: the caller answers
    /// without the e-mail rather than wait).
    pub async fn user_info(&self, user_id: &str) -> Result<UserInfo, OutboundError> {
        let req = SlackApiUsersInfoRequest::new(SlackUserId(user_id.to_owned()));
        let session = self.client.open_session(&self.token);
        match session.users_info(&req).await {
            Ok(resp) => {
                m::outbound("users.info", "ok");
                let u = resp.user;
                Ok(UserInfo {
                    email: u.profile.as_ref().and_then(|p| p.email.as_ref()).map(|e| e.0.clone()),
                    tz: u.tz,
                    tz_offset_secs: u.tz_offset,
                    deleted: u.deleted.unwrap_or(false),
                    bot: u.flags.is_bot.unwrap_or(false) || u.flags.is_app_user.unwrap_or(false),
                    guest: u.flags.is_restricted.unwrap_or(false) || u.flags.is_ultra_restricted.unwrap_or(false),
                })
            }
            Err(SlackClientError::RateLimitError(_)) => {
                m::outbound("users.info", "rate_limited");
                Err(OutboundError::RateLimited)
            }
            Err(e) => {
                let err = classify(e);
                m::outbound("users.info", "error");
                warn!(method = "users.info", error = %err, "Slack call failed");
                Err(err)
            }
        }
    }

    async fn with_retry<T, F, Fut>(&self, method: &'static str, mut call: F) -> Result<T, OutboundError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, SlackClientError>>,
    {
        let mut attempt = 0;
        loop {
            match call().await {
                Ok(value) => {
                    m::outbound(method, "ok");
                    return Ok(value);
                }
                Err(SlackClientError::RateLimitError(e)) => {
                    m::outbound(method, "rate_limited");
                    if attempt >= self.retry.max_retries {
                        warn!(method, attempts = attempt + 1, "Slack kept answering 429; giving up");
                        return Err(OutboundError::RateLimited);
                    }
                    let wait = e.retry_after.unwrap_or(self.retry.default_wait).min(self.retry.max_wait);
                    debug!(
                        method,
                        wait_ms = wait.as_millis() as u64,
                        "Slack answered 429; waiting as Retry-After says"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(e) => {
                    let err = classify(e);
                    m::outbound(method, "error");
                    warn!(method, error = %err, "Slack call failed");
                    return Err(err);
                }
            }
        }
    }
}

fn classify(e: SlackClientError) -> OutboundError {
    match e {
        SlackClientError::ApiError(api) => OutboundError::Api(api.code),
        SlackClientError::RateLimitError(_) => OutboundError::RateLimited,
        SlackClientError::HttpError(_) => OutboundError::Transport("http"),
        SlackClientError::HttpProtocolError(_) => OutboundError::Transport("http protocol"),
        SlackClientError::ProtocolError(_) => OutboundError::Transport("unexpected response"),
        SlackClientError::EndOfStream(_) => OutboundError::Transport("end of stream"),
        SlackClientError::SystemError(_) => OutboundError::Transport("system"),
        SlackClientError::SocketModeProtocolError(_) => OutboundError::Transport("socket mode"),
    }
}

/// The context of a call to a URL Slack handed out (a `response_url`, a file upload URL): no bot
/// token is sent, and the URL, which grants access by itself, is kept out of logs.
fn url_call(span: &tracing::Span) -> SlackClientApiCallContext<'_> {
    SlackClientApiCallContext { rate_control_params: None, token: None, tracing_span: span, is_sensitive_url: true }
}

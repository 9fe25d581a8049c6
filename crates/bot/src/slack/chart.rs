//! An answer's chart on Slack, delivered after the answer's own message.
//!
//! The image is drawn by the engine ([`crate::engine::QuestionEngine::chart`], once for every
//! platform); this file only delivers it, in one of two ways:
//! - **a file**, by Slack's external upload flow ([`Outbound::upload_file`]), shared in the
//!   conversation (and thread) of the answer. It needs the `files:write` scope, and the
//!   conversation must be one everybody in it may see the answer in: a file cannot be ephemeral.
//! - **an image block** whose URL `serve` itself serves ([`crate::images`]: an unguessable,
//!   expiring path under `public_url`), when the bot may not upload (Slack answered
//!   `missing_scope`; remembered, so later charts go there directly), the answer is ephemeral,
//!   or the upload failed. It goes where the answer went: `chat.postMessage` or the
//!   `response_url`.
//!
//! With neither (no `files:write` and no `public_url`) the chart is left out. Whatever happens
//! to the chart, the answer was already delivered: a chart never costs the text.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use backline_answer::card::Chart;
use tracing::{debug, warn};

use super::outbound::{Outbound, OutboundError, Respond, Upload};
use super::payload::ResponseUrl;
use super::render;
use crate::engine::QuestionEngine;
use crate::images::{self, ImageStore};
use crate::metrics::{self as m, ChartOutcome};

/// Where the chart images of image blocks are served, on the serve port.
pub const IMAGES_PATH: &str = "/slack/charts";

/// Where an answer went, so its chart can follow.
#[derive(Debug, Clone)]
pub struct ChartTarget {
    /// The conversation (channel id) and thread to share the file in; `None` when only the
    /// asker sees the answer (a file would show it to everyone).
    pub upload: Option<(String, Option<String>)>,
    /// Where an image block goes instead.
    pub fallback: Fallback,
}

/// How an image block reaches the conversation.
#[derive(Debug, Clone)]
pub enum Fallback {
    Post { channel: String, thread_ts: Option<String> },
    Respond { url: ResponseUrl, how: Respond },
}

/// Chart delivery for one Slack app.
pub struct Charts {
    /// Served images and the public base URL they are served under, when configured.
    images: Option<(Arc<ImageStore>, url::Url)>,
    /// Slack refused an upload for want of a scope: do not ask again.
    cannot_upload: AtomicBool,
}

/// Slack's errors that mean "this token may not upload files", for good.
fn refuses_uploads(e: &OutboundError) -> bool {
    matches!(e, OutboundError::Api(code) if matches!(code.as_str(), "missing_scope" | "not_allowed_token_type" | "no_permission"))
}

impl Charts {
    pub fn new(public_url: Option<url::Url>, store: Arc<ImageStore>) -> Charts {
        Charts { images: public_url.map(|u| (store, u)), cannot_upload: AtomicBool::new(false) }
    }

    /// The store image blocks are served from, when `public_url` is configured.
    pub fn store(&self) -> Option<&Arc<ImageStore>> {
        self.images.as_ref().map(|(s, _)| s)
    }

    /// Draws `chart` and delivers it to `target`; never fails the answer, which was sent.
    pub async fn deliver(&self, engine: &dyn QuestionEngine, out: &Outbound, chart: &Chart, target: &ChartTarget) {
        let outcome = self.try_deliver(engine, out, chart, target).await;
        m::chart("slack", outcome);
    }

    async fn try_deliver(
        &self,
        engine: &dyn QuestionEngine,
        out: &Outbound,
        chart: &Chart,
        target: &ChartTarget,
    ) -> ChartOutcome {
        let may_upload = target.upload.is_some() && !self.cannot_upload.load(Ordering::Relaxed);
        if !may_upload && self.images.is_none() {
            debug!("chart left out: no file upload here and no [slack] public_url to serve it from");
            return ChartOutcome::Skipped;
        }
        let png = match engine.chart(&chart.kind).await {
            Ok(png) => png,
            Err(e) => {
                warn!(error = %e, "could not draw a chart; the answer goes without it");
                return ChartOutcome::Failed;
            }
        };
        if let (true, Some((channel, thread_ts))) = (may_upload, &target.upload) {
            let file = Upload {
                name: Chart::FILE_NAME,
                title: &chart.alt_text,
                alt_text: &chart.alt_text,
                content_type: "image/png",
                bytes: &png,
            };
            match out.upload_file(channel, thread_ts.as_deref(), &file).await {
                Ok(()) => return ChartOutcome::Uploaded,
                Err(e) if refuses_uploads(&e) => {
                    warn!(error = %e, "Slack refused a file upload (add the files:write scope); charts go as image blocks from now on, when [slack] public_url is set");
                    self.cannot_upload.store(true, Ordering::Relaxed);
                }
                Err(e) => debug!(error = %e, "chart upload failed; trying an image block"),
            }
        }
        let Some((store, base)) = &self.images else { return ChartOutcome::Skipped };
        let Some(token) = store.put(png) else { return ChartOutcome::Failed };
        let Ok(url) = base.join(images::path(IMAGES_PATH, &token).trim_start_matches('/')) else {
            return ChartOutcome::Failed;
        };
        let msg = render::image(chart, url);
        let sent = match &target.fallback {
            Fallback::Post { channel, thread_ts } => {
                out.post_message(channel, thread_ts.as_deref(), &msg).await.map(|_| ())
            }
            Fallback::Respond { url, how } => out.respond(url, &msg, *how).await,
        };
        match sent {
            Ok(()) => ChartOutcome::Linked,
            Err(_) => ChartOutcome::Failed,
        }
    }
}

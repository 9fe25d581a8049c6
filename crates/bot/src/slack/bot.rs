//! What the Slack bot does with a request once it is authentic: the same for HTTP and Socket Mode.
//!
//! Every entry point follows one rule: decide quickly, acknowledge, then answer. Events and
//! button presses are acknowledged at once and answered from a spawned task (`chat.postMessage`
//! or the `response_url`); slash commands wait for the engine up to a budget (2 s by default,
//! well inside Slack's 3) and put the answer in the acknowledgement itself, falling back to the
//! `response_url` when the engine is slower. Nothing here logs tokens, `response_url`s or the
//! text of questions above debug level.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use backline_answer::{Answer, Asker, Query};
use serde::Serialize;
use slack_morphism::prelude::SlackBlock;
use tokio::sync::Semaphore;
use tracing::{debug, warn};

use super::chart::{ChartTarget, Charts, Fallback};
use super::command::{self, Parsed};
use super::config::SlackConfig;
use super::dedup::Dedup;
use super::identity::Identities;
use super::mrkdwn::to_plain;
use super::outbound::{Outbound, Respond};
use super::payload::{EventCallback, Interaction, SlashCommand};
use super::policy::{Origin, Policy, Refusal};
use super::render::{self, ACTION_ASK, ACTION_SHARE, Options, Rendered};
use crate::answer_cache::AnswerCache;
use crate::engine::{Ask, SharedEngine};
use crate::metrics as m;

/// The synchronous reply to a slash command: Slack shows it as the answer.
#[derive(Debug, Clone, Serialize)]
pub struct CommandReply {
    pub response_type: &'static str,
    pub text: String,
    pub blocks: Vec<SlackBlock>,
}

impl CommandReply {
    fn new(rendered: Rendered, ephemeral: bool) -> CommandReply {
        CommandReply {
            response_type: if ephemeral { "ephemeral" } else { "in_channel" },
            text: rendered.text,
            blocks: rendered.blocks,
        }
    }
}

/// What happened to an event, for the transport's metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// Accepted; the answer is on its way.
    Answering,
    Refused(Refusal),
    Duplicate,
    /// Not something we answer (another event type, a bot's own message, an edit).
    Ignored,
}

impl EventOutcome {
    pub fn label(self) -> &'static str {
        match self {
            EventOutcome::Answering => "ok",
            EventOutcome::Refused(r) => r.label(),
            EventOutcome::Duplicate => "duplicate",
            EventOutcome::Ignored => "ignored",
        }
    }
}

const REFUSED_TEXT: &str =
    "Backline is not enabled for this workspace, or for people outside the organisation that runs it.";
const BUSY_TEXT: &str = "Backline is busy right now; please ask again in a few seconds.";

/// Engine calls running at once.
const MAX_RUNNING: usize = 64;

/// Counts a question as accepted until dropped.
struct Accepted<'a>(&'a AtomicUsize);

impl Drop for Accepted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

pub struct SlackBot {
    cfg: SlackConfig,
    policy: Policy,
    dedup: Dedup,
    engine: SharedEngine,
    out: Arc<Outbound>,
    /// Who is asking (`users.info`), cached.
    identities: Identities,
    /// Bounds concurrent engine calls, so a burst queues instead of exhausting the store.
    permits: Semaphore,
    /// Questions running or waiting for a permit.
    accepted: AtomicUsize,
    /// Rendered answers by question and whether they carry a share button.
    cache: AnswerCache<Rendered>,
    /// Delivers the charts answers come with.
    charts: Charts,
}

impl SlackBot {
    pub fn new(cfg: SlackConfig, engine: SharedEngine, out: Outbound) -> SlackBot {
        let policy = Policy::new(cfg.allowed_teams.clone(), cfg.allowed_enterprises.clone(), cfg.allow_external_users);
        let charts = Charts::new(cfg.public_url.clone(), Arc::new(crate::images::ImageStore::default()));
        SlackBot {
            charts,
            cfg,
            policy,
            dedup: Dedup::new(std::time::Duration::from_secs(3600), 100_000),
            engine,
            out: Arc::new(out),
            identities: Identities::default(),
            permits: Semaphore::new(MAX_RUNNING),
            accepted: AtomicUsize::new(0),
            cache: AnswerCache::default(),
        }
    }

    pub fn config(&self) -> &SlackConfig {
        &self.cfg
    }

    pub fn charts(&self) -> &Charts {
        &self.charts
    }

    pub fn outbound(&self) -> &Arc<Outbound> {
        &self.out
    }

    /// Renders an answer that was not asked (a scheduled post), as answers are rendered.
    pub fn render_unasked(&self, answer: &Answer) -> Rendered {
        render::render(answer, &self.options(None))
    }

    /// Delivers `rendered`'s chart, if it has one, after the answer went to `target`.
    pub async fn follow_with_chart(&self, rendered: &Rendered, target: ChartTarget) {
        if let Some(chart) = &rendered.chart {
            self.charts.deliver(self.engine.as_ref(), &self.out, chart, &target).await;
        }
    }

    fn options(&self, share: Option<&Ask>) -> Options {
        Options {
            share_value: share.and_then(|a| serde_json::to_string(a).ok()),
            catalog_url: self.cfg.catalog_url.clone(),
        }
    }

    /// Who `user_id` is: looked up (briefly) for questions about the asker, from the cache
    /// otherwise so that no other answer waits for Slack.
    async fn asker(&self, ask: &Ask, user_id: &str) -> Asker {
        if is_about_asker(ask) {
            self.identities.asker(&self.out, user_id).await
        } else {
            self.identities.asker_now(&self.out, user_id)
        }
    }

    /// Runs the engine and renders its answer (or why there is none), or reuses the rendering of
    /// the same question at the same catalog version. Answers about the asker are theirs alone
    /// and never reused; others are kept per time zone, since on-call times are shown on the
    /// asker's clock.
    async fn answer(&self, ask: &Ask, user_id: &str, share: bool) -> Rendered {
        let asker = self.asker(ask, user_id).await;
        let version = if is_about_asker(ask) { None } else { self.engine.version().await };
        let variant = i64::from(asker.tz_offset_secs.unwrap_or(0)) * 2 + i64::from(share);
        if let Some(version) = version {
            let hit = self.cache.get(ask, variant, version);
            m::answer_cache("slack", hit.is_some());
            if let Some(hit) = hit {
                return Rendered::clone(&hit);
            }
        }
        let before = self.accepted.fetch_add(1, Ordering::AcqRel);
        let _accepted = Accepted(&self.accepted);
        // Under overload a quick "busy" beats a queue that answers everyone late.
        if before >= self.cfg.max_pending {
            m::engine_busy("slack");
            return render::notice(BUSY_TEXT);
        }
        let _permit = self.permits.acquire().await;
        let start = Instant::now();
        let result = self.engine.answer_as(&ask.clone().for_chat(), &asker).await;
        m::engine("slack", start.elapsed(), result.is_ok());
        match result {
            Ok(answer) => {
                let rendered = self.render(&answer, ask, share);
                if let Some(version) = version {
                    let policy = self.engine.cache_policy(&answer);
                    self.cache.put(ask, variant, version, policy, Arc::new(rendered.clone()));
                }
                rendered
            }
            Err(e) => {
                warn!(error = %e, "the question engine failed");
                render::notice(&format!("Sorry, the catalog could not answer that: {e}"))
            }
        }
    }

    fn render(&self, answer: &Answer, ask: &Ask, share: bool) -> Rendered {
        render::render(answer, &self.options(share.then_some(ask)))
    }

    /// A slash command: returns the acknowledgement, which carries the answer when the engine is
    /// fast enough; otherwise the answer follows through the `response_url`.
    pub async fn command(self: &Arc<Self>, cmd: SlashCommand) -> (CommandReply, EventOutcome) {
        let origin = Origin {
            team_id: Some(&cmd.team_id),
            enterprise_id: cmd.enterprise_id.as_deref(),
            user_team: None,
            ext_shared: false,
        };
        if let Err(refusal) = self.policy.check(origin) {
            debug!(team = %cmd.team_id, reason = refusal.label(), "slash command refused");
            return (CommandReply::new(render::notice(REFUSED_TEXT), true), EventOutcome::Refused(refusal));
        }
        let ephemeral = self.cfg.ephemeral;
        let ask = match command::parse(&to_plain(&cmd.text)) {
            Parsed::Usage(sub) => {
                return (CommandReply::new(render::usage(&cmd.command, sub), true), EventOutcome::Answering);
            }
            Parsed::Ask(ask) => ask,
        };
        debug!(team = %cmd.team_id, user = %cmd.user_id, "slash command");
        let bot = Arc::clone(self);
        let task_ask = ask.clone();
        let user_id = cmd.user_id.clone();
        let mut task = tokio::spawn(async move { bot.answer(&task_ask, &user_id, ephemeral).await });
        let how = if ephemeral { Respond::Ephemeral } else { Respond::InChannel };
        // A file would show an ephemeral answer's chart to the whole channel: image block only.
        let chart_target = ChartTarget {
            upload: (!ephemeral).then(|| (cmd.channel_id.clone(), None)),
            fallback: Fallback::Respond { url: cmd.response_url.clone(), how },
        };
        let reply = match tokio::time::timeout(self.cfg.answer_budget, &mut task).await {
            Ok(Ok(rendered)) => {
                if rendered.chart.is_some() {
                    // The chart is drawn and sent while the acknowledgement carries the answer.
                    let bot = Arc::clone(self);
                    let rendered = rendered.clone();
                    tokio::spawn(async move { bot.follow_with_chart(&rendered, chart_target).await });
                }
                CommandReply::new(rendered, ephemeral)
            }
            Ok(Err(_join)) => CommandReply::new(render::notice("Sorry, something went wrong while answering."), true),
            Err(_elapsed) => {
                // Too slow for the acknowledgement: answer through the response_url when ready.
                let bot = Arc::clone(self);
                let url = cmd.response_url.clone();
                tokio::spawn(async move {
                    if let Ok(rendered) = task.await
                        && bot.out.respond(&url, &rendered, how).await.is_ok()
                    {
                        bot.follow_with_chart(&rendered, chart_target).await;
                    }
                });
                CommandReply::new(render::notice("Looking that up…"), true)
            }
        };
        (reply, EventOutcome::Answering)
    }

    /// An Events API callback. Returns at once; the answer is posted from a task.
    pub fn event(self: &Arc<Self>, cb: EventCallback) -> EventOutcome {
        let ev = &cb.event;
        let origin = Origin {
            team_id: Some(&cb.team_id),
            enterprise_id: cb.enterprise_id.as_deref(),
            user_team: ev.sender_team(),
            ext_shared: cb.is_ext_shared_channel,
        };
        if let Err(refusal) = self.policy.check(origin) {
            debug!(team = %cb.team_id, reason = refusal.label(), "event refused");
            return EventOutcome::Refused(refusal);
        }
        let is_mention = ev.kind == "app_mention";
        let is_dm = ev.kind == "message" && ev.channel_type.as_deref() == Some("im");
        // Our own messages and other bots' arrive as messages too: answering them would loop.
        if !(is_mention || is_dm) || ev.bot_id.is_some() || ev.subtype.is_some() || ev.user.is_none() {
            return EventOutcome::Ignored;
        }
        let (Some(channel), Some(text)) = (ev.channel.clone(), ev.text.as_deref()) else {
            return EventOutcome::Ignored;
        };
        if !self.dedup.first_time(&cb.event_id) {
            return EventOutcome::Duplicate;
        }
        let question = to_plain(text);
        let ask = if question.is_empty() { Ask::Query(Query::Help) } else { Ask::Question(question) };
        // In channels, answer in a thread so the channel stays readable; in DMs, only follow a
        // thread the user started.
        let thread_ts = match (is_mention && self.cfg.reply_in_thread, &ev.thread_ts) {
            (_, Some(t)) => Some(t.clone()),
            (true, None) => ev.ts.clone(),
            (false, None) => None,
        };
        debug!(team = %cb.team_id, kind = %ev.kind, "answering event");
        let bot = Arc::clone(self);
        let user_id = ev.user.clone().unwrap_or_default();
        tokio::spawn(async move {
            let rendered = bot.answer(&ask, &user_id, false).await;
            if let Ok(posted) = bot.out.post_message(&channel, thread_ts.as_deref(), &rendered).await {
                let target = ChartTarget {
                    upload: Some((posted.channel_id, thread_ts.clone())),
                    fallback: Fallback::Post { channel, thread_ts },
                };
                bot.follow_with_chart(&rendered, target).await;
            }
        });
        EventOutcome::Answering
    }

    /// A button press. Returns at once; the answer goes to the `response_url`.
    pub fn interaction(self: &Arc<Self>, i: Interaction) -> EventOutcome {
        if i.kind != "block_actions" {
            return EventOutcome::Ignored;
        }
        let origin = Origin {
            team_id: i.team.as_ref().and_then(|t| t.id.as_deref()),
            enterprise_id: i.enterprise.as_ref().and_then(|e| e.id.as_deref()),
            user_team: i.user.team_id.as_deref(),
            ext_shared: false,
        };
        if let Err(refusal) = self.policy.check(origin) {
            debug!(reason = refusal.label(), "interaction refused");
            return EventOutcome::Refused(refusal);
        }
        let Some(url) = i.response_url.clone() else {
            return EventOutcome::Ignored;
        };
        let Some(action) = i.actions.first() else {
            return EventOutcome::Ignored;
        };
        let value = action.value.clone().unwrap_or_default();
        let ephemeral = i.container.as_ref().is_some_and(|c| c.is_ephemeral);
        let (ask, how, share) = if action.action_id == ACTION_SHARE {
            match serde_json::from_str::<Ask>(&value) {
                Ok(ask) => (ask, Respond::InChannel, false),
                Err(_) => return EventOutcome::Ignored,
            }
        } else if action.action_id.starts_with(ACTION_ASK) && !value.is_empty() {
            (Ask::Question(value), Respond::ReplaceOriginal, ephemeral)
        } else {
            return EventOutcome::Ignored;
        };
        debug!(user = %i.user.id, action = %action.action_id, "button");
        let bot = Arc::clone(self);
        let user_id = i.user.id.clone();
        // The chart follows where the answer went: the channel when it is visible to all.
        let visible_to_all = how == Respond::InChannel || (how == Respond::ReplaceOriginal && !ephemeral);
        let channel = i.channel.as_ref().and_then(|c| c.id.clone());
        let thread_ts = i.container.as_ref().and_then(|c| c.thread_ts.clone());
        let chart_target = ChartTarget {
            upload: channel.filter(|_| visible_to_all).map(|c| (c, thread_ts)),
            fallback: Fallback::Respond {
                url: url.clone(),
                how: if visible_to_all { Respond::InChannel } else { Respond::Ephemeral },
            },
        };
        tokio::spawn(async move {
            let rendered = bot.answer(&ask, &user_id, share).await;
            if bot.out.respond(&url, &rendered, how).await.is_ok() {
                bot.follow_with_chart(&rendered, chart_target).await;
            }
        });
        EventOutcome::Answering
    }
}

/// Whether a question is about the asker ("what do I own"), so worth waiting for `users.info`.
fn is_about_asker(ask: &Ask) -> bool {
    match ask {
        Ask::Question(text) => {
            matches!(backline_answer::parse_question(text), backline_answer::Parsed::Query(Query::Mine { .. }))
        }
        Ask::Query(q) => matches!(q, Query::Mine { .. }),
    }
}

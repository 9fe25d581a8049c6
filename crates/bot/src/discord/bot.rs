//! What the Discord bot does with an authentic interaction: the same for the HTTP endpoint and
//! the gateway.
//!
//! One rule, as for Slack: decide quickly, respond, then finish. A command waits for the engine
//! up to a budget (2 s by default, inside Discord's 3) and answers in the response itself; when
//! the engine is slower the response is a deferral (type 5, "thinking…") and the answer replaces
//! it through the interaction webhook (`PATCH /webhooks/{app}/{token}/messages/@original`) within
//! the token's 15 minutes. Buttons do the same with "update message" (7) or a deferred update
//! (6). Autocomplete answers from the search index within its own short budget, or with nothing.
//!
//! An answer with a chart (a migration's burn-down) is sent first; once sent, the chart is drawn
//! by the engine and the answer's message is edited to attach it (`multipart/form-data` with
//! `payload_json` and `files[0]`, shown in the first embed as `attachment://burn-down.png`), so a
//! chart that cannot be drawn or attached never delays or loses the answer.
//!
//! Serenity's interaction types derive `Debug` including the interaction token (a 15-minute
//! capability to post as the app), and its HTTP errors carry request URLs that contain it; so
//! nothing here logs an interaction, an error's `Debug` or `Display`, only chosen ids and a
//! token-free description ([`describe`]).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backline_answer::{Answer, AnswerBody, Asker, AskerPlatform, Query};
use serenity::all::{
    AuthorizingIntegrationOwner, AutocompleteChoice, ChannelId, CommandInteraction, ComponentInteraction,
    CreateAutocompleteResponse, CreateInteractionResponse, CreateInteractionResponseMessage, Http, Interaction,
    InteractionContext,
};
use serenity::builder::Builder;
use tokio::sync::{Semaphore, oneshot};
use tracing::{debug, warn};

use super::command::{self, Arg, Parsed};
use super::config::DiscordConfig;
use super::render::{self, BUTTON_ASK, Options, Rendered};
use crate::engine::{Ask, SharedEngine};
use crate::metrics::{self as m, ChartOutcome};
use crate::secret::Secret;
use crate::serve::PostError;

/// Discord's limits for autocomplete results.
const MAX_CHOICES: usize = 25;
const CHOICE_CHARS: usize = 100;
/// Autocomplete must answer within 3 s too; an empty list beats an error.
const AUTOCOMPLETE_BUDGET: Duration = Duration::from_millis(1500);
/// Interaction tokens live 15 minutes; give up a little before.
const TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60);

const REFUSED_TEXT: &str = "Backline is not enabled for this server (or for direct messages).";

/// Why an interaction was not answered. Counted in metrics, logged at debug with ids only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not an allowlisted guild.
    ForeignGuild,
    /// A DM with the bot while DMs are off, or a group DM.
    DirectMessage,
    /// The app was user-installed (its commands run wherever the user is).
    UserInstall,
}

impl Refusal {
    pub fn label(self) -> &'static str {
        match self {
            Refusal::ForeignGuild => "foreign_guild",
            Refusal::DirectMessage => "direct_message",
            Refusal::UserInstall => "user_install",
        }
    }
}

/// What happened, for the transport's metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answered,
    Deferred,
    Autocomplete,
    Pong,
    Refused(Refusal),
    Ignored,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Answered => "ok",
            Outcome::Deferred => "deferred",
            Outcome::Autocomplete => "autocomplete",
            Outcome::Pong => "pong",
            Outcome::Refused(r) => r.label(),
            Outcome::Ignored => "ignored",
        }
    }
}

/// The response to send for an interaction.
pub struct Reply {
    pub response: CreateInteractionResponse,
    /// Set when the answer is still being worked on: the transport fires it once the response
    /// has been sent, and the answer follows through the interaction webhook.
    pub sent: Option<oneshot::Sender<()>>,
    pub outcome: Outcome,
}

impl Reply {
    fn now(response: CreateInteractionResponse, outcome: Outcome) -> Reply {
        Reply { response, sent: None, outcome }
    }

    /// Tells the deferred work (if any) that the response went out.
    pub fn mark_sent(&mut self) {
        if let Some(tx) = self.sent.take() {
            let _ = tx.send(());
        }
    }
}

/// A description of a serenity error that never contains a URL (they carry interaction tokens)
/// or a header.
pub fn describe(e: &serenity::Error) -> String {
    use serenity::http::HttpError;
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            format!(
                "Discord answered {} (code {}): {}",
                r.status_code.as_u16(),
                r.error.code,
                render::cut(&r.error.message, 200)
            )
        }
        serenity::Error::Http(HttpError::Request(r)) if r.is_timeout() => "request to Discord timed out".into(),
        serenity::Error::Http(HttpError::Request(r)) if r.is_connect() => "cannot connect to Discord".into(),
        serenity::Error::Http(HttpError::Request(_)) => "request to Discord failed".into(),
        serenity::Error::Http(HttpError::ApplicationIdMissing) => "the application id is not set".into(),
        serenity::Error::Http(_) => "invalid request to Discord".into(),
        serenity::Error::Json(_) => "unexpected response from Discord".into(),
        serenity::Error::Gateway(g) => format!("gateway: {g}"),
        _ => "Discord error".into(),
    }
}

/// Worth retrying an edit: the deferral may not have reached Discord yet (404), or a blip.
fn retryable(e: &serenity::Error) -> bool {
    use serenity::http::HttpError;
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            r.status_code.as_u16() == 404 || r.status_code.is_server_error()
        }
        serenity::Error::Http(HttpError::Request(_)) => true,
        _ => false,
    }
}

pub struct DiscordBot {
    cfg: DiscordConfig,
    guilds: HashSet<u64>,
    engine: SharedEngine,
    rest: Arc<Http>,
    /// Bounds concurrent engine calls, so a burst queues instead of exhausting the store.
    permits: Semaphore,
}

impl DiscordBot {
    pub fn new(cfg: DiscordConfig, engine: SharedEngine, rest: Arc<Http>) -> DiscordBot {
        let guilds = cfg.allowed_guilds.iter().copied().collect();
        DiscordBot { cfg, guilds, engine, rest, permits: Semaphore::new(64) }
    }

    pub fn config(&self) -> &DiscordConfig {
        &self.cfg
    }

    pub fn rest(&self) -> &Arc<Http> {
        &self.rest
    }

    /// Who may ask: allowlisted guilds where the app is guild-installed; DMs with the bot only
    /// when configured; never through a user install.
    pub fn check(
        &self,
        guild: Option<u64>,
        context: Option<InteractionContext>,
        owners: &[AuthorizingIntegrationOwner],
    ) -> Result<(), Refusal> {
        let guild_install =
            owners.is_empty() || owners.iter().any(|o| matches!(o, AuthorizingIntegrationOwner::GuildInstall(_)));
        if !guild_install {
            return Err(Refusal::UserInstall);
        }
        match guild {
            Some(g) if self.guilds.contains(&g) => Ok(()),
            Some(_) => Err(Refusal::ForeignGuild),
            None if self.cfg.allow_dms && matches!(context, None | Some(InteractionContext::BotDm)) => Ok(()),
            None => Err(Refusal::DirectMessage),
        }
    }

    fn options(&self) -> Options {
        Options { catalog_url: self.cfg.catalog_url.clone() }
    }

    /// Runs the engine and renders its answer (or why there is none). Discord gives bots no
    /// e-mail or time zone: the asker is their user id, matched to a catalog User by the
    /// `discord.com/user-id` annotation.
    async fn answer(&self, ask: &Ask, asker: &Asker) -> Rendered {
        let _permit = self.permits.acquire().await;
        let start = Instant::now();
        let result = self.engine.answer_as(&ask.clone().for_chat(), asker).await;
        crate::metrics::engine("discord", start.elapsed(), result.is_ok());
        match result {
            Ok(answer) => render::render(&answer, &self.options()),
            Err(e) => {
                warn!(error = %e, "the question engine failed");
                render::notice(&format!("Sorry, the catalog could not answer that: {e}"))
            }
        }
    }

    /// Answers any interaction; the transport sends `response` (and then calls
    /// [`Reply::mark_sent`]).
    pub async fn handle(self: &Arc<Self>, interaction: Interaction) -> Reply {
        match interaction {
            Interaction::Ping(_) => Reply::now(CreateInteractionResponse::Pong, Outcome::Pong),
            Interaction::Command(cmd) => self.command(cmd).await,
            Interaction::Autocomplete(cmd) => self.autocomplete(cmd).await,
            Interaction::Component(c) => self.component(c).await,
            _ => Reply::now(
                CreateInteractionResponse::Message(
                    render::notice("Backline does not handle this kind of interaction.").message(true),
                ),
                Outcome::Ignored,
            ),
        }
    }

    fn refused(refusal: Refusal) -> Reply {
        Reply::now(
            CreateInteractionResponse::Message(render::notice(REFUSED_TEXT).message(true)),
            Outcome::Refused(refusal),
        )
    }

    async fn command(self: &Arc<Self>, cmd: CommandInteraction) -> Reply {
        let guild = cmd.guild_id.map(|g| g.get());
        if let Err(r) = self.check(guild, cmd.context, &cmd.authorizing_integration_owners.0) {
            debug!(guild = ?guild, reason = r.label(), "command refused");
            return Self::refused(r);
        }
        let ask = match command::parse(&cmd.data) {
            Parsed::Ask(ask) => ask,
            Parsed::Unknown => Ask::Query(Query::Help),
        };
        debug!(guild = ?guild, user = %cmd.user.id, command = %cmd.data.name, "command");
        let token = Secret::new(cmd.token);
        let ephemeral = self.cfg.ephemeral;
        self.answer_within_budget(
            ask,
            asker(cmd.user.id.get()),
            token,
            move |r: Rendered| CreateInteractionResponse::Message(r.message(ephemeral)),
            CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(ephemeral)),
        )
        .await
    }

    async fn component(self: &Arc<Self>, c: ComponentInteraction) -> Reply {
        let guild = c.guild_id.map(|g| g.get());
        if let Err(r) = self.check(guild, c.context, &c.authorizing_integration_owners.0) {
            debug!(guild = ?guild, reason = r.label(), "button refused");
            return Self::refused(r);
        }
        let Some(question) = c.data.custom_id.strip_prefix(BUTTON_ASK).filter(|q| !q.trim().is_empty()) else {
            return Reply::now(CreateInteractionResponse::Acknowledge, Outcome::Ignored);
        };
        debug!(guild = ?guild, user = %c.user.id, "button");
        let ask = Ask::Question(question.to_owned());
        let token = Secret::new(c.token);
        // The answer replaces the message with the buttons (its ephemerality is kept).
        self.answer_within_budget(
            ask,
            asker(c.user.id.get()),
            token,
            |r: Rendered| CreateInteractionResponse::UpdateMessage(r.message(false)),
            CreateInteractionResponse::Acknowledge,
        )
        .await
    }

    /// Waits for the engine up to the budget; answers with `inline` if it made it, else with
    /// `defer` and finishes through the webhook once the deferral was sent.
    async fn answer_within_budget(
        self: &Arc<Self>,
        ask: Ask,
        asker: Asker,
        token: Secret,
        inline: impl FnOnce(Rendered) -> CreateInteractionResponse,
        defer: CreateInteractionResponse,
    ) -> Reply {
        let bot = Arc::clone(self);
        let mut task = tokio::spawn(async move { bot.answer(&ask, &asker).await });
        match tokio::time::timeout(self.cfg.answer_budget, &mut task).await {
            Ok(Ok(rendered)) if rendered.chart.is_some() => {
                // The answer goes now; its chart is added by editing it once it has been sent.
                let (tx, rx) = oneshot::channel();
                let bot = Arc::clone(self);
                let delivered = rendered.clone();
                tokio::spawn(async move {
                    if tokio::time::timeout(Duration::from_secs(10), rx).await.is_ok_and(|r| r.is_ok()) {
                        bot.add_chart(&token, &delivered).await;
                    }
                });
                Reply { response: inline(rendered), sent: Some(tx), outcome: Outcome::Answered }
            }
            Ok(Ok(rendered)) => Reply::now(inline(rendered), Outcome::Answered),
            Ok(Err(_join)) => {
                Reply::now(inline(render::notice("Sorry, something went wrong while answering.")), Outcome::Answered)
            }
            Err(_elapsed) => {
                let (tx, rx) = oneshot::channel();
                let bot = Arc::clone(self);
                tokio::spawn(async move {
                    // The deferral must reach Discord before the original can be edited.
                    if tokio::time::timeout(Duration::from_secs(10), rx).await.map_or(true, |r| r.is_err()) {
                        debug!("deferral was not sent; dropping the answer");
                        return;
                    }
                    let rendered = match tokio::time::timeout(TOKEN_LIFETIME, task).await {
                        Ok(Ok(r)) => r,
                        Ok(Err(_)) => render::notice("Sorry, something went wrong while answering."),
                        Err(_) => render::notice("Sorry, the catalog took too long to answer."),
                    };
                    if bot.finish(&token, &rendered).await {
                        bot.add_chart(&token, &rendered).await;
                    }
                });
                Reply { response: defer, sent: Some(tx), outcome: Outcome::Deferred }
            }
        }
    }

    /// Replaces the deferred response with the answer; whether it was delivered.
    pub async fn finish(&self, token: &Secret, rendered: &Rendered) -> bool {
        let edit = rendered.edit();
        for attempt in 0..3u32 {
            match self.rest.edit_original_interaction_response(token.expose(), &edit, Vec::new()).await {
                Ok(_) => {
                    outbound("edit_original", true);
                    return true;
                }
                // Discord accepted the edit; only its echo of the message did not parse.
                Err(serenity::Error::Json(_)) => return true,
                Err(e) => {
                    outbound("edit_original", false);
                    warn!(attempt, error = %describe(&e), "could not deliver a deferred Discord answer");
                    if !retryable(&e) {
                        return false;
                    }
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt + 1))).await;
                }
            }
        }
        false
    }

    /// Edits the delivered answer to show its chart: the PNG (drawn by the engine) as an
    /// attachment, in the first embed. A failure leaves the answer as it was.
    async fn add_chart(&self, token: &Secret, rendered: &Rendered) {
        let Some(chart) = &rendered.chart else { return };
        let png = match self.engine.chart(&chart.kind).await {
            Ok(png) => png,
            Err(e) => {
                warn!(error = %e, "could not draw a chart; the answer stays without it");
                m::chart("discord", ChartOutcome::Failed);
                return;
            }
        };
        let mut outcome = ChartOutcome::Failed;
        for attempt in 0..3u32 {
            match rendered.edit_with_chart(png.clone()).execute(&self.rest, token.expose()).await {
                // An unparsable echo still means Discord took the edit.
                Ok(_) | Err(serenity::Error::Json(_)) => {
                    outbound("edit_original", true);
                    outcome = ChartOutcome::Attached;
                    break;
                }
                Err(e) => {
                    outbound("edit_original", false);
                    warn!(attempt, error = %describe(&e), "could not attach a chart to a Discord answer");
                    // A 404: the response this edits may not have reached Discord yet.
                    if !retryable(&e) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt + 1))).await;
                }
            }
        }
        m::chart("discord", outcome);
    }

    /// Posts `answer` into a channel on the server's own initiative (a scheduled nudge), with its
    /// chart attached when one can be drawn.
    pub async fn post(&self, channel: &str, answer: &Answer) -> Result<(), PostError> {
        let id: u64 = channel.trim().parse().ok().filter(|id| *id != 0).ok_or_else(|| {
            PostError::BadChannel(format!("`{}` is not a Discord channel id", render::cut(channel, 40)))
        })?;
        let rendered = render::render(answer, &self.options());
        let png = match &rendered.chart {
            Some(chart) => match self.engine.chart(&chart.kind).await {
                Ok(png) => Some(png),
                Err(e) => {
                    warn!(error = %e, "could not draw a chart; posting without it");
                    m::chart("discord", ChartOutcome::Failed);
                    None
                }
            },
            None => None,
        };
        let attached = png.is_some();
        match ChannelId::new(id).send_message(&self.rest, rendered.channel_message(png)).await {
            Ok(_) | Err(serenity::Error::Json(_)) => {
                outbound("send_message", true);
                if attached {
                    m::chart("discord", ChartOutcome::Attached);
                }
                Ok(())
            }
            Err(e) => {
                outbound("send_message", false);
                // An unknown channel (404) or a missing permission (403) stays so; a blip may not.
                let transient = match &e {
                    serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => {
                        r.status_code.is_server_error() || r.status_code.as_u16() == 429
                    }
                    serenity::Error::Http(serenity::http::HttpError::Request(_)) => true,
                    _ => false,
                };
                Err(if transient { PostError::Transient(describe(&e)) } else { PostError::Failed(describe(&e)) })
            }
        }
    }

    async fn autocomplete(self: &Arc<Self>, cmd: CommandInteraction) -> Reply {
        let empty = || CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new());
        let guild = cmd.guild_id.map(|g| g.get());
        if let Err(r) = self.check(guild, cmd.context, &cmd.authorizing_integration_owners.0) {
            return Reply::now(empty(), Outcome::Refused(r));
        }
        let Some((sub, typed)) = command::autocomplete_target(&cmd.data) else {
            return Reply::now(empty(), Outcome::Autocomplete);
        };
        let choices =
            tokio::time::timeout(AUTOCOMPLETE_BUDGET, self.suggest(sub, typed.trim())).await.unwrap_or_default();
        Reply::now(
            CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new().set_choices(choices)),
            Outcome::Autocomplete,
        )
    }

    /// Entities whose names start like, or match, what the user typed; best first. The value of
    /// each choice is the canonical reference, so the command resolves exactly that entity.
    pub async fn suggest(&self, sub: &command::Subcommand, typed: &str) -> Vec<AutocompleteChoice> {
        if typed.is_empty() {
            return Vec::new();
        }
        let kinds: &[&str] = match sub.arg {
            Arg::Entity { kinds } => kinds,
            _ => &[],
        };
        let ask = Ask::Query(Query::Search { text: render::cut(typed, 100), limit: 40 });
        let Ok(answer) = self.engine.answer(&ask).await else { return Vec::new() };
        let AnswerBody::Search(found) = answer.body else { return Vec::new() };
        let mut seen = HashSet::new();
        found
            .hits
            .iter()
            .map(|h| &h.entity)
            .filter(|e| e.exists && (kinds.is_empty() || kinds.iter().any(|k| e.kind.eq_ignore_ascii_case(k))))
            .filter(|e| e.entity_ref.chars().count() <= CHOICE_CHARS && seen.insert(e.entity_ref.clone()))
            .take(MAX_CHOICES)
            .map(|e| {
                let name = if e.namespace.is_empty() || e.namespace == "default" {
                    e.name.clone()
                } else {
                    format!("{}/{}", e.namespace, e.name)
                };
                let mut label = format!("{name} ({}", e.kind);
                if let Some(owner) = &e.owner {
                    label.push_str(&format!(" · {}", backline_answer::name_of_ref(owner)));
                }
                label.push(')');
                if let Some(title) = e.title.as_deref().filter(|t| !t.trim().is_empty() && *t != name) {
                    label.push_str(&format!(" — {}", title.trim()));
                }
                AutocompleteChoice::new(render::cut(&label, CHOICE_CHARS), e.entity_ref.clone())
            })
            .collect()
    }
}

fn outbound(method: &'static str, ok: bool) {
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!("backline_discord_outbound_total", "method" => method, "outcome" => outcome).increment(1);
}

/// A Discord user as the engine sees them: their id, nothing else (bots get no e-mail).
fn asker(user_id: u64) -> Asker {
    Asker { platform: AskerPlatform::Discord, user_id: Some(user_id.to_string()), ..Asker::default() }
}

//! The answer model: what the question engine and the query API return, as plain data.
//!
//! This is the contract between the engine (`backline ask`, the structured CLI subcommands) and
//! every renderer (the terminal, the Slack and Discord bots, `--json` consumers). It carries no
//! chat, terminal or LSP types and no markup: renderers decide how to show it, and they always
//! agree because they render the same value. It serialises with serde (`--json`), with enums
//! tagged by a `type` (answer bodies) or `query` (queries) field in `snake_case`.
//!
//! Stability: fields are only ever added. Renderers match [`AnswerBody`] exhaustively, so a new
//! variant is a compile error at every place that must learn to show it.
//!
//! Conventions used throughout:
//! - Entity references are canonical strings, `kind:namespace/name`, lowercase (the catalog's
//!   identity of an entity); display names keep the spelling of the file.
//! - Every entity carries where it was defined ([`SourceLocation`]: source, file, 1-based line),
//!   so answers can say where their data came from.
//! - Lists are sorted deterministically (by the ordering documented on each field), so the same
//!   catalog and question always render the same answer.

use serde::{Deserialize, Serialize};

/// Bumped only if a field is removed or changes meaning (never so far).
pub const ANSWER_MODEL_VERSION: u32 = 1;

/// One answer to one question or structured query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The question as asked; empty for structured queries (CLI subcommands, buttons).
    pub question: String,
    /// What the engine understood the question as. `None` for help and for text the engine did
    /// not understand (then `body` is [`AnswerBody::Help`] with a reason).
    pub query: Option<Query>,
    /// One plain sentence summing the answer up ("payments-api is owned by team-payments.").
    /// No markup: usable as a notification text, a fallback for unknown bodies, or a headline.
    pub summary: String,
    pub body: AnswerBody,
    /// Sources whose latest index run failed: the data behind this answer comes from their last
    /// good index and may be out of date. Renderers should show this as a warning.
    #[serde(default)]
    pub stale_sources: Vec<StaleSource>,
    /// Set when the name asked about matched no entity exactly and the answer is about the
    /// closest one ("showing orders-db for 'ordrs-db'"): renderers must say so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuzzy: Option<FuzzyMatch>,
}

/// The name as asked and the entity answered instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuzzyMatch {
    /// The name as asked.
    pub asked: String,
    /// Canonical reference of the entity the answer is about.
    pub shown: String,
}

/// A query in structured form: what a question means, and what the CLI subcommands and bot
/// buttons construct directly. `name` fields accept a bare name (`payments-api`), a full or
/// partial entity reference (`component:payments-api`, `group:default/team-payments`), or a
/// fuzzy spelling; the engine resolves them (see [`AnswerBody::Ambiguous`] and
/// [`AnswerBody::NotFound`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "query", rename_all = "snake_case")]
pub enum Query {
    /// "what is payments-api": the entity itself.
    Describe { name: String },
    /// "who owns payments-api".
    Owner { name: String },
    /// "how do I reach the payments team": contacts of a group or user, or of an entity's owner.
    Contact { name: String },
    /// "what does checkout-api depend on": follows `dependsOn` forward.
    Dependencies { name: String, depth: u32 },
    /// "what depends on orders-db" (depth 1) and "what breaks if orders-db goes down" (the whole
    /// blast radius): follows `dependsOn` backwards.
    Dependents { name: String, depth: u32 },
    /// "what does team-checkout own", "who is in team-payments".
    Team { name: String },
    /// "search fraud": full-text search over names, titles, descriptions, tags, owners, kinds
    /// and systems.
    Search { text: String, limit: u32 },
    /// "find tag:python2 lifecycle:production": entities matching every filter, grouped by owner.
    Find { filters: Vec<Filter> },
    /// "health": problems in the catalog.
    Health,
    /// "how is the python3 migration going", "what does team-payments still have to migrate":
    /// a `[[migration]]`'s progress (`name`: which one; `None` lists them all, or picks the
    /// only one), for one team when `team` is given.
    Migration {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<String>,
    },
    /// "how is team-payments doing", `scorecard [NAME] [--team T] [--entity E]`: a scorecard's
    /// levels. `scorecard` names the scorecard (the only or first configured one when `None`);
    /// `team` a Group or User (an entity's name is accepted and answered for that entity);
    /// neither: the whole catalog by owning team.
    Scorecard {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scorecard: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        entity: Option<String>,
    },
    /// "help".
    Help,
    /// "what do I own", "am I on call": a question about the asker, answered for the catalog
    /// User the asker is matched to. `asker` is filled in by whoever knows who is asking (the
    /// chat platform, `backline ask --as`); without it the answer says how to be recognised.
    Mine {
        about: AboutMe,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asker: Option<Asker>,
    },
}

/// What a question about the asker asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AboutMe {
    /// "what do I own": what the asker and the teams they are a member of own.
    Own,
    /// "what does my team own": what the asker's teams and their sub-teams own.
    TeamOwns,
    /// "am I on call".
    OnCallNow,
    /// "when am I on call next".
    OnCallNext,
}

/// Who is asking, as the platform the question came through knows them. The index matches it to
/// a catalog `User`: by the `slack.com/user_id` or `discord.com/user-id` annotation first, then by
/// `spec.profile.email` (case-insensitively), or by the name given to `backline ask --as`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Asker {
    pub platform: AskerPlatform,
    /// The platform's user id (Slack `U…`/`W…`, a Discord snowflake).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The e-mail address the platform gives (Slack's `users.info`), or `--as` an address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A catalog User named directly (`--as user:default/jane`, `--as jane`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The asker's IANA time zone (Slack's `tz`), e.g. `Europe/Paris`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
    /// The zone's offset from UTC in seconds at the time of asking (Slack's `tz_offset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz_offset_secs: Option<i32>,
    /// Why the platform could not say more about the asker (e.g. Slack's `users.info` failed or
    /// gave no e-mail); shown when the asker cannot be matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_problem: Option<String>,
}

/// Where a question came from, for matching the asker and for saying how to fix a mismatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AskerPlatform {
    Slack,
    Discord,
    /// `backline ask` and the query subcommands.
    #[default]
    Cli,
}

impl AskerPlatform {
    pub fn label(self) -> &'static str {
        match self {
            AskerPlatform::Slack => "Slack",
            AskerPlatform::Discord => "Discord",
            AskerPlatform::Cli => "the command line",
        }
    }
}

/// The annotation on a catalog `User` carrying the user's Slack member id.
pub const SLACK_USER_ANNOTATION: &str = "slack.com/user_id";
/// The annotation on a catalog `User` carrying the user's Discord user id (Discord gives bots no
/// e-mail addresses, so this is the only way to recognise a Discord user).
pub const DISCORD_USER_ANNOTATION: &str = "discord.com/user-id";

/// One `field:value` filter of [`Query::Find`]. All filters of a query must match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub field: FilterField,
    /// For `label` and `annotation`: the key. Unused otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The value to match (case-insensitive). For `label`/`annotation`, `None` means "has the
    /// key"; for other fields it is always set. Entity-valued fields (`owner`, `system`,
    /// `domain`) accept a bare name or a reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterField {
    Kind,
    /// `spec.type`.
    Type,
    /// `spec.lifecycle`.
    Lifecycle,
    Tag,
    Owner,
    System,
    Domain,
    Namespace,
    Label,
    Annotation,
}

/// What an answer says, by kind of question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerBody {
    Entity(EntityAnswer),
    Ownership(OwnershipAnswer),
    Contact(ContactAnswer),
    Dependencies(DependencyAnswer),
    Team(TeamAnswer),
    Search(SearchAnswer),
    Find(FindAnswer),
    Health(HealthAnswer),
    /// One migration's progress.
    Migration(MigrationAnswer),
    /// Every configured migration with its progress.
    Migrations(MigrationList),
    Scorecard(crate::scorecard::ScorecardAnswer),
    /// The name matches several entities equally well: ask back.
    Ambiguous(Ambiguous),
    /// Nothing matches the name; the closest names are offered.
    NotFound(NotFound),
    Help(Help),
    /// A question about the asker, for the catalog User they were matched to.
    Mine(MineAnswer),
    /// A question about the asker who could not be matched to a catalog User: why, and how to fix it.
    UnknownAsker(UnknownAsker),
}

/// Where something was defined: which configured source, which file, which line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    /// The `[[source]]` name from `backline.toml`.
    pub source: String,
    /// Path relative to the source root (for git sources: the path in the tree; for Backstage
    /// sources: the entity's page in the Backstage frontend, or the catalog API URL serving it).
    pub file: String,
    /// 1-based line of the entity's `metadata.name` (or of the finding).
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// True when the source's latest index run failed and this is its last good state.
    #[serde(default)]
    pub stale: bool,
}

impl SourceLocation {
    /// `file:line`, or the URL alone when the file is a web page (an entity a running Backstage
    /// serves is "defined" at its entity page, where a line number means nothing).
    pub fn display(&self) -> String {
        if self.file.starts_with("https://") || self.file.starts_with("http://") {
            self.file.clone()
        } else {
            format!("{}:{}", self.file, self.line)
        }
    }
}

/// A source whose latest index run failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleSource {
    pub name: String,
    /// Why the latest run failed, e.g. "directory examples/catalog does not exist".
    pub error: String,
    /// When the index of this source last succeeded (RFC 3339, UTC); `None` if it never did.
    pub last_success: Option<String>,
}

/// A finding (from validation or Backline's lints) attached to an entity or file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingSummary {
    /// Stable code, e.g. `BS0401`; `backline explain <code>` says more.
    pub code: String,
    pub severity: FindingSeverity,
    pub message: String,
    pub location: SourceLocation,
}

/// The short form of an entity, used wherever an entity is mentioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitySummary {
    /// Canonical reference, `kind:namespace/name`, lowercase. Pass it back as a `name` to ask
    /// about exactly this entity.
    pub entity_ref: String,
    /// Kind as written (`Component`), or, for a referenced entity that does not exist, the kind
    /// the reference implies.
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `metadata.title`, or for Users and Groups `spec.profile.displayName`.
    pub title: Option<String>,
    pub description: Option<String>,
    /// `spec.type`.
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    /// Canonical reference of the owner as written (it may not exist).
    pub owner: Option<String>,
    /// False for a reference to an entity that is defined nowhere (a dangling relation target);
    /// then `defined_at` is `None` and only the reference fields are meaningful.
    pub exists: bool,
    /// False when Backstage would refuse the entity (its file has an error); the entity is still
    /// indexed so answers can say so. `first_error` says what is wrong.
    pub valid: bool,
    pub defined_at: Option<SourceLocation>,
    pub error_count: u32,
    pub warning_count: u32,
    /// The first error-level finding of the entity, for "exists but its file has an error at
    /// line 12".
    pub first_error: Option<FindingSummary>,
    /// The entity's page in the organisation's Backstage
    /// (`{frontend}/catalog/{namespace}/{kind}/{name}`), when a Backstage frontend URL is
    /// configured (`[backstage] frontend_url`, or the `frontend_url` of the Backstage source it
    /// comes from); `None` for an entity defined nowhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A way to reach a person or team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub channel: ContactChannel,
    /// The value as written: an e-mail address, `#payments-oncall`, `C0123ABCD`, a URL.
    pub value: String,
    /// A link to open it, when one can be built (`mailto:`, a link's URL).
    pub url: Option<String>,
    /// Label from the catalog (a link title), if any.
    pub label: Option<String>,
    /// Canonical reference of the entity the contact is written on.
    pub from: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    /// `spec.profile.email`.
    Email,
    /// The `slack.com/channel` annotation (e.g. `#payments-oncall`).
    SlackChannel,
    /// The `slack.com/bot-notify` annotation: a Slack channel (`C…`) or member (`U…`) id.
    SlackNotify,
    /// The `discord.com/channel` annotation.
    DiscordChannel,
    /// A link of `type: chat` (or with a Slack/Discord/Teams URL).
    ChatLink,
}

/// An on-call hint from a PagerDuty / Opsgenie / Splunk On-Call annotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCall {
    /// `pagerduty`, `opsgenie` or `splunk-on-call`.
    pub provider: String,
    /// The annotation key, e.g. `pagerduty.com/service-id`.
    pub annotation: String,
    pub value: String,
    /// A link to the service or team page, when the value allows one.
    pub url: Option<String>,
    /// Canonical reference of the entity the annotation is written on.
    pub from: String,
}

/// Who is on call right now for one on-call annotation, asked of the provider when the answer
/// was made (`[oncall]` in `backline.toml`). Present only when a provider is configured; the
/// catalog's own hints stay in [`Reach::on_call`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveOnCall {
    pub provider: OnCallProvider,
    /// The configured account's name; `None` when no account could be picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The annotation looked up, e.g. `pagerduty.com/service-id`.
    pub annotation: String,
    /// Its value; `None` when the value is a secret (`pagerduty.com/integration-key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Canonical reference of the entity the annotation is written on.
    pub from: String,
    pub state: LiveState,
    /// Why the provider could not answer (for `stale` and `unavailable`); names the account,
    /// never a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// One per escalation policy (PagerDuty) or schedule (Opsgenie); empty when unavailable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rosters: Vec<LiveRoster>,
    /// When the provider gave this data (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// Seconds between `fetched_at` and the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_secs: Option<u64>,
}

/// The on-call providers looked up live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnCallProvider {
    PagerDuty,
    Opsgenie,
}

impl OnCallProvider {
    pub fn label(self) -> &'static str {
        match self {
            OnCallProvider::PagerDuty => "PagerDuty",
            OnCallProvider::Opsgenie => "Opsgenie",
        }
    }
}

/// How current a [`LiveOnCall`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    /// Fresh from the provider (or its cache).
    Current,
    /// The provider failed; this is its last good answer, `age_secs` old.
    Stale,
    /// The provider failed and there is no earlier answer: nothing is known.
    Unavailable,
}

/// One escalation policy or schedule: level 1 in full, later levels collapsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRoster {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its page in the provider's web app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Who is paged first, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub level1: Vec<OnCallPerson>,
    /// Levels 2 and up with someone on call, lowest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub later: Vec<LaterLevel>,
    /// Set when nobody is on call at level 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<OnCallGap>,
}

/// Someone on call (or next on call).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCallPerson {
    /// The name the provider knows them by.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Their page in the provider's web app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When their shift starts (RFC 3339), for who is next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// When their shift ends (RFC 3339); `None` when permanent or when the provider does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// On call until the policy changes (nobody rotates them off).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub permanent: bool,
    /// The catalog User with the same e-mail address (compared case-insensitively), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// That User's own contacts (Slack member id, Discord, ...), to reach them directly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
}

/// A later escalation level, collapsed to names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaterLevel {
    pub level: u32,
    pub names: Vec<String>,
}

/// Nobody at level 1: where a page goes instead and who comes on next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCallGap {
    /// The lowest level with someone on call, which a page reaches instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalates_to: Option<u32>,
    /// Who comes on call next at level 1, earliest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next: Vec<OnCallPerson>,
}

/// A link from `metadata.links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    pub url: String,
    pub title: Option<String>,
    /// `type` as written (`runbook`, `dashboard`, `chat`, `documentation`, ...).
    pub link_type: Option<String>,
    pub icon: Option<String>,
    /// Canonical reference of the entity the link is written on.
    pub from: String,
}

/// Everything known about reaching someone: contacts, on-call, links. Each item says which
/// entity it comes from, nearest first (the entity itself, then its owner, then parent groups).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reach {
    pub contacts: Vec<Contact>,
    pub on_call: Vec<OnCall>,
    pub links: Vec<LinkInfo>,
    /// Who is on call right now, per on-call annotation, when a provider is configured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub live_on_call: Vec<LiveOnCall>,
}

impl Reach {
    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty() && self.on_call.is_empty() && self.links.is_empty() && self.live_on_call.is_empty()
    }
}

/// A User with what a renderer needs to show and reach them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub entity: EntitySummary,
    /// `spec.profile.displayName`.
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// The person's own contacts (e-mail, Slack member id, ...).
    pub contacts: Vec<Contact>,
}

/// "what is X": the entity in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityAnswer {
    pub entity: EntitySummary,
    pub tags: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub links: Vec<LinkInfo>,
    /// Relations as Backstage emits them from this entity: `(type, target entity)`, sorted by
    /// type then target.
    pub relations: Vec<RelationInfo>,
    /// Every finding of the entity.
    pub findings: Vec<FindingSummary>,
    /// The whole document as written (YAML mapped to JSON, placeholders unresolved).
    pub document: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationInfo {
    /// `ownedBy`, `dependsOn`, `hasMember`, ...
    #[serde(rename = "type")]
    pub relation: RelationType,
    pub target: EntitySummary,
}

/// How serious a finding is; serialised as `error`, `warning` or `hint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingSeverity {
    /// Backstage would refuse the entity.
    Error,
    Warning,
    Hint,
}

impl FindingSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingSeverity::Error => "error",
            FindingSeverity::Warning => "warning",
            FindingSeverity::Hint => "hint",
        }
    }
}

impl std::fmt::Display for FindingSeverity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A severity name that is none of `error`, `warning`, `hint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSeverity(pub String);

impl std::fmt::Display for UnknownSeverity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown severity `{}`", self.0)
    }
}

impl std::error::Error for UnknownSeverity {}

impl std::str::FromStr for FindingSeverity {
    type Err = UnknownSeverity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "error" => Ok(FindingSeverity::Error),
            "warning" => Ok(FindingSeverity::Warning),
            "hint" => Ok(FindingSeverity::Hint),
            other => Err(UnknownSeverity(other.to_owned())),
        }
    }
}

/// The type of a relation, as Backstage emits it (`ownedBy`, `dependsOn`, ...). A real
/// Backstage may serve relation types of its plugins, which are kept as written in
/// [`RelationType::Other`]. Serialised as the type's string, so JSON is the same as Backstage's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum RelationType {
    OwnedBy,
    OwnerOf,
    ConsumesApi,
    ApiConsumedBy,
    ProvidesApi,
    ApiProvidedBy,
    DependsOn,
    DependencyOf,
    ParentOf,
    ChildOf,
    MemberOf,
    HasMember,
    PartOf,
    HasPart,
    /// A relation type Backline does not know, as written.
    Other(String),
}

impl RelationType {
    /// Every type Backline knows, in Backstage's spelling.
    pub const KNOWN: [RelationType; 14] = [
        RelationType::OwnedBy,
        RelationType::OwnerOf,
        RelationType::ConsumesApi,
        RelationType::ApiConsumedBy,
        RelationType::ProvidesApi,
        RelationType::ApiProvidedBy,
        RelationType::DependsOn,
        RelationType::DependencyOf,
        RelationType::ParentOf,
        RelationType::ChildOf,
        RelationType::MemberOf,
        RelationType::HasMember,
        RelationType::PartOf,
        RelationType::HasPart,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            RelationType::OwnedBy => "ownedBy",
            RelationType::OwnerOf => "ownerOf",
            RelationType::ConsumesApi => "consumesApi",
            RelationType::ApiConsumedBy => "apiConsumedBy",
            RelationType::ProvidesApi => "providesApi",
            RelationType::ApiProvidedBy => "apiProvidedBy",
            RelationType::DependsOn => "dependsOn",
            RelationType::DependencyOf => "dependencyOf",
            RelationType::ParentOf => "parentOf",
            RelationType::ChildOf => "childOf",
            RelationType::MemberOf => "memberOf",
            RelationType::HasMember => "hasMember",
            RelationType::PartOf => "partOf",
            RelationType::HasPart => "hasPart",
            RelationType::Other(s) => s,
        }
    }
}

impl From<&str> for RelationType {
    fn from(s: &str) -> Self {
        RelationType::KNOWN.into_iter().find(|k| k.as_str() == s).unwrap_or_else(|| RelationType::Other(s.to_owned()))
    }
}

impl From<String> for RelationType {
    fn from(s: String) -> Self {
        match RelationType::from(s.as_str()) {
            RelationType::Other(_) => RelationType::Other(s),
            known => known,
        }
    }
}

impl From<RelationType> for String {
    fn from(r: RelationType) -> String {
        match r {
            RelationType::Other(s) => s,
            known => known.as_str().to_owned(),
        }
    }
}

impl std::fmt::Display for RelationType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// Compares with Backstage's spelling, so `relation == "dependsOn"` reads as the catalog does.
impl PartialEq<&str> for RelationType {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// "who owns X".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipAnswer {
    pub entity: EntitySummary,
    /// The owner. `None` when the entity has no owner field (Users, Groups, Locations, or an
    /// invalid entity). When the owner is referenced but defined nowhere, this is a summary with
    /// `exists: false`.
    pub owner: Option<EntitySummary>,
    /// The owner's parent groups, nearest first, up to the root of the organisation.
    pub parents: Vec<EntitySummary>,
    /// Members of the owner (direct members of a Group; the User itself when a User owns it).
    pub members: Vec<Person>,
    /// How to reach the owner: the entity's own channels first, then the owner's, then the
    /// nearest parent group's when the owner has none.
    pub reach: Reach,
    /// Findings of the entity (so "owned by X, but its file has an error" can be said).
    pub findings: Vec<FindingSummary>,
}

/// "how do I reach X".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactAnswer {
    /// What was asked about (a Group, a User, or any entity).
    pub subject: EntitySummary,
    /// The team or person whose contacts these are: `subject` itself for Groups and Users, its
    /// owner otherwise (`None` if it has none).
    pub team: Option<EntitySummary>,
    pub members: Vec<Person>,
    pub reach: Reach,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// What the root depends on (`dependsOn` forward).
    Dependencies,
    /// What depends on the root (`dependsOn` backwards): what breaks if it goes down.
    Dependents,
}

/// Dependencies or dependents to a depth, each with the path that connects it to the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyAnswer {
    pub root: EntitySummary,
    pub direction: Direction,
    /// The depth asked for.
    pub max_depth: u32,
    /// Every entity reached, once, at its shortest distance; sorted by depth, then reference.
    pub nodes: Vec<DependencyNode>,
    /// True when entities exist beyond `max_depth`.
    pub truncated: bool,
    /// For dependents (impact): who is on call now for the affected teams (the owners of the
    /// entities reached), when a provider is configured; `from` names the team.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub team_on_call: Vec<LiveOnCall>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyNode {
    pub entity: EntitySummary,
    /// 1 for direct dependencies/dependents.
    pub depth: u32,
    /// Canonical references from the root to this entity, both included (one shortest path).
    /// For dependents, read it as "entity depends on … depends on root" from the end.
    pub path: Vec<String>,
}

/// "what does team-checkout own", "who is in team-payments".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamAnswer {
    /// A Group (or a User, for "what does jane own").
    pub team: EntitySummary,
    pub email: Option<String>,
    /// Parent groups, nearest first, up to the root.
    pub parents: Vec<EntitySummary>,
    /// Direct child groups, sorted by reference.
    pub children: Vec<EntitySummary>,
    /// Direct members, sorted by reference.
    pub members: Vec<Person>,
    /// What the team owns, including what its sub-groups (at any depth) own; sorted by kind,
    /// then reference.
    pub owns: Vec<OwnedEntity>,
    pub reach: Reach,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedEntity {
    pub entity: EntitySummary,
    /// `None` when the team owns it directly; else the canonical reference of the sub-group that
    /// does.
    pub via: Option<String>,
}

/// "search fraud".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchAnswer {
    pub text: String,
    /// Best first: exact name matches, then by relevance.
    pub hits: Vec<SearchHit>,
    /// How many documents matched in total (hits are capped by the query's limit).
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub entity: EntitySummary,
    pub score: f32,
    pub matched: MatchKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The name (or reference) equals the text.
    Exact,
    /// Words of the text match words or word prefixes of the entity.
    Text,
    /// Matched only with typo tolerance.
    Fuzzy,
}

/// "find tag:python2 lifecycle:production".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindAnswer {
    pub filters: Vec<Filter>,
    /// Matching entities grouped by owner; groups sorted by owner reference (entities without an
    /// owner last), entities by reference. At most 10,000 entities are listed.
    pub groups: Vec<OwnerGroup>,
    /// How many entities match (may exceed what `groups` lists).
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerGroup {
    /// The owner (possibly `exists: false`); `None` for entities without an owner.
    pub owner: Option<EntitySummary>,
    pub entities: Vec<EntitySummary>,
}

/// "health": what needs attention in the catalog. Each list is sorted by reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthAnswer {
    pub entity_count: u32,
    pub file_count: u32,
    pub source_count: u32,
    /// Entities whose owner is defined nowhere.
    pub missing_owners: Vec<MissingOwner>,
    /// Groups that own entities but have no members, directly or in sub-groups.
    pub groups_without_members: Vec<EntitySummary>,
    /// Users that own entities but belong to no Group.
    pub users_without_group: Vec<EntitySummary>,
    /// Deprecated entities that production entities still depend on.
    pub deprecated_in_use: Vec<DeprecatedInUse>,
    /// Entities with error or warning findings (hints are left out).
    pub entities_with_findings: Vec<EntityFindings>,
    /// Findings of files that produced no entity (YAML errors, unreadable files, missing
    /// Location targets).
    pub file_findings: Vec<FindingSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingOwner {
    pub entity: EntitySummary,
    /// The owner reference as written, canonical.
    pub owner_ref: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeprecatedInUse {
    pub entity: EntitySummary,
    /// Production entities that depend on it directly.
    pub dependents: Vec<EntitySummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityFindings {
    pub entity: EntitySummary,
    pub findings: Vec<FindingSummary>,
}

/// The name matched several entities about equally well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ambiguous {
    /// The name as asked.
    pub name: String,
    /// Best first (at most 10).
    pub candidates: Vec<Candidate>,
}

/// Nothing matched the name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotFound {
    pub name: String,
    /// The closest names in the catalog, best first (may be empty).
    pub closest: Vec<Candidate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub entity: EntitySummary,
    /// The same question asked about exactly this candidate (e.g. "who owns
    /// component:default/payments-api"): pass it back to the engine as the next question, e.g.
    /// from a button.
    pub follow_up: String,
}

/// "what do I own", "what does my team own", "am I on call", "when am I on call next".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MineAnswer {
    pub about: AboutMe,
    /// The catalog User the asker was matched to.
    pub me: Person,
    pub matched_by: AskerMatch,
    /// The Groups the User is a direct member of, sorted by reference.
    pub teams: Vec<EntitySummary>,
    /// For [`AboutMe::Own`]: what the User and their teams own (`via` the team); for
    /// [`AboutMe::TeamOwns`]: what the teams and their sub-teams own (`via` the sub-team).
    /// Empty for the on-call questions. Sorted by kind, then reference.
    pub owns: Vec<OwnedEntity>,
    /// For the on-call questions: the on-call of the User and their teams (live when a provider
    /// is configured, with the catalog's hints otherwise).
    pub reach: Reach,
    /// For [`AboutMe::OnCallNext`]: when the User is on call, per provider account asked (empty
    /// when no on-call provider is configured).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_on_call: Vec<NextOnCall>,
}

/// "When am I on call next", as one on-call provider account says (`[oncall]`). Never blank:
/// no shift in the window is said with how far ahead was looked, and a provider that cannot say
/// says why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextOnCall {
    pub provider: OnCallProvider,
    /// The configured account's name; `None` when no account could be picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub state: LiveState,
    /// Why the provider could not say (for `stale` and `unavailable`): a failure naming the
    /// account (never a key), or what the catalog lacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The asker's shifts that had not ended when the answer was made, earliest first (one under
    /// way first). Empty: nothing in the window, or unavailable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shifts: Vec<MyShift>,
    /// How far ahead the provider was asked (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub searched_until: Option<String>,
    /// When the provider gave this data (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// Seconds between `fetched_at` and the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_secs: Option<u64>,
}

/// One on-call shift of the asker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyShift {
    /// The escalation policy (PagerDuty) or schedule (Opsgenie) that puts them on call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roster: Option<String>,
    /// Its page in the provider's web app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The escalation level (PagerDuty); `None` for a schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    /// When it starts (RFC 3339); `None` for a permanent on-call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// When it ends (RFC 3339); `None` for a permanent on-call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Under way when the answer was made.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub now: bool,
    /// On call until the policy changes (targeted directly, nobody rotates them off).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub permanent: bool,
}

/// How the asker was matched to a catalog User.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AskerMatch {
    /// By the platform's user-id annotation ([`SLACK_USER_ANNOTATION`], [`DISCORD_USER_ANNOTATION`]).
    Annotation,
    /// By `spec.profile.email`, case-insensitively.
    Email,
    /// Named directly (`--as`).
    Name,
}

/// A question about the asker that cannot be answered because the asker is not a known User.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownAsker {
    pub about: AboutMe,
    pub platform: AskerPlatform,
    pub reason: UnknownAskerReason,
}

/// Why the asker matched no catalog User. Each says what to add to the catalog (or the setup).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum UnknownAskerReason {
    /// Nothing says who is asking (the command line without `--as`).
    NoIdentity,
    /// The platform did not give the asker's e-mail (a missing `users:read.email` scope, a
    /// failed `users.info`, a bot or guest account), and no User carries their id annotation.
    NoEmail {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        problem: Option<String>,
    },
    /// No User has this e-mail (nor the platform's id annotation).
    NoUserWithEmail {
        email: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
    },
    /// No User carries the id annotation (Discord, which gives bots no e-mail).
    NoUserWithId { annotation: String, user_id: String },
    /// Several Users carry the same id annotation or e-mail: none is guessed.
    SeveralUsers { users: Vec<String> },
    /// `--as` named no User.
    NoSuchUser { name: String },
}

/// "help", or a question the engine did not understand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Help {
    /// Why help is shown when it was not asked for ("I did not understand ..."); `None` for
    /// "help".
    pub reason: Option<String>,
    pub examples: Vec<HelpExample>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpExample {
    pub question: String,
    pub explanation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_severity_and_relation_serialise_as_the_strings_they_replace() {
        for s in ["error", "warning", "hint"] {
            let sev: FindingSeverity = serde_json::from_value(serde_json::json!(s)).unwrap();
            assert_eq!(serde_json::to_value(sev).unwrap(), serde_json::json!(s));
            assert_eq!(s.parse::<FindingSeverity>(), Ok(sev));
        }
        assert!("fatal".parse::<FindingSeverity>().is_err());
        for known in RelationType::KNOWN {
            let json = serde_json::to_value(&known).unwrap();
            assert_eq!(json, serde_json::json!(known.as_str()));
            assert_eq!(serde_json::from_value::<RelationType>(json).unwrap(), known);
        }
        let other: RelationType = serde_json::from_value(serde_json::json!("ownedByPlugin")).unwrap();
        assert_eq!(other, RelationType::Other("ownedByPlugin".into()));
        assert_eq!(serde_json::to_value(&other).unwrap(), serde_json::json!("ownedByPlugin"));
        assert_eq!(format!("{:<9}|", RelationType::PartOf), "partOf   |");
    }
}

/// What a `[[migration]]` is, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Which entities it concerns (all when empty).
    pub scope: Vec<Filter>,
    /// What "not done yet" means (anything in scope not done when empty).
    pub todo: Vec<Filter>,
    /// What "done" means (no longer matching `todo` when empty).
    pub done: Vec<Filter>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Days from today to `due` (negative when overdue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The first day its progress was recorded (`YYYY-MM-DD`); `None` before the first index run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// Counts of entities in a migration's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MigrationProgress {
    pub in_scope: u32,
    pub done: u32,
    /// Not done yet (entities in scope matching neither `todo` nor `done` are in neither count).
    pub remaining: u32,
}

impl MigrationProgress {
    /// Share done of what is done or remaining, in whole percent (100 when nothing is left).
    pub fn percent(&self) -> u32 {
        let total = u64::from(self.done) + u64::from(self.remaining);
        (u64::from(self.done) * 100).checked_div(total).map_or(100, |p| p as u32)
    }
}

/// The progress compared with: a week before today, or the migration's first recorded day when
/// it is younger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationBaseline {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub progress: MigrationProgress,
}

/// One owning team's part of a migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamProgress {
    /// `None`: entities without an owner.
    pub owner: Option<EntitySummary>,
    pub progress: MigrationProgress,
    /// Its remaining count at the baseline (`None`: the team had nothing in scope then, or
    /// there is no baseline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_before: Option<u32>,
    /// How to reach the team (its own channels and e-mail).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// Its entities still to migrate, by ref (the first ones: `progress.remaining` counts all).
    pub remaining: Vec<EntitySummary>,
}

/// "how is the python3 migration going".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigrationAnswer {
    pub migration: MigrationInfo,
    /// The team asked about ("what does team-payments still have to migrate").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<EntitySummary>,
    /// Now, over every team (or the one asked about).
    pub progress: MigrationProgress,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<MigrationBaseline>,
    /// Teams with something done or remaining, furthest behind first: most remaining, then the
    /// lowest share done, then by ref.
    pub teams: Vec<TeamProgress>,
}

/// Every configured migration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigrationList {
    pub migrations: Vec<MigrationLine>,
}

/// One migration in [`MigrationList`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigrationLine {
    pub migration: MigrationInfo,
    pub progress: MigrationProgress,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<MigrationBaseline>,
    /// Teams with something remaining.
    pub teams_behind: u32,
}

/// What a migration's nudges post in one period: each team with work left, to its own channel,
/// and a summary to the configured channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NudgePlan {
    pub migration: String,
    /// The period posts are counted in: the day, or the Monday of the week (`YYYY-MM-DD`).
    pub period: String,
    /// False when the migration has no `[migration.nudge]` (nothing is posted on a schedule).
    pub scheduled: bool,
    pub posts: Vec<NudgePost>,
    /// Teams with work left and no Slack or Discord channel in the catalog.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreachable: Vec<EntitySummary>,
    /// Teams (refs) already nudged in this period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub already_nudged: Vec<String>,
}

/// One post of a [`NudgePlan`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NudgePost {
    pub platform: NudgePlatform,
    /// A Slack channel (`#payments`, `C0123ABCD`) or Discord channel id.
    pub channel: String,
    /// The team nudged; `None` for the summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// What is posted: the team's part of the migration, or the whole of it for the summary.
    pub answer: Answer,
}

/// Where a nudge goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NudgePlatform {
    Slack,
    Discord,
}

//! What Slack sends us, as the few fields the bot uses, parsed only after the signature passed.
//!
//! The same shapes arrive over HTTP (events as JSON, slash commands as a form, interactions as a
//! form with one `payload` JSON field) and over Socket Mode (each as the JSON `payload` of an
//! envelope), so both transports share these types and one dispatcher.
//!
//! Why not slack-morphism's event models: they drop fields the security policy needs
//! (`enterprise_id` and `api_app_id` on slash commands, `is_ext_shared_channel`, the sender's
//! `user_team` on events). Unknown fields are ignored and every optional field is optional, so
//! new Slack fields never break parsing.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A `response_url`: a capability to post into the conversation for 30 minutes. Never printed.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ResponseUrl(String);

impl ResponseUrl {
    pub fn new(url: impl Into<String>) -> ResponseUrl {
        ResponseUrl(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ResponseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseUrl(***)")
    }
}

/// Slack sends absent optional ids as empty strings in forms; treat both the same.
fn empty_as_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v: Option<String> = Option::deserialize(d)?;
    Ok(v.filter(|s| !s.is_empty()))
}

/// A slash command invocation (`application/x-www-form-urlencoded` over HTTP).
#[derive(Debug, Clone, Deserialize)]
pub struct SlashCommand {
    pub team_id: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub enterprise_id: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub api_app_id: Option<String>,
    pub channel_id: String,
    pub user_id: String,
    /// `/backline` (or whatever the app's manifest calls it).
    pub command: String,
    #[serde(default)]
    pub text: String,
    pub response_url: ResponseUrl,
}

/// The body of an Events API request (or of a Socket Mode `events_api` envelope).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PushPayload {
    UrlVerification {
        challenge: String,
    },
    EventCallback(Box<EventCallback>),
    AppRateLimited {
        #[serde(default)]
        team_id: Option<String>,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventCallback {
    pub team_id: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub enterprise_id: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub api_app_id: Option<String>,
    pub event_id: String,
    pub event: InnerEvent,
    /// True in Slack Connect channels, where senders can belong to other organisations.
    #[serde(default)]
    pub is_ext_shared_channel: bool,
}

/// The `event` of an event callback: `app_mention` and `message` (DMs) are the ones we act on.
#[derive(Debug, Clone, Deserialize)]
pub struct InnerEvent {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub channel_type: Option<String>,
    #[serde(default)]
    pub ts: Option<String>,
    #[serde(default)]
    pub thread_ts: Option<String>,
    #[serde(default)]
    pub bot_id: Option<String>,
    #[serde(default)]
    pub subtype: Option<String>,
    /// The sender's own workspace (Slack Connect); `team` is the older spelling.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub user_team: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub team: Option<String>,
}

impl InnerEvent {
    /// The sender's home workspace, when Slack says.
    pub fn sender_team(&self) -> Option<&str> {
        self.user_team.as_deref().or(self.team.as_deref())
    }
}

/// An interactivity payload (the JSON inside the `payload` form field). Only `block_actions` is
/// acted on.
#[derive(Debug, Clone, Deserialize)]
pub struct Interaction {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub team: Option<IdRef>,
    #[serde(default)]
    pub enterprise: Option<IdRef>,
    #[serde(default)]
    pub api_app_id: Option<String>,
    pub user: InteractionUser,
    #[serde(default)]
    pub channel: Option<IdRef>,
    #[serde(default)]
    pub container: Option<Container>,
    #[serde(default)]
    pub response_url: Option<ResponseUrl>,
    #[serde(default)]
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdRef {
    #[serde(default, deserialize_with = "empty_as_none")]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InteractionUser {
    pub id: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub team_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Container {
    #[serde(default)]
    pub is_ephemeral: bool,
    #[serde(default)]
    pub thread_ts: Option<String>,
    #[serde(default)]
    pub message_ts: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    pub action_id: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// The interactivity form body: `payload=<json>`.
#[derive(Deserialize)]
pub struct InteractionForm {
    pub payload: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_url_is_redacted() {
        let u = ResponseUrl::new("https://hooks.slack.com/commands/T1/2/secret");
        assert_eq!(format!("{u:?}"), "ResponseUrl(***)");
    }

    #[test]
    fn slash_form_with_empty_enterprise() {
        let form = "token=x&team_id=T1&team_domain=acme&enterprise_id=&channel_id=C1&channel_name=ops\
                    &user_id=U1&user_name=jo&command=%2Fbackline&text=owner+payments-api\
                    &response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1&trigger_id=1.2.3&api_app_id=A1";
        let c: SlashCommand = serde_urlencoded::from_str(form).unwrap();
        assert_eq!(c.team_id, "T1");
        assert_eq!(c.enterprise_id, None);
        assert_eq!(c.text, "owner payments-api");
        assert_eq!(c.command, "/backline");
        assert_eq!(c.response_url.expose(), "https://hooks.slack.com/commands/1");
    }

    #[test]
    fn unknown_push_types_are_other() {
        let p: PushPayload = serde_json::from_str(r#"{"type":"something_new","x":1}"#).unwrap();
        assert!(matches!(p, PushPayload::Other));
        let p: PushPayload =
            serde_json::from_str(r#"{"token":"t","challenge":"abc","type":"url_verification"}"#).unwrap();
        assert!(matches!(p, PushPayload::UrlVerification { challenge } if challenge == "abc"));
    }
}

//! The `[slack]` table of `backline.toml` and the `BACKLINE_SLACK_*` environment variables.
//!
//! Secrets are best given through the environment (`BACKLINE_SLACK_BOT_TOKEN`,
//! `BACKLINE_SLACK_SIGNING_SECRET`, `BACKLINE_SLACK_APP_TOKEN`); the file may hold them too, for
//! set-ups that mount a secret file. The environment wins over the file. Every secret lands in a
//! [`Secret`], so printing a config never prints a token.
//!
//! ```toml
//! [slack]
//! mode = "http"                  # or "socket"; default: socket when an app token is set
//! allowed_teams = ["T0123ABCD"]  # required: workspaces whose members may ask
//! allowed_enterprises = []       # Enterprise Grid organisations, all of whose workspaces may ask
//! allow_external_users = false   # people of other organisations in shared channels
//! ephemeral = true               # slash answers visible to the asker only, with a Share button
//! catalog_url = "https://backstage.example.com"  # link entities to their Backstage page
//! public_url = "https://backline.example.com"     # where Slack reaches `serve`: chart images
//!                                                 # by URL when the bot may not upload files
//! ```

use std::time::Duration;

use serde::Deserialize;

use super::outbound::SLACK_API_URL;
use crate::secret::Secret;

/// How Slack reaches us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Socket Mode: we dial out to Slack over a WebSocket; no public URL needed.
    Socket,
    /// HTTP Events API, slash-command and interactivity endpoints on the serve port.
    Http,
}

/// The `[slack]` section as written; the binary owns the file and hands this over.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackSection {
    enabled: Option<bool>,
    mode: Option<Mode>,
    #[serde(default)]
    allowed_teams: Vec<String>,
    #[serde(default)]
    allowed_enterprises: Vec<String>,
    #[serde(default)]
    allow_external_users: bool,
    bot_token: Option<String>,
    signing_secret: Option<String>,
    app_token: Option<String>,
    api_url: Option<String>,
    ephemeral: Option<bool>,
    reply_in_thread: Option<bool>,
    catalog_url: Option<String>,
    public_url: Option<String>,
    max_body_bytes: Option<usize>,
    answer_budget_ms: Option<u64>,
    max_pending: Option<usize>,
    socket_connections: Option<u32>,
    socket_reconnect_secs: Option<u64>,
}

/// Resolved Slack settings.
#[derive(Debug, Clone)]
pub struct SlackConfig {
    pub mode: Mode,
    pub allowed_teams: Vec<String>,
    pub allowed_enterprises: Vec<String>,
    pub allow_external_users: bool,
    pub bot_token: Secret,
    /// Required in HTTP mode.
    pub signing_secret: Option<Secret>,
    /// Required in Socket Mode.
    pub app_token: Option<Secret>,
    /// Web API base URL, ending in `/api`; a loopback fake in tests.
    pub api_url: String,
    pub ephemeral: bool,
    pub reply_in_thread: bool,
    pub catalog_url: Option<String>,
    /// The base URL at which Slack reaches this server (`https://backline.example.com`): chart
    /// images are shown from it when the bot may not upload files (no `files:write`). Without
    /// it, such a bot answers without the chart.
    pub public_url: Option<url::Url>,
    pub max_body_bytes: usize,
    /// How long a slash command waits for the engine before acknowledging with "looking it up"
    /// and answering through the `response_url` instead (Slack allows 3 s in all).
    pub answer_budget: Duration,
    /// Questions running or waiting for the engine before new ones get "busy" at once.
    pub max_pending: usize,
    pub socket_connections: u32,
    pub socket_reconnect: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SlackConfigError {
    #[error("Slack is enabled but {0} is not set (environment variable {1}, or `{2}` in [slack])")]
    Missing(&'static str, &'static str, &'static str),
    #[error(
        "[slack] allowed_teams (or allowed_enterprises) is empty: nobody could ask. Add your workspace id, e.g. `allowed_teams = [\"T0123ABCD\"]`, or set BACKLINE_SLACK_ALLOWED_TEAMS"
    )]
    NoAllowlist,
    #[error("[slack] {0}")]
    Invalid(String),
}

pub const ENV_BOT_TOKEN: &str = "BACKLINE_SLACK_BOT_TOKEN";
pub const ENV_SIGNING_SECRET: &str = "BACKLINE_SLACK_SIGNING_SECRET";
pub const ENV_APP_TOKEN: &str = "BACKLINE_SLACK_APP_TOKEN";
pub const ENV_ALLOWED_TEAMS: &str = "BACKLINE_SLACK_ALLOWED_TEAMS";
pub const ENV_ALLOWED_ENTERPRISES: &str = "BACKLINE_SLACK_ALLOWED_ENTERPRISES";
pub const ENV_API_URL: &str = "BACKLINE_SLACK_API_URL";
pub const ENV_MODE: &str = "BACKLINE_SLACK_MODE";
pub const ENV_PUBLIC_URL: &str = "BACKLINE_SLACK_PUBLIC_URL";

fn list(v: &str) -> Vec<String> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

impl SlackConfig {
    /// Resolves the table and the environment. `Ok(None)` when Slack is not configured at all
    /// (no `[slack]` table, no Slack token in the environment) or is disabled.
    pub fn resolve(
        section: Option<&SlackSection>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<SlackConfig>, SlackConfigError> {
        let t: SlackSection = section.cloned().unwrap_or_default();
        let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let bot_token = env(ENV_BOT_TOKEN).or(t.bot_token);
        let signing_secret = env(ENV_SIGNING_SECRET).or(t.signing_secret);
        let app_token = env(ENV_APP_TOKEN).or(t.app_token);
        let configured = section.is_some() || bot_token.is_some() || app_token.is_some() || signing_secret.is_some();
        if !configured || t.enabled == Some(false) {
            return Ok(None);
        }
        let mode = match env(ENV_MODE).as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("socket") => Mode::Socket,
            Some("http") => Mode::Http,
            Some(other) => {
                return Err(SlackConfigError::Invalid(format!(
                    "mode `{other}` (from {ENV_MODE}) is neither `socket` nor `http`"
                )));
            }
            None => t.mode.unwrap_or(if app_token.is_some() { Mode::Socket } else { Mode::Http }),
        };
        let bot_token =
            bot_token.ok_or(SlackConfigError::Missing("the bot token (xoxb-…)", ENV_BOT_TOKEN, "bot_token"))?;
        match mode {
            Mode::Http if signing_secret.is_none() => {
                return Err(SlackConfigError::Missing(
                    "the signing secret (HTTP mode)",
                    ENV_SIGNING_SECRET,
                    "signing_secret",
                ));
            }
            Mode::Socket if app_token.is_none() => {
                return Err(SlackConfigError::Missing(
                    "the app-level token (xapp-…, Socket Mode)",
                    ENV_APP_TOKEN,
                    "app_token",
                ));
            }
            _ => {}
        }
        let allowed_teams = env(ENV_ALLOWED_TEAMS).map(|v| list(&v)).unwrap_or(t.allowed_teams);
        let allowed_enterprises = env(ENV_ALLOWED_ENTERPRISES).map(|v| list(&v)).unwrap_or(t.allowed_enterprises);
        if allowed_teams.is_empty() && allowed_enterprises.is_empty() {
            return Err(SlackConfigError::NoAllowlist);
        }
        let api_url = env(ENV_API_URL).or(t.api_url).unwrap_or_else(|| SLACK_API_URL.to_owned());
        if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
            return Err(SlackConfigError::Invalid(format!("api_url `{api_url}` is not an http(s) URL")));
        }
        let public_url = match env(ENV_PUBLIC_URL).or(t.public_url) {
            None => None,
            Some(u) => {
                let parsed = url::Url::parse(u.trim())
                    .ok()
                    .filter(|p| matches!(p.scheme(), "https" | "http") && p.host().is_some())
                    .ok_or_else(|| SlackConfigError::Invalid(format!("public_url `{u}` is not an http(s) URL")))?;
                // A base to join paths to: `https://host/backline` means `https://host/backline/`.
                let mut base = parsed;
                if !base.path().ends_with('/') {
                    let path = format!("{}/", base.path());
                    base.set_path(&path);
                }
                Some(base)
            }
        };
        let budget_ms = t.answer_budget_ms.unwrap_or(2000);
        if budget_ms > 2500 {
            return Err(SlackConfigError::Invalid(
                "answer_budget_ms must be at most 2500: Slack gives 3 s to acknowledge".into(),
            ));
        }
        Ok(Some(SlackConfig {
            mode,
            allowed_teams,
            allowed_enterprises,
            allow_external_users: t.allow_external_users,
            bot_token: Secret::new(bot_token),
            signing_secret: signing_secret.map(Secret::new),
            app_token: app_token.map(Secret::new),
            api_url,
            ephemeral: t.ephemeral.unwrap_or(true),
            reply_in_thread: t.reply_in_thread.unwrap_or(true),
            catalog_url: t.catalog_url.filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            public_url,
            max_body_bytes: t.max_body_bytes.unwrap_or(64 * 1024).clamp(4 * 1024, 1024 * 1024),
            answer_budget: Duration::from_millis(budget_ms),
            max_pending: t.max_pending.unwrap_or(256).max(1),
            socket_connections: t.socket_connections.unwrap_or(2).clamp(1, 10),
            socket_reconnect: Duration::from_secs(t.socket_reconnect_secs.unwrap_or(5).clamp(1, 300)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn resolve(toml_text: Option<&str>, env: &[(&str, &str)]) -> Result<Option<SlackConfig>, String> {
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let section: Option<SlackSection> = match toml_text {
            Some(t) => Some(toml::from_str(t).map_err(|e| e.to_string())?),
            None => None,
        };
        SlackConfig::resolve(section.as_ref(), &|k| env.get(k).cloned()).map_err(|e| e.to_string())
    }

    #[test]
    fn not_configured_is_none() {
        assert!(resolve(None, &[]).unwrap().is_none());
        assert!(
            resolve(Some("enabled = false\nallowed_teams = [\"T1\"]"), &[(ENV_BOT_TOKEN, "xoxb-1")]).unwrap().is_none()
        );
    }

    #[test]
    fn env_only_http() {
        let c = resolve(None, &[(ENV_BOT_TOKEN, "xoxb-1"), (ENV_SIGNING_SECRET, "s"), (ENV_ALLOWED_TEAMS, "T1, T2")])
            .unwrap()
            .unwrap();
        assert_eq!(c.mode, Mode::Http);
        assert_eq!(c.allowed_teams, ["T1", "T2"]);
        assert_eq!(c.api_url, SLACK_API_URL);
        assert!(c.ephemeral);
        // Debug never shows the secrets.
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("xoxb-1") && !dbg.contains("\"s\""), "{dbg}");
    }

    #[test]
    fn app_token_means_socket_mode_and_env_wins() {
        let c = resolve(
            Some("allowed_teams = [\"T1\"]\nbot_token = \"xoxb-file\""),
            &[(ENV_BOT_TOKEN, "xoxb-env"), (ENV_APP_TOKEN, "xapp-1")],
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.mode, Mode::Socket);
        assert_eq!(c.bot_token.expose(), "xoxb-env");
    }

    #[test]
    fn errors_say_what_to_set() {
        type Case<'a> = (Option<&'a str>, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case<'_>] = &[
            (Some("allowed_teams = [\"T1\"]"), &[], ENV_BOT_TOKEN),
            (Some("allowed_teams = [\"T1\"]\nmode = \"http\""), &[(ENV_BOT_TOKEN, "x")], ENV_SIGNING_SECRET),
            (Some("allowed_teams = [\"T1\"]\nmode = \"socket\""), &[(ENV_BOT_TOKEN, "x")], ENV_APP_TOKEN),
            (Some("mode = \"http\""), &[(ENV_BOT_TOKEN, "x"), (ENV_SIGNING_SECRET, "s")], "allowed_teams"),
            (Some("allowed_teams = [\"T1\"]\nbogus = 1"), &[(ENV_BOT_TOKEN, "x"), (ENV_SIGNING_SECRET, "s")], "bogus"),
            (
                Some("allowed_teams = [\"T1\"]"),
                &[(ENV_BOT_TOKEN, "x"), (ENV_SIGNING_SECRET, "s"), (ENV_MODE, "carrier-pigeon")],
                "carrier-pigeon",
            ),
            (
                Some("allowed_teams = [\"T1\"]\npublic_url = \"backline.example.com\""),
                &[(ENV_BOT_TOKEN, "x"), (ENV_SIGNING_SECRET, "s")],
                "public_url",
            ),
            (
                Some("allowed_teams = [\"T1\"]\nanswer_budget_ms = 5000"),
                &[(ENV_BOT_TOKEN, "x"), (ENV_SIGNING_SECRET, "s")],
                "3 s",
            ),
        ];
        for (toml_text, env, needle) in cases {
            let err = resolve(*toml_text, env).unwrap_err().to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }
}

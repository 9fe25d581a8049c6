//! The `[discord]` table of `backline.toml` and the `BACKLINE_DISCORD_*` environment variables.
//!
//! Secrets (the bot token) are best given through the environment; the environment wins over the
//! file. The token lands in a [`Secret`], so printing a config never prints it. The public key
//! and the application id are not secrets (Discord shows them on the application's page), but a
//! wrong one makes every request fail, so they are checked here, at start-up, not per request.
//!
//! ```toml
//! [discord]
//! mode = "gateway"                       # or "http" (interactions endpoint on the serve port)
//! application_id = "1234567890123456789"
//! public_key = "…64 hex digits…"         # required in http mode
//! allowed_guilds = ["1111111111111111"]  # required: servers whose members may ask
//! allow_dms = false                      # answer in DMs with the bot (default: no)
//! ephemeral = true                       # answers only the asker sees (default: yes)
//! catalog_url = "https://backstage.example.com"
//! ```

use std::time::Duration;

use serde::Deserialize;

use crate::secret::Secret;

/// How interactions reach us. Discord delivers them one way per application: setting an
/// Interactions Endpoint URL in the Developer Portal moves them from the gateway to HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A gateway WebSocket (no public URL needed; one connection per application).
    Gateway,
    /// POSTs to `/discord/interactions` on the serve port (replicas behind a load balancer).
    Http,
}

/// The `[discord]` section as written; the binary owns the file and hands this over.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordSection {
    enabled: Option<bool>,
    mode: Option<Mode>,
    application_id: Option<TomlId>,
    public_key: Option<String>,
    bot_token: Option<String>,
    #[serde(default)]
    allowed_guilds: Vec<TomlId>,
    #[serde(default)]
    allow_dms: bool,
    ephemeral: Option<bool>,
    catalog_url: Option<String>,
    api_url: Option<String>,
    max_body_bytes: Option<usize>,
    answer_budget_ms: Option<u64>,
    max_timestamp_age_secs: Option<u64>,
}

/// Discord ids are 64-bit snowflakes; TOML users write them as strings or integers.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum TomlId {
    Int(u64),
    Str(String),
}

impl TomlId {
    fn text(&self) -> String {
        match self {
            TomlId::Int(n) => n.to_string(),
            TomlId::Str(s) => s.trim().to_owned(),
        }
    }
}

/// Resolved Discord settings.
#[derive(Debug, Clone)]
pub struct DiscordConfig {
    pub mode: Mode,
    pub application_id: u64,
    /// Hex Ed25519 public key of the application; required in HTTP mode.
    pub public_key: Option<String>,
    pub bot_token: Secret,
    pub allowed_guilds: Vec<u64>,
    pub allow_dms: bool,
    pub ephemeral: bool,
    pub catalog_url: Option<String>,
    /// Replaces `https://discord.com` in REST calls (serenity's proxy); a loopback fake in tests.
    pub api_url: Option<String>,
    pub max_body_bytes: usize,
    /// How long a command waits for the engine before deferring (Discord allows 3 s in all).
    pub answer_budget: Duration,
    /// Requests whose `X-Signature-Timestamp` is further than this from now are refused.
    pub max_timestamp_age: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscordConfigError {
    #[error("Discord is enabled but {0} is not set (environment variable {1}, or `{2}` in [discord])")]
    Missing(&'static str, &'static str, &'static str),
    #[error(
        "[discord] allowed_guilds is empty: nobody could ask. Add your server id, e.g. `allowed_guilds = [\"123456789012345678\"]`, or set BACKLINE_DISCORD_ALLOWED_GUILDS"
    )]
    NoAllowlist,
    #[error("[discord] {0}")]
    Invalid(String),
}

pub const ENV_TOKEN: &str = "BACKLINE_DISCORD_TOKEN";
pub const ENV_APPLICATION_ID: &str = "BACKLINE_DISCORD_APPLICATION_ID";
pub const ENV_PUBLIC_KEY: &str = "BACKLINE_DISCORD_PUBLIC_KEY";
pub const ENV_ALLOWED_GUILDS: &str = "BACKLINE_DISCORD_ALLOWED_GUILDS";
pub const ENV_MODE: &str = "BACKLINE_DISCORD_MODE";
pub const ENV_API_URL: &str = "BACKLINE_DISCORD_API_URL";

fn snowflake(what: &str, v: &str) -> Result<u64, DiscordConfigError> {
    v.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| DiscordConfigError::Invalid(format!("{what} `{v}` is not a Discord id (digits only)")))
}

impl DiscordConfig {
    /// Resolves the table and the environment. `Ok(None)` when Discord is not configured at all
    /// (no `[discord]` table, no Discord token in the environment) or is disabled.
    pub fn resolve(
        section: Option<&DiscordSection>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<DiscordConfig>, DiscordConfigError> {
        let t: DiscordSection = section.cloned().unwrap_or_default();
        let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let token = env(ENV_TOKEN).or(t.bot_token);
        if !(section.is_some() || token.is_some()) || t.enabled == Some(false) {
            return Ok(None);
        }
        let mode = match env(ENV_MODE).as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("gateway") => Mode::Gateway,
            Some("http") => Mode::Http,
            Some(other) => {
                return Err(DiscordConfigError::Invalid(format!(
                    "mode `{other}` (from {ENV_MODE}) is neither `gateway` nor `http`"
                )));
            }
            None => t.mode.unwrap_or(Mode::Gateway),
        };
        let token = token.ok_or(DiscordConfigError::Missing("the bot token", ENV_TOKEN, "bot_token"))?;
        let application_id = env(ENV_APPLICATION_ID)
            .or_else(|| t.application_id.as_ref().map(TomlId::text))
            .ok_or(DiscordConfigError::Missing("the application id", ENV_APPLICATION_ID, "application_id"))?;
        let application_id = snowflake("application_id", &application_id)?;
        let public_key = env(ENV_PUBLIC_KEY).or(t.public_key).map(|k| k.trim().to_ascii_lowercase());
        if let Some(key) = &public_key {
            super::verify::InteractionVerifier::new(key).map_err(|e| DiscordConfigError::Invalid(e.to_string()))?;
        } else if mode == Mode::Http {
            return Err(DiscordConfigError::Missing(
                "the application's public key (HTTP mode)",
                ENV_PUBLIC_KEY,
                "public_key",
            ));
        }
        let guilds: Vec<String> = match env(ENV_ALLOWED_GUILDS) {
            Some(v) => v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            None => t.allowed_guilds.iter().map(TomlId::text).collect(),
        };
        let allowed_guilds = guilds.iter().map(|g| snowflake("guild id", g)).collect::<Result<Vec<u64>, _>>()?;
        if allowed_guilds.is_empty() {
            return Err(DiscordConfigError::NoAllowlist);
        }
        let api_url = env(ENV_API_URL).or(t.api_url).map(|u| u.trim_end_matches('/').to_owned());
        if let Some(u) = &api_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(DiscordConfigError::Invalid(format!("api_url `{u}` is not an http(s) URL")));
        }
        let budget_ms = t.answer_budget_ms.unwrap_or(2000);
        if budget_ms > 2500 {
            return Err(DiscordConfigError::Invalid(
                "answer_budget_ms must be at most 2500: Discord gives 3 s for the first response".into(),
            ));
        }
        Ok(Some(DiscordConfig {
            mode,
            application_id,
            public_key,
            bot_token: Secret::new(token),
            allowed_guilds,
            allow_dms: t.allow_dms,
            ephemeral: t.ephemeral.unwrap_or(true),
            catalog_url: t.catalog_url.filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            api_url,
            max_body_bytes: t.max_body_bytes.unwrap_or(64 * 1024).clamp(4 * 1024, 1024 * 1024),
            answer_budget: Duration::from_millis(budget_ms),
            max_timestamp_age: Duration::from_secs(t.max_timestamp_age_secs.unwrap_or(300).clamp(5, 3600)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const KEY: &str = "67c6bd767ca099e79efac9fcce4d2022a63bf7dea780e7f3d813f694c1597089";

    fn resolve(toml_text: Option<&str>, env: &[(&str, &str)]) -> Result<Option<DiscordConfig>, String> {
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let section: Option<DiscordSection> = match toml_text {
            Some(t) => Some(toml::from_str(t).map_err(|e| e.to_string())?),
            None => None,
        };
        DiscordConfig::resolve(section.as_ref(), &|k| env.get(k).cloned()).map_err(|e| e.to_string())
    }

    #[test]
    fn not_configured_is_none() {
        assert!(resolve(None, &[]).unwrap().is_none());
        assert!(resolve(Some("enabled = false"), &[(ENV_TOKEN, "t")]).unwrap().is_none());
    }

    #[test]
    fn env_only_gateway_and_file_ids_as_numbers_or_strings() {
        let c = resolve(None, &[(ENV_TOKEN, "MTIz.secret"), (ENV_APPLICATION_ID, "42"), (ENV_ALLOWED_GUILDS, "7, 8")])
            .unwrap()
            .unwrap();
        assert_eq!(c.mode, Mode::Gateway);
        assert_eq!(c.allowed_guilds, [7, 8]);
        assert!(c.ephemeral && !c.allow_dms);
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("MTIz.secret"), "{dbg}");
        let c = resolve(
            Some(&format!("mode = \"http\"\napplication_id = 42\npublic_key = \"{KEY}\"\nallowed_guilds = [7, \"8\"]")),
            &[(ENV_TOKEN, "t")],
        )
        .unwrap()
        .unwrap();
        assert_eq!((c.mode, c.application_id, c.allowed_guilds.clone()), (Mode::Http, 42, vec![7, 8]));
    }

    #[test]
    fn errors_say_what_to_set() {
        let key = format!("public_key = \"{KEY}\"\n");
        type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);
        let cases: Vec<Case<'_>> = vec![
            ("allowed_guilds = [7]\napplication_id = 42".into(), vec![], ENV_TOKEN),
            ("allowed_guilds = [7]".into(), vec![(ENV_TOKEN, "t")], ENV_APPLICATION_ID),
            (
                "allowed_guilds = [7]\napplication_id = 42\nmode = \"http\"".into(),
                vec![(ENV_TOKEN, "t")],
                ENV_PUBLIC_KEY,
            ),
            ("application_id = 42".into(), vec![(ENV_TOKEN, "t")], "allowed_guilds"),
            ("allowed_guilds = [\"my-server\"]\napplication_id = 42".into(), vec![(ENV_TOKEN, "t")], "my-server"),
            (format!("{key}allowed_guilds = [7]\napplication_id = 42\nbogus = 1"), vec![(ENV_TOKEN, "t")], "bogus"),
            (
                "allowed_guilds = [7]\napplication_id = 42\npublic_key = \"abc\"".into(),
                vec![(ENV_TOKEN, "t")],
                "public key",
            ),
            (
                "allowed_guilds = [7]\napplication_id = 42".into(),
                vec![(ENV_TOKEN, "t"), (ENV_MODE, "pigeon")],
                "pigeon",
            ),
        ];
        for (toml_text, env, needle) in cases {
            let err = resolve(Some(&toml_text), &env).unwrap_err().to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }
}

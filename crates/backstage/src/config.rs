//! The settings of one Backstage backend and its token variable, resolved into what a
//! [`crate::Backstage`] client needs. In `backline.toml` a `[[source]]` with `backstage = …`
//! carries the connection settings; the binary builds a [`BackstageSection`] from it. All the
//! settings, as this type reads them:
//!
//! ```toml
//! base_url = "https://backstage.example.com"      # the backend (`backend.baseUrl`)
//! frontend_url = "https://backstage.example.com"  # the app (`app.baseUrl`), for entity page links
//! token_env = "BACKLINE_BACKSTAGE_TOKEN"          # the default
//! page_size = 500            # entities per by-query page in a full sync
//! listing_page_size = 5000   # page a refresh listing by-query (default: one request)
//! refs_batch_size = 200      # entity refs per by-refs request
//! timeout_ms = 30000         # per request, connection to last byte
//! max_retries = 4            # after a 429, a 5xx, a timeout or a refused connection
//! retry_base_ms = 500        # first back-off; doubles, with jitter
//! max_retry_after_secs = 120 # a longer Retry-After fails the sync instead of waiting
//! filter = ["kind=user", "kind=group,metadata.namespace=default"]
//! ```
//!
//! The token is one of the backend's `backend.auth.externalAccess` static tokens (read access to
//! the catalog is enough). It is only ever read from the environment, never from the file, so the
//! file can be committed; it lands in a [`Token`], so printing the configuration never prints it.

use std::time::Duration;

use serde::Deserialize;

use crate::token::Token;

/// The variable the token is read from unless `token_env` names another.
pub const ENV_TOKEN: &str = "BACKLINE_BACKSTAGE_TOKEN";

const DEFAULT_PAGE_SIZE: u32 = 500;
const DEFAULT_REFS_BATCH_SIZE: u32 = 200;
const DEFAULT_TIMEOUT_MS: u64 = 30_000;
const DEFAULT_MAX_RETRIES: u32 = 4;
const DEFAULT_RETRY_BASE_MS: u64 = 500;
const DEFAULT_MAX_RETRY_AFTER_SECS: u64 = 120;

/// One backend's settings as written; the binary builds it from a `[[source]]` with `backstage = …`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackstageSection {
    /// The backend's base URL; the catalog is under `<base_url>/api/catalog`.
    pub base_url: String,
    /// The frontend's base URL; entity links are `<frontend_url>/catalog/<namespace>/<kind>/<name>`.
    pub frontend_url: Option<String>,
    /// The environment variable holding the static token.
    pub token_env: Option<String>,
    pub page_size: Option<u32>,
    pub listing_page_size: Option<u32>,
    pub refs_batch_size: Option<u32>,
    pub timeout_ms: Option<u64>,
    pub max_retries: Option<u32>,
    pub retry_base_ms: Option<u64>,
    pub max_retry_after_secs: Option<u64>,
    /// Backstage filter sets, each `key=value[,key=value…]` (AND inside a set, OR between sets),
    /// e.g. `kind=user,metadata.namespace=default`. Empty: the whole catalog.
    #[serde(default)]
    pub filter: Vec<String>,
}

/// The resolved section.
#[derive(Debug, Clone)]
pub struct BackstageConfig {
    /// The backend's base URL, without a trailing `/`: what errors name as the source.
    pub base_url: String,
    /// The frontend's base URL, without a trailing `/`.
    pub frontend_url: Option<String>,
    pub token: Token,
    /// Where the token came from, for an operator told it was refused.
    pub token_env: String,
    pub page_size: u32,
    /// `None`: a refresh lists every uid and etag in one `GET /entities` (one query, no count,
    /// no cursor); `Some(n)`: by-query pages of `n` rows.
    pub listing_page_size: Option<u32>,
    pub refs_batch_size: u32,
    pub timeout: Duration,
    pub max_retries: u32,
    pub retry_base: Duration,
    pub max_retry_after: Duration,
    pub filter: Vec<String>,
}

/// Why a section cannot be used. No variant quotes the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("no Backstage token for {base_url}: set {env_var} to a static token of its backend.auth.externalAccess")]
    MissingToken { base_url: String, env_var: String },
    /// Backstage itself refuses such tokens (no whitespace, at least 8 characters); the value is
    /// not quoted, it may be a real token pasted with a stray character.
    #[error("the Backstage token in {env_var} is not one Backstage accepts ({why})")]
    BadToken { env_var: String, why: &'static str },
    #[error("the Backstage {what} `{url}` is not an http(s) URL")]
    BadUrl { what: &'static str, url: String },
    #[error("the Backstage setting {what} must be at least 1")]
    Zero { what: &'static str },
    #[error("the Backstage filter `{filter}` is not `key=value[,key=value…]`")]
    BadFilter { filter: String },
}

impl BackstageSection {
    /// A section for `base_url` with every other setting at its default.
    pub fn new(base_url: impl Into<String>) -> BackstageSection {
        BackstageSection {
            base_url: base_url.into(),
            frontend_url: None,
            token_env: None,
            page_size: None,
            listing_page_size: None,
            refs_batch_size: None,
            timeout_ms: None,
            max_retries: None,
            retry_base_ms: None,
            max_retry_after_secs: None,
            filter: Vec::new(),
        }
    }

    /// Resolves the section with the process environment.
    pub fn resolve_from_env(&self) -> Result<BackstageConfig, ConfigError> {
        self.resolve(&|name| std::env::var(name).ok())
    }

    /// Resolves the section, reading variables through `env` (tests pass their own).
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<BackstageConfig, ConfigError> {
        let base_url = http_url("base_url", &self.base_url)?;
        let frontend_url = self.frontend_url.as_deref().map(|u| http_url("frontend_url", u)).transpose()?;
        let token_env = self.token_env.clone().unwrap_or_else(|| ENV_TOKEN.to_owned());
        let raw = env(&token_env).map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        let Some(raw) = raw else {
            return Err(ConfigError::MissingToken { base_url, env_var: token_env });
        };
        if raw.chars().any(|c| c.is_whitespace()) {
            return Err(ConfigError::BadToken { env_var: token_env, why: "it contains whitespace" });
        }
        if !raw.chars().all(|c| c.is_ascii_graphic()) {
            return Err(ConfigError::BadToken {
                env_var: token_env,
                why: "it has characters an HTTP header cannot carry",
            });
        }
        if raw.len() < 8 {
            return Err(ConfigError::BadToken { env_var: token_env, why: "it is shorter than 8 characters" });
        }
        for filter in &self.filter {
            let ok = !filter.trim().is_empty()
                && filter.split(',').all(|pair| pair.split_once('=').is_some_and(|(k, _)| !k.trim().is_empty()));
            if !ok {
                return Err(ConfigError::BadFilter { filter: filter.clone() });
            }
        }
        Ok(BackstageConfig {
            base_url,
            frontend_url,
            token: Token::new(raw),
            token_env,
            page_size: at_least_one("page_size", self.page_size.unwrap_or(DEFAULT_PAGE_SIZE))?,
            listing_page_size: self.listing_page_size.map(|n| at_least_one("listing_page_size", n)).transpose()?,
            refs_batch_size: at_least_one("refs_batch_size", self.refs_batch_size.unwrap_or(DEFAULT_REFS_BATCH_SIZE))?,
            timeout: Duration::from_millis(self.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS).max(1)),
            max_retries: self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
            retry_base: Duration::from_millis(self.retry_base_ms.unwrap_or(DEFAULT_RETRY_BASE_MS)),
            max_retry_after: Duration::from_secs(self.max_retry_after_secs.unwrap_or(DEFAULT_MAX_RETRY_AFTER_SECS)),
            filter: self.filter.clone(),
        })
    }
}

fn at_least_one(what: &'static str, value: u32) -> Result<u32, ConfigError> {
    if value == 0 { Err(ConfigError::Zero { what }) } else { Ok(value) }
}

/// Checks an http(s) URL and drops its trailing `/`.
fn http_url(what: &'static str, raw: &str) -> Result<String, ConfigError> {
    let bad = || ConfigError::BadUrl { what, url: raw.to_owned() };
    let parsed = url::Url::parse(raw.trim()).map_err(|_| bad())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() || parsed.host().is_none() {
        return Err(bad());
    }
    if parsed.query().is_some() || parsed.fragment().is_some() || !parsed.username().is_empty() {
        return Err(bad());
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0FoFiu5bofLVgnFYv-vmDsVvKXD_161u";

    fn section(toml_text: &str) -> BackstageSection {
        toml::from_str(toml_text).unwrap()
    }

    fn env_with(name: &'static str, value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |n| (n == name).then(|| value.to_owned())
    }

    #[test]
    fn defaults_and_the_default_variable() {
        let config = section("base_url = \"http://127.0.0.1:7007/\"").resolve(&env_with(ENV_TOKEN, TOKEN)).unwrap();
        assert_eq!(config.base_url, "http://127.0.0.1:7007");
        assert_eq!(config.token.expose(), TOKEN);
        assert_eq!(config.token_env, ENV_TOKEN);
        assert_eq!((config.page_size, config.listing_page_size, config.refs_batch_size), (500, None, 200));
        assert_eq!(config.frontend_url, None);
        assert!(!format!("{config:?}").contains(TOKEN));
    }

    #[test]
    fn a_named_variable_and_every_setting() {
        let config = section(
            r#"
            base_url = "https://backstage.example.com/"
            frontend_url = "https://portal.example.com"
            token_env = "BS_TOKEN"
            page_size = 100
            listing_page_size = 1000
            refs_batch_size = 50
            timeout_ms = 2000
            max_retries = 2
            retry_base_ms = 10
            max_retry_after_secs = 5
            filter = ["kind=user,metadata.namespace=default", "kind=group"]
            "#,
        )
        .resolve(&env_with("BS_TOKEN", TOKEN))
        .unwrap();
        assert_eq!(config.frontend_url.as_deref(), Some("https://portal.example.com"));
        assert_eq!(config.token_env, "BS_TOKEN");
        assert_eq!(config.timeout, Duration::from_secs(2));
        assert_eq!(config.filter.len(), 2);
    }

    #[test]
    fn refusals_name_the_variable_never_the_value() {
        let s = section("base_url = \"http://127.0.0.1:7007\"");
        let missing = s.resolve(&|_| None).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "no Backstage token for http://127.0.0.1:7007: set BACKLINE_BACKSTAGE_TOKEN to a static token of its backend.auth.externalAccess"
        );
        let spaced = s.resolve(&env_with(ENV_TOKEN, "abc defghij")).unwrap_err();
        assert!(spaced.to_string().contains("BACKLINE_BACKSTAGE_TOKEN") && !spaced.to_string().contains("defghij"));
        let short = s.resolve(&env_with(ENV_TOKEN, "short")).unwrap_err();
        assert!(matches!(short, ConfigError::BadToken { .. }));
    }

    #[test]
    fn unknown_fields_bad_urls_zeros_and_filters_are_refused() {
        assert!(toml::from_str::<BackstageSection>("base_url = \"http://x\"\ntoken = \"abc\"").is_err());
        let env = env_with(ENV_TOKEN, TOKEN);
        for (text, want) in [
            ("base_url = \"ftp://x\"", "base_url"),
            ("base_url = \"http://x\"\nfrontend_url = \"not a url\"", "frontend_url"),
            ("base_url = \"http://x\"\npage_size = 0", "page_size"),
            ("base_url = \"http://x\"\nfilter = [\"kind\"]", "filter"),
        ] {
            let err = section(text).resolve(&env).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}

//! The `[oncall]` configuration section and the `BACKLINE_PAGERDUTY_TOKEN*` /
//! `BACKLINE_OPSGENIE_KEY*` environment variables, resolved into accounts ready to call.
//!
//! ```toml
//! [oncall]
//! cache_secs = 300            # longest an answer is reused (less when a shift ends sooner)
//! timeout_ms = 5000           # per provider call
//! next_window_days = 30       # how far ahead "when am I on call next" looks (at most 90)
//!
//! [[oncall.pagerduty]]
//! name = "prod"               # what `pagerduty.com/account` names; the first account is the default
//! region = "eu"               # "us" (api.pagerduty.com, the default) or "eu" (api.eu.pagerduty.com)
//! web_url = "https://acme.eu.pagerduty.com"   # for links when the API gives none
//!
//! [[oncall.opsgenie]]
//! name = "ops"
//! region = "us"               # api.opsgenie.com, or "eu" for api.eu.opsgenie.com
//! ```
//!
//! Keys: `BACKLINE_PAGERDUTY_TOKEN_<ACCOUNT>` (the account name upper-cased, other characters
//! than letters and digits as `_`), then `BACKLINE_PAGERDUTY_TOKEN` for the default account,
//! then `token` in the section; Opsgenie likewise with `BACKLINE_OPSGENIE_KEY` and `key`. The
//! environment wins over the file. Keys must be read-only: Backline only reads. Every key lands
//! in a [`Secret`], so printing a configuration never prints a key.

use serde::Deserialize;

use crate::error::Provider;
use crate::secret::Secret;

/// `https://api.pagerduty.com`, the US service region.
pub const PAGERDUTY_US: &str = "https://api.pagerduty.com";
/// `https://api.eu.pagerduty.com`, the EU service region.
pub const PAGERDUTY_EU: &str = "https://api.eu.pagerduty.com";
/// `https://api.opsgenie.com`. An EU account asked here answers 401, so the region matters.
pub const OPSGENIE_US: &str = "https://api.opsgenie.com";
/// `https://api.eu.opsgenie.com`.
pub const OPSGENIE_EU: &str = "https://api.eu.opsgenie.com";

pub const ENV_PAGERDUTY_TOKEN: &str = "BACKLINE_PAGERDUTY_TOKEN";
pub const ENV_OPSGENIE_KEY: &str = "BACKLINE_OPSGENIE_KEY";

const DEFAULT_CACHE_SECS: u64 = 300;
const DEFAULT_TIMEOUT_MS: u64 = 5000;
const DEFAULT_RETRY_SECS: u64 = 30;
const DEFAULT_MAPPING_CACHE_SECS: u64 = 3600;
const DEFAULT_NEXT_WINDOW_DAYS: u64 = 30;
/// PagerDuty refuses an `/oncalls` range longer than 90 days.
const MAX_NEXT_WINDOW_DAYS: u64 = 90;

/// Which of a provider's service regions an account lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    #[default]
    Us,
    Eu,
}

/// The `[oncall]` section as written; the binary owns the file and hands this over.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnCallSection {
    #[serde(default)]
    pub pagerduty: Vec<PagerDutyAccount>,
    #[serde(default)]
    pub opsgenie: Vec<OpsgenieAccount>,
    /// Longest time an answer is reused; an answer is dropped sooner when a shift in it ends.
    pub cache_secs: Option<u64>,
    /// Longest wait for one provider call.
    pub timeout_ms: Option<u64>,
    /// After a failure (5xx, timeout) or a `429` without a reset time: how long the last answer
    /// is served, marked stale, before the provider is asked again.
    pub retry_secs: Option<u64>,
    /// How long the slowly changing mappings are reused: PagerDuty service → escalation policy,
    /// integration key → service, Opsgenie team → schedules.
    pub mapping_cache_secs: Option<u64>,
    /// How many days ahead "when am I on call next" looks (1 to 90; 30 by default).
    pub next_window_days: Option<u64>,
}

/// One PagerDuty account (`[[oncall.pagerduty]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagerDutyAccount {
    /// The name `pagerduty.com/account` uses; also the suffix of its environment variable.
    pub name: String,
    /// The account entities without `pagerduty.com/account` use; otherwise the first one.
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub region: Region,
    /// Replaces the region's API host (a proxy, or a local fake in tests).
    pub base_url: Option<String>,
    /// The web app, e.g. `https://acme.pagerduty.com`, for links the API does not give.
    pub web_url: Option<String>,
    /// A read-only REST API key; better given through the environment.
    pub token: Option<Secret>,
}

/// One Opsgenie account (`[[oncall.opsgenie]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsgenieAccount {
    /// The name `opsgenie.com/account` uses; also the suffix of its environment variable.
    pub name: String,
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub region: Region,
    pub base_url: Option<String>,
    /// The web app, e.g. `https://acme.app.opsgenie.com`, for links to the who-is-on-call page.
    pub web_url: Option<String>,
    /// An API Key Management key with Read access only; better given through the environment.
    pub key: Option<Secret>,
}

/// One account, resolved: where to call and with which key.
#[derive(Debug, Clone)]
pub struct Account {
    pub provider: Provider,
    pub name: String,
    /// API base URL without a trailing `/`.
    pub base_url: String,
    pub web_url: Option<String>,
    pub key: Secret,
    /// The environment variable an operator should look at when the key is refused.
    pub env_var: String,
}

/// The resolved section.
#[derive(Debug, Clone)]
pub struct OnCallConfig {
    /// PagerDuty accounts, the default first.
    pub pagerduty: Vec<Account>,
    /// Opsgenie accounts, the default first.
    pub opsgenie: Vec<Account>,
    pub cache_secs: u64,
    pub timeout_ms: u64,
    pub retry_secs: u64,
    pub mapping_cache_secs: u64,
    /// How far ahead "when am I on call next" looks, in days (1 to 90).
    pub next_window_days: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{provider} account `{account}` has no key: set {env_var} (or the key in its [[oncall.*]] entry)")]
    MissingKey { provider: Provider, account: String, env_var: String },
    #[error("two {provider} accounts are named `{0}`", provider = .1)]
    DuplicateName(String, Provider),
    #[error("more than one {0} account says `default = true`")]
    SeveralDefaults(Provider),
    #[error("{provider} account `{account}`: {what} `{url}` is not an http(s) URL")]
    BadUrl { provider: Provider, account: String, what: &'static str, url: String },
    #[error("{provider} account names must not be empty")]
    EmptyName { provider: Provider },
    /// The value is not quoted: it may be a real key pasted with a stray character.
    #[error("the {provider} key of account `{account}` ({env_var}) has characters an HTTP header cannot carry")]
    KeyNotPrintable { provider: Provider, account: String, env_var: String },
}

/// `prod-eu` → `PROD_EU`: the suffix of an account's environment variable.
pub fn env_suffix(account: &str) -> String {
    account.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

struct Written<'a> {
    name: &'a str,
    default: bool,
    region: Region,
    base_url: Option<&'a str>,
    web_url: Option<&'a str>,
    key: Option<&'a Secret>,
}

fn resolve_accounts(
    provider: Provider,
    written: Vec<Written<'_>>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Account>, ConfigError> {
    let (env_base, us, eu) = match provider {
        Provider::PagerDuty => (ENV_PAGERDUTY_TOKEN, PAGERDUTY_US, PAGERDUTY_EU),
        Provider::Opsgenie => (ENV_OPSGENIE_KEY, OPSGENIE_US, OPSGENIE_EU),
    };
    if written.iter().filter(|w| w.default).count() > 1 {
        return Err(ConfigError::SeveralDefaults(provider));
    }
    let default_index = written.iter().position(|w| w.default).unwrap_or(0);
    let mut accounts = Vec::with_capacity(written.len());
    for (i, w) in written.iter().enumerate() {
        if w.name.trim().is_empty() {
            return Err(ConfigError::EmptyName { provider });
        }
        if written[..i].iter().any(|o| o.name == w.name) {
            return Err(ConfigError::DuplicateName(w.name.to_owned(), provider));
        }
        let is_default = i == default_index;
        let own_var = format!("{env_base}_{}", env_suffix(w.name));
        let from_env = env(&own_var)
            .map(|v| (v, own_var.clone()))
            .or_else(|| if is_default { env(env_base).map(|v| (v, env_base.to_owned())) } else { None })
            .filter(|(v, _)| !v.trim().is_empty());
        let (key, env_var) = match (from_env, w.key) {
            (Some((v, var)), _) => (Secret::new(v.trim()), var),
            (None, Some(k)) if !k.is_empty() => (Secret::new(k.expose().trim()), own_var),
            (None, _) => {
                return Err(ConfigError::MissingKey { provider, account: w.name.to_owned(), env_var: own_var });
            }
        };
        if !key.expose().bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::KeyNotPrintable { provider, account: w.name.to_owned(), env_var });
        }
        let check = |what: &'static str, url: &str| {
            let ok = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if ok {
                Ok(url.trim_end_matches('/').to_owned())
            } else {
                Err(ConfigError::BadUrl { provider, account: w.name.to_owned(), what, url: url.to_owned() })
            }
        };
        let base_url = match (w.base_url, w.region) {
            (Some(url), _) => check("base_url", url)?,
            (None, Region::Us) => us.to_owned(),
            (None, Region::Eu) => eu.to_owned(),
        };
        let web_url = w.web_url.map(|u| check("web_url", u)).transpose()?;
        let account = Account { provider, name: w.name.to_owned(), base_url, web_url, key, env_var };
        if is_default {
            accounts.insert(0, account);
        } else {
            accounts.push(account);
        }
    }
    Ok(accounts)
}

impl OnCallConfig {
    /// Resolves the section and the environment (`env` is `std::env::var` in production, a map
    /// in tests). Fails on an account without a key: a lookup would only fail later, at 3 a.m.
    pub fn resolve(section: &OnCallSection, env: &dyn Fn(&str) -> Option<String>) -> Result<OnCallConfig, ConfigError> {
        let pagerduty = resolve_accounts(
            Provider::PagerDuty,
            section
                .pagerduty
                .iter()
                .map(|a| Written {
                    name: &a.name,
                    default: a.default,
                    region: a.region,
                    base_url: a.base_url.as_deref(),
                    web_url: a.web_url.as_deref(),
                    key: a.token.as_ref(),
                })
                .collect(),
            env,
        )?;
        let opsgenie = resolve_accounts(
            Provider::Opsgenie,
            section
                .opsgenie
                .iter()
                .map(|a| Written {
                    name: &a.name,
                    default: a.default,
                    region: a.region,
                    base_url: a.base_url.as_deref(),
                    web_url: a.web_url.as_deref(),
                    key: a.key.as_ref(),
                })
                .collect(),
            env,
        )?;
        Ok(OnCallConfig {
            pagerduty,
            opsgenie,
            cache_secs: section.cache_secs.unwrap_or(DEFAULT_CACHE_SECS).max(1),
            timeout_ms: section.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS).max(1),
            retry_secs: section.retry_secs.unwrap_or(DEFAULT_RETRY_SECS).max(1),
            mapping_cache_secs: section.mapping_cache_secs.unwrap_or(DEFAULT_MAPPING_CACHE_SECS).max(1),
            next_window_days: section
                .next_window_days
                .unwrap_or(DEFAULT_NEXT_WINDOW_DAYS)
                .clamp(1, MAX_NEXT_WINDOW_DAYS),
        })
    }

    /// The account of `provider` named `name`, or the default one when `name` is `None`.
    pub fn account(&self, provider: Provider, name: Option<&str>) -> Option<&Account> {
        let accounts = match provider {
            Provider::PagerDuty => &self.pagerduty,
            Provider::Opsgenie => &self.opsgenie,
        };
        match name {
            Some(n) => accounts.iter().find(|a| a.name == n),
            None => accounts.first(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k| map.get(k).cloned()
    }

    fn section(text: &str) -> OnCallSection {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn regions_pick_the_host_and_base_url_overrides_it() {
        let s = section(
            r#"
            [[pagerduty]]
            name = "us"
            [[pagerduty]]
            name = "eu"
            region = "eu"
            [[pagerduty]]
            name = "fake"
            region = "eu"
            base_url = "http://127.0.0.1:9/"
            [[opsgenie]]
            name = "ops"
            region = "eu"
            [[opsgenie]]
            name = "ops-us"
            "#,
        );
        let c = OnCallConfig::resolve(
            &s,
            &env(&[
                ("BACKLINE_PAGERDUTY_TOKEN", "t"),
                ("BACKLINE_PAGERDUTY_TOKEN_EU", "t"),
                ("BACKLINE_PAGERDUTY_TOKEN_FAKE", "t"),
                ("BACKLINE_OPSGENIE_KEY", "k"),
                ("BACKLINE_OPSGENIE_KEY_OPS_US", "k"),
            ]),
        )
        .unwrap();
        let base = |p, n| c.account(p, n).unwrap().base_url.clone();
        assert_eq!(base(Provider::PagerDuty, None), "https://api.pagerduty.com");
        assert_eq!(base(Provider::PagerDuty, Some("eu")), "https://api.eu.pagerduty.com");
        assert_eq!(base(Provider::PagerDuty, Some("fake")), "http://127.0.0.1:9");
        assert_eq!(base(Provider::Opsgenie, Some("ops")), "https://api.eu.opsgenie.com");
        assert_eq!(base(Provider::Opsgenie, Some("ops-us")), "https://api.opsgenie.com");
    }

    #[test]
    fn keys_come_from_the_account_variable_then_the_default_variable_then_the_file() {
        let s = section(
            r#"
            [[pagerduty]]
            name = "main"
            token = "from-file"
            [[pagerduty]]
            name = "prod-eu"
            default = true
            "#,
        );
        let c = OnCallConfig::resolve(&s, &env(&[("BACKLINE_PAGERDUTY_TOKEN", "plain")])).unwrap();
        // `default = true` moves prod-eu first; the plain variable belongs to the default only.
        assert_eq!(c.pagerduty[0].name, "prod-eu");
        assert_eq!(c.pagerduty[0].key.expose(), "plain");
        assert_eq!(c.pagerduty[0].env_var, "BACKLINE_PAGERDUTY_TOKEN");
        assert_eq!(c.pagerduty[1].key.expose(), "from-file");
        let c = OnCallConfig::resolve(
            &s,
            &env(&[("BACKLINE_PAGERDUTY_TOKEN_MAIN", "env"), ("BACKLINE_PAGERDUTY_TOKEN_PROD_EU", "own")]),
        )
        .unwrap();
        assert_eq!(c.pagerduty[0].key.expose(), "own");
        assert_eq!(c.pagerduty[1].key.expose(), "env");
    }

    #[test]
    fn a_missing_key_names_the_variable_to_set() {
        let s = section("[[opsgenie]]\nname = \"ops\"\n");
        let err = OnCallConfig::resolve(&s, &env(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Opsgenie account `ops` has no key: set BACKLINE_OPSGENIE_KEY_OPS (or the key in its [[oncall.*]] entry)"
        );
    }

    #[test]
    fn mistakes_in_the_section_are_refused() {
        assert!(toml::from_str::<OnCallSection>("cache_sec = 3").is_err());
        assert!(toml::from_str::<OnCallSection>("[[pagerduty]]\nname = \"a\"\nregion = \"apac\"").is_err());
        assert!(toml::from_str::<OnCallSection>("[[pagerduty]]\nname = \"a\"\napi_key = \"x\"").is_err());
        let e = |text: &str| {
            OnCallConfig::resolve(&section(text), &env(&[("BACKLINE_PAGERDUTY_TOKEN_A", "t")])).unwrap_err()
        };
        assert!(matches!(
            e("[[pagerduty]]\nname = \"a\"\n[[pagerduty]]\nname = \"a\""),
            ConfigError::DuplicateName(..)
        ));
        assert!(matches!(e("[[pagerduty]]\nname = \"a\"\nbase_url = \"ftp://x\""), ConfigError::BadUrl { .. }));
        let err = OnCallConfig::resolve(
            &section("[[pagerduty]]\nname = \"a\""),
            &env(&[("BACKLINE_PAGERDUTY_TOKEN_A", "ab\ncd")]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the PagerDuty key of account `a` (BACKLINE_PAGERDUTY_TOKEN_A) has characters an HTTP header cannot carry"
        );
    }

    #[test]
    fn printing_a_configuration_never_prints_a_key() {
        let s = section("[[pagerduty]]\nname = \"a\"\ntoken = \"u+SECRETSECRET\"\n");
        let c = OnCallConfig::resolve(&s, &env(&[])).unwrap();
        for text in [format!("{s:?}"), format!("{s:#?}"), format!("{c:?}"), format!("{c:#?}")] {
            assert!(!text.contains("SECRETSECRET"), "{text}");
        }
    }
}

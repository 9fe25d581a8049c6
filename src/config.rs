//! `backline.toml`, the whole file: the binary owns its model and hands each library crate its
//! own section, typed by that crate (`[lints]` to the catalog's lint levels, `[store]` and
//! `[[source]]` to the index, `[locations]` to the catalog's discovery, `[slack]` and `[discord]`
//! to the bots, `[serve]` to `serve`, `[oncall]` to the on-call lookups, `[[migration]]` to the index).
//!
//! Unknown top-level keys and unknown keys inside a section are errors with a line and column,
//! so a misspelt setting never silently means its default.

use std::collections::BTreeMap;

use backline_bot::discord::DiscordSection;
use backline_bot::platforms::ChatSections;
use backline_bot::slack::SlackSection;
use backline_catalog::discover::LocationsSection;
use backline_catalog::lint_level::{LintLevel, LintLevelError, LintLevels};
use backline_index::migration::{Migration, MigrationSection};
use backline_index::settings::{Env, SettingsError};
use backline_index::{IndexSettings, SourceSection, StoreSection};
use backline_oncall::OnCallSection;
use serde::Deserialize;

use crate::serve::ServeSection;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid backline.toml: {0}")]
    Toml(#[from] toml::de::Error),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub lints: BTreeMap<String, LintLevel>,
    #[serde(default)]
    pub locations: LocationsSection,
    #[serde(default)]
    pub store: Option<StoreSection>,
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceSection>,
    #[serde(default)]
    pub slack: Option<SlackSection>,
    #[serde(default)]
    pub discord: Option<DiscordSection>,
    #[serde(default)]
    pub serve: Option<ServeSection>,
    /// PagerDuty and Opsgenie accounts: who is on call now, in ownership and contact answers.
    #[serde(default)]
    pub oncall: Option<OnCallSection>,
    /// Migrations whose progress the index records and answers report.
    #[serde(default, rename = "migration")]
    pub migrations: Vec<MigrationSection>,
}

impl Config {
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        Ok(toml::from_str(text)?)
    }

    pub fn lint_levels(&self) -> Result<LintLevels, LintLevelError> {
        LintLevels::from_map(self.lints.iter().map(|(k, v)| (k.as_str(), *v)))
    }

    /// Directories outside the checked tree that Location targets may name, relative paths
    /// resolved against `base` (the file's directory).
    pub fn allowed_locations(&self, base: &std::path::Path) -> Vec<std::path::PathBuf> {
        self.locations.allow.iter().map(|p| base.join(p)).collect()
    }

    /// The index settings, relative paths resolved against `base` (the file's directory).
    pub fn index_settings(&self, base: &std::path::Path, env: &dyn Env) -> Result<IndexSettings, SettingsError> {
        let mut settings = IndexSettings::from_sections(self.store.as_ref(), &self.sources, base, env)?;
        settings.migrations = Migration::from_sections(&self.migrations)?;
        Ok(settings)
    }

    pub fn chat_sections(&self) -> ChatSections<'_> {
        ChatSections { slack: self.slack.as_ref(), discord: self.discord.as_ref() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_parses_and_unknown_keys_are_errors() {
        let config = Config::parse(
            "[lints]\nBL0101 = \"off\"\n[locations]\nallow = [\"../shared\"]\n[store]\nurl = \"sqlite://x.db\"\n[[source]]\nname = \"a\"\npath = \".\"\n\
             [serve]\nlisten = \"127.0.0.1:0\"\n[slack]\nallowed_teams = [\"T1\"]\n[discord]\nallowed_guilds = [1]\n\
             [oncall]\ncache_secs = 60\n[[oncall.pagerduty]]\nname = \"prod\"\n",
        )
        .unwrap();
        assert_eq!(config.sources.len(), 1);
        assert_eq!(config.allowed_locations(std::path::Path::new("/repo")), [std::path::Path::new("/repo/../shared")]);
        assert!(config.chat_sections().slack.is_some() && config.chat_sections().discord.is_some());
        assert_eq!(config.oncall.as_ref().map(|o| o.pagerduty.len()), Some(1));
        for bad in [
            "[stor]\nurl = \"x\"",
            "[serve]\nlisen = \"x\"",
            "[locations]\nallowed = []",
            "[slack]\nbot_tokn = \"x\"",
            "[[source]]\nname = \"a\"\ncolour = 1",
            "[oncall]\ncache_sec = 1",
        ] {
            let err = Config::parse(bad).unwrap_err().to_string();
            assert!(err.contains("line"), "{bad}: {err}");
        }
    }
}

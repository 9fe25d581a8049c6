//! `backline.toml`, the whole file: the binary owns its model and hands each library crate its
//! own section, typed by that crate (`[lints]` to the catalog's lint levels, `[store]` and
//! `[[source]]` to the index, `[locations]` to the catalog's discovery, `[slack]` and `[discord]`
//! to the bots, `[serve]` to `serve`, `[oncall]` to the on-call lookups, `[[kind]]` to the
//! catalog's custom kinds, `[[migration]]` to the index, `[[scorecard]]` to the scorecard
//! evaluator, validated here with `find`'s filter parser for custom rules, `[backstage]`'s
//! frontend URL to the index for entity page links).
//!
//! Unknown top-level keys and unknown keys inside a section are errors with a line and column,
//! so a misspelt setting never silently means its default.

use std::collections::BTreeMap;

use backline_answer::FilterField;
use backline_answer::question::parse_filter;
use backline_bot::discord::DiscordSection;
use backline_bot::platforms::ChatSections;
use backline_bot::slack::SlackSection;
use backline_catalog::CustomKinds;
use backline_catalog::discover::LocationsSection;
use backline_catalog::kinds::custom::{CustomKindError, KindSection};
use backline_catalog::lint_level::{LintLevel, LintLevelError, LintLevels};
use backline_catalog::scorecard::{self, Condition, ConditionField, Scorecard, ScorecardError, ScorecardSection};
use backline_index::migration::{Migration, MigrationSection};
use backline_index::settings::{Env, SettingsError};
use backline_index::{IndexSettings, SourceKind, SourceSection, StoreSection};
use backline_oncall::OnCallSection;
use serde::Deserialize;

use crate::serve::ServeSection;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid backline.toml: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("invalid backline.toml: {0}")]
    Scorecard(#[from] ScorecardError),
    #[error("invalid backline.toml: [backstage] frontend_url `{0}` is not an http(s) URL")]
    FrontendUrl(String),
}

/// `[backstage]`: the organisation's Backstage, whose entity pages answers link to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackstageLinks {
    /// The frontend's base URL (Backstage's `app.baseUrl`), e.g. `https://backstage.example.com`:
    /// every entity an answer names links to `{frontend_url}/catalog/{namespace}/{kind}/{name}`.
    pub frontend_url: Option<String>,
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
    /// The organisation's Backstage, for links to entity pages.
    #[serde(default)]
    pub backstage: BackstageLinks,
    /// Custom kinds the organisation's Backstage recognises (`[[kind]]`).
    #[serde(default, rename = "kind")]
    pub kinds: Vec<KindSection>,
    /// Migrations whose progress the index records and answers report.
    #[serde(default, rename = "migration")]
    pub migrations: Vec<MigrationSection>,
    /// `[[scorecard]]` as written.
    #[serde(default, rename = "scorecard")]
    pub scorecard_sections: Vec<ScorecardSection>,
    /// The scorecards, validated when the file is parsed.
    #[serde(skip)]
    pub scorecards: Vec<Scorecard>,
}

impl Config {
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text)?;
        config.scorecards = scorecard::resolve(&config.scorecard_sections, &condition)?;
        if let Some(url) = &config.backstage.frontend_url {
            let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
            let ok = host.is_some_and(|h| !h.is_empty() && !h.starts_with('/') && !h.contains(char::is_whitespace));
            if !ok {
                return Err(ConfigError::FrontendUrl(url.clone()));
            }
        }
        Ok(config)
    }

    /// Where entity pages are: `[backstage] frontend_url`, else the frontend of the first
    /// Backstage source that names one (files are usually registered in that same Backstage).
    pub fn frontend_url(&self, settings: &IndexSettings) -> Option<String> {
        self.backstage.frontend_url.clone().or_else(|| {
            settings.sources.iter().find_map(|s| match &s.kind {
                SourceKind::Backstage(b) => b.frontend_url.clone(),
                _ => None,
            })
        })
    }

    pub fn lint_levels(&self) -> Result<LintLevels, LintLevelError> {
        LintLevels::from_map(self.lints.iter().map(|(k, v)| (k.as_str(), *v)))
    }

    /// Directories outside the checked tree that Location targets may name, relative paths
    /// resolved against `base` (the file's directory).
    pub fn allowed_locations(&self, base: &std::path::Path) -> Vec<std::path::PathBuf> {
        self.locations.allow.iter().map(|p| base.join(p)).collect()
    }

    /// The custom kinds of `[[kind]]`, their schema files read relative to `base` (the file's
    /// directory).
    pub fn custom_kinds(&self, base: &std::path::Path) -> Result<CustomKinds, CustomKindError> {
        CustomKinds::from_sections(&self.kinds, |path| read_schema(&base.join(path)))
    }

    /// The index settings, relative paths resolved against `base` (the file's directory).
    /// `[locations] allow` applies to directory sources as it does to `check`, so both read
    /// the same files.
    pub fn index_settings(&self, base: &std::path::Path, env: &dyn Env) -> Result<IndexSettings, SettingsError> {
        let mut settings = IndexSettings::from_sections(self.store.as_ref(), &self.sources, base, env)?;
        let allowed = self.allowed_locations(base);
        for source in &mut settings.sources {
            if matches!(source.kind, SourceKind::Dir { .. }) {
                source.allowed_locations.clone_from(&allowed);
            }
        }
        settings.migrations = Migration::from_sections(&self.migrations)?;
        Ok(settings)
    }

    pub fn chat_sections(&self) -> ChatSections<'_> {
        ChatSections { slack: self.slack.as_ref(), discord: self.discord.as_ref() }
    }
}

/// Largest schema file read for a custom kind: schemas are a few KiB; anything far larger is a
/// mistake (a wrong path), not a schema.
const MAX_SCHEMA_BYTES: u64 = 4 * 1024 * 1024;

fn read_schema(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_SCHEMA_BYTES + 1).read_to_string(&mut text).map_err(|e| format!("{}: {e}", path.display()))?;
    if text.len() as u64 > MAX_SCHEMA_BYTES {
        return Err(format!("{} is over {} MiB; is it the right file?", path.display(), MAX_SCHEMA_BYTES >> 20));
    }
    Ok(text)
}

/// A custom scorecard rule's word, read by `find`'s own filter parser.
fn condition(word: &str) -> Option<Condition> {
    let f = parse_filter(word)?;
    let field = match f.field {
        FilterField::Kind => ConditionField::Kind,
        FilterField::Type => ConditionField::Type,
        FilterField::Lifecycle => ConditionField::Lifecycle,
        FilterField::Tag => ConditionField::Tag,
        FilterField::Owner => ConditionField::Owner,
        FilterField::System => ConditionField::System,
        FilterField::Domain => ConditionField::Domain,
        FilterField::Namespace => ConditionField::Namespace,
        FilterField::Label => ConditionField::Label,
        FilterField::Annotation => ConditionField::Annotation,
    };
    Some(Condition { field, key: f.key, value: f.value })
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
            "[[scorecard]]\nname = \"x\"\nlevel = []",
            "[[scorecard]]\nname = \"x\"\n[[scorecard.rules]]\nname = \"y\"\ncheck = \"oncall\"",
        ] {
            let err = Config::parse(bad).unwrap_err().to_string();
            assert!(err.contains("line"), "{bad}: {err}");
        }
    }

    #[test]
    fn entity_pages_are_in_the_configured_frontend_else_the_first_backstage_sources() {
        struct NoEnv;
        impl Env for NoEnv {
            fn var(&self, _: &str) -> Option<String> {
                None
            }
        }
        let sources = "[[source]]\nname = \"files\"\npath = \".\"\n\
                       [[source]]\nname = \"portal\"\nbackstage = \"https://bs.example\"\nfrontend_url = \"https://portal.example\"\n";
        let base = std::path::Path::new("/repo");
        let config = Config::parse(sources).unwrap();
        let settings = config.index_settings(base, &NoEnv).unwrap();
        assert_eq!(config.frontend_url(&settings).as_deref(), Some("https://portal.example"));
        let config =
            Config::parse(&format!("[backstage]\nfrontend_url = \"https://backstage.example\"\n{sources}")).unwrap();
        assert_eq!(config.frontend_url(&settings).as_deref(), Some("https://backstage.example"));
        for bad in ["backstage.example", "ftp://backstage.example", "https://", "https:// x"] {
            let err = Config::parse(&format!("[backstage]\nfrontend_url = {bad:?}\n")).unwrap_err().to_string();
            assert!(err.contains("is not an http(s) URL"), "{bad}: {err}");
        }
        assert!(Config::parse("[backstage]\nfrontend = \"https://x\"\n").unwrap_err().to_string().contains("line"));
    }

    #[test]
    fn scorecards_are_validated_when_the_file_is_read() {
        let config = Config::parse(
            "[[scorecard]]\nname = \"ready\"\nrequire = \"bronze\"\n\
             levels = [{ name = \"bronze\", rules = [\"on-call\", \"py3\"] }]\n\
             [[scorecard.rules]]\nname = \"py3\"\nfilter = \"tag:python3 label:tier=1 ns:default\"\n",
        )
        .unwrap();
        let card = &config.scorecards[0];
        assert_eq!(
            (card.require, card.kinds.as_slice(), card.rules.len()),
            (Some(0), &["component".to_owned()][..], 2)
        );
        let backline_catalog::scorecard::RuleCheck::Filter(conditions) = &card.rules[1].check else { panic!() };
        let words: Vec<String> = conditions.iter().map(ToString::to_string).collect();
        assert_eq!(words, ["tag:python3", "label:tier=1", "namespace:default"]);
        let err = Config::parse("[[scorecard]]\nname = \"ready\"\nlevels = [{ name = \"b\", rules = [\"oncall\"] }]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid backline.toml: scorecard `ready`: level `b` names unknown rule `oncall`"),
            "{err}"
        );
    }
}

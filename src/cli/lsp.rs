//! `backline lsp`: the language server over stdio (see the `backline-lsp` crate).
//!
//! Nothing may be printed to stdout here: it carries the protocol. Logs go to stderr (editors
//! show it as the server's log), at the level of `--log` / `BACKLINE_LOG`.
//!
//! The server reads the project's `backline.toml` too (the nearest one at or above the first
//! workspace folder, or `--config`), so the lint levels a team sets for CI apply in its editor
//! and its sources are the editor's org catalog. The binary owns that file, so it turns it into
//! a settings payload here ([`project_settings`]); the editor's own settings win where both say
//! something.
//!
//! The `[[scorecard]]`s of `backline.toml` are handed to the server for its hints.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{Value, json};

use super::GlobalArgs;
use crate::config::Config;
use backline_index::SourceKind;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Speak LSP over stdin/stdout (the default and only transport; accepted because
    /// vscode-languageclient and other clients pass it).
    #[arg(long)]
    stdio: bool,
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    let _ = args.stdio;
    let explicit = global.config.as_ref().map(|p| std::env::current_dir().unwrap_or_default().join(p));
    let project: backline_lsp::ProjectSettings = Arc::new(move |root: &Path| {
        let path = explicit.clone().or_else(|| super::find_config(root))?;
        match project_settings(&path) {
            Ok(value) => Some(value),
            Err(e) => {
                // The editor still works with its own settings; the log says why the file was not used.
                tracing::warn!("{}: {e:#}; using the editor's settings only", path.display());
                None
            }
        }
    });
    // The `[[scorecard]]`s of `backline.toml` (`--config`, else the nearest one) become hints on
    // each entity's file, and its `[[kind]]`s are recognised like built-in kinds. A file that
    // cannot be read costs those, not the server.
    let (scorecards, kinds) = match super::load_config(global).and_then(|config| {
        let kinds = config.custom_kinds(&super::config_base(global)?)?;
        Ok((config.scorecards, kinds))
    }) {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!("scorecard hints and custom kinds are off: {e:#}");
            Default::default()
        }
    };
    backline_lsp::run_stdio_with(backline_lsp::Project {
        settings: Some(project),
        scorecards,
        kinds: Arc::new(kinds),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `backline.toml` at `path` as a language-server settings payload: `[lints]` as `lints`, and as
/// `catalogs` the index `backline index` builds from its sources (its SQLite file once it exists,
/// or the PostgreSQL store), else its directory sources walked as files. Paths are absolute.
pub fn project_settings(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path)?;
    let config = Config::parse(&text)?;
    config.lint_levels()?;
    let base = path.parent().map_or_else(PathBuf::new, Path::to_owned);
    let settings = config.index_settings(&base, &backline_index::settings::ProcessEnv)?;
    let mut catalogs: Vec<String> = Vec::new();
    if settings.store.is_postgres() {
        catalogs.push(settings.store.url.clone());
    } else if let Some(db) = settings.store.sqlite_path().filter(|p| p.is_file()) {
        catalogs.push(db.display().to_string());
    } else {
        catalogs.extend(settings.sources.iter().filter_map(|s| match &s.kind {
            SourceKind::Dir { path } => Some(path.display().to_string()),
            SourceKind::Git { .. } | SourceKind::RemoteGit(_) | SourceKind::Backstage(_) => None,
        }));
    }
    let lints: serde_json::Map<String, Value> = config
        .lints
        .iter()
        .map(|(code, level)| {
            let level = match level {
                backline_catalog::lint_level::LintLevel::Off => "off",
                backline_catalog::lint_level::LintLevel::Hint => "hint",
                backline_catalog::lint_level::LintLevel::Warning => "warning",
                backline_catalog::lint_level::LintLevel::Error => "error",
            };
            (code.clone(), json!(level))
        })
        .collect();
    Ok(json!({ "catalogs": catalogs, "lints": lints }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backline_toml_as_editor_settings() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("backline.toml");
        std::fs::write(
            &file,
            "[lints]\nBL0101 = \"off\"\n[[source]]\nname = \"org\"\npath = \"catalog\"\n[[source]]\nname = \"r\"\ngit = \"https://h/r.git\"\n",
        )
        .unwrap();
        let value = project_settings(&file).unwrap();
        let catalog = dir.path().join("catalog").display().to_string();
        assert_eq!(value, json!({"catalogs": [catalog], "lints": {"BL0101": "off"}}));
        // Once indexed, the index (which holds the git source too) is the catalog.
        std::fs::create_dir_all(dir.path().join(".backline")).unwrap();
        std::fs::write(dir.path().join(".backline/index.db"), "").unwrap();
        let value = project_settings(&file).unwrap();
        assert_eq!(value["catalogs"], json!([dir.path().join(".backline/index.db").display().to_string()]));
        std::fs::write(&file, "[lints]\nBS0101 = \"off\"\n").unwrap();
        assert!(project_settings(&file).is_err());
    }
}

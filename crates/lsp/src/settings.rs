//! The server's settings, from `initializationOptions` and `workspace/didChangeConfiguration`.
//!
//! Settings are *pushed* by the client and never pulled: Neovim 0.7 advertises no
//! `workspace/configuration`, and awaiting a client request inside a handler is how
//! tower-lsp-server servers deadlock (the response waits behind the handler that awaits it). The payload may be wrapped
//! (`{"settings": {"backline": {...}}}`, `{"backline": {...}}`) or bare; entries that make no
//! sense are dropped one by one and reported, so one typo does not discard the rest.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use backline_catalog::Code;
use backline_catalog::lint_level::{LintLevel, LintLevels};
use backline_catalog::scorecard::Scorecard;
use serde_json::Value;

/// How much the server tells the client about what it does (`window/logMessage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum Trace {
    #[default]
    Off,
    Messages,
    Verbose,
}

/// An org-wide catalog the workspace's references may point into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CatalogSource {
    /// A directory (or a single file) of catalog files, walked like a workspace folder.
    Directory(PathBuf),
    /// A Backline index file (`*.db`).
    IndexFile(PathBuf),
    /// A PostgreSQL index.
    Postgres(String),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub catalogs: Vec<CatalogSource>,
    pub lints: LintLevels,
    pub trace: Trace,
    /// `[[scorecard]]`s of the `backline.toml` the server was started with; the editor's
    /// settings do not carry them, so a settings change keeps them.
    pub scorecards: Arc<Vec<Scorecard>>,
    /// `[[kind]]`s of the same file, kept the same way.
    pub kinds: Arc<backline_catalog::CustomKinds>,
}

/// Unwraps `{"settings": {"backline": x}}`, `{"backline": x}` and `{"settings": x}` to `x`.
fn unwrap_section(value: &Value) -> &Value {
    let mut v = value;
    for _ in 0..2 {
        if let Some(inner) = v.get("settings").filter(|i| i.is_object()) {
            v = inner;
        }
        if let Some(inner) = v.get("backline").filter(|i| i.is_object()) {
            v = inner;
        }
    }
    v
}

impl Settings {
    /// Reads a settings payload. Relative catalog paths are resolved against `base` (the first
    /// workspace folder). Returns the settings and one message per dropped entry.
    pub(crate) fn from_json(value: &Value, base: Option<&Path>) -> (Settings, Vec<String>) {
        let v = unwrap_section(value);
        let mut problems = Vec::new();
        let mut settings = Settings::default();
        match v.get("catalogs") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    match item.as_str().map(str::trim) {
                        Some("") => problems.push("catalogs: an empty entry was ignored".into()),
                        Some(s) => settings.catalogs.push(catalog_source(s, base)),
                        None => problems.push(format!("catalogs: {item} is not a string; ignored")),
                    }
                }
            }
            Some(other) => problems.push(format!("catalogs must be a list of strings, not {other}; ignored")),
        }
        match v.get("lints") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                let mut entries: Vec<(&str, LintLevel)> = Vec::new();
                for (key, level) in map {
                    let level = match level.as_str() {
                        Some("off") => LintLevel::Off,
                        Some("hint") => LintLevel::Hint,
                        Some("warning") => LintLevel::Warning,
                        Some("error") => LintLevel::Error,
                        _ => {
                            problems
                                .push(format!("lints.{key}: {level} is not one of off, hint, warning, error; ignored"));
                            continue;
                        }
                    };
                    match Code::parse(key) {
                        None => problems.push(format!("lints.{key}: not a finding code or lint name; ignored")),
                        Some(code) if !code.is_lint() => problems.push(format!(
                            "lints.{key}: {code} is a Backstage rule (Backstage refuses such entities) and stays an error; ignored"
                        )),
                        Some(_) => entries.push((key.as_str(), level)),
                    }
                }
                // Every entry was checked above, so this cannot fail; keep the defaults if it does.
                settings.lints = LintLevels::from_map(entries).unwrap_or_default();
            }
            Some(other) => {
                problems.push(format!("lints must be an object like {{\"BL0101\": \"error\"}}, not {other}; ignored"))
            }
        }
        settings.trace = match v.get("trace") {
            None | Some(Value::Null) => Trace::Off,
            Some(t) => match t.as_str() {
                Some("off") => Trace::Off,
                Some("messages") => Trace::Messages,
                Some("verbose") => Trace::Verbose,
                _ => {
                    problems.push(format!("trace: {t} is not one of off, messages, verbose; using off"));
                    Trace::Off
                }
            },
        };
        (settings, problems)
    }

    /// Whether `value` carries any of our keys at all (a `didChangeConfiguration` for another
    /// server's section must not reset ours).
    pub(crate) fn is_ours(value: &Value) -> bool {
        let v = unwrap_section(value);
        v.get("catalogs").is_some() || v.get("lints").is_some() || v.get("trace").is_some()
    }
}

/// The project's settings (`backline.toml`) with the editor's over them: where both say
/// something the editor wins, key by key (`lints` code by code; `catalogs` and `trace` as a
/// whole), since what a user sets in the editor is the more specific choice.
pub(crate) fn merge(project: Option<&Value>, editor: &Value) -> Value {
    let Some(Value::Object(project)) = project else { return editor.clone() };
    let mut out = project.clone();
    let Value::Object(editor) = unwrap_section(editor) else { return Value::Object(out) };
    for (key, value) in editor {
        if value.is_null() {
            continue;
        }
        match (key.as_str(), out.get_mut(key), value) {
            ("lints", Some(Value::Object(base)), Value::Object(over)) => {
                for (code, level) in over {
                    base.insert(code.clone(), level.clone());
                }
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

fn catalog_source(entry: &str, base: Option<&Path>) -> CatalogSource {
    if entry.starts_with("postgres://") || entry.starts_with("postgresql://") {
        return CatalogSource::Postgres(entry.to_owned());
    }
    let raw = entry.strip_prefix("file://").unwrap_or(entry);
    let path = match raw.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME").map_or_else(|| PathBuf::from(raw), |h| PathBuf::from(h).join(rest)),
        None => PathBuf::from(raw),
    };
    let path = match base {
        Some(b) if path.is_relative() => b.join(path),
        _ => path,
    };
    let path = backline_catalog::discover::normalize(&path);
    if path.extension().is_some_and(|e| e == "db" || e == "sqlite" || e == "sqlite3") {
        CatalogSource::IndexFile(path)
    } else {
        CatalogSource::Directory(path)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn wrapped_and_bare_payloads_mean_the_same() {
        let bare = json!({"catalogs": ["../org", "/srv/catalog.db", "postgres://h/db"], "lints": {"BL0101": "error", "unknown-lifecycle": "off"}, "trace": "messages"});
        for payload in
            [bare.clone(), json!({"backline": bare.clone()}), json!({"settings": {"backline": bare.clone()}})]
        {
            let (s, problems) = Settings::from_json(&payload, Some(Path::new("/work/ws")));
            assert!(problems.is_empty(), "{problems:?}");
            assert_eq!(
                s.catalogs,
                vec![
                    CatalogSource::Directory(PathBuf::from("/work/org")),
                    CatalogSource::IndexFile(PathBuf::from("/srv/catalog.db")),
                    CatalogSource::Postgres("postgres://h/db".into()),
                ]
            );
            assert_eq!(s.trace, Trace::Messages);
            assert!(Settings::is_ours(&payload));
        }
    }

    #[test]
    fn editor_settings_win_over_the_project_key_by_key() {
        let project = json!({"catalogs": ["/repo/.backline/index.db"], "lints": {"BL0101": "off", "BL0102": "hint"}});
        let editor = json!({"backline": {"lints": {"BL0101": "error"}, "trace": "verbose"}});
        let (s, problems) = Settings::from_json(&merge(Some(&project), &editor), None);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(s.catalogs, vec![CatalogSource::IndexFile(PathBuf::from("/repo/.backline/index.db"))]);
        let expected = LintLevels::from_map([("BL0101", LintLevel::Error), ("BL0102", LintLevel::Hint)]).unwrap();
        assert_eq!(
            format!("{:?}", s.lints),
            format!("{expected:?}"),
            "BL0101 from the editor, BL0102 from the project"
        );
        assert_eq!(s.trace, Trace::Verbose);
        // Editor catalogs replace the project's.
        let (s, _) = Settings::from_json(&merge(Some(&project), &json!({"catalogs": ["/org"]})), None);
        assert_eq!(s.catalogs, vec![CatalogSource::Directory(PathBuf::from("/org"))]);
        // No project file: the editor's payload as it is.
        assert_eq!(merge(None, &editor), editor);
    }

    #[test]
    fn bad_entries_are_dropped_one_by_one() {
        let (s, problems) = Settings::from_json(
            &json!({"catalogs": [3, "x"], "lints": {"BS0101": "off", "BL9999": "off", "BL0102": "loud", "BL0103": "hint"}, "trace": 1}),
            None,
        );
        assert_eq!(s.catalogs.len(), 1);
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert_eq!(s.trace, Trace::Off);
        assert!(!Settings::is_ours(&json!({"yaml": {"schemas": {}}})));
    }
}

//! The index's part of `backline.toml`: `[store]` and `[[source]]`, plus `BACKLINE_*` overrides.
//!
//! The binary reads the file and hands over [`StoreSection`] and [`SourceSection`] as written;
//! this module resolves them to settings with defaults. Relative paths are relative to
//! the directory of the configuration file (the current directory when there is none), so a
//! `backline.toml` at a repository root means the same thing from any working directory.
//!
//! Environment variables win over the file, so secrets (a PostgreSQL password in the URL) need
//! not be written into it: `BACKLINE_STORE_URL`, `BACKLINE_STORE_SEARCH`, and per source
//! `BACKLINE_SOURCE_<NAME>_PATH`, `_GIT`, `_REV` (name upper-cased, `-` and `.` as `_`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The default SQLite file, relative to the configuration directory.
pub const DEFAULT_SQLITE_PATH: &str = ".backline/index.db";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("invalid [store] section: {0}")]
    Store(String),
    #[error("invalid [[source]] #{index}: {message}")]
    Source { index: usize, message: String },
    #[error("two sources are named `{0}`; source names must be unique")]
    DuplicateSource(String),
    #[error(transparent)]
    Migration(#[from] crate::migration::MigrationError),
}

/// Where the search index lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchLocation {
    /// A directory (created if missing).
    Dir(PathBuf),
    /// In memory, rebuilt from the store when opened.
    Memory,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSettings {
    /// `sqlite://<path>` (absolute path after resolution) or `postgres://...`.
    pub url: String,
    pub search: SearchLocation,
}

impl StoreSettings {
    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres://") || self.url.starts_with("postgresql://")
    }

    /// The SQLite database file, for a SQLite URL.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.url.strip_prefix("sqlite://").or_else(|| self.url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or(rest);
        Some(PathBuf::from(path))
    }

    /// SQLite at `path`, search next to it.
    pub fn sqlite(path: &Path) -> StoreSettings {
        StoreSettings {
            url: format!("sqlite://{}", path.display()),
            search: SearchLocation::Dir(path.with_extension("search")),
        }
    }
}

/// What a source reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// A directory tree (or one file) on disk.
    Dir { path: PathBuf },
    /// A local git repository read at a revision, without a checkout.
    Git { repo: PathBuf, rev: String, paths: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSettings {
    pub name: String,
    pub kind: SourceKind,
    /// Follow Location entities' targets (default true).
    pub follow_locations: bool,
    /// A required source that fails is an error of the run; an optional one only stale.
    pub required: bool,
}

impl SourceSettings {
    pub fn dir(name: &str, path: impl Into<PathBuf>) -> SourceSettings {
        SourceSettings {
            name: name.to_owned(),
            kind: SourceKind::Dir { path: path.into() },
            follow_locations: true,
            required: true,
        }
    }

    pub fn git(name: &str, repo: impl Into<PathBuf>, rev: &str) -> SourceSettings {
        SourceSettings {
            name: name.to_owned(),
            kind: SourceKind::Git { repo: repo.into(), rev: rev.to_owned(), paths: Vec::new() },
            follow_locations: true,
            required: true,
        }
    }

    /// What is shown and stored as the source's location.
    pub fn location(&self) -> String {
        match &self.kind {
            SourceKind::Dir { path } => path.display().to_string(),
            SourceKind::Git { repo, rev, .. } => format!("{}@{rev}", repo.display()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSettings {
    pub store: StoreSettings,
    pub sources: Vec<SourceSettings>,
    /// `[[migration]]`s, whose progress every run records.
    pub migrations: Vec<crate::migration::Migration>,
}

/// `[store]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSection {
    url: Option<String>,
    /// A directory, or `"memory"`.
    search: Option<String>,
}

/// One `[[source]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSection {
    name: String,
    path: Option<String>,
    git: Option<String>,
    rev: Option<String>,
    /// For git sources: where in the tree to start (default: the whole tree).
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default = "yes")]
    follow_locations: bool,
    /// `required` (default) or `optional`, as Backstage's Location `presence`.
    presence: Option<String>,
}

fn yes() -> bool {
    true
}

/// Reads an environment variable; an abstraction so tests can pass a map.
pub trait Env {
    fn var(&self, key: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.is_empty())
    }
}

impl<S: std::hash::BuildHasher> Env for std::collections::HashMap<String, String, S> {
    fn var(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

fn env_key(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

/// Resolves `path` against `base` unless it is absolute.
fn resolve(base: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        backline_catalog::discover::normalize(p)
    } else {
        backline_catalog::discover::normalize(&base.join(p))
    }
}

/// Turns a store URL from the file into its final form: SQLite paths resolved against `base`.
fn store_url(base: &Path, url: &str) -> Result<String, SettingsError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(url.to_owned());
    }
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).ok_or_else(|| {
        SettingsError::Store(format!("unsupported store url `{url}`; use sqlite://<file> or postgres://..."))
    })?;
    let (path, query) = rest.split_once('?').map_or((rest, None), |(p, q)| (p, Some(q)));
    if path.is_empty() || path == ":memory:" {
        return Err(SettingsError::Store(
            "an in-memory SQLite store cannot be shared between runs; give a file".into(),
        ));
    }
    let path = resolve(base, path);
    Ok(match query {
        Some(q) => format!("sqlite://{}?{q}", path.display()),
        None => format!("sqlite://{}", path.display()),
    })
}

impl IndexSettings {
    /// The index settings of the `[store]` and `[[source]]` sections, with relative paths
    /// resolved against `base` (the configuration file's directory) and `BACKLINE_*` overrides
    /// from `env`.
    pub fn from_sections(
        store: Option<&StoreSection>,
        source_sections: &[SourceSection],
        base: &Path,
        env: &dyn Env,
    ) -> Result<IndexSettings, SettingsError> {
        let raw_store = store.cloned().unwrap_or_default();
        let url = env.var("BACKLINE_STORE_URL").or(raw_store.url);
        let url = match url {
            Some(u) => store_url(base, &u)?,
            None => format!("sqlite://{}", resolve(base, DEFAULT_SQLITE_PATH).display()),
        };
        let search = env.var("BACKLINE_STORE_SEARCH").or(raw_store.search);
        let search = match search.as_deref() {
            Some("memory") => SearchLocation::Memory,
            Some(dir) => SearchLocation::Dir(resolve(base, dir)),
            None => default_search(base, &url),
        };
        let store = StoreSettings { url, search };

        let mut sources = Vec::new();
        let mut names = HashSet::new();
        for (i, raw) in source_sections.iter().enumerate() {
            let index = i + 1;
            let raw = raw.clone();
            if raw.name.trim().is_empty() {
                return Err(SettingsError::Source { index, message: "`name` must not be empty".into() });
            }
            if !names.insert(raw.name.clone()) {
                return Err(SettingsError::DuplicateSource(raw.name));
            }
            let key = env_key(&raw.name);
            let path = env.var(&format!("BACKLINE_SOURCE_{key}_PATH")).or(raw.path);
            let git = env.var(&format!("BACKLINE_SOURCE_{key}_GIT")).or(raw.git);
            let rev = env.var(&format!("BACKLINE_SOURCE_{key}_REV")).or(raw.rev);
            let kind = match (path, git) {
                (Some(path), None) => {
                    if rev.is_some() {
                        return Err(SettingsError::Source {
                            index,
                            message: "`rev` only applies to `git` sources".into(),
                        });
                    }
                    SourceKind::Dir { path: resolve(base, &path) }
                }
                (None, Some(repo)) => SourceKind::Git {
                    repo: resolve(base, &repo),
                    rev: rev.unwrap_or_else(|| "HEAD".to_owned()),
                    paths: raw.paths,
                },
                (Some(_), Some(_)) => {
                    return Err(SettingsError::Source {
                        index,
                        message: "give either `path` or `git`, not both".into(),
                    });
                }
                (None, None) => {
                    return Err(SettingsError::Source {
                        index,
                        message: "a source needs `path = \"<directory>\"` or `git = \"<repository>\"`".into(),
                    });
                }
            };
            let required = match raw.presence.as_deref() {
                None | Some("required") => true,
                Some("optional") => false,
                Some(other) => {
                    return Err(SettingsError::Source {
                        index,
                        message: format!("`presence` must be `required` or `optional`, not `{other}`"),
                    });
                }
            };
            sources.push(SourceSettings { name: raw.name, kind, follow_locations: raw.follow_locations, required });
        }
        Ok(IndexSettings { store, sources, migrations: Vec::new() })
    }
}

/// SQLite: a directory next to the database file. PostgreSQL: a directory under
/// `.backline/` named after the server and database, so two stores never share one.
fn default_search(base: &Path, url: &str) -> SearchLocation {
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let path = PathBuf::from(rest.split('?').next().unwrap_or(rest));
        return SearchLocation::Dir(path.with_extension("search"));
    }
    // Drop credentials and options; keep host, port and database.
    let without_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    let host_db = without_scheme.rsplit_once('@').map_or(without_scheme, |(_, r)| r);
    let host_db = host_db.split('?').next().unwrap_or(host_db);
    let slug: String = host_db.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    SearchLocation::Dir(resolve(base, &format!(".backline/search-pg-{slug}")))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[derive(Deserialize)]
    struct File {
        store: Option<StoreSection>,
        #[serde(default)]
        source: Vec<SourceSection>,
    }

    fn settings(toml: &str, env: &[(&str, &str)]) -> Result<IndexSettings, String> {
        let file: File = toml::from_str(toml).map_err(|e| e.to_string())?;
        let env: HashMap<String, String> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        IndexSettings::from_sections(file.store.as_ref(), &file.source, Path::new("/repo"), &env)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn defaults() {
        let s = settings("", &[]).unwrap();
        assert_eq!(s.store.url, "sqlite:///repo/.backline/index.db");
        assert_eq!(s.store.search, SearchLocation::Dir("/repo/.backline/index.search".into()));
        assert!(s.sources.is_empty());
    }

    #[test]
    fn sources_and_overrides() {
        let toml = r#"
[store]
url = "sqlite://data/x.db"
[[source]]
name = "north-wind"
path = "examples/catalog"
[[source]]
name = "platform"
git = "../platform"
rev = "main"
presence = "optional"
"#;
        let s = settings(toml, &[]).unwrap();
        assert_eq!(s.store.url, "sqlite:///repo/data/x.db");
        assert_eq!(s.sources[0].kind, SourceKind::Dir { path: "/repo/examples/catalog".into() });
        assert_eq!(s.sources[1].kind, SourceKind::Git { repo: "/platform".into(), rev: "main".into(), paths: vec![] });
        assert!(!s.sources[1].required);

        let s = settings(
            toml,
            &[
                ("BACKLINE_STORE_URL", "postgres://u:secret@db:5432/cat"),
                ("BACKLINE_SOURCE_NORTH_WIND_PATH", "/elsewhere"),
                ("BACKLINE_SOURCE_PLATFORM_REV", "v2"),
            ],
        )
        .unwrap();
        assert_eq!(s.store.url, "postgres://u:secret@db:5432/cat");
        assert_eq!(s.store.search, SearchLocation::Dir("/repo/.backline/search-pg-db-5432-cat".into()));
        assert_eq!(s.sources[0].kind, SourceKind::Dir { path: "/elsewhere".into() });
        assert!(matches!(&s.sources[1].kind, SourceKind::Git { rev, .. } if rev == "v2"));
    }

    #[test]
    fn errors() {
        let bad = [
            "[[source]]\nname = \"a\"",
            "[[source]]\nname = \"a\"\npath = \"x\"\ngit = \"y\"",
            "[[source]]\nname = \"a\"\npath = \"x\"\n[[source]]\nname = \"a\"\npath = \"y\"",
            "[[source]]\nname = \"a\"\npath = \"x\"\nrev = \"main\"",
            "[[source]]\nname = \"a\"\npath = \"x\"\npresence = \"maybe\"",
            "[[source]]\nname = \"a\"\npath = \"x\"\ncolour = 1",
            "[store]\nurl = \"mysql://x\"",
        ];
        for toml in bad {
            assert!(settings(toml, &[]).is_err(), "{toml}");
        }
    }
}

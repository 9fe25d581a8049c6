//! The index's part of `backline.toml`: `[store]` and `[[source]]`, plus `BACKLINE_*` overrides.
//!
//! The binary reads the file and hands over [`StoreSection`] and [`SourceSection`] as written;
//! this module resolves them to settings with defaults. Relative paths are relative to
//! the directory of the configuration file (the current directory when there is none), so a
//! `backline.toml` at a repository root means the same thing from any working directory.
//!
//! Environment variables win over the file, so secrets (a PostgreSQL password in the URL) need
//! not be written into it: `BACKLINE_STORE_URL`, `BACKLINE_STORE_SEARCH`, and per source
//! `BACKLINE_SOURCE_<NAME>_PATH`, `_GIT`, `_REV`, `_MIRROR`, `_BACKSTAGE` (name upper-cased, `-`
//! and `.` as `_`). A remote git source's HTTPS token comes only from the environment
//! (`BACKLINE_SOURCE_<NAME>_TOKEN`, with `_TOKEN_USER`), never from the file; a Backstage
//! source's token neither: `token_env` names the variable.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::remote_git::{self, GitToken, RemoteGit};

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
    /// A remote git repository, fetched into a bare mirror and read like a local one.
    RemoteGit(RemoteGit),
    /// A running Backstage's catalog. The index does no HTTP: the binary fetches it and hands
    /// the entities over with [`crate::Index::apply_remote`].
    Backstage(BackstageSource),
}

/// Where a Backstage source is and how to read it: plain settings, turned into a client by the
/// binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackstageSource {
    /// The backend's base URL (`backend.baseUrl`).
    pub url: String,
    /// The frontend's base URL (`app.baseUrl`), for links to entity pages.
    pub frontend_url: Option<String>,
    /// The variable holding the static token (the client's default when `None`).
    pub token_env: Option<String>,
    /// Backstage filter sets (`kind=user,metadata.namespace=default`); empty: everything.
    pub filter: Vec<String>,
    /// Entities per page of a full sync.
    pub page_size: Option<u32>,
    /// Per request, connection to last byte.
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSettings {
    pub name: String,
    pub kind: SourceKind,
    /// Follow Location entities' targets (default true).
    pub follow_locations: bool,
    /// A required source that fails is an error of the run; an optional one only stale.
    pub required: bool,
    /// Directories outside a directory source that its Location targets may read (`[locations]
    /// allow`, as `check` applies it), so the index and `check` read the same files.
    pub allowed_locations: Vec<PathBuf>,
}

impl SourceSettings {
    pub fn dir(name: &str, path: impl Into<PathBuf>) -> SourceSettings {
        SourceSettings {
            name: name.to_owned(),
            kind: SourceKind::Dir { path: path.into() },
            follow_locations: true,
            required: true,
            allowed_locations: Vec::new(),
        }
    }

    pub fn git(name: &str, repo: impl Into<PathBuf>, rev: &str) -> SourceSettings {
        SourceSettings {
            name: name.to_owned(),
            kind: SourceKind::Git { repo: repo.into(), rev: rev.to_owned(), paths: Vec::new() },
            follow_locations: true,
            required: true,
            allowed_locations: Vec::new(),
        }
    }

    /// A remote repository at `url`, mirrored into `mirror`, shallow, with no token.
    pub fn remote_git(name: &str, url: &str, rev: &str, mirror: impl Into<PathBuf>) -> SourceSettings {
        SourceSettings {
            name: name.to_owned(),
            kind: SourceKind::RemoteGit(RemoteGit {
                url: url.to_owned(),
                rev: rev.to_owned(),
                paths: Vec::new(),
                mirror: mirror.into(),
                shallow: true,
                token: None,
                token_user: None,
                timeout: remote_git::DEFAULT_TIMEOUT,
            }),
            follow_locations: true,
            required: true,
            allowed_locations: Vec::new(),
        }
    }

    /// What is shown and stored as the source's location.
    pub fn location(&self) -> String {
        match &self.kind {
            SourceKind::Dir { path } => path.display().to_string(),
            SourceKind::Git { repo, rev, .. } => format!("{}@{rev}", repo.display()),
            SourceKind::RemoteGit(remote) => remote.location(),
            SourceKind::Backstage(b) => b.url.clone(),
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
    /// A running Backstage backend's base URL.
    backstage: Option<String>,
    /// For Backstage sources: the frontend's base URL, for entity page links.
    frontend_url: Option<String>,
    /// For Backstage sources: the environment variable holding the static token.
    token_env: Option<String>,
    /// For Backstage sources: filter sets, each `key=value[,key=value…]`.
    #[serde(default)]
    filter: Vec<String>,
    /// For Backstage sources: entities per page of a full sync.
    page_size: Option<u32>,
    /// For Backstage sources: per request timeout in milliseconds.
    timeout_ms: Option<u64>,
    #[serde(default = "yes")]
    follow_locations: bool,
    /// `required` (default) or `optional`, as Backstage's Location `presence`.
    presence: Option<String>,
    /// For remote git sources: the bare mirror's directory (default: `git/<name>` beside the
    /// SQLite file, or under `.backline/` for PostgreSQL).
    mirror: Option<String>,
    /// For remote git sources: fetch only the tip (default true).
    shallow: Option<bool>,
    /// For remote git sources: how long one git command may take (default 120).
    timeout_secs: Option<u64>,
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
            let mirror = env.var(&format!("BACKLINE_SOURCE_{key}_MIRROR")).or(raw.mirror);
            let backstage = env.var(&format!("BACKLINE_SOURCE_{key}_BACKSTAGE")).or(raw.backstage);
            let fail = |message: &str| SettingsError::Source { index, message: message.to_owned() };
            let is_remote = git.as_deref().is_some_and(remote_git::is_remote_url);
            if !is_remote && (mirror.is_some() || raw.shallow.is_some() || raw.timeout_secs.is_some()) {
                return Err(fail("`mirror`, `shallow` and `timeout_secs` only apply to remote `git` URLs"));
            }
            let backstage_only = raw.frontend_url.is_some()
                || raw.token_env.is_some()
                || !raw.filter.is_empty()
                || raw.page_size.is_some()
                || raw.timeout_ms.is_some();
            if backstage.is_none() && backstage_only {
                return Err(fail(
                    "`frontend_url`, `token_env`, `filter`, `page_size` and `timeout_ms` only apply to `backstage` sources",
                ));
            }
            if (rev.is_some() || !raw.paths.is_empty()) && git.is_none() {
                return Err(fail("`rev` and `paths` only apply to `git` sources"));
            }
            let kind = match (path, git, backstage) {
                (Some(path), None, None) => SourceKind::Dir { path: resolve(base, &path) },
                (None, Some(url), None) if is_remote => {
                    let token = env.var(&format!("BACKLINE_SOURCE_{key}_TOKEN"));
                    let scheme = url.split("://").next().unwrap_or("").to_ascii_lowercase();
                    if token.is_some() && scheme != "https" && scheme != "http" {
                        return Err(SettingsError::Source {
                            index,
                            message: format!(
                                "BACKLINE_SOURCE_{key}_TOKEN is for https:// URLs; SSH uses your agent or key"
                            ),
                        });
                    }
                    let mirror = match mirror {
                        Some(m) => resolve(base, &m),
                        None => default_mirror(base, &store.url, &raw.name),
                    };
                    SourceKind::RemoteGit(RemoteGit {
                        url,
                        rev: rev.unwrap_or_else(|| "HEAD".to_owned()),
                        paths: raw.paths,
                        mirror,
                        shallow: raw.shallow.unwrap_or(true),
                        token: token.map(GitToken::new),
                        token_user: env.var(&format!("BACKLINE_SOURCE_{key}_TOKEN_USER")),
                        timeout: raw
                            .timeout_secs
                            .map_or(remote_git::DEFAULT_TIMEOUT, |s| std::time::Duration::from_secs(s.max(1))),
                    })
                }
                (None, Some(repo), None) => SourceKind::Git {
                    repo: resolve(base, &repo),
                    rev: rev.unwrap_or_else(|| "HEAD".to_owned()),
                    paths: raw.paths,
                },
                (None, None, Some(url)) => SourceKind::Backstage(BackstageSource {
                    url,
                    frontend_url: raw.frontend_url,
                    token_env: raw.token_env,
                    filter: raw.filter,
                    page_size: raw.page_size,
                    timeout_ms: raw.timeout_ms,
                }),
                (None, None, None) => {
                    return Err(fail(
                        "a source needs `path = \"<directory>\"`, `git = \"<repository>\"` or `backstage = \"<backend URL>\"`",
                    ));
                }
                _ => return Err(fail("give one of `path`, `git` or `backstage`, not several")),
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
            sources.push(SourceSettings {
                name: raw.name,
                kind,
                follow_locations: raw.follow_locations,
                required,
                allowed_locations: Vec::new(),
            });
        }
        Ok(IndexSettings { store, sources, migrations: Vec::new() })
    }
}

/// Where a remote source's mirror lives by default: `git/<name>` in the SQLite file's
/// directory, so the store directory holds everything Backline keeps; for PostgreSQL,
/// `.backline/git/<name>` under the configuration's directory.
fn default_mirror(base: &Path, store_url: &str, name: &str) -> PathBuf {
    let slug: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    let dir = match store_url.strip_prefix("sqlite://") {
        Some(rest) => PathBuf::from(rest.split('?').next().unwrap_or(rest)).parent().map(Path::to_owned),
        None => None,
    };
    dir.unwrap_or_else(|| resolve(base, ".backline")).join("git").join(slug)
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
    fn remote_git_sources() {
        let toml = r#"
[[source]]
name = "org.catalog"
git = "https://git.example.com/acme/catalog.git"
rev = "v2"
paths = ["catalog"]
[[source]]
name = "ssh"
git = "git@github.com:acme/catalog.git"
mirror = "cache/ssh"
shallow = false
timeout_secs = 5
"#;
        let s = settings(toml, &[("BACKLINE_SOURCE_ORG_CATALOG_TOKEN", "t0k")]).unwrap();
        let SourceKind::RemoteGit(https) = &s.sources[0].kind else { panic!("{:?}", s.sources[0].kind) };
        assert_eq!(https.mirror, PathBuf::from("/repo/.backline/git/org_catalog"));
        assert_eq!(
            (https.rev.as_str(), https.paths.as_slice(), https.shallow),
            ("v2", &["catalog".to_owned()][..], true)
        );
        assert_eq!(https.token, Some(GitToken::new("t0k".into())));
        assert!(!format!("{:?}", s.sources).contains("t0k"));
        let SourceKind::RemoteGit(ssh) = &s.sources[1].kind else { panic!("{:?}", s.sources[1].kind) };
        assert_eq!(ssh.mirror, PathBuf::from("/repo/cache/ssh"));
        assert_eq!((ssh.rev.as_str(), ssh.shallow, ssh.timeout.as_secs()), ("HEAD", false, 5));
        assert_eq!(s.sources[1].location(), "git@github.com:acme/catalog.git@HEAD");

        // PostgreSQL: mirrors under .backline; a token for an SSH URL is refused, not ignored.
        let s = settings(toml, &[("BACKLINE_STORE_URL", "postgres://db/x")]).unwrap();
        assert!(
            matches!(&s.sources[0].kind, SourceKind::RemoteGit(r) if r.mirror == Path::new("/repo/.backline/git/org_catalog"))
        );
        let err = settings(toml, &[("BACKLINE_SOURCE_SSH_TOKEN", "t0k")]).unwrap_err();
        assert!(err.contains("SSH uses your agent") && !err.contains("t0k"), "{err}");
        let err = settings("[[source]]\nname = \"a\"\ngit = \"../local\"\nmirror = \"m\"", &[]).unwrap_err();
        assert!(err.contains("only apply to remote"), "{err}");
    }

    #[test]
    fn backstage_sources() {
        let toml = r#"
[[source]]
name = "portal"
backstage = "https://backstage.example.com"
frontend_url = "https://portal.example.com"
token_env = "PORTAL_TOKEN"
filter = ["kind=user"]
presence = "optional"
"#;
        let s = settings(toml, &[]).unwrap();
        let SourceKind::Backstage(b) = &s.sources[0].kind else { panic!("{:?}", s.sources[0].kind) };
        assert_eq!(b.url, "https://backstage.example.com");
        assert_eq!(b.frontend_url.as_deref(), Some("https://portal.example.com"));
        assert_eq!(b.token_env.as_deref(), Some("PORTAL_TOKEN"));
        assert_eq!(b.filter, ["kind=user"]);
        assert_eq!(s.sources[0].location(), "https://backstage.example.com");
        assert!(!s.sources[0].required);
        let s = settings(toml, &[("BACKLINE_SOURCE_PORTAL_BACKSTAGE", "http://127.0.0.1:7007")]).unwrap();
        assert!(matches!(&s.sources[0].kind, SourceKind::Backstage(b) if b.url == "http://127.0.0.1:7007"));
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
            "[[source]]\nname = \"a\"\npath = \"x\"\nbackstage = \"http://bs\"",
            "[[source]]\nname = \"a\"\npath = \"x\"\ntoken_env = \"T\"",
            "[[source]]\nname = \"a\"\nbackstage = \"http://bs\"\nrev = \"main\"",
            "[store]\nurl = \"mysql://x\"",
        ];
        for toml in bad {
            assert!(settings(toml, &[]).is_err(), "{toml}");
        }
    }
}

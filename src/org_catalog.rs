//! The org catalog of `backline check --catalog`: entities defined outside the checked files
//! (the rest of the organisation's catalog), so a per-repository `catalog-info.yaml` whose owner,
//! system and APIs live elsewhere checks clean, while a reference that resolves nowhere is still
//! reported, and so is an entity the org catalog already defines in another place.
//!
//! A catalog is given as an index file (`*.db`, `*.sqlite`, `*.sqlite3`, as `backline index`
//! builds), a PostgreSQL URL (`postgres://…`), a directory (or file) of catalog files, or a
//! running Backstage's backend URL (`https://…`, read with `backline-backstage` as a
//! `[[source]]` with `backstage = …` is: the settings of such a source with the same URL if
//! `backline.toml` has one, and the static token from its `token_env`, by default
//! `BACKLINE_BACKSTAGE_TOKEN`). Each entity comes with where the catalog defines it, as far as
//! it knows ([`Origin`]): the path below the directory for a directory (the same file, or the
//! same file of another checkout), the path within its source for an index, Backstage's
//! `managed-by-location` annotations for Backstage. They go to
//! [`backline_catalog::catalog::CatalogIndex::build_with_org`], which resolves references to
//! them without holding what it cannot see against the checked files (an external Group counts
//! as having members), and compares their origins with the checked files' [`identity`] to tell
//! the org catalog's copy of this very file from a duplicate.

use std::path::{Component, Path, PathBuf};

use anyhow::Context;
use backline_backstage::{Backstage, RemoteEntity};
use backline_catalog::discover::{DiscoverOptions, RealFs, discover_with};
use backline_catalog::origin::{FileIdentity, OrgEntity, Origin, Place};
use backline_catalog::{EntityRef, parse_entity_ref};
use backline_index::{BackstageSource, EntityOrigin, SearchLocation, SourceKind, SourceSettings, Store, StoreSettings};

/// One `--catalog` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgCatalog {
    /// A Backline SQLite index file.
    IndexFile(PathBuf),
    /// A Backline index on PostgreSQL.
    Postgres(String),
    /// Catalog files, walked as `check` walks them.
    Files(PathBuf),
    /// A running Backstage backend, by its base URL as given.
    Backstage(String),
}

impl OrgCatalog {
    /// Reads a `--catalog` value; relative paths are relative to `cwd`.
    pub fn parse(value: &str, cwd: &Path) -> OrgCatalog {
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            return OrgCatalog::Postgres(value.to_owned());
        }
        let lower = value.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return OrgCatalog::Backstage(value.to_owned());
        }
        let raw = value.strip_prefix("sqlite://").unwrap_or(value);
        let path = backline_catalog::discover::normalize(&cwd.join(raw));
        if value.starts_with("sqlite://")
            || path.extension().is_some_and(|e| e == "db" || e == "sqlite" || e == "sqlite3")
        {
            OrgCatalog::IndexFile(path)
        } else {
            OrgCatalog::Files(path)
        }
    }

    /// For messages: paths as given, URLs without their credentials (and a Backstage URL without
    /// its query, where a token may have been pasted).
    fn describe(&self) -> String {
        match self {
            OrgCatalog::IndexFile(p) | OrgCatalog::Files(p) => p.display().to_string(),
            OrgCatalog::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(s), Some(at)) if at > s => format!("{}***{}", &url[..s + 3], &url[at..]),
                _ => url.clone(),
            },
            OrgCatalog::Backstage(url) => redact_http(url).0,
        }
    }

    /// Every entity this catalog defines, with where it defines it. `sources` are the configured
    /// `[[source]]`s, whose settings a Backstage URL reuses.
    pub fn entities(&self, sources: &[SourceSettings]) -> anyhow::Result<Vec<OrgEntity>> {
        let store = match self {
            OrgCatalog::Files(path) => return files(path.clone()),
            OrgCatalog::Backstage(url) => return self.backstage(url, sources),
            OrgCatalog::IndexFile(path) => {
                anyhow::ensure!(
                    path.is_file(),
                    "--catalog {}: the index file does not exist (build it with `backline index`)",
                    path.display()
                );
                let search = path.with_extension("search");
                StoreSettings {
                    url: format!("sqlite://{}", path.display()),
                    search: if search.is_dir() { SearchLocation::Dir(search) } else { SearchLocation::Memory },
                }
            }
            OrgCatalog::Postgres(url) => StoreSettings { url: url.clone(), search: SearchLocation::Memory },
        };
        let rows = runtime()?.block_on(async {
            // The store alone: existence and place are all a check needs, so no search index
            // is opened.
            let store = Store::open(&store)
                .await
                .with_context(|| format!("--catalog {}: cannot open the index", self.describe()))?;
            let rows = store.entity_origins().await;
            store.close().await;
            rows.with_context(|| format!("--catalog {}: cannot list its entities", self.describe()))
        })?;
        let described = self.describe();
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let entity_ref = parse_entity_ref(&row.entity_ref, None, None).ok()?;
                Some(OrgEntity { entity_ref, origin: indexed_origin(&row, &described) })
            })
            .collect())
    }

    /// The whole catalog of a running Backstage (`Location`s left out by the client).
    fn backstage(&self, url: &str, sources: &[SourceSettings]) -> anyhow::Result<Vec<OrgEntity>> {
        let (described, clean) = redact_http(url);
        let configured = sources.iter().find_map(|s| match &s.kind {
            SourceKind::Backstage(b) if same_url(&b.url, url) => Some(b.clone()),
            _ => None,
        });
        let settings = configured.unwrap_or_else(|| BackstageSource {
            url: url.to_owned(),
            frontend_url: None,
            token_env: None,
            filter: Vec::new(),
            page_size: None,
            timeout_ms: None,
        });
        let token_env = settings.token_env.as_deref().unwrap_or(backline_backstage::ENV_TOKEN);
        // The client quotes a URL it refuses; one with credentials or a query is refused here,
        // unquoted.
        anyhow::ensure!(
            clean,
            "--catalog {described}: give the Backstage backend's base URL alone, without credentials or a query; the token is read from {token_env}"
        );
        let config = crate::backstage::section(&settings)
            .resolve_from_env()
            .with_context(|| format!("--catalog {described}"))?;
        let base = config.base_url.clone();
        let client = Backstage::new(config).with_context(|| format!("--catalog {described}"))?;
        let sync = runtime()?.block_on(client.full_sync()).with_context(|| format!("--catalog {described}"))?;
        Ok(sync
            .entities
            .into_iter()
            .map(|e| {
                let origin = backstage_origin(&e, &format!("Backstage at {base}"));
                let r = e.entity_ref;
                OrgEntity { entity_ref: EntityRef { kind: r.kind, namespace: r.namespace, name: r.name }, origin }
            })
            .collect())
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")
}

/// The entities of a directory (or file) of catalog files, each at its path below the
/// directory (another checkout of the same repository has the same one), or at its real path
/// when a Location led outside it.
fn files(path: PathBuf) -> anyhow::Result<Vec<OrgEntity>> {
    anyhow::ensure!(path.exists(), "--catalog {}: no such file or directory", path.display());
    let root = std::fs::canonicalize(&path)
        .with_context(|| format!("--catalog {}: cannot resolve the path", path.display()))?;
    let base = if root.is_file() { root.parent().map(Path::to_owned).unwrap_or_default() } else { root };
    let options = DiscoverOptions { follow_locations: true, ..DiscoverOptions::default() };
    let found = discover_with(&RealFs, &[path], &options, |file| {
        let place = std::fs::canonicalize(&file.path).ok().map(|real| match real.strip_prefix(&base) {
            Ok(relative) if !relative.as_os_str().is_empty() => Place::Relative(slashed(relative)),
            Ok(_) | Err(_) => Place::Real(real),
        });
        let parsed = &file.parsed;
        parsed
            .entities()
            .map(|e| OrgEntity {
                entity_ref: e.entity_ref.clone(),
                origin: place.clone().map(|place| Origin {
                    label: format!("{}:{}", parsed.path, parsed.line_index.line_col(e.name_range.start).line),
                    place,
                }),
            })
            .collect::<Vec<_>>()
    });
    Ok(found.files.into_iter().flatten().collect())
}

/// A relative path's parts joined with `/`.
fn slashed(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

/// Where an index says an entity is defined: a file within its source, or for a Backstage source
/// the location Backstage read it from.
fn indexed_origin(row: &EntityOrigin, index: &str) -> Option<Origin> {
    if row.source_kind == "backstage" {
        let locations: Vec<String> =
            [&row.managed_by_location, &row.managed_by_origin_location].into_iter().flatten().cloned().collect();
        let shown = location_target(locations.first()?).to_owned();
        return Some(Origin {
            label: format!("{shown} (source `{}` of {index})", row.source),
            place: Place::Locations(locations),
        });
    }
    (!row.path.is_empty()).then(|| Origin {
        label: format!("{}:{} (source `{}` of {index})", row.path, row.line, row.source),
        place: Place::Relative(row.path.clone()),
    })
}

/// Where Backstage says it read an entity from; `None` without its location annotations.
fn backstage_origin(e: &RemoteEntity, backstage: &str) -> Option<Origin> {
    let locations: Vec<String> =
        [&e.managed_by_location, &e.managed_by_origin_location].into_iter().flatten().cloned().collect();
    let first = locations.first()?;
    Some(Origin { label: format!("{} ({backstage})", location_target(first)), place: Place::Locations(locations) })
}

/// `url:https://…` → `https://…`: a location's target, as people read it.
fn location_target(location: &str) -> &str {
    location.strip_prefix("url:").or_else(|| location.strip_prefix("file:")).unwrap_or(location)
}

/// A URL without credentials, query or fragment, and whether it had none of them.
fn redact_http(url: &str) -> (String, bool) {
    let Some((scheme, rest)) = url.split_once("://") else { return (url.to_owned(), true) };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, credentials) = match authority.rfind('@') {
        Some(at) => (format!("***{}", &authority[at..]), true),
        None => (authority.to_owned(), false),
    };
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let clean = !credentials && path_end == tail.len();
    (format!("{scheme}://{host}{}", &tail[..path_end]), clean)
}

/// Whether two backend URLs name the same backend (case of scheme and host, a trailing `/`).
fn same_url(a: &str, b: &str) -> bool {
    let norm = |u: &str| {
        let u = u.trim().trim_end_matches('/');
        match u.split_once("://") {
            Some((scheme, rest)) => {
                let end = rest.find('/').unwrap_or(rest.len());
                format!("{}://{}{}", scheme.to_ascii_lowercase(), rest[..end].to_ascii_lowercase(), &rest[end..])
            }
            None => u.to_owned(),
        }
    };
    norm(a) == norm(b)
}

/// The entities of every `--catalog`, in order. `sources` are the configured `[[source]]`s.
pub fn entities(values: &[String], sources: &[SourceSettings]) -> anyhow::Result<Vec<OrgEntity>> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut out = Vec::new();
    for value in values {
        out.extend(OrgCatalog::parse(value, &cwd).entities(sources)?);
    }
    Ok(out)
}

/// Whether any `--catalog` is a Backstage URL, so `check` reads the sources of `backline.toml`
/// only then.
pub fn wants_sources(values: &[String]) -> bool {
    let cwd = Path::new("/");
    values.iter().any(|v| matches!(OrgCatalog::parse(v, cwd), OrgCatalog::Backstage(_)))
}

/// What is known of a checked file to compare with an org catalog's origins: its real path, and
/// its path within its repository (below the nearest directory holding `.git`; without one,
/// its name alone, which errs towards calling it the same file). `None` when it cannot be
/// resolved.
pub fn identity(path: &Path) -> Option<FileIdentity> {
    let real = std::fs::canonicalize(path).ok()?;
    let root = real.ancestors().skip(1).find(|dir| dir.join(".git").exists());
    let relative = match root.and_then(|root| real.strip_prefix(root).ok()) {
        Some(relative) => relative.to_owned(),
        None => PathBuf::from(real.file_name()?),
    };
    Some(FileIdentity { in_repository: slashed(&relative), real })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_kinds() {
        let cwd = Path::new("/repo");
        assert_eq!(
            OrgCatalog::parse(".backline/index.db", cwd),
            OrgCatalog::IndexFile("/repo/.backline/index.db".into())
        );
        assert_eq!(OrgCatalog::parse("sqlite:///srv/org", cwd), OrgCatalog::IndexFile("/srv/org".into()));
        assert_eq!(OrgCatalog::parse("postgres://u:p@db/x", cwd), OrgCatalog::Postgres("postgres://u:p@db/x".into()));
        assert_eq!(OrgCatalog::parse("../org", cwd), OrgCatalog::Files("/org".into()));
        assert_eq!(
            OrgCatalog::parse("https://backstage.example.com", cwd),
            OrgCatalog::Backstage("https://backstage.example.com".into())
        );
        assert_eq!(OrgCatalog::parse("HTTP://bs:7007", cwd), OrgCatalog::Backstage("HTTP://bs:7007".into()));
        assert_eq!(OrgCatalog::Postgres("postgres://u:p@db/x".into()).describe(), "postgres://***@db/x");
    }

    #[test]
    fn backstage_urls_are_shown_without_credentials_or_query() {
        for (url, shown, clean) in [
            ("https://backstage.example.com", "https://backstage.example.com", true),
            ("https://backstage.example.com/", "https://backstage.example.com/", true),
            ("http://127.0.0.1:7007/backstage", "http://127.0.0.1:7007/backstage", true),
            ("https://me:s3cret@backstage.example.com/x", "https://***@backstage.example.com/x", false),
            ("https://backstage.example.com?token=s3cret", "https://backstage.example.com", false),
            ("https://backstage.example.com/#s3cret", "https://backstage.example.com/", false),
        ] {
            assert_eq!(redact_http(url), (shown.to_owned(), clean), "{url}");
        }
        assert!(same_url("HTTPS://Backstage.example.com/", "https://backstage.example.com"));
        assert!(!same_url("https://backstage.example.com/a", "https://backstage.example.com/b"));
    }

    #[test]
    fn origins_from_an_index() {
        let row = |kind: &str, path: &str, location: Option<&str>| EntityOrigin {
            entity_ref: "group:default/team-a".into(),
            source: "org".into(),
            source_kind: kind.into(),
            path: path.into(),
            line: 4,
            managed_by_location: location.map(str::to_owned),
            managed_by_origin_location: None,
        };
        let from_dir = indexed_origin(&row("dir", "teams/a.yaml", None), "index.db").unwrap();
        assert_eq!(from_dir.label, "teams/a.yaml:4 (source `org` of index.db)");
        assert_eq!(from_dir.place, Place::Relative("teams/a.yaml".into()));
        let location = "url:https://github.com/acme/org/blob/main/teams.yaml";
        let from_backstage =
            indexed_origin(&row("backstage", "https://portal/catalog/default/group/team-a", Some(location)), "x.db")
                .unwrap();
        assert_eq!(from_backstage.label, "https://github.com/acme/org/blob/main/teams.yaml (source `org` of x.db)");
        assert_eq!(from_backstage.place, Place::Locations(vec![location.to_owned()]));
        assert_eq!(indexed_origin(&row("backstage", "https://portal/x", None), "x.db"), None);
    }

    #[test]
    fn a_file_is_known_by_its_path_in_its_repository() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("payments");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("services/api")).unwrap();
        let file = repo.join("services/api/catalog-info.yaml");
        std::fs::write(&file, "").unwrap();
        let id = identity(&file).unwrap();
        assert_eq!(id.real, std::fs::canonicalize(&file).unwrap());
        assert_eq!(id.in_repository, "services/api/catalog-info.yaml");
        std::fs::remove_dir_all(repo.join(".git")).unwrap();
        assert_eq!(identity(&file).unwrap().in_repository, "catalog-info.yaml");
        assert_eq!(identity(&repo.join("missing.yaml")), None);
    }
}

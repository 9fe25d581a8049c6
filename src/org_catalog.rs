//! The org catalog of `backline check --catalog`: entities defined outside the checked files
//! (the rest of the organisation's catalog), so a per-repository `catalog-info.yaml` whose owner,
//! system and APIs live elsewhere checks clean, while a reference that resolves nowhere is still
//! reported.
//!
//! A catalog is given as an index file (`*.db`, `*.sqlite`, `*.sqlite3`, as `backline index`
//! builds), a PostgreSQL URL (`postgres://…`), or a directory (or file) of catalog files. Only the
//! entities' references are needed: they go to
//! [`backline_catalog::catalog::CatalogIndex::build_with_external`], which resolves references
//! to them without holding what it cannot see against the checked files (an external Group
//! counts as having members).

use std::path::{Path, PathBuf};

use anyhow::Context;
use backline_catalog::discover::{DiscoverOptions, RealFs, discover};
use backline_catalog::{EntityRef, parse_entity_ref};
use backline_index::{SearchLocation, Store, StoreSettings};

/// One `--catalog` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgCatalog {
    /// A Backline SQLite index file.
    IndexFile(PathBuf),
    /// A Backline index on PostgreSQL.
    Postgres(String),
    /// Catalog files, walked as `check` walks them.
    Files(PathBuf),
}

impl OrgCatalog {
    /// Reads a `--catalog` value; relative paths are relative to `cwd`.
    pub fn parse(value: &str, cwd: &Path) -> OrgCatalog {
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            return OrgCatalog::Postgres(value.to_owned());
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

    /// For messages: paths as given, PostgreSQL URLs without their password.
    fn describe(&self) -> String {
        match self {
            OrgCatalog::IndexFile(p) | OrgCatalog::Files(p) => p.display().to_string(),
            OrgCatalog::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(s), Some(at)) if at > s => format!("{}***{}", &url[..s + 3], &url[at..]),
                _ => url.clone(),
            },
        }
    }

    /// Every entity this catalog defines.
    pub fn entity_refs(&self) -> anyhow::Result<Vec<EntityRef>> {
        let store = match self {
            OrgCatalog::Files(path) => {
                anyhow::ensure!(path.exists(), "--catalog {}: no such file or directory", path.display());
                let options = DiscoverOptions { follow_locations: true, ..DiscoverOptions::default() };
                let discovery = discover(&RealFs, std::slice::from_ref(path), &options);
                return Ok(discovery
                    .files
                    .iter()
                    .flat_map(|f| f.parsed.entities().map(|e| e.entity_ref.clone()))
                    .collect());
            }
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
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let refs = runtime.block_on(async {
            // The store alone: existence is all a check needs, so no search index is opened.
            let store = Store::open(&store)
                .await
                .with_context(|| format!("--catalog {}: cannot open the index", self.describe()))?;
            let refs = store.entity_refs().await;
            store.close().await;
            refs.with_context(|| format!("--catalog {}: cannot list its entities", self.describe()))
        })?;
        Ok(refs.iter().filter_map(|r| parse_entity_ref(r, None, None).ok()).collect())
    }
}

/// The entities of every `--catalog`, in order.
pub fn entity_refs(values: &[String]) -> anyhow::Result<Vec<EntityRef>> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut refs = Vec::new();
    for value in values {
        refs.extend(OrgCatalog::parse(value, &cwd).entity_refs()?);
    }
    Ok(refs)
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
        assert_eq!(OrgCatalog::Postgres("postgres://u:p@db/x".into()).describe(), "postgres://***@db/x");
    }
}

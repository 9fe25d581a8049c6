//! Where an org catalog says one of its entities is defined, and whether that is a given checked
//! file: what tells a duplicate from the common case of per-repository CI, where the org catalog
//! already holds this very file's entity (indexed from the same repository).
//!
//! The org catalog and the checked files seldom share a disk, so sameness is decided by what each
//! side can know: a real path (a file on this disk), a path relative to the root it was read from
//! (a Backline index source, a directory of catalog files), or Backstage's `managed-by-location` annotations
//! (a URL or path ending with the file's path in its repository). The caller gathers a checked
//! file's [`FileIdentity`] (canonicalising, finding the repository: I/O this crate does not do);
//! the comparison is here, pure. An origin that says nothing usable is never a different place:
//! an unknown origin is not reported.

use std::path::{Component, Path, PathBuf};

use crate::entity_ref::EntityRef;

/// An entity of an org catalog, with where that catalog defines it when it knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgEntity {
    pub entity_ref: EntityRef,
    pub origin: Option<Origin>,
}

/// Where an org catalog defines an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Where, as a message names it: `../org/teams.yaml:4`, `teams.yaml:4 (source org of
    /// index.db)`, a location URL.
    pub label: String,
    pub place: Place,
}

/// What says which file an origin is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A file on this disk, by its real (canonical) path: the same file has the same real path.
    Real(PathBuf),
    /// A path relative to the root the org catalog read it from (an index source's directory or
    /// repository, a directory given as the org catalog): the same file when the checked file's
    /// real path ends with it, which holds for the file itself and for another checkout of it.
    Relative(String),
    /// Backstage's `managed-by-location` and `managed-by-origin-location` values (`url:…`,
    /// `file:…`): the same file when one of them ends with the checked file's path in its
    /// repository.
    Locations(Vec<String>),
}

/// What is known of a checked file, to compare with an [`Origin`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    /// Its real (canonical) path.
    pub real: PathBuf,
    /// Its path within its repository, `/`-separated (`services/payments/catalog-info.yaml`).
    pub in_repository: String,
}

impl Origin {
    /// Whether the origin is `file`'s own definition; `None` when the origin says nothing usable
    /// (an empty path, a location that is no path), which callers must not report as a
    /// different place.
    pub fn is_file(&self, file: &FileIdentity) -> Option<bool> {
        match &self.place {
            Place::Real(path) => (!path.as_os_str().is_empty()).then(|| *path == file.real),
            Place::Relative(rel) => {
                let rel: PathBuf = Path::new(rel).components().filter(|c| matches!(c, Component::Normal(_))).collect();
                (!rel.as_os_str().is_empty()).then(|| file.real.ends_with(&rel))
            }
            Place::Locations(locations) => {
                let own: Vec<&str> = segments(&file.in_repository);
                if own.is_empty() {
                    return None;
                }
                let mut known = false;
                for location in locations {
                    let Some(path) = location_path(location) else { continue };
                    let theirs = segments(&path);
                    if theirs.is_empty() {
                        continue;
                    }
                    known = true;
                    if theirs.ends_with(&own) {
                        return Some(true);
                    }
                }
                known.then_some(false)
            }
        }
    }
}

/// The non-empty `/`- or `\`-separated parts of a path, `.` left out.
fn segments(path: &str) -> Vec<&str> {
    path.split(['/', '\\']).filter(|s| !s.is_empty() && *s != ".").collect()
}

/// The path a Backstage location names: `url:https://host/a/b.yaml?x` → `/a/b.yaml` (percent
/// escapes decoded), `file:/srv/a.yaml` → `/srv/a.yaml`; a bare URL or path as it is.
fn location_path(location: &str) -> Option<String> {
    let target = location.strip_prefix("url:").or_else(|| location.strip_prefix("file:")).unwrap_or(location).trim();
    let path = match target.split_once("://") {
        Some((_, rest)) => {
            let rest = rest.split(['?', '#']).next().unwrap_or_default();
            let (_, path) = rest.split_once('/')?;
            percent_decode(path)?
        }
        None => target.to_owned(),
    };
    (!path.is_empty()).then_some(path)
}

/// `%XX` escapes decoded; `None` when the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(u8::try_from(hi * 16 + lo).ok()?);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(real: &str, in_repository: &str) -> FileIdentity {
        FileIdentity { real: real.into(), in_repository: in_repository.into() }
    }

    fn origin(place: Place) -> Origin {
        Origin { label: String::new(), place }
    }

    #[test]
    fn sameness_by_what_each_origin_knows() {
        let checked = file("/ci/work/payments/services/api/catalog-info.yaml", "services/api/catalog-info.yaml");
        let locations = |l: &[&str]| Place::Locations(l.iter().map(|s| (*s).to_owned()).collect());
        for (place, want) in [
            (Place::Real("/ci/work/payments/services/api/catalog-info.yaml".into()), Some(true)),
            (Place::Real("/org/payments/services/api/catalog-info.yaml".into()), Some(false)),
            (Place::Real(PathBuf::new()), None),
            (Place::Relative("services/api/catalog-info.yaml".into()), Some(true)),
            (Place::Relative("./payments/services/api/catalog-info.yaml".into()), Some(true)),
            (Place::Relative("catalog-info.yaml".into()), Some(true)),
            (Place::Relative("api/other.yaml".into()), Some(false)),
            // Whole components only.
            (Place::Relative("i/catalog-info.yaml".into()), Some(false)),
            (Place::Relative("".into()), None),
            (Place::Relative("./".into()), None),
            (locations(&["url:https://github.com/acme/payments/blob/main/services/api/catalog-info.yaml"]), Some(true)),
            (locations(&["url:https://github.com/acme/payments/blob/main/catalog-info.yaml"]), Some(false)),
            (
                locations(&[
                    "url:https://github.com/acme/org/blob/main/all.yaml",
                    "url:https://github.com/acme/payments/tree/main/services/api/catalog-info.yaml?ref=x#L1",
                ]),
                Some(true),
            ),
            (locations(&["file:/srv/backstage/services/api/catalog-info.yaml"]), Some(true)),
            (locations(&["file:/srv/backstage/org.yaml"]), Some(false)),
            (locations(&["url:https://github.com"]), None),
            (locations(&[]), None),
        ] {
            assert_eq!(origin(place.clone()).is_file(&checked), want, "{place:?}");
        }
        let spaced = file("/ci/a b/catalog info.yaml", "catalog info.yaml");
        assert_eq!(
            origin(locations(&["url:https://git.example/x/blob/main/catalog%20info.yaml"])).is_file(&spaced),
            Some(true)
        );
        assert_eq!(origin(locations(&["file:/srv/x.yaml"])).is_file(&file("/x.yaml", "")), None);
    }

    #[test]
    fn percent_escapes() {
        assert_eq!(percent_decode("a%20b%2Fc%zz%4").as_deref(), Some("a b/c%zz%4"));
        assert_eq!(percent_decode("%ff"), None);
    }

    /// The org catalog's copy of a file's entity is a duplicate only when it is somewhere else.
    #[test]
    fn org_duplicates_by_origin() {
        use std::sync::Arc;

        use crate::catalog::CatalogIndex;
        use crate::codes::Code;

        let text = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n  members: [someone]\n";
        let parsed = crate::parse_file(Arc::from("catalog-info.yaml"), text);
        let checked =
            |p: &str| (p == "catalog-info.yaml").then(|| file("/ci/team-a/catalog-info.yaml", "catalog-info.yaml"));
        let at = |label: &str, place: Place| Some(Origin { label: label.into(), place });
        let real = |p: &str| Place::Real(p.into());
        for (origins, want) in [
            (vec![None], None),
            (vec![at("org/team-a/catalog-info.yaml:4", Place::Relative("team-a/catalog-info.yaml".into()))], None),
            (
                vec![at("org/teams.yaml:9", real("/org/teams.yaml"))],
                Some("already defined in the org catalog at org/teams.yaml:9; Backstage keeps that copy"),
            ),
            (
                vec![at("org/teams.yaml:9", real("/org/teams.yaml")), at("org/more.yaml:2", real("/org/more.yaml"))],
                Some("at org/teams.yaml:9 (and 1 other place);"),
            ),
            (
                vec![at("here", real("/ci/team-a/catalog-info.yaml")), at("org/teams.yaml:9", real("/org/teams.yaml"))],
                Some("also defined in the org catalog at org/teams.yaml:9, which holds this definition too"),
            ),
            (vec![None, at("u", Place::Locations(vec!["url:https://x.example/".into()])), at("r", real(""))], None),
        ] {
            let org: Vec<OrgEntity> = origins
                .into_iter()
                .map(|origin| OrgEntity { entity_ref: EntityRef::new("Group", "default", "team-a"), origin })
                .collect();
            let index = CatalogIndex::build_with_org([&parsed], &org, &checked);
            let found: Vec<String> = index
                .lint_file(&parsed)
                .into_iter()
                .filter(|f| f.code == Code::DuplicateEntity)
                .map(|f| f.message)
                .collect();
            match want {
                None => assert!(found.is_empty(), "{org:?}: {found:?}"),
                Some(want) => assert!(found.len() == 1 && found[0].contains(want), "{org:?}: {found:?}"),
            }
        }
    }
}

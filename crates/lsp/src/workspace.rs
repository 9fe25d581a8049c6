//! The catalog the server knows: every catalog file of the workspace folders and of the extra
//! catalogs from the settings, read from disk, with the open documents' text in place of their
//! files' disk content; and the cross-file index over all of it.
//!
//! Memory is what limits a 100,000-entity workspace, so a file read from disk keeps only what the
//! features need: its entities (with their references and ranges), its findings and its line
//! starts. Its text and its YAML tree are dropped as soon as it is parsed (an open document keeps
//! both, in [`crate::document::Document`]).
//!
//! Rebuilding the index costs time linear in the catalog, so it is not done on every keystroke:
//! [`needs_rebuild`] compares what the index knows about a file (identities, memberships and, for
//! duplicated entities, positions) with a new parse of it, and only a difference triggers one.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use backline_catalog::catalog::CatalogIndex;
use backline_catalog::discover::{self, FileSystem, RealFs, TargetScope, is_catalog_file_name};
use backline_catalog::scorecard::CatalogFacts;
use backline_catalog::{Code, CustomKinds, Finding, Kind, ParsedFile, TextRange, parse_file_with};
use rayon::prelude::*;

use crate::external::OrgCatalog;

/// Where a file comes from: it decides whether `checkWorkspace` reports on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Below a workspace folder (or reached from one through a Location).
    Workspace,
    /// From an org-wide catalog in the settings: known for references, not reported on.
    Extra,
    /// Open in the editor and found nowhere on disk by the scan.
    Open,
}

#[derive(Debug, Clone)]
pub(crate) struct DiskFile {
    pub parsed: Arc<ParsedFile>,
    pub origin: Origin,
}

/// The files read from disk, in discovery order (which decides duplicate precedence).
#[derive(Debug, Default)]
pub(crate) struct DiskFiles {
    pub files: Vec<DiskFile>,
    pub by_path: HashMap<Arc<str>, usize>,
    /// Findings about files that discovery made (missing Location targets, unreadable files),
    /// by the file they belong to.
    pub discovery_findings: HashMap<Arc<str>, Vec<Finding>>,
    /// Entities of the org-wide catalogs from the settings (indexes), read with the scan.
    pub external: Arc<OrgCatalog>,
    /// Where Location targets may lead: the scanned folders, as `check` confines them.
    pub scope: Arc<TargetScope>,
}

impl DiskFiles {
    /// A copy with some files replaced (re-read after a change on disk), added or removed.
    pub(crate) fn with_changes(&self, changed: Vec<DiskFile>, removed: &HashSet<Arc<str>>) -> DiskFiles {
        let mut out = DiskFiles::default();
        let mut changed: HashMap<Arc<str>, DiskFile> =
            changed.into_iter().map(|f| (f.parsed.path.clone(), f)).collect();
        for f in &self.files {
            if removed.contains(&f.parsed.path) {
                continue;
            }
            let f = changed.remove(&f.parsed.path).unwrap_or_else(|| f.clone());
            out.push(f);
        }
        let mut rest: Vec<DiskFile> = changed.into_values().collect();
        rest.sort_by(|a, b| a.parsed.path.cmp(&b.parsed.path));
        for f in rest {
            out.push(f);
        }
        out.discovery_findings = self
            .discovery_findings
            .iter()
            .filter(|(k, _)| !removed.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.external = self.external.clone();
        out.scope = self.scope.clone();
        out
    }

    pub(crate) fn push(&mut self, f: DiskFile) {
        self.by_path.insert(f.parsed.path.clone(), self.files.len());
        self.files.push(f);
    }
}

/// How much of a YAML file's head is read to decide whether it is a catalog file.
const HEAD_BYTES: usize = 4096;

/// The rule the editor clients apply too (`editors/vscode/src/catalogFile.ts`): a catalog file by
/// name, or a `.yaml`/`.yml` file whose head declares a Backstage (or Scaffolder) `apiVersion` at
/// the top level. Backstage itself reads any file a Location names; a workspace of `org.yaml`
/// and `apis/payments.yaml` without Locations is still a catalog to the person editing it.
pub(crate) fn is_catalog_document(name: &str, head: &[u8]) -> bool {
    if is_catalog_file_name(name) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    if !(lower.ends_with(".yaml") || lower.ends_with(".yml")) {
        return false;
    }
    let head = &head[..head.len().min(HEAD_BYTES)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(head);
    head.split(|&b| b == b'\n').any(|line| {
        let rest =
            ["apiVersion", "\"apiVersion\"", "'apiVersion'"].iter().find_map(|k| line.strip_prefix(k.as_bytes()));
        let Some(rest) = rest else { return false };
        let rest = trim_start(rest);
        let Some(rest) = rest.strip_prefix(b":") else { return false };
        let rest = trim_start(rest);
        let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
        rest.starts_with(b"backstage.io/") || rest.starts_with(b"scaffolder.backstage.io/")
    })
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| **c == b' ' || **c == b'\t').count();
    &b[n..]
}

/// Whether the file at `path` is a catalog file by [`is_catalog_document`] (reads at most its
/// head).
pub(crate) fn is_catalog_path(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    if is_catalog_file_name(name) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    if !(lower.ends_with(".yaml") || lower.ends_with(".yml")) {
        return false;
    }
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let mut head = vec![0u8; HEAD_BYTES];
    let mut filled = 0;
    while filled < HEAD_BYTES {
        match std::io::Read::read(&mut f, &mut head[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    is_catalog_document(name, &head[..filled])
}

/// Annotations the editor reads from files that are not open: how to reach an owner.
pub(crate) const ROUTING_ANNOTATIONS: &[&str] =
    &["slack.com/bot-notify", "pagerduty.com/service-id", "opsgenie.com/team"];

/// Keeps only what a file that is not open needs (see the module docs): no YAML tree, and of
/// each entity no labels, tags or apiVersion, and annotations and links only where `ownerAt`
/// reads them (the contacts of Groups and Users).
pub(crate) fn slim(mut parsed: ParsedFile) -> ParsedFile {
    for d in &mut parsed.documents {
        d.tree = None;
        if let Some(e) = &mut d.entity {
            e.labels = Vec::new();
            e.tags = Vec::new();
            e.api_version = String::new();
            if matches!(e.builtin_kind, Some(Kind::Group | Kind::User)) {
                e.annotations.retain(|(k, _)| ROUTING_ANNOTATIONS.contains(&k.as_str()));
                e.annotations.shrink_to_fit();
            } else {
                e.annotations = Vec::new();
                e.links = Vec::new();
            }
            e.references.shrink_to_fit();
        }
    }
    parsed.findings.shrink_to_fit();
    // What stays is copied into fresh allocations once the tree is freed. Measured on a
    // 100,000-entity workspace: 429 MiB resident after the scan without the copy, 281 MiB with
    // it. The entity's strings were allocated between the tree's nodes, and the holes the tree
    // leaves are too small for most later allocations (malloc cannot return them either).
    let compact = parsed.clone();
    drop(parsed);
    compact
}

/// Reads and parses one file from disk. `None` when it cannot be read (the finding says why).
pub(crate) fn load(path: &Path, kinds: &CustomKinds) -> (Option<ParsedFile>, Vec<Finding>) {
    let key: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    // Regular files only, counted while read: a Location may name `/proc/self/pagemap`, whose
    // reported size is 0.
    let bytes = match RealFs.read(path) {
        Ok(b) => b,
        Err(err) => {
            return (
                None,
                vec![Finding::new(Code::Unreadable, &key, TextRange::empty(0), discover::read_failure(&err))],
            );
        }
    };
    let (text, findings) = match String::from_utf8(bytes) {
        Ok(s) => (s, Vec::new()),
        Err(err) => {
            let at = err.utf8_error().valid_up_to() as u32;
            let f = Finding::new(
                Code::NotUtf8,
                &key,
                TextRange::new(at, at + 1),
                format!(
                    "Invalid UTF-8 at byte {at}; Backstage replaces invalid bytes with U+FFFD and carries on, which silently corrupts text. Re-save the file as UTF-8."
                ),
            );
            (String::from_utf8_lossy(err.as_bytes()).into_owned(), vec![f])
        }
    };
    (Some(parse_file_with(key, &text, kinds)), findings)
}

/// The scope of a scan of `roots`: Location targets may lead inside them and nowhere else (a
/// catalog file comes from whoever can open a pull request; its Locations must not make the
/// editor read `/proc/self/environ` or walk `/`).
pub(crate) fn target_scope(roots: &[PathBuf]) -> TargetScope {
    TargetScope::new(&RealFs, roots, &[])
}

/// Location targets of a parsed file that exist inside `scope`, and findings for those that do
/// not exist or lie outside it.
pub(crate) fn location_targets(parsed: &ParsedFile, scope: &TargetScope) -> (Vec<PathBuf>, Vec<Finding>) {
    let mut targets = Vec::new();
    let mut findings = Vec::new();
    let path = Path::new(&*parsed.path);
    if !path.is_absolute() {
        return (targets, findings);
    }
    for entity in parsed.entities() {
        let Some(spec) = &entity.location else { continue };
        let (t, f) = discover::resolve_location_targets_within(&RealFs, scope, path, &parsed.path, spec);
        targets.extend(t);
        findings.extend(f);
    }
    (targets, findings)
}

/// One file read by a scan wave: its origin, its parse (`None` when unreadable), what discovery
/// found about it, and the Location targets it adds to the next wave.
type Loaded = (Origin, Option<ParsedFile>, Vec<Finding>, Vec<PathBuf>);

/// Finds and parses every catalog file below `roots` (and what their Locations point at), in
/// parallel. `cancelled` is polled between waves: a newer scan makes this one pointless.
pub(crate) fn scan(roots: &[(PathBuf, Origin)], kinds: &CustomKinds, cancelled: &AtomicBool) -> DiskFiles {
    let mut out = DiskFiles::default();
    let scope = target_scope(&roots.iter().map(|(r, _)| discover::normalize(r)).collect::<Vec<_>>());
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut wave: Vec<(PathBuf, Origin)> = Vec::new();
    for (root, origin) in roots {
        let root = discover::normalize(root);
        if RealFs.is_dir(&root) {
            let mut found: Vec<PathBuf> = RealFs
                .walk(&root, true)
                .into_par_iter()
                .filter(|p| is_catalog_path(p))
                .map(|p| discover::normalize(&p))
                .collect();
            found.sort();
            wave.extend(found.into_iter().filter(|p| seen.insert(p.clone())).map(|p| (p, *origin)));
        } else if RealFs.is_file(&root) && seen.insert(root.clone()) {
            wave.push((root, *origin));
        }
    }
    while !wave.is_empty() && !cancelled.load(Ordering::Relaxed) {
        let loaded: Vec<Loaded> = wave
            .par_iter()
            .map(|(p, origin)| {
                let (parsed, mut findings) = load(p, kinds);
                let mut targets = Vec::new();
                if let Some(parsed) = &parsed {
                    let (t, f) = location_targets(parsed, &scope);
                    targets = t;
                    findings.extend(f);
                }
                (*origin, parsed.map(slim), findings, targets)
            })
            .collect();
        let mut next = Vec::new();
        for (origin, parsed, findings, targets) in loaded {
            if let Some(f) = findings.first() {
                out.discovery_findings.entry(f.file.clone()).or_default().extend(findings);
            }
            for t in targets {
                if seen.insert(t.clone()) {
                    next.push((t, origin));
                }
            }
            if let Some(parsed) = parsed {
                out.push(DiskFile { parsed: Arc::new(parsed), origin });
            }
        }
        wave = next;
    }
    out.scope = Arc::new(scope);
    out
}

/// An immutable view of the whole catalog, shared by every request until the next rebuild.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    /// Every file, in index order: disk files (open documents' parses in their place), then open
    /// documents found nowhere on disk.
    pub files: Vec<Arc<ParsedFile>>,
    pub origins: Vec<Origin>,
    pub by_path: HashMap<Arc<str>, usize>,
    pub index: CatalogIndex,
    /// What scorecard rules need beyond `index` (deprecated entities, systems' domains).
    pub scorecard_facts: CatalogFacts,
    /// (file, document) of every entity per lowercase kind, sorted by canonical reference:
    /// completion walks them in order and stops after the first matches, instead of sorting a
    /// whole kind on every keystroke. Positions, not strings: this is per entity, and memory is
    /// what limits a large workspace.
    pub sorted_by_kind: HashMap<String, Vec<(u32, u32)>>,
    pub discovery_findings: HashMap<Arc<str>, Vec<Finding>>,
    /// Entities of the org-wide catalogs: references to them resolve, completion offers them, and
    /// hover and go to definition describe them, but a file's own definition always wins.
    pub external: Arc<OrgCatalog>,
    /// Where Location targets may lead (go to definition on a target follows only these).
    pub scope: Arc<TargetScope>,
    /// The workspace scan is done: only then are "defined nowhere" findings meaningful.
    pub complete: bool,
    /// At least one workspace folder or extra catalog was scanned. Without one the server knows
    /// only the open documents, and cross-file lints would be noise.
    pub has_roots: bool,
}

impl Catalog {
    pub(crate) fn build(disk: &DiskFiles, open: &[Arc<ParsedFile>], complete: bool, has_roots: bool) -> Catalog {
        let open_by_path: HashMap<&str, &Arc<ParsedFile>> = open.iter().map(|p| (&*p.path, p)).collect();
        let mut files = Vec::with_capacity(disk.files.len() + open.len());
        let mut origins = Vec::with_capacity(files.capacity());
        let mut used: HashSet<&str> = HashSet::new();
        for f in &disk.files {
            match open_by_path.get(&*f.parsed.path) {
                Some(p) => {
                    used.insert(&p.path);
                    files.push((*p).clone());
                }
                None => files.push(f.parsed.clone()),
            }
            origins.push(f.origin);
        }
        for p in open {
            if !used.contains(&*p.path) {
                files.push(p.clone());
                origins.push(Origin::Open);
            }
        }
        let index = CatalogIndex::build_with_external(
            files.iter().map(|f| &**f),
            disk.external.entities().iter().map(|e| &e.entity_ref),
        );
        let scorecard_facts = CatalogFacts::build(files.iter().map(|f| &**f));
        let mut by_path = HashMap::with_capacity(files.len());
        let mut by_kind: HashMap<String, Vec<(String, u32, u32)>> = HashMap::new();
        for (fi, f) in files.iter().enumerate() {
            by_path.insert(f.path.clone(), fi);
            for (di, d) in f.documents.iter().enumerate() {
                if let Some(e) = &d.entity {
                    by_kind.entry(e.kind().to_lowercase()).or_default().push((
                        e.entity_ref.canonical(),
                        fi as u32,
                        di as u32,
                    ));
                }
            }
        }
        let sorted_by_kind = by_kind
            .into_iter()
            .map(|(k, mut v)| {
                v.sort_unstable();
                v.dedup_by(|a, b| a.0 == b.0);
                (k, v.into_iter().map(|(_, fi, di)| (fi, di)).collect())
            })
            .collect();
        Catalog {
            files,
            origins,
            by_path,
            index,
            scorecard_facts,
            sorted_by_kind,
            discovery_findings: disk.discovery_findings.clone(),
            external: disk.external.clone(),
            scope: disk.scope.clone(),
            complete,
            has_roots,
        }
    }

    /// Where the Location targets of `file` may lead: the scanned folders, or, with none (a
    /// file opened on its own), the file's own folder, as `backline check <file>` has it.
    pub(crate) fn scope_for(&self, file: &Path) -> Arc<TargetScope> {
        if *self.scope != TargetScope::default() {
            return self.scope.clone();
        }
        Arc::new(target_scope(&[file.parent().unwrap_or(Path::new("/")).to_path_buf()]))
    }

    /// Whether cross-file findings can be trusted.
    pub(crate) fn cross_file(&self) -> bool {
        self.complete && self.has_roots
    }

    pub(crate) fn file(&self, path: &str) -> Option<&Arc<ParsedFile>> {
        self.by_path.get(path).map(|&i| &self.files[i])
    }

    /// (file, document) of every definition of `canonical`, in index order, from the index's
    /// definitions (their `order` is the file's position in [`Catalog::files`]).
    pub(crate) fn locate(&self, canonical: &str) -> Vec<(u32, u32)> {
        self.index
            .definitions(canonical)
            .iter()
            .filter_map(|d| {
                let file = self.files.get(d.order)?;
                let doc = file
                    .documents
                    .iter()
                    .position(|doc| doc.entity.as_ref().is_some_and(|e| e.name_range == d.name_range))?;
                Some((d.order as u32, doc as u32))
            })
            .collect()
    }

    /// The entity at (file, document).
    pub(crate) fn entity(&self, (fi, di): (u32, u32)) -> Option<(&Arc<ParsedFile>, &backline_catalog::Entity)> {
        let file = self.files.get(fi as usize)?;
        Some((file, file.documents.get(di as usize)?.entity.as_ref()?))
    }
}

/// What the index knows about one file's entities: identity, memberships (they decide "group
/// without members" and "user without group") and, when an entity is defined more than once,
/// where (duplicate findings point at definitions by range).
fn membership(parsed: &ParsedFile) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    for e in parsed.entities() {
        for r in &e.references {
            if matches!(r.field.field, "memberOf" | "members" | "children" | "parent")
                && let Some(t) = &r.target
            {
                out.push((e.entity_ref.canonical(), r.field.field, t.canonical()));
            }
        }
    }
    out
}

/// Whether linting `new` against `catalog` would differ from linting it against a catalog rebuilt
/// with `new` in it.
pub(crate) fn needs_rebuild(catalog: &Catalog, new: &ParsedFile) -> bool {
    let Some(old) = catalog.file(&new.path) else {
        return new.entities().next().is_some();
    };
    if !Arc::ptr_eq(&old.path, &new.path) {
        return true;
    }
    let old_entities: Vec<_> = old.entities().collect();
    let new_entities: Vec<_> = new.entities().collect();
    if old_entities.len() != new_entities.len() {
        return true;
    }
    for (o, n) in old_entities.iter().zip(&new_entities) {
        let canonical = n.entity_ref.canonical();
        if o.entity_ref.canonical() != canonical {
            return true;
        }
        if catalog.index.definitions(&canonical).len() > 1
            && (o.name_range != n.name_range
                || old.line_index.line_col(o.name_range.start).line != new.line_index.line_col(n.name_range.start).line)
        {
            return true;
        }
    }
    membership(old) != membership(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use backline_catalog::parse_file;

    #[test]
    fn catalog_documents_by_name_or_by_content() {
        let cases: &[(&str, &str, bool)] = &[
            ("catalog-info.yaml", "", true),
            ("payments.catalog-info.yml", "", true),
            ("org.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Group\n", true),
            ("org.yml", "# licence\n\"apiVersion\": 'scaffolder.backstage.io/v1beta3'\n", true),
            ("org.yaml", "\u{feff}apiVersion: backstage.io/v1beta1\n", true),
            ("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\n", false),
            ("nested.yaml", "items:\n  apiVersion: backstage.io/v1alpha1\n", false),
            ("notes.txt", "apiVersion: backstage.io/v1alpha1\n", false),
        ];
        for (name, head, want) in cases {
            assert_eq!(is_catalog_document(name, head.as_bytes()), *want, "{name}: {head:?}");
        }
    }

    fn parse(text: &str, path: &Arc<str>) -> ParsedFile {
        parse_file(path.clone(), text)
    }

    #[test]
    fn rebuilds_only_when_the_index_would_see_a_difference() {
        let path: Arc<str> = Arc::from("/ws/a.yaml");
        let group = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\n  description: x\nspec:\n  type: team\n  children: []\n  members: [alice]\n";
        let first = Arc::new(parse(group, &path));
        let catalog = Catalog::build(&DiskFiles::default(), std::slice::from_ref(&first), true, true);
        // A description edit: the index sees nothing new.
        assert!(!needs_rebuild(&catalog, &parse(&group.replace("description: x", "description: xyz"), &path)));
        // A new name, a membership change, a new document: it does.
        assert!(needs_rebuild(&catalog, &parse(&group.replace("name: team-a", "name: team-b"), &path)));
        assert!(needs_rebuild(&catalog, &parse(&group.replace("[alice]", "[bob]"), &path)));
        assert!(needs_rebuild(&catalog, &parse(&format!("{group}---\n{}", group.replace("team-a", "team-c")), &path)));
        // The same text under a key the index does not know as this file's.
        assert!(needs_rebuild(&catalog, &parse(group, &Arc::from("/ws/a.yaml"))));
    }

    #[test]
    fn slim_files_keep_what_the_editor_reads() {
        let path: Arc<str> = Arc::from("/ws/a.yaml");
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  title: X\n  tags: [a]\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";
        let full = parse(text, &path);
        let slim = slim(full);
        let e = slim.entities().next().unwrap();
        assert!(e.tags.is_empty() && slim.documents[0].tree.is_none());
        assert_eq!((e.title.as_deref(), e.references.len()), (Some("X"), 1));
    }
}

//! Cross-file lints: the checks that need the whole catalog (Backline's own, beyond Backstage).
//!
//! [`CatalogIndex::build`] makes one pass over every parsed file and keeps only what the lints
//! need (definitions, memberships, the group tree); [`CatalogIndex::lint_file`] then checks one
//! file against it. Splitting it this way lets the language server re-lint only the files that
//! are open after an edit, and keeps a full check linear in the size of the catalog.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::codes::Code;
use crate::entity_ref::EntityRef;
use crate::finding::{Finding, Fix, Severity};
use crate::kinds::Kind;
use crate::model::{Entity, ParsedFile, Reference};
use crate::origin::{FileIdentity, OrgEntity, Origin};
use crate::text::{LineIndex, TextRange};

/// Where an entity is defined.
#[derive(Debug, Clone)]
pub struct Definition {
    pub file: Arc<str>,
    pub name_range: TextRange,
    /// Position in the order files were discovered: Backstage keeps the first claimant.
    pub order: usize,
    pub line: u32,
}

#[derive(Debug, Default)]
pub struct CatalogIndex {
    /// Canonical ref → every definition, in discovery order.
    definitions: HashMap<String, Vec<Definition>>,
    /// (lowercase kind, lowercase name) → canonical refs, for kind inference and did-you-mean.
    by_kind: HashMap<String, Vec<String>>,
    /// Lowercase name → canonical refs of any kind.
    by_name: HashMap<String, Vec<String>>,
    /// Users that belong to at least one Group (from either side of the membership).
    users_in_groups: HashSet<String>,
    /// Groups with at least one member, counting sub-groups.
    groups_with_members: HashSet<String>,
    /// Canonical refs of entities defined outside the files (see [`CatalogIndex::build_with_external`]).
    external: HashSet<String>,
    /// Canonical refs the files define that the org catalog also defines somewhere else (see
    /// [`CatalogIndex::build_with_org`]).
    org_copies: HashMap<String, OrgCopies>,
}

/// Where an org catalog defines an entity the files define too, other than in the files.
#[derive(Debug)]
struct OrgCopies {
    /// Where, as the org catalog names it, in its order.
    elsewhere: Vec<String>,
    /// Whether the org catalog also holds one of the files' own definitions.
    also_here: bool,
}

impl CatalogIndex {
    pub fn build<'a>(files: impl IntoIterator<Item = &'a ParsedFile>) -> CatalogIndex {
        Self::build_with_external(files, [])
    }

    /// The index of `files` plus entities defined outside them (an org-wide catalog an editor
    /// reads from an index): references to those resolve and they are offered as did-you-mean
    /// suggestions, but they have no definition here. What such a catalog cannot say is not
    /// held against the files: an external Group counts as having members and an external User
    /// as belonging to a group. A file's own definition of the same entity wins.
    pub fn build_with_external<'a, 'e>(
        files: impl IntoIterator<Item = &'a ParsedFile>,
        external: impl IntoIterator<Item = &'e EntityRef>,
    ) -> CatalogIndex {
        Self::build_inner(files, external.into_iter().map(|r| (r, None)), &|_| None)
    }

    /// [`CatalogIndex::build_with_external`] for an org catalog that says where it defines its
    /// entities, so an entity the files define that the org catalog defines in another place is
    /// a duplicate ([`Code::DuplicateEntity`]): Backstage keeps the copy it has and refuses the
    /// other. `identity` tells what is known of a file (by [`ParsedFile::path`]), to compare
    /// with an [`Origin`]; it is asked only about files defining an entity the org catalog
    /// also defines. The org catalog holding a file's own definition (indexed from the same
    /// repository) is not a duplicate, and neither is an origin that cannot be compared.
    pub fn build_with_org<'a, 'e>(
        files: impl IntoIterator<Item = &'a ParsedFile>,
        org: impl IntoIterator<Item = &'e OrgEntity>,
        identity: &dyn Fn(&str) -> Option<FileIdentity>,
    ) -> CatalogIndex {
        Self::build_inner(files, org.into_iter().map(|e| (&e.entity_ref, e.origin.as_ref())), identity)
    }

    fn build_inner<'a, 'e>(
        files: impl IntoIterator<Item = &'a ParsedFile>,
        external: impl IntoIterator<Item = (&'e EntityRef, Option<&'e Origin>)>,
        identity: &dyn Fn(&str) -> Option<FileIdentity>,
    ) -> CatalogIndex {
        let mut index = CatalogIndex::default();
        let mut direct_members: HashSet<String> = HashSet::new();
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        let mut groups: Vec<String> = Vec::new();
        for (order, file) in files.into_iter().enumerate() {
            for entity in file.entities() {
                let canonical = entity.entity_ref.canonical();
                let line = file.line_index.line_col(entity.name_range.start).line;
                index.definitions.entry(canonical.clone()).or_default().push(Definition {
                    file: file.path.clone(),
                    name_range: entity.name_range,
                    order,
                    line,
                });
                let defs_len = index.definitions[&canonical].len();
                if defs_len == 1 {
                    index.by_kind.entry(entity.kind().to_lowercase()).or_default().push(canonical.clone());
                    index.by_name.entry(entity.name().to_lowercase()).or_default().push(canonical.clone());
                }
                match entity.builtin_kind {
                    Some(Kind::User) => {
                        if targets(entity, "memberOf").next().is_some() {
                            index.users_in_groups.insert(canonical.clone());
                        }
                        for g in targets(entity, "memberOf") {
                            direct_members.insert(g);
                        }
                    }
                    Some(Kind::Group) => {
                        groups.push(canonical.clone());
                        for u in targets(entity, "members") {
                            index.users_in_groups.insert(u);
                            direct_members.insert(canonical.clone());
                        }
                        for c in targets(entity, "children") {
                            children.entry(canonical.clone()).or_default().push(c);
                        }
                        for p in targets(entity, "parent") {
                            children.entry(p).or_default().push(canonical.clone());
                        }
                    }
                    Some(
                        Kind::Component
                        | Kind::Api
                        | Kind::Resource
                        | Kind::System
                        | Kind::Domain
                        | Kind::Location
                        | Kind::Template,
                    )
                    | None => {}
                }
            }
        }
        // Files asked about once each: an identity may cost a canonicalisation.
        let mut identities: HashMap<Arc<str>, Option<FileIdentity>> = HashMap::new();
        for (r, origin) in external {
            let canonical = r.canonical();
            if let Some(defs) = index.definitions.get(&canonical) {
                if let Some(origin) = origin {
                    let mut here = false;
                    let mut unknown = false;
                    for d in defs {
                        let id = identities.entry(d.file.clone()).or_insert_with(|| identity(&d.file));
                        match id.as_ref().and_then(|id| origin.is_file(id)) {
                            Some(true) => here = true,
                            Some(false) => {}
                            None => unknown = true,
                        }
                    }
                    let copies = index
                        .org_copies
                        .entry(canonical)
                        .or_insert_with(|| OrgCopies { elsewhere: Vec::new(), also_here: false });
                    copies.also_here |= here;
                    if !here && !unknown {
                        copies.elsewhere.push(origin.label.clone());
                    }
                }
                continue;
            }
            if !index.external.insert(canonical.clone()) {
                continue;
            }
            index.by_kind.entry(r.kind.to_lowercase()).or_default().push(canonical.clone());
            index.by_name.entry(r.name.to_lowercase()).or_default().push(canonical.clone());
            if r.kind.eq_ignore_ascii_case("group") {
                direct_members.insert(canonical);
            } else if r.kind.eq_ignore_ascii_case("user") {
                index.users_in_groups.insert(canonical);
            }
        }
        // A group has members if it or any descendant has a direct member. Iterative DFS with a
        // visited set: hierarchies can be deep and can contain cycles.
        for group in &groups {
            if index.groups_with_members.contains(group) {
                continue;
            }
            let mut stack = vec![group.clone()];
            let mut seen = HashSet::new();
            let mut found = false;
            while let Some(g) = stack.pop() {
                if !seen.insert(g.clone()) {
                    continue;
                }
                if direct_members.contains(&g) || index.groups_with_members.contains(&g) {
                    found = true;
                    break;
                }
                if let Some(cs) = children.get(&g) {
                    stack.extend(cs.iter().cloned());
                }
            }
            if found {
                index.groups_with_members.insert(group.clone());
            }
        }
        index
    }

    pub fn contains(&self, canonical: &str) -> bool {
        self.definitions.contains_key(canonical) || self.external.contains(canonical)
    }

    /// Whether a Group has a member, directly or through a sub-group (an org-wide catalog's
    /// Group counts as having members: what it cannot say is not held against the files).
    pub fn group_has_members(&self, canonical: &str) -> bool {
        self.groups_with_members.contains(canonical) || self.external.contains(canonical)
    }

    pub fn definitions(&self, canonical: &str) -> &[Definition] {
        self.definitions.get(canonical).map_or(&[], Vec::as_slice)
    }

    /// Canonical refs of every entity of a kind (lowercase kind).
    pub fn entities_of_kind(&self, kind: &str) -> &[String] {
        self.by_kind.get(&kind.to_lowercase()).map_or(&[], Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.definitions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.definitions.is_empty()
    }

    /// The cross-file findings for one file.
    pub fn lint_file(&self, file: &ParsedFile) -> Vec<Finding> {
        let mut out = Vec::new();
        let path = &file.path;
        for doc in &file.documents {
            let Some(entity) = &doc.entity else { continue };
            if doc.stage == Some(crate::codes::Stage::Yaml) {
                // A partial tree after a YAML error: its references may be artefacts.
                continue;
            }
            let canonical = entity.entity_ref.canonical();
            self.lint_duplicates(file, entity, &canonical, &mut out);
            self.lint_org_duplicate(file, entity, &canonical, &mut out);
            if entity.builtin_kind == Some(Kind::Group) && !self.groups_with_members.contains(&canonical) {
                out.push(Finding::new(
                    Code::GroupWithoutMembers,
                    path,
                    entity.name_range,
                    format!("Group {canonical} has no members, directly or through its sub-groups (Backline lint). Whatever it owns has nobody to contact: add `members`, or list it in users' `memberOf`."),
                ));
            }
            for r in &entity.references {
                let Some(target) = &r.target else { continue };
                let target_canonical = target.canonical();
                if !self.contains(&target_canonical) {
                    out.push(self.dangling(path, r, &target_canonical));
                    continue;
                }
                let target_kind = Kind::from_ref_kind(&target.kind);
                if !r.field.allows(&target.kind) {
                    let expected: Vec<&str> = r.field.allowed_kinds.iter().map(|k| k.name()).collect();
                    out.push(Finding::new(
                        Code::UnexpectedTargetKind,
                        path,
                        r.range,
                        format!("`{}` points at {target_canonical}, but this field expects a {} (Backline lint; Backstage's newer model drops such relations).", r.field.field, expected.join(" or ")),
                    ));
                }
                if r.field.field == "owner"
                    && target_kind == Some(Kind::User)
                    && !self.users_in_groups.contains(&target_canonical)
                {
                    out.push(Finding::new(
                        Code::UserWithoutGroup,
                        path,
                        r.range,
                        format!("The owner {target_canonical} is a User who belongs to no Group (Backline lint). When they are away nobody can be found through the org chart: make a team the owner, or add them to a Group."),
                    ));
                }
            }
        }
        out
    }

    fn lint_duplicates(&self, file: &ParsedFile, entity: &Entity, canonical: &str, out: &mut Vec<Finding>) {
        let defs = self.definitions(canonical);
        if defs.len() < 2 {
            return;
        }
        let here = defs.iter().position(|d| Arc::ptr_eq(&d.file, &file.path) && d.name_range == entity.name_range);
        let Some(here) = here else { return };
        let first = &defs[0];
        let same_file_later = defs.iter().skip(here + 1).find(|d| d.file == file.path);
        if let Some(later) = same_file_later {
            out.push(
                Finding::new(
                    Code::DuplicateEntity,
                    &file.path,
                    entity.name_range,
                    format!("{canonical} is defined again later in this file (line {}); within one file the last document wins, so this definition is ignored by Backstage.", later.line),
                )
                .with_related(&later.file, later.name_range, "the definition Backstage keeps"),
            );
            return;
        }
        if here == 0 || first.file == file.path {
            // The first claimant: point at the others from here, as related information.
            let others: Vec<&Definition> = defs.iter().filter(|d| d.file != file.path).collect();
            if others.is_empty() {
                return;
            }
            let mut f = Finding::new(
                Code::DuplicateEntity,
                &file.path,
                entity.name_range,
                format!(
                    "{canonical} is also defined in {} other file{}; Backstage keeps the copy from the location processed first (this one, in discovery order) and refuses the others with only a log line.",
                    others.len(),
                    if others.len() == 1 { "" } else { "s" }
                ),
            );
            f.severity = Severity::Hint;
            for o in others {
                f = f.with_related(&o.file, o.name_range, "also defined here");
            }
            out.push(f);
        } else {
            out.push(
                Finding::new(
                    Code::DuplicateEntity,
                    &file.path,
                    entity.name_range,
                    format!("{canonical} is already defined in {}:{}; Backstage keeps that copy and refuses this one, so edits here have no effect. Delete one definition or rename one entity.", first.file, first.line),
                )
                .with_related(&first.file, first.name_range, "the definition Backstage keeps"),
            );
        }
    }

    /// An entity the org catalog defines in another place: Backstage already has that copy.
    fn lint_org_duplicate(&self, file: &ParsedFile, entity: &Entity, canonical: &str, out: &mut Vec<Finding>) {
        let Some(copies) = self.org_copies.get(canonical) else { return };
        let Some((first, rest)) = copies.elsewhere.split_first() else { return };
        let at = match rest.len() {
            0 => first.clone(),
            n => format!("{first} (and {n} other place{})", if n == 1 { "" } else { "s" }),
        };
        let message = if copies.also_here {
            format!(
                "{canonical} is also defined in the org catalog at {at}, which holds this definition too; Backstage keeps the copy from the location it processed first and refuses the others with only a log line. Delete one definition or rename one entity."
            )
        } else {
            format!(
                "{canonical} is already defined in the org catalog at {at}; Backstage keeps that copy and refuses this one, so edits here have no effect. Delete one definition or rename one entity."
            )
        };
        out.push(Finding::new(Code::DuplicateEntity, &file.path, entity.name_range, message));
    }

    fn dangling(&self, path: &Arc<str>, r: &Reference, target: &str) -> Finding {
        let kind = target.split(':').next().unwrap_or_default();
        let name = r.target.as_ref().map(|t| t.name.to_lowercase()).unwrap_or_default();
        let suggestion = self.closest_name(kind, &name);
        let mut message = format!(
            "`{}` refers to {target}, which is defined nowhere in the catalog (Backline lint; Backstage stores the dangling relation silently).",
            r.raw
        );
        let mut finding = Finding::new(Code::UnknownReference, path, r.range, String::new());
        if let Some(s) = &suggestion {
            let sname = s.rsplit('/').next().unwrap_or(s);
            // Keep the reference's own form: only its name part changes.
            let replacement = match r.raw.rfind(['/', ':']) {
                Some(i) => format!("{}{sname}", &r.raw[..=i]),
                None => sname.to_owned(),
            };
            message.push_str(&format!(" Did you mean {s}?"));
            finding = finding.with_fix(Fix::replace(format!("Change to {replacement}"), r.range, replacement));
        }
        finding.message = message;
        finding
    }

    /// The closest existing entity of `kind` to `name`, within a small edit distance.
    pub fn closest_name(&self, kind: &str, name: &str) -> Option<String> {
        let candidates = self.by_kind.get(kind)?;
        let limit = if name.len() <= 5 { 1 } else { 2 };
        candidates
            .iter()
            .filter_map(|c| {
                let cname = c.rsplit('/').next()?;
                if cname.len().abs_diff(name.len()) > limit {
                    return None;
                }
                let d = strsim::damerau_levenshtein(cname, name);
                (d <= limit).then_some((d, c))
            })
            .min_by_key(|(d, c)| (*d, (*c).clone()))
            .map(|(_, c)| c.clone())
    }

    /// `findings` should be this file's findings: the cost is linear in their number.
    ///
    /// When a `dependsOn` entry lacks its kind, the quick fix guesses `component:`. If the catalog
    /// knows exactly one Component or Resource of that name, use its real kind instead.
    pub fn improve_fixes(&self, file: &ParsedFile, findings: &mut [Finding]) {
        for f in findings.iter_mut().filter(|f| f.code == Code::InvalidReference && f.file == file.path) {
            let Some(r) =
                file.entities().flat_map(|e| &e.references).find(|r| r.range == f.range && r.target.is_none())
            else {
                continue;
            };
            let Some(fix) = f.fix.as_mut() else { continue };
            let matches: Vec<&String> = self
                .by_name
                .get(&r.raw.to_lowercase())
                .into_iter()
                .flatten()
                .filter(|c| matches!(ref_kind(c), Some(Kind::Component | Kind::Resource)))
                .collect();
            if let [only] = matches.as_slice()
                && let Some(kind) = ref_kind(only)
            {
                let new_text = format!("{}:{}", kind.ref_name(), r.raw);
                fix.title = format!("Write {new_text}");
                if let Some(edit) = fix.edits.first_mut() {
                    edit.new_text = new_text;
                }
            }
        }
    }
}

/// The built-in kind of a canonical ref (`component:default/x`).
fn ref_kind(canonical: &str) -> Option<Kind> {
    canonical.split_once(':').and_then(|(kind, _)| Kind::from_ref_kind(kind))
}

fn targets<'e>(entity: &'e Entity, field: &'static str) -> impl Iterator<Item = String> + 'e {
    entity
        .references
        .iter()
        .filter(move |r| r.field.field == field)
        .filter_map(|r| r.target.as_ref().map(|t| t.canonical()))
}

/// Line and column for messages that name another file's position.
pub fn line_of(index: &LineIndex, range: TextRange) -> u32 {
    index.line_col(range.start).line
}

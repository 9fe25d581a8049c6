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
use crate::facts::{EntityFacts, FileFacts, ReferenceFacts, Sym, Symbols, TargetFacts};
use crate::finding::{Finding, Fix, Severity};
use crate::kinds::Kind;
use crate::model::ParsedFile;
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
    /// Every string the maps below hold, once; with [`CatalogIndex::build_from_facts`], also
    /// every string of the files' facts.
    symbols: Symbols,
    /// Canonical ref → every definition, in discovery order.
    definitions: HashMap<Sym, Vec<Definition>>,
    /// Lowercase kind → canonical refs, for kind inference and did-you-mean.
    by_kind: HashMap<Sym, Vec<Sym>>,
    /// Lowercase name → canonical refs of any kind.
    by_name: HashMap<Sym, Vec<Sym>>,
    /// Users that belong to at least one Group (from either side of the membership).
    users_in_groups: HashSet<Sym>,
    /// Groups with at least one member, counting sub-groups.
    groups_with_members: HashSet<Sym>,
    /// Canonical refs of entities defined outside the files (see [`CatalogIndex::build_with_external`]).
    external: HashSet<Sym>,
    /// Canonical refs the files define that the org catalog also defines somewhere else (see
    /// [`CatalogIndex::build_with_org`]).
    org_copies: HashMap<Sym, OrgCopies>,
}

/// Where an org catalog defines an entity the files define too, other than in the files.
#[derive(Debug)]
struct OrgCopies {
    /// Where, as the org catalog names it, in its order.
    elsewhere: Vec<String>,
    /// Whether the org catalog also holds one of the files' own definitions.
    also_here: bool,
}

/// The index while files are added: the group tree is resolved once all are in.
#[derive(Default)]
struct Builder {
    index: CatalogIndex,
    direct_members: HashSet<Sym>,
    children: HashMap<Sym, Vec<Sym>>,
    groups: Vec<Sym>,
    order: usize,
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
        let builder = Builder::from_parsed(files);
        builder.finish(external.into_iter().map(|r| (r, None)), &|_| None)
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
        let builder = Builder::from_parsed(files);
        builder.finish(org.into_iter().map(|e| (&e.entity_ref, e.origin.as_ref())), identity)
    }

    /// [`CatalogIndex::build_with_org`] from files' facts, whose strings are interned in
    /// `symbols`: the index keeps that table (one copy of every string for the facts and the
    /// index), and [`CatalogIndex::lint_facts`] and [`CatalogIndex::improve_fixes_facts`] read
    /// those facts through it.
    pub fn build_from_facts<'a, 'e>(
        symbols: Symbols,
        files: impl IntoIterator<Item = &'a FileFacts>,
        org: impl IntoIterator<Item = &'e OrgEntity>,
        identity: &dyn Fn(&str) -> Option<FileIdentity>,
    ) -> CatalogIndex {
        let mut builder = Builder { index: CatalogIndex { symbols, ..CatalogIndex::default() }, ..Builder::default() };
        for file in files {
            builder.add(file);
        }
        builder.finish(org.into_iter().map(|e| (&e.entity_ref, e.origin.as_ref())), identity)
    }

    /// The table the index's strings (and the facts it was built from) are interned in.
    pub fn symbols(&self) -> &Symbols {
        &self.symbols
    }

    /// The index's symbol of a symbol of `symbols`.
    fn sym(&self, sym: Sym, symbols: &Symbols) -> Option<Sym> {
        if std::ptr::eq(symbols, &self.symbols) { Some(sym) } else { self.symbols.get(symbols.resolve(sym)) }
    }

    fn contains_sym(&self, sym: Sym) -> bool {
        self.definitions.contains_key(&sym) || self.external.contains(&sym)
    }

    pub fn contains(&self, canonical: &str) -> bool {
        self.symbols.get(canonical).is_some_and(|s| self.contains_sym(s))
    }

    /// Whether a Group has a member, directly or through a sub-group (an org-wide catalog's
    /// Group counts as having members: what it cannot say is not held against the files).
    pub fn group_has_members(&self, canonical: &str) -> bool {
        self.symbols.get(canonical).is_some_and(|s| self.groups_with_members.contains(&s) || self.external.contains(&s))
    }

    pub fn definitions(&self, canonical: &str) -> &[Definition] {
        self.symbols.get(canonical).map_or(&[], |s| self.definitions_of(s))
    }

    fn definitions_of(&self, sym: Sym) -> &[Definition] {
        self.definitions.get(&sym).map_or(&[], Vec::as_slice)
    }

    /// Canonical refs of every entity of a kind (lowercase kind).
    pub fn entities_of_kind(&self, kind: &str) -> impl Iterator<Item = &str> {
        let refs = self.symbols.get(&kind.to_lowercase()).and_then(|k| self.by_kind.get(&k));
        refs.into_iter().flatten().map(|s| self.symbols.resolve(*s))
    }

    pub fn len(&self) -> usize {
        self.definitions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.definitions.is_empty()
    }

    /// The cross-file findings for one file.
    pub fn lint_file(&self, file: &ParsedFile) -> Vec<Finding> {
        let mut symbols = Symbols::default();
        let facts = FileFacts::new(file, &mut symbols);
        self.lint_with(&facts, &symbols)
    }

    /// The cross-file findings for one file's facts, interned in [`CatalogIndex::symbols`] (see
    /// [`CatalogIndex::build_from_facts`]).
    pub fn lint_facts(&self, file: &FileFacts) -> Vec<Finding> {
        self.lint_with(file, &self.symbols)
    }

    fn lint_with(&self, file: &FileFacts, symbols: &Symbols) -> Vec<Finding> {
        let mut out = Vec::new();
        let path = &file.path;
        for doc in &file.documents {
            let Some(entity) = &doc.entity else { continue };
            if doc.stage == Some(crate::codes::Stage::Yaml) {
                // A partial tree after a YAML error: its references may be artefacts.
                continue;
            }
            let canonical = symbols.resolve(entity.canonical);
            let here = self.sym(entity.canonical, symbols);
            if let Some(sym) = here {
                self.lint_duplicates(file, entity, canonical, sym, &mut out);
                self.lint_org_duplicate(file, entity, canonical, sym, &mut out);
            }
            if entity.builtin_kind == Some(Kind::Group) && !here.is_some_and(|s| self.groups_with_members.contains(&s))
            {
                out.push(Finding::new(
                    Code::GroupWithoutMembers,
                    path,
                    entity.name_range,
                    format!("Group {canonical} has no members, directly or through its sub-groups (Backline lint). Whatever it owns has nobody to contact: add `members`, or list it in users' `memberOf`."),
                ));
            }
            for r in &entity.references {
                let Some(target) = &r.target else { continue };
                let target_canonical = symbols.resolve(target.canonical);
                let target_sym = self.sym(target.canonical, symbols).filter(|s| self.contains_sym(*s));
                let Some(target_sym) = target_sym else {
                    out.push(self.dangling(path, r, target, symbols));
                    continue;
                };
                if !target.allowed {
                    let expected: Vec<&str> = r.field.allowed_kinds.iter().map(|k| k.name()).collect();
                    out.push(Finding::new(
                        Code::UnexpectedTargetKind,
                        path,
                        r.range,
                        format!("`{}` points at {target_canonical}, but this field expects a {} (Backline lint; Backstage's newer model drops such relations).", r.field.field, expected.join(" or ")),
                    ));
                }
                if r.field.field == "owner"
                    && target.kind == Some(Kind::User)
                    && !self.users_in_groups.contains(&target_sym)
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

    fn lint_duplicates(
        &self,
        file: &FileFacts,
        entity: &EntityFacts,
        canonical: &str,
        sym: Sym,
        out: &mut Vec<Finding>,
    ) {
        let defs = self.definitions_of(sym);
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
    fn lint_org_duplicate(
        &self,
        file: &FileFacts,
        entity: &EntityFacts,
        canonical: &str,
        sym: Sym,
        out: &mut Vec<Finding>,
    ) {
        let Some(copies) = self.org_copies.get(&sym) else { return };
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

    fn dangling(&self, path: &Arc<str>, r: &ReferenceFacts, target: &TargetFacts, symbols: &Symbols) -> Finding {
        let canonical = symbols.resolve(target.canonical);
        let raw = symbols.resolve(r.raw);
        let kind = canonical.split(':').next().unwrap_or_default();
        let name = target.name_lowercase(canonical);
        let suggestion = self.closest_name(kind, name);
        let mut message = format!(
            "`{raw}` refers to {canonical}, which is defined nowhere in the catalog (Backline lint; Backstage stores the dangling relation silently)."
        );
        let mut finding = Finding::new(Code::UnknownReference, path, r.range, String::new());
        if let Some(s) = &suggestion {
            let sname = s.rsplit('/').next().unwrap_or(s);
            // Keep the reference's own form: only its name part changes.
            let replacement = match raw.rfind(['/', ':']) {
                Some(i) => format!("{}{sname}", &raw[..=i]),
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
        let candidates = self.by_kind.get(&self.symbols.get(kind)?)?;
        let limit = if name.len() <= 5 { 1 } else { 2 };
        candidates
            .iter()
            .filter_map(|c| {
                let c = self.symbols.resolve(*c);
                let cname = c.rsplit('/').next()?;
                if cname.len().abs_diff(name.len()) > limit {
                    return None;
                }
                let d = strsim::damerau_levenshtein(cname, name);
                (d <= limit).then_some((d, c))
            })
            .min_by_key(|(d, c)| (*d, *c))
            .map(|(_, c)| c.to_owned())
    }

    /// `findings` should be this file's findings: the cost is linear in their number.
    ///
    /// When a `dependsOn` entry lacks its kind, the quick fix guesses `component:`. If the catalog
    /// knows exactly one Component or Resource of that name, use its real kind instead.
    pub fn improve_fixes(&self, file: &ParsedFile, findings: &mut [Finding]) {
        if !findings.iter().any(|f| f.code == Code::InvalidReference) {
            return;
        }
        let mut symbols = Symbols::default();
        let facts = FileFacts::new(file, &mut symbols);
        self.improve_fixes_with(&facts, &symbols, findings);
    }

    /// [`CatalogIndex::improve_fixes`] for a file's facts, interned in [`CatalogIndex::symbols`].
    pub fn improve_fixes_facts(&self, file: &FileFacts, findings: &mut [Finding]) {
        self.improve_fixes_with(file, &self.symbols, findings);
    }

    fn improve_fixes_with(&self, file: &FileFacts, symbols: &Symbols, findings: &mut [Finding]) {
        for f in findings.iter_mut().filter(|f| f.code == Code::InvalidReference && f.file == file.path) {
            let Some(r) =
                file.entities().flat_map(|e| &e.references).find(|r| r.range == f.range && r.target.is_none())
            else {
                continue;
            };
            let Some(fix) = f.fix.as_mut() else { continue };
            let raw = symbols.resolve(r.raw);
            let matches: Vec<&str> = self
                .symbols
                .get(&raw.to_lowercase())
                .and_then(|name| self.by_name.get(&name))
                .into_iter()
                .flatten()
                .map(|c| self.symbols.resolve(*c))
                .filter(|c| matches!(ref_kind(c), Some(Kind::Component | Kind::Resource)))
                .collect();
            if let [only] = matches.as_slice()
                && let Some(kind) = ref_kind(only)
            {
                let new_text = format!("{}:{}", kind.ref_name(), raw);
                fix.title = format!("Write {new_text}");
                if let Some(edit) = fix.edits.first_mut() {
                    edit.new_text = new_text;
                }
            }
        }
    }
}

impl Builder {
    fn from_parsed<'a>(files: impl IntoIterator<Item = &'a ParsedFile>) -> Builder {
        let mut builder = Builder::default();
        for file in files {
            let facts = FileFacts::new(file, &mut builder.index.symbols);
            builder.add(&facts);
        }
        builder
    }

    /// Adds one file, whose facts are interned in the index's table, in discovery order.
    fn add(&mut self, file: &FileFacts) {
        let order = self.order;
        self.order += 1;
        let index = &mut self.index;
        for entity in file.entities() {
            let canonical = entity.canonical;
            let defs = index.definitions.entry(canonical).or_default();
            defs.push(Definition {
                file: file.path.clone(),
                name_range: entity.name_range,
                order,
                line: entity.name_line,
            });
            if defs.len() == 1 {
                let text = index.symbols.resolve(canonical);
                let (kind, name) = (entity.kind_lowercase(text).to_owned(), entity.name_lowercase(text).to_owned());
                let kind = index.symbols.intern(&kind);
                let name = index.symbols.intern(&name);
                index.by_kind.entry(kind).or_default().push(canonical);
                index.by_name.entry(name).or_default().push(canonical);
            }
            let targets = |field: &'static str| {
                entity
                    .references
                    .iter()
                    .filter(move |r| r.field.field == field)
                    .filter_map(|r| r.target.map(|t| t.canonical))
            };
            match entity.builtin_kind {
                Some(Kind::User) => {
                    if targets("memberOf").next().is_some() {
                        index.users_in_groups.insert(canonical);
                    }
                    self.direct_members.extend(targets("memberOf"));
                }
                Some(Kind::Group) => {
                    self.groups.push(canonical);
                    for u in targets("members") {
                        index.users_in_groups.insert(u);
                        self.direct_members.insert(canonical);
                    }
                    for c in targets("children") {
                        self.children.entry(canonical).or_default().push(c);
                    }
                    for p in targets("parent") {
                        self.children.entry(p).or_default().push(canonical);
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

    fn finish<'e>(
        self,
        external: impl IntoIterator<Item = (&'e EntityRef, Option<&'e Origin>)>,
        identity: &dyn Fn(&str) -> Option<FileIdentity>,
    ) -> CatalogIndex {
        let Builder { mut index, mut direct_members, children, groups, .. } = self;
        // Files asked about once each: an identity may cost a canonicalisation.
        let mut identities: HashMap<Arc<str>, Option<FileIdentity>> = HashMap::new();
        for (r, origin) in external {
            let canonical = index.symbols.intern(&r.canonical());
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
            if !index.external.insert(canonical) {
                continue;
            }
            let kind = index.symbols.intern(&r.kind.to_lowercase());
            let name = index.symbols.intern(&r.name.to_lowercase());
            index.by_kind.entry(kind).or_default().push(canonical);
            index.by_name.entry(name).or_default().push(canonical);
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
            let mut stack = vec![*group];
            let mut seen = HashSet::new();
            let mut found = false;
            while let Some(g) = stack.pop() {
                if !seen.insert(g) {
                    continue;
                }
                if direct_members.contains(&g) || index.groups_with_members.contains(&g) {
                    found = true;
                    break;
                }
                if let Some(cs) = children.get(&g) {
                    stack.extend(cs.iter().copied());
                }
            }
            if found {
                index.groups_with_members.insert(*group);
            }
        }
        index.definitions.shrink_to_fit();
        index
    }
}

/// The built-in kind of a canonical ref (`component:default/x`).
fn ref_kind(canonical: &str) -> Option<Kind> {
    canonical.split_once(':').and_then(|(kind, _)| Kind::from_ref_kind(kind))
}

/// Line and column for messages that name another file's position.
pub fn line_of(index: &LineIndex, range: TextRange) -> u32 {
    index.line_col(range.start).line
}

//! What cross-file lints and a report of findings read of a file, compactly.
//!
//! A checker keeps every file until the cross-file lints can run, so what it keeps of a file
//! bounds its peak memory on a large catalog. A [`FileFacts`] is that much of a
//! [`ParsedFile`]: per document its position, line and stage, and for an entity its identity,
//! built-in kind, name range and references (field, range, text, parsed target), with every
//! string interned in one [`Symbols`] table shared by all files and the
//! [`CatalogIndex`](crate::catalog::CatalogIndex). The lints read only facts, so callers that
//! hold full [`ParsedFile`]s (the language server, tests) make facts of them, and every lint is
//! written once.

use std::sync::Arc;

use indexmap::IndexSet;

use crate::codes::Stage;
use crate::kinds::{Kind, RelationField};
use crate::model::{Entity, ParsedFile, Reference};
use crate::text::TextRange;

/// An interned string: its position in a [`Symbols`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(u32);

/// Interned strings, each stored once. Hashed with foldhash: a large check interns about a
/// million strings and looks each up again, and SipHash made that the costliest step after YAML
/// parsing; its per-process seed keeps a catalog from choosing colliding names.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    strings: IndexSet<Box<str>, foldhash::fast::RandomState>,
}

impl Symbols {
    /// The symbol of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(i) = self.strings.get_index_of(s) {
            return Sym(index_u32(i));
        }
        let (i, _) = self.strings.insert_full(s.into());
        Sym(index_u32(i))
    }

    /// The symbol of `s`, if it was interned.
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.strings.get_index_of(s).map(|i| Sym(index_u32(i)))
    }

    /// The string of a symbol of this table (empty for a symbol of another, larger table).
    pub fn resolve(&self, sym: Sym) -> &str {
        self.strings.get_index(sym.0 as usize).map_or("", |s| s)
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

/// A table position as a symbol. A table holds at most what fits in memory of strings read from
/// files below the size limit, far fewer than 2^32.
fn index_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// What cross-file lints and reports read of one file.
#[derive(Debug, Clone)]
pub struct FileFacts {
    /// [`ParsedFile::path`].
    pub path: Arc<str>,
    pub documents: Box<[DocumentFacts]>,
}

/// One non-empty document of a file.
#[derive(Debug, Clone)]
pub struct DocumentFacts {
    /// [`CatalogDocument::index`](crate::model::CatalogDocument::index).
    pub index: u32,
    /// The 0-based line the document starts on.
    pub line: u32,
    /// [`CatalogDocument::stage`](crate::model::CatalogDocument::stage).
    pub stage: Option<Stage>,
    pub entity: Option<EntityFacts>,
}

/// An entity's identity and references.
#[derive(Debug, Clone)]
pub struct EntityFacts {
    /// [`EntityRef::canonical`](crate::EntityRef::canonical).
    pub canonical: Sym,
    /// The canonical ref is `kind:namespace/name`, lowercased part by part: where the kind ends
    /// and the name starts (a kind or namespace an invalid entity writes may hold `:` or `/`).
    kind_end: u32,
    name_start: u32,
    pub builtin_kind: Option<Kind>,
    pub name_range: TextRange,
    /// The 0-based line of the name.
    pub name_line: u32,
    pub references: Box<[ReferenceFacts]>,
}

/// One reference written in a relation field.
#[derive(Debug, Clone)]
pub struct ReferenceFacts {
    pub field: &'static RelationField,
    pub range: TextRange,
    /// The text as written.
    pub raw: Sym,
    /// The parsed target; `None` when the reference cannot be parsed.
    pub target: Option<TargetFacts>,
}

/// What lints read of a reference's target.
#[derive(Debug, Clone, Copy)]
pub struct TargetFacts {
    pub canonical: Sym,
    name_start: u32,
    /// The built-in kind the reference names ([`Kind::from_ref_kind`]).
    pub kind: Option<Kind>,
    /// Whether the field may point at the target's kind ([`RelationField::allows`]).
    pub allowed: bool,
}

impl FileFacts {
    /// The facts of a parsed file, its strings interned in `symbols`.
    pub fn new(file: &ParsedFile, symbols: &mut Symbols) -> FileFacts {
        let documents = file
            .documents
            .iter()
            .map(|d| DocumentFacts {
                index: index_u32(d.index),
                line: file.line_index.line_col(d.range.start).line,
                stage: d.stage,
                entity: d.entity.as_ref().map(|e| EntityFacts::new(file, e, symbols)),
            })
            .collect();
        FileFacts { path: file.path.clone(), documents }
    }

    pub fn entities(&self) -> impl Iterator<Item = &EntityFacts> {
        self.documents.iter().filter_map(|d| d.entity.as_ref())
    }

    /// These facts, made with their own table `local`, with symbols of `shared` instead. Threads
    /// that share one table make each file's facts with a table of their own and take the
    /// shared one only for this: interning the file's few distinct strings once more, without
    /// the string building and line lookups of [`FileFacts::new`].
    pub fn rebase(mut self, local: &Symbols, shared: &mut Symbols) -> FileFacts {
        let map: Vec<Sym> = local.strings.iter().map(|s| shared.intern(s)).collect();
        let remap = |sym: &mut Sym| *sym = map.get(sym.0 as usize).copied().unwrap_or(*sym);
        for entity in self.documents.iter_mut().filter_map(|d| d.entity.as_mut()) {
            remap(&mut entity.canonical);
            for reference in &mut entity.references {
                remap(&mut reference.raw);
                if let Some(target) = &mut reference.target {
                    remap(&mut target.canonical);
                }
            }
        }
        self
    }
}

impl EntityFacts {
    fn new(file: &ParsedFile, entity: &Entity, symbols: &mut Symbols) -> EntityFacts {
        let canonical = entity.entity_ref.canonical();
        let kind_end = entity.entity_ref.kind.to_lowercase().len();
        let name_start = canonical.len() - entity.entity_ref.name.to_lowercase().len();
        EntityFacts {
            canonical: symbols.intern(&canonical),
            kind_end: index_u32(kind_end),
            name_start: index_u32(name_start),
            builtin_kind: entity.builtin_kind,
            name_range: entity.name_range,
            name_line: file.line_index.line_col(entity.name_range.start).line,
            references: entity.references.iter().map(|r| ReferenceFacts::new(r, symbols)).collect(),
        }
    }

    /// The lowercase kind, from the canonical ref's text.
    pub fn kind_lowercase<'s>(&self, canonical: &'s str) -> &'s str {
        canonical.get(..self.kind_end as usize).unwrap_or_default()
    }

    /// The lowercase name, from the canonical ref's text.
    pub fn name_lowercase<'s>(&self, canonical: &'s str) -> &'s str {
        canonical.get(self.name_start as usize..).unwrap_or_default()
    }
}

impl ReferenceFacts {
    fn new(r: &Reference, symbols: &mut Symbols) -> ReferenceFacts {
        let target = r.target.as_ref().map(|t| {
            let canonical = t.canonical();
            let name_start = canonical.len() - t.name.to_lowercase().len();
            TargetFacts {
                canonical: symbols.intern(&canonical),
                name_start: index_u32(name_start),
                kind: Kind::from_ref_kind(&t.kind),
                allowed: r.field.allows(&t.kind),
            }
        });
        ReferenceFacts { field: r.field, range: r.range, raw: symbols.intern(&r.raw), target }
    }
}

impl TargetFacts {
    /// The lowercase name, from the canonical ref's text.
    pub fn name_lowercase<'s>(&self, canonical: &'s str) -> &'s str {
        canonical.get(self.name_start as usize..).unwrap_or_default()
    }
}

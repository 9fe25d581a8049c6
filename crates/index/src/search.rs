//! Full-text search over entities (tantivy), built from the store and kept in step with it.
//!
//! The store is the truth; this index only maps text to entity refs. Its commit payload records
//! which store and which generation (committed index run) it reflects, so any process can bring
//! it up to date from the store's change log ([`super::store::Store::changed_since`]) or rebuild
//! it when it belongs to another store or fell too far behind. A run killed between the store
//! commit and the search commit is therefore repaired by the next reader.
//!
//! Matching: names are split into words by us (`payments-api`,
//! `paymentsApi`, `payments_api` all give `payments` and `api`, plus the joined form), because no
//! built-in tokenizer splits camelCase. Prefixes (`paym`) hit a field of word prefixes written at
//! index time (cheaper than fuzzy-prefix queries by an order of magnitude). Typos (`paymnets`)
//! are tried only when exact words find too little, with a Levenshtein automaton (distance 1, or
//! 2 for words of 8 letters or more, transpositions counting 1). Exact name matches rank first.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, TerminatingWrite, WatchCallback,
    WatchHandle, WritePtr,
};
use tantivy::indexer::NoMergePolicy;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::IndexError;
use super::settings::SearchLocation;
use super::store::SearchRow;
use backline_answer::MatchKind;

/// Bumped when the schema or the text analysis changes: older indexes are rebuilt.
const SCHEMA_VERSION: &str = "backline-search-1";
const WRITER_BUDGET: usize = 16 * 1024 * 1024;
/// tantivy's minimum per writer thread.
const SMALL_WRITER_BUDGET: usize = 15_000_000;
/// Small updates add a segment each; past this many, the next update merges.
const MAX_SEGMENTS_WITHOUT_MERGE: usize = 12;
const MAX_PREFIX: usize = 20;

#[derive(Clone, Copy)]
struct Fields {
    entity_ref: Field,
    name: Field,
    kind: Field,
    words: Field,
    prefix: Field,
    text: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |freqs: bool| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer("default").set_index_option(if freqs {
                IndexRecordOption::WithFreqs
            } else {
                IndexRecordOption::Basic
            }),
        )
    };
    let fields = Fields {
        entity_ref: b.add_text_field("ref", STRING | STORED),
        name: b.add_text_field("name", STRING),
        kind: b.add_text_field("kind", STRING),
        words: b.add_text_field("words", text(true)),
        prefix: b.add_text_field("prefix", text(false)),
        text: b.add_text_field("text", text(true)),
    };
    (b.build(), fields)
}

/// Splits an identifier or phrase into lowercase words: on anything not alphanumeric, at
/// lower-to-upper case changes (`paymentsApi`), before the last capital of a run of capitals
/// followed by lowercase (`HTTPServer`), and between letters and digits only at separators.
pub fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for chunk in text.split(|c: char| !c.is_alphanumeric()).filter(|c| !c.is_empty()) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let (prev, cur) = (chars[i - 1], chars[i]);
            let next_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
            let boundary = (prev.is_lowercase() && cur.is_uppercase())
                || (prev.is_uppercase() && cur.is_uppercase() && next_lower);
            if boundary {
                words.push(chars[start..i].iter().collect::<String>().to_lowercase());
                start = i;
            }
        }
        words.push(chars[start..].iter().collect::<String>().to_lowercase());
    }
    words
}

/// The `words` field of a name: its words and, when there are several, the words joined.
fn name_words(name: &str) -> String {
    let words = split_words(name);
    let mut out = words.join(" ");
    if words.len() > 1 {
        out.push(' ');
        out.push_str(&words.concat());
    }
    out
}

fn prefixes(name: &str) -> String {
    let mut out = String::new();
    for w in split_words(name) {
        let chars: Vec<char> = w.chars().collect();
        for n in 2..=chars.len().min(MAX_PREFIX) {
            out.extend(&chars[..n]);
            out.push(' ');
        }
    }
    out
}

/// The name part of a canonical ref (`kind:namespace/name`).
pub(crate) fn ref_name(entity_ref: &str) -> &str {
    backline_answer::name_of_ref(entity_ref)
}

/// A search result before it is joined with the store.
#[derive(Debug, Clone)]
pub(crate) struct RawHit {
    pub entity_ref: String,
    pub score: f32,
    pub matched: MatchKind,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Serialises writers of this process (tantivy allows one per index); async because a
    /// batch is held while its rows are read from the store.
    write: tokio::sync::Mutex<()>,
}

/// Changes to the search index being written; see [`SearchIndex::begin`].
pub(crate) struct SearchBatch<'a> {
    _guard: tokio::sync::MutexGuard<'a, ()>,
    search: &'a SearchIndex,
    writer: IndexWriter<TantivyDocument>,
    merge: bool,
}

impl SearchBatch<'_> {
    /// Adds the documents of `rows` (a page: callers stream the store rather than hold all of
    /// it, which at 100,000 entities cost ~200 MB).
    pub(crate) fn add(&mut self, rows: Vec<SearchRow>) -> Result<(), IndexError> {
        for row in rows {
            self.writer.add_document(self.search.document(&row)).map_err(err("add a document"))?;
        }
        Ok(())
    }

    /// Commits with `(store_id, generation)` as payload and makes readers see it.
    pub(crate) fn commit(mut self, store_id: &str, generation: i64) -> Result<(), IndexError> {
        let mut prepared = self.writer.prepare_commit().map_err(err("prepare a commit"))?;
        prepared.set_payload(&format!("{SCHEMA_VERSION} {store_id} {generation}"));
        prepared.commit().map_err(err("commit"))?;
        if self.merge {
            self.writer.wait_merging_threads().map_err(err("merge segments"))?;
        }
        self.search.reader.reload().map_err(err("reload"))?;
        Ok(())
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

/// A tantivy error while doing `action`.
fn err(action: &'static str) -> impl FnOnce(tantivy::TantivyError) -> IndexError {
    move |source| IndexError::Search { action, source }
}

impl SearchIndex {
    pub fn open(location: &SearchLocation) -> Result<SearchIndex, IndexError> {
        let (schema, fields) = schema();
        let index = match location {
            SearchLocation::Memory => Index::create_in_ram(schema),
            SearchLocation::Dir(dir) => open_dir(dir, schema)?,
        };
        let reader =
            index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(err("open a reader"))?;
        Ok(SearchIndex { index, reader, fields, write: tokio::sync::Mutex::new(()) })
    }

    /// `(store id, generation)` this index reflects, from its last commit.
    pub(crate) fn state(&self) -> (Option<String>, i64) {
        let Ok(metas) = self.index.load_metas() else { return (None, -1) };
        let Some(payload) = metas.payload else { return (None, -1) };
        let mut parts = payload.split(' ');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(SCHEMA_VERSION), Some(id), Some(generation)) => {
                (Some(id.to_owned()), generation.parse().unwrap_or(-1))
            }
            _ => (None, -1),
        }
    }

    /// Makes readers see the latest commit (of this or another process).
    pub(crate) fn reload(&self) -> Result<(), IndexError> {
        self.reader.reload().map_err(err("reload"))
    }

    /// Starts a batch of changes: removes `refs` (or everything, when `full`); the caller adds
    /// the current documents of those refs page by page and commits. `expected_rows` sizes the
    /// writer. `None` when another process holds tantivy's writer lock (it will catch up itself).
    /// The batch holds this process's writer lock until it is committed or dropped (dropping
    /// discards it).
    pub(crate) async fn begin(
        &self,
        full: bool,
        refs: &[String],
        expected_rows: usize,
    ) -> Result<Option<SearchBatch<'_>>, IndexError> {
        let guard = self.write.lock().await;
        // A big batch gets one indexing thread with a 32 MB budget (this thread builds the
        // documents meanwhile, so two cores are busy; measured at 100,000 entities: as fast as
        // a thread per core with 64 MB, and 20 MB less memory); a small update one thread at the
        // minimum budget (creating the writer is most of its cost) and no merging unless
        // segments pile up, so a one-file change does not wait for a merge of the whole index.
        let small = !full && expected_rows < 1_000;
        let writer = if small {
            self.index.writer_with_num_threads(1, SMALL_WRITER_BUDGET)
        } else {
            self.index.writer_with_num_threads(1, WRITER_BUDGET)
        };
        let writer: IndexWriter<TantivyDocument> = match writer {
            Ok(w) => w,
            Err(tantivy::TantivyError::LockFailure(..)) => return Ok(None),
            Err(e) => return Err(err("start a writer")(e)),
        };
        let merge = !small || self.index.searchable_segment_ids().map_or(0, |s| s.len()) > MAX_SEGMENTS_WITHOUT_MERGE;
        if !merge {
            writer.set_merge_policy(Box::new(NoMergePolicy));
        }
        if full {
            writer.delete_all_documents().map_err(err("clear the index"))?;
        } else {
            for r in refs {
                writer.delete_term(Term::from_field_text(self.fields.entity_ref, r));
            }
        }
        Ok(Some(SearchBatch { _guard: guard, search: self, writer, merge }))
    }

    /// One batch in one go: see [`Self::begin`].
    #[cfg(test)]
    pub(crate) async fn apply(
        &self,
        store_id: &str,
        generation: i64,
        full: bool,
        refs: &[String],
        rows: Vec<SearchRow>,
    ) -> Result<bool, IndexError> {
        let Some(mut batch) = self.begin(full, refs, rows.len()).await? else { return Ok(false) };
        batch.add(rows)?;
        batch.commit(store_id, generation)?;
        Ok(true)
    }

    fn document(&self, row: &SearchRow) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.entity_ref, &row.entity_ref);
        doc.add_text(f.name, row.name.to_lowercase());
        doc.add_text(f.kind, row.kind.to_lowercase());
        doc.add_text(f.words, name_words(&row.name));
        doc.add_text(f.prefix, prefixes(&row.name));
        let mut text = String::new();
        for part in
            [&row.title, &row.description, &row.spec_type, &row.lifecycle, &row.display_name].into_iter().flatten()
        {
            text.push_str(part);
            text.push(' ');
        }
        text.push_str(&row.kind);
        for t in &row.tags {
            text.push(' ');
            text.push_str(&split_words(t).join(" "));
        }
        for r in [&row.owner_ref, &row.system_ref].into_iter().flatten() {
            text.push(' ');
            text.push_str(&name_words(ref_name(r)));
        }
        if let Some(t) = &row.title {
            text.push(' ');
            text.push_str(&split_words(t).join(" "));
        }
        doc.add_text(f.text, text);
        doc
    }

    /// Number of documents (for tests and `health`).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Searches `text`; best first, exact name matches before everything else. Returns the hits
    /// and the total number of matching documents.
    pub(crate) fn search(&self, text: &str, limit: usize) -> Result<(Vec<RawHit>, usize), IndexError> {
        let words = split_words(text);
        if words.is_empty() || limit == 0 {
            return Ok((Vec::new(), 0));
        }
        let whole = text.trim().to_lowercase();
        let dashed = words.join("-");
        let searcher = self.reader.searcher();
        let f = self.fields;

        let exact = |boost: f32| -> Vec<(Occur, Box<dyn Query>)> {
            let mut v: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for name in [&whole, &dashed] {
                v.push((Occur::Should, boost_q(term_q(f.name, name), boost)));
            }
            v.push((Occur::Should, boost_q(term_q(f.entity_ref, &whole), boost)));
            v
        };
        let word_group = |w: &str, fuzzy: bool| -> Box<dyn Query> {
            let mut g: Vec<(Occur, Box<dyn Query>)> = vec![
                (Occur::Should, boost_q(term_q(f.words, w), 3.0)),
                (Occur::Should, boost_q(term_q(f.prefix, w), 1.5)),
                (Occur::Should, boost_q(term_q(f.text, w), 1.0)),
            ];
            // Typos are tolerated in names (a small vocabulary), not in free text.
            if fuzzy && let Some(d) = fuzzy_distance(w) {
                let term = Term::from_field_text(f.words, w);
                g.push((Occur::Should, boost_q(Box::new(FuzzyTermQuery::new(term, d, true)), 0.8)));
            }
            Box::new(BooleanQuery::new(g))
        };

        let build = |fuzzy: bool| -> Box<dyn Query> {
            let mut all: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let mut words_must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for w in &words {
                words_must.push((Occur::Must, word_group(w, fuzzy)));
            }
            all.push((Occur::Should, Box::new(BooleanQuery::new(words_must))));
            all.extend(exact(20.0));
            if fuzzy && let Some(d) = fuzzy_distance(&dashed) {
                let term = Term::from_field_text(f.name, &dashed);
                all.push((Occur::Should, boost_q(Box::new(FuzzyTermQuery::new(term, d, true)), 2.0)));
            }
            Box::new(BooleanQuery::new(all))
        };

        let mut hits: Vec<RawHit> = Vec::new();
        let mut seen = HashSet::new();
        let (top, total) = searcher
            .search(&*build(false), &(TopDocs::with_limit(limit).order_by_score(), Count))
            .map_err(err("search"))?;
        let mut total_out = total;
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(err("read a hit"))?;
            let Some(r) = doc.get_first(f.entity_ref).and_then(|v| v.as_str()).map(str::to_owned) else { continue };
            let name = ref_name(&r).to_owned();
            let matched =
                if name == whole || name == dashed || r == whole { MatchKind::Exact } else { MatchKind::Text };
            seen.insert(r.clone());
            hits.push(RawHit { entity_ref: r, score, matched });
        }
        // Typo tolerance only when the words as typed find nothing: it is the slow part, and
        // an exact word should not be drowned by near misses.
        if hits.is_empty() {
            let (top, total) = searcher
                .search(&*build(true), &(TopDocs::with_limit(limit).order_by_score(), Count))
                .map_err(err("search"))?;
            total_out = total;
            for (score, addr) in top {
                if hits.len() >= limit {
                    break;
                }
                let doc: TantivyDocument = searcher.doc(addr).map_err(err("read a hit"))?;
                let Some(r) = doc.get_first(f.entity_ref).and_then(|v| v.as_str()).map(str::to_owned) else { continue };
                if seen.insert(r.clone()) {
                    hits.push(RawHit { entity_ref: r, score, matched: MatchKind::Fuzzy });
                }
            }
        }
        // Exact first, then text before fuzzy, then score, then ref for determinism.
        let rank = |m: MatchKind| match m {
            MatchKind::Exact => 0,
            MatchKind::Text => 1,
            MatchKind::Fuzzy => 2,
        };
        hits.sort_by(|a, b| {
            rank(a.matched)
                .cmp(&rank(b.matched))
                .then(b.score.total_cmp(&a.score))
                .then_with(|| a.entity_ref.cmp(&b.entity_ref))
        });
        Ok((hits, total_out))
    }
}

fn term_q(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
}

fn boost_q(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, boost))
}

/// Words longer than this are never matched with typos: no entity name is longer than 63
/// characters, and a Levenshtein automaton grows with the word it is built for (a 60 KB word took
/// gigabytes).
const MAX_FUZZY_CHARS: usize = 64;

fn fuzzy_distance(word: &str) -> Option<u8> {
    match word.chars().take(MAX_FUZZY_CHARS + 1).count() {
        0..=3 => None,
        4..=7 => Some(1),
        n if n > MAX_FUZZY_CHARS => None,
        _ => Some(2),
    }
}

/// An mmap directory that does not fsync. The search index is a cache of the store: a commit
/// need not survive a power cut (the payload check, or a failed open, rebuilds it from the
/// store), and the fsyncs of a commit (one per segment file, the meta file and the directory)
/// were most of the cost of a one-file update (~70 ms of ~75 ms measured). A killed process
/// loses nothing: written data is in the page cache.
#[derive(Clone, Debug)]
struct NoSyncDirectory {
    inner: MmapDirectory,
    root: PathBuf,
}

struct NoSyncWriter(std::fs::File);

impl Write for NoSyncWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TerminatingWrite for NoSyncWriter {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        self.0.flush()
    }
}

impl Directory for NoSyncDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }
    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }
    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }
    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let file =
            std::fs::OpenOptions::new().write(true).create_new(true).open(self.root.join(path)).map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    OpenWriteError::FileAlreadyExists(path.to_owned())
                } else {
                    OpenWriteError::wrap_io_error(e, path.to_owned())
                }
            })?;
        Ok(io::BufWriter::new(Box::new(NoSyncWriter(file))))
    }
    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }
    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        // Write then rename: readers never see a half-written meta file.
        let target = self.root.join(path);
        let mut tmp_name = target.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(format!(".{}.tmp", std::process::id()));
        let tmp = target.with_file_name(tmp_name);
        std::fs::write(&tmp, data)?;
        std::fs::rename(&tmp, &target)
    }
    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }
    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.acquire_lock(lock)
    }
    fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(callback)
    }
}

/// Opens the index in `dir`, recreating it when it is unreadable or has another schema.
fn open_dir(dir: &Path, schema: Schema) -> Result<Index, IndexError> {
    std::fs::create_dir_all(dir).map_err(|source| IndexError::Io { action: "create", path: dir.to_owned(), source })?;
    let open = || -> tantivy::Result<Index> {
        let directory = NoSyncDirectory { inner: MmapDirectory::open(dir)?, root: dir.to_owned() };
        let index = Index::open_or_create(directory, schema.clone())?;
        // Open every segment now: a damaged index is rebuilt here, not found by a query.
        index.reader()?.searcher();
        Ok(index)
    };
    match open() {
        Ok(index) => Ok(index),
        Err(first) => {
            // Unreadable or another schema: it is only a cache of the store, rebuild it.
            let _ = first;
            for entry in std::fs::read_dir(dir)
                .map_err(|source| IndexError::Io { action: "read", path: dir.to_owned(), source })?
                .flatten()
            {
                let p = entry.path();
                let _ = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
            }
            open().map_err(err("open the index"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_identifiers() {
        assert_eq!(split_words("payments-api"), ["payments", "api"]);
        assert_eq!(split_words("paymentsApi"), ["payments", "api"]);
        assert_eq!(split_words("payments_api"), ["payments", "api"]);
        assert_eq!(split_words("HTTPServer v2"), ["http", "server", "v2"]);
        assert_eq!(split_words("k8s-prod-eu"), ["k8s", "prod", "eu"]);
        assert_eq!(name_words("paymentsApi"), "payments api paymentsapi");
        assert_eq!(prefixes("ab-cde"), "ab cd cde ");
        assert_eq!(ref_name("component:default/payments-api"), "payments-api");
    }

    #[test]
    fn long_words_get_no_typo_matching() {
        assert_eq!(fuzzy_distance(&"n".repeat(MAX_FUZZY_CHARS)), Some(2));
        assert_eq!(fuzzy_distance(&"n".repeat(60_000)), None);
    }

    fn row(name: &str, kind: &str, title: &str) -> SearchRow {
        SearchRow {
            entity_ref: format!("{}:default/{}", kind.to_lowercase(), name.to_lowercase()),
            kind: kind.into(),
            name: name.into(),
            title: Some(title.into()),
            description: None,
            spec_type: None,
            lifecycle: None,
            owner_ref: Some("group:default/team-payments".into()),
            system_ref: None,
            display_name: None,
            tags: vec!["python3".into()],
        }
    }

    #[tokio::test]
    async fn matches_words_prefixes_typos_exact_first() {
        let s = SearchIndex::open(&SearchLocation::Memory).unwrap();
        let rows = vec![
            row("payments-api", "Component", "Payments API"),
            row("paymentsApi2", "Component", "Other"),
            row("payments_worker", "Component", "Worker"),
            row("payments", "System", "Payments"),
            row("fraud-detector", "Component", "Fraud detection"),
        ];
        assert!(s.apply("store", 1, true, &[], rows).await.unwrap());
        assert_eq!(s.state(), (Some("store".into()), 1));
        let refs = |q: &str| s.search(q, 10).unwrap().0.into_iter().map(|h| h.entity_ref).collect::<Vec<_>>();
        let all = refs("payments");
        assert_eq!(all[0], "system:default/payments", "exact first: {all:?}");
        assert_eq!(all.len(), 5, "owner team-payments is in the text of all: {all:?}");
        assert!(refs("paym").contains(&"component:default/payments_worker".to_owned()));
        assert_eq!(refs("paymnets-api")[0], "component:default/payments-api");
        assert_eq!(refs("fraud")[0], "component:default/fraud-detector");
        assert_eq!(refs("detection")[0], "component:default/fraud-detector");
        assert!(refs("zzzz").is_empty());
        // Incremental: delete one ref.
        assert!(s.apply("store", 2, false, &["component:default/fraud-detector".into()], vec![]).await.unwrap());
        assert!(refs("fraud").is_empty());
    }
}

//! The walk of a directory source, kept from one run to the next.
//!
//! Listing a tree of tens of thousands of small directories costs more than anything else a run
//! over an unchanged tree does (a path lookup, a `getdents` and the ignore-file probes per
//! directory). A directory's entries change only together with its own stat (creating, removing
//! or renaming an entry moves its modification and status-change times), so a directory whose
//! stat equals the one stored has the entries it had: its catalog files and subdirectories come
//! from the stored walk and only its subdirectories are looked at. Its files are still `stat`ed
//! by the run (an edit in place does not change the directory).
//!
//! What a directory's listing yields also depends on the ignore rules in effect for it
//! (`.gitignore`, `.ignore`, `.git/info/exclude` in it and above it, the global excludes file),
//! and those can be edited in place. Their stats are stored too: a directory whose own ignore
//! inputs changed is walked again with everything below it, and a change above the source's
//! root (or to the global excludes file) walks the whole source again. A directory that changed
//! while its ignore inputs did not is listed on its own (one level, with the same rules as the
//! full walk); its known subdirectories are then checked the same way and new ones walked.
//!
//! The racy rule of [`crate::filestat`] applies to every stat stored here: a stat is kept only
//! when it predates the second the run started in, and it is taken after the walk read what it
//! vouches for, so nothing it describes changed while the run looked. A directory without a
//! stored stat is listed again, one without stored ignore inputs is walked again. Whatever
//! cannot be described this way (a `.git` file, as in worktrees and submodules; a directory the
//! walk could not read; a name that is not UTF-8 outside Unix) is walked every time.
//!
//! The result is the same list of files the walk of [`backline_catalog::discover::RealFs`]
//! gives, filtered to catalog file names (`crates/index/tests/index_walk.rs` compares both).

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use backline_catalog::discover::{is_catalog_file_name, path_order};

use crate::filestat::{FileStat, RunClock};

/// The names a directory's ignore rules are read from, in this order.
const IGNORE_INPUTS: [&str; 5] = [".gitignore", ".ignore", ".git", ".git/info", ".git/info/exclude"];
const GIT: usize = 2;
const GIT_INFO: usize = 3;
const GIT_EXCLUDE: usize = 4;

/// What one ignore input was when the walk read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Absent,
    /// `.git` as a directory: only its kind matters (its own times move with every git command).
    Dir,
    Stat(FileStat),
}

/// One directory as the walk left it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DirRecord {
    /// Its stat after it was listed; `None` (racy or unknown): list it again.
    stat: Option<FileStat>,
    /// Its ignore inputs; `None` (racy, unknown, or a `.git` file): walk it and all below again.
    ignores: Option<[Probe; 5]>,
    /// The catalog files in it, by name.
    files: Vec<String>,
}

/// A walked directory and the walked directories below it.
#[derive(Debug)]
struct Tree {
    name: OsString,
    rec: DirRecord,
    children: Vec<Tree>,
}

/// The walk of one directory source as stored between runs.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct WalkState {
    /// The source's root and the ignore inputs above it; `None`: walk everything next time.
    context: Option<String>,
    /// Directories in preorder: (index of the parent, name, record); the root first.
    nodes: Vec<(u32, OsString, DirRecord)>,
}

/// What [`walk`] found.
pub(crate) struct Walked {
    /// Catalog files under the root, sorted.
    pub files: Vec<PathBuf>,
    /// The walk to store for the next run.
    pub state: WalkState,
    /// Directories whose entries were read (listed on their own or by a walk).
    pub dirs_listed: usize,
}

/// Lists the catalog files under `root`, reusing `prior` where directories did not change.
pub(crate) fn walk(root: &Path, prior: Option<WalkState>, clock: RunClock) -> Walked {
    let before = context(root, clock);
    let listed = std::sync::atomic::AtomicUsize::new(0);
    let name = root.file_name().map(OsStr::to_owned).unwrap_or_default();
    let tree = match prior {
        Some(prior) if before.is_some() && prior.context == before && !prior.nodes.is_empty() => {
            let mut children = vec![Vec::new(); prior.nodes.len()];
            for (i, (parent, _, _)) in prior.nodes.iter().enumerate().skip(1) {
                if let Some(c) = children.get_mut(*parent as usize) {
                    c.push(i);
                }
            }
            let cached = Cached { nodes: &prior.nodes, children: &children, clock, listed: &listed };
            cached.visit(root, name, 0, true)
        }
        _ => full_walk(root, name, true, clock, &listed),
    };
    let after = context(root, clock);
    let mut state = WalkState { context: if before == after { before } else { None }, nodes: Vec::new() };
    let mut files = Vec::new();
    flatten(tree, u32::MAX, root, &mut state.nodes, &mut files);
    files.sort_unstable_by(|a, b| path_order(a, b));
    Walked { files, state, dirs_listed: listed.into_inner() }
}

fn flatten(
    tree: Tree,
    parent: u32,
    path: &Path,
    nodes: &mut Vec<(u32, OsString, DirRecord)>,
    files: &mut Vec<PathBuf>,
) {
    let me = nodes.len() as u32;
    files.extend(tree.rec.files.iter().map(|f| path.join(f)));
    nodes.push((parent, tree.name, tree.rec));
    for child in tree.children {
        let child_path = path.join(&child.name);
        flatten(child, me, &child_path, nodes, files);
    }
}

/// The stored walk, read from the directories it describes.
struct Cached<'a> {
    nodes: &'a [(u32, OsString, DirRecord)],
    children: &'a [Vec<usize>],
    clock: RunClock,
    listed: &'a std::sync::atomic::AtomicUsize,
}

impl Cached<'_> {
    fn visit(&self, path: &Path, name: OsString, node: usize, is_root: bool) -> Tree {
        let rec = &self.nodes[node].2;
        let Some(ignores) = &rec.ignores else { return full_walk(path, name, is_root, self.clock, self.listed) };
        let now = stat_dir(path, is_root);
        let unchanged = now.is_some() && rec.stat == now;
        if !ignores_unchanged(path, ignores, unchanged) {
            return full_walk(path, name, is_root, self.clock, self.listed);
        }
        let known = &self.children[node];
        if unchanged {
            let children =
                known.par_iter().map(|&c| self.visit(&path.join(&self.nodes[c].1), self.nodes[c].1.clone(), c, false));
            return Tree { name, rec: rec.clone(), children: children.collect() };
        }
        // Changed entries under unchanged rules: this directory is listed again, on its own.
        self.listed.fetch_add(1, Ordering::Relaxed);
        let Some((files, dirs)) = list_one(path) else {
            return full_walk(path, name, is_root, self.clock, self.listed);
        };
        let by_name: HashMap<&OsStr, usize> = known.iter().map(|&c| (self.nodes[c].1.as_os_str(), c)).collect();
        let children: Vec<Tree> = dirs
            .into_par_iter()
            .map(|d| {
                let child = path.join(&d);
                match by_name.get(d.as_os_str()) {
                    Some(&c) => self.visit(&child, d, c, false),
                    None => full_walk(&child, d, false, self.clock, self.listed),
                }
            })
            .collect();
        Tree { name, rec: record(path, is_root, files, self.clock), children }
    }
}

/// Whether the ignore inputs of `dir` are still as `stored`; `unchanged`: the directory's own
/// stat is the stored one, so its entries (and so which inputs exist in it) are too.
fn ignores_unchanged(dir: &Path, stored: &[Probe; 5], unchanged: bool) -> bool {
    for (i, name) in IGNORE_INPUTS.iter().enumerate() {
        let parent_absent = match i {
            GIT_INFO => stored[GIT] == Probe::Absent,
            GIT_EXCLUDE => stored[GIT_INFO] == Probe::Absent,
            _ => false,
        };
        // Absent under an absent parent, or absent in a directory (`.git/info`) whose stat is
        // stored and was compared equal just before: still absent.
        let implied = match stored[i] {
            Probe::Absent => {
                parent_absent
                    || (i < GIT_INFO && unchanged)
                    || (i == GIT_EXCLUDE && matches!(stored[GIT_INFO], Probe::Stat(_)))
            }
            Probe::Dir => unchanged,
            Probe::Stat(_) => false,
        };
        if !implied && probe(&dir.join(name), i == GIT) != Some(stored[i]) {
            return false;
        }
    }
    true
}

/// An ignore input as it is now; `None` when it cannot be described (a `.git` that is not a
/// directory).
fn probe(path: &Path, is_git: bool) -> Option<Probe> {
    match std::fs::metadata(path) {
        Err(_) => Some(Probe::Absent),
        Ok(m) if is_git => m.is_dir().then_some(Probe::Dir),
        Ok(m) => Some(Probe::Stat(FileStat::of(&m))),
    }
}

/// The record of a directory just listed: its ignore inputs and its own stat, taken now (after
/// the listing), kept only when not racy.
fn record(dir: &Path, is_root: bool, files: Vec<String>, clock: RunClock) -> DirRecord {
    let mut ignores = [Probe::Absent; 5];
    let mut known = true;
    for (i, name) in IGNORE_INPUTS.iter().enumerate() {
        // Nothing under an absent `.git` or `.git/info`.
        if (i == GIT_INFO || i == GIT_EXCLUDE) && ignores[i - 1] == Probe::Absent {
            continue;
        }
        match probe(&dir.join(name), i == GIT) {
            None => known = false,
            Some(p) => {
                known &= match p {
                    Probe::Stat(s) => clock.storable(Some(s)).is_some(),
                    // `.git/info` absent is vouched for by `.git`'s stat at this moment.
                    Probe::Absent if i == GIT_INFO => clock.storable(FileStat::of_path(&dir.join(".git"))).is_some(),
                    _ => true,
                };
                ignores[i] = p;
            }
        }
    }
    let stat = clock.storable(stat_dir(dir, is_root));
    // The other absent inputs are vouched for by the directory's own stat.
    DirRecord { stat, ignores: (known && stat.is_some()).then_some(ignores), files }
}

/// The root may be a symbolic link (the walk follows it); below it, the walk never follows one.
fn stat_dir(path: &Path, is_root: bool) -> Option<FileStat> {
    let meta = if is_root { std::fs::metadata(path) } else { std::fs::symlink_metadata(path) };
    meta.ok().filter(std::fs::Metadata::is_dir).map(|m| FileStat::of(&m))
}

/// The walk `RealFs::walk(dir, true)` does: `.gitignore` and friends and hidden files apply,
/// links are not followed.
fn walker(dir: &Path) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(dir);
    builder.standard_filters(true).hidden(true).require_git(false);
    builder
}

/// The catalog files and subdirectories of `dir` under the walk's rules; `None` if it could not
/// be read.
fn list_one(dir: &Path) -> Option<(Vec<String>, Vec<OsString>)> {
    let (mut files, mut dirs) = (Vec::new(), Vec::new());
    for entry in walker(dir).max_depth(Some(1)).build() {
        let entry = entry.ok()?;
        if entry.depth() == 0 {
            continue;
        }
        match entry.file_type() {
            Some(t) if t.is_dir() => dirs.push(entry.file_name().to_owned()),
            Some(t) if t.is_file() => {
                if let Some(n) = entry.file_name().to_str().filter(|n| is_catalog_file_name(n)) {
                    files.push(n.to_owned());
                }
            }
            _ => {}
        }
    }
    Some((files, dirs))
}

/// Walks `dir` and everything below it, in parallel, and records every directory found.
fn full_walk(
    dir: &Path,
    name: OsString,
    is_root: bool,
    clock: RunClock,
    listed: &std::sync::atomic::AtomicUsize,
) -> Tree {
    let found: Mutex<Vec<(PathBuf, bool)>> = Mutex::new(Vec::new());
    let failed = AtomicBool::new(false);
    walker(dir).build_parallel().run(|| {
        let (found, failed) = (&found, &failed);
        Box::new(move |entry| {
            match entry {
                Ok(e) => match e.file_type() {
                    Some(t) if t.is_dir() => {
                        found.lock().unwrap_or_else(|p| p.into_inner()).push((e.into_path(), true))
                    }
                    Some(t) if t.is_file() && e.file_name().to_str().is_some_and(is_catalog_file_name) => {
                        found.lock().unwrap_or_else(|p| p.into_inner()).push((e.into_path(), false))
                    }
                    _ => {}
                },
                Err(_) => failed.store(true, Ordering::Relaxed),
            }
            ignore::WalkState::Continue
        })
    });
    let found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    let failed = failed.into_inner();
    // Directories by path relative to `dir`, then files placed in theirs.
    let mut dirs: HashMap<PathBuf, (DirRecord, Vec<PathBuf>)> = HashMap::new();
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for (path, is_dir) in found {
        let Ok(rel) = path.strip_prefix(dir).map(Path::to_owned) else { continue };
        if is_dir {
            dirs.entry(rel).or_insert_with(|| (DirRecord { stat: None, ignores: None, files: Vec::new() }, Vec::new()));
        } else if let (Some(parent), Some(n)) = (rel.parent(), rel.file_name().and_then(OsStr::to_str)) {
            files.push((parent.to_owned(), n.to_owned()));
        }
    }
    dirs.entry(PathBuf::new())
        .or_insert_with(|| (DirRecord { stat: None, ignores: None, files: Vec::new() }, Vec::new()));
    listed.fetch_add(dirs.len(), Ordering::Relaxed);
    for (parent, n) in files {
        if let Some((rec, _)) = dirs.get_mut(&parent) {
            rec.files.push(n);
        }
    }
    // Recorded after the walk read them (see the module documentation), in parallel.
    if !failed {
        let paths: Vec<PathBuf> = dirs.keys().cloned().collect();
        let records: Vec<(PathBuf, DirRecord)> = paths
            .into_par_iter()
            .map(|rel| {
                let rec = record(&dir.join(&rel), is_root && rel.as_os_str().is_empty(), Vec::new(), clock);
                (rel, rec)
            })
            .collect();
        for (rel, rec) in records {
            if let Some((r, _)) = dirs.get_mut(&rel) {
                r.stat = rec.stat;
                r.ignores = rec.ignores;
            }
        }
    }
    // Children under their parents.
    let mut rels: Vec<PathBuf> = dirs.keys().filter(|r| !r.as_os_str().is_empty()).cloned().collect();
    rels.sort();
    for rel in &rels {
        if let Some(parent) = rel.parent()
            && let Some((_, kids)) = dirs.get_mut(parent)
        {
            kids.push(rel.clone());
        }
    }
    build(&mut dirs, PathBuf::new(), name)
}

fn build(dirs: &mut HashMap<PathBuf, (DirRecord, Vec<PathBuf>)>, rel: PathBuf, name: OsString) -> Tree {
    let (rec, kids) =
        dirs.remove(&rel).unwrap_or_else(|| (DirRecord { stat: None, ignores: None, files: Vec::new() }, Vec::new()));
    let children = kids
        .into_iter()
        .map(|k| {
            let n = k.file_name().map(OsStr::to_owned).unwrap_or_default();
            build(dirs, k, n)
        })
        .collect();
    Tree { name, rec, children }
}

/// The source's root as the walk resolves it and the ignore inputs above it (the walk reads
/// every ancestor's `.gitignore`, `.ignore` and `.git/info/exclude`, and the global excludes
/// file), as text to compare; `None` when some of it cannot be vouched for (racy, a `.git` file).
fn context(root: &Path, clock: RunClock) -> Option<String> {
    use std::fmt::Write as _;
    let canonical = std::fs::canonicalize(root).ok()?;
    let mut out = format!("v1 {}\n", canonical.display());
    let mut describe = |path: &Path, is_git: bool| -> Option<()> {
        let p = probe(path, is_git)?;
        if let Probe::Stat(s) = p {
            clock.storable(Some(s))?;
        }
        let _ = writeln!(out, "{} {p:?}", path.display());
        Some(())
    };
    for ancestor in canonical.ancestors().skip(1) {
        for (i, name) in IGNORE_INPUTS.iter().enumerate() {
            if i == GIT_INFO || i == GIT_EXCLUDE {
                continue;
            }
            describe(&ancestor.join(name), i == GIT)?;
        }
        if ancestor.join(".git").is_dir() {
            describe(&ancestor.join(IGNORE_INPUTS[GIT_EXCLUDE]), false)?;
        }
    }
    if let Some(global) = ignore::gitignore::gitconfig_excludes_path() {
        describe(&global, false)?;
    }
    Some(out)
}

// Stored form: a version byte, then the context and the directories in preorder, integers
// little-endian. Anything unreadable is no prior walk.
const VERSION: u8 = 1;

impl WalkState {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.nodes.len() * 48);
        out.push(VERSION);
        match &self.context {
            None => out.push(0),
            Some(c) => {
                out.push(1);
                put_bytes(&mut out, c.as_bytes());
            }
        }
        out.extend((self.nodes.len() as u32).to_le_bytes());
        for (parent, name, rec) in &self.nodes {
            out.extend(parent.to_le_bytes());
            put_bytes(&mut out, &name_bytes(name));
            put_stat(&mut out, rec.stat);
            match &rec.ignores {
                None => out.push(0),
                Some(probes) => {
                    out.push(1);
                    for p in probes {
                        match p {
                            Probe::Absent => out.push(0),
                            Probe::Dir => out.push(1),
                            Probe::Stat(s) => {
                                out.push(2);
                                put_stat(&mut out, Some(*s));
                            }
                        }
                    }
                }
            }
            out.extend((rec.files.len() as u32).to_le_bytes());
            for f in &rec.files {
                put_bytes(&mut out, f.as_bytes());
            }
        }
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<WalkState> {
        let mut r = Reader(bytes);
        if r.u8()? != VERSION {
            return None;
        }
        let context = match r.u8()? {
            0 => None,
            _ => Some(String::from_utf8(r.bytes()?.to_vec()).ok()?),
        };
        let n = r.u32()? as usize;
        let mut nodes = Vec::with_capacity(n.min(bytes.len() / 16));
        for _ in 0..n {
            let parent = r.u32()?;
            let name = name_of(r.bytes()?)?;
            let stat = r.stat()?;
            let ignores = match r.u8()? {
                0 => None,
                _ => {
                    let mut probes = [Probe::Absent; 5];
                    for p in &mut probes {
                        *p = match r.u8()? {
                            0 => Probe::Absent,
                            1 => Probe::Dir,
                            _ => Probe::Stat(r.stat()??),
                        };
                    }
                    Some(probes)
                }
            };
            let count = r.u32()? as usize;
            let mut files = Vec::with_capacity(count.min(1024));
            for _ in 0..count {
                files.push(String::from_utf8(r.bytes()?.to_vec()).ok()?);
            }
            nodes.push((parent, name, DirRecord { stat, ignores, files }));
        }
        r.0.is_empty().then_some(WalkState { context, nodes })
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend((b.len() as u32).to_le_bytes());
    out.extend(b);
}

fn put_stat(out: &mut Vec<u8>, stat: Option<FileStat>) {
    match stat {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            for v in [s.size, s.mtime_ns, s.ctime_ns, s.inode] {
                out.extend(v.to_le_bytes());
            }
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i64(&mut self) -> Option<i64> {
        self.take(8).and_then(|b| b.try_into().ok()).map(i64::from_le_bytes)
    }
    fn bytes(&mut self) -> Option<&[u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    /// `Some(None)` for a stored "no stat".
    fn stat(&mut self) -> Option<Option<FileStat>> {
        Some(match self.u8()? {
            0 => None,
            _ => Some(FileStat { size: self.i64()?, mtime_ns: self.i64()?, ctime_ns: self.i64()?, inode: self.i64()? }),
        })
    }
}

#[cfg(unix)]
fn name_bytes(name: &OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    name.as_bytes().to_vec()
}

#[cfg(unix)]
fn name_of(bytes: &[u8]) -> Option<OsString> {
    use std::os::unix::ffi::OsStrExt;
    Some(OsStr::from_bytes(bytes).to_owned())
}

/// Outside Unix a name is stored as UTF-8; one that is not decodes as nothing, and the walk is
/// then not reused.
#[cfg(not(unix))]
fn name_bytes(name: &OsStr) -> Vec<u8> {
    name.to_str().map_or_else(|| vec![0xff], |s| s.as_bytes().to_vec())
}

#[cfg(not(unix))]
fn name_of(bytes: &[u8]) -> Option<OsString> {
    std::str::from_utf8(bytes).ok().map(OsString::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips() {
        let s = FileStat { size: 1, mtime_ns: 2, ctime_ns: 3, inode: 4 };
        let state = WalkState {
            context: Some("v1 /x\n".into()),
            nodes: vec![
                (
                    u32::MAX,
                    OsString::from("root"),
                    DirRecord {
                        stat: Some(s),
                        ignores: Some([Probe::Stat(s), Probe::Absent, Probe::Dir, Probe::Absent, Probe::Absent]),
                        files: vec!["catalog-info.yaml".into()],
                    },
                ),
                (0, OsString::from("sub"), DirRecord { stat: None, ignores: None, files: Vec::new() }),
            ],
        };
        let bytes = state.encode();
        assert_eq!(WalkState::decode(&bytes), Some(state));
        assert_eq!(WalkState::decode(&bytes[..bytes.len() - 1]), None);
        assert_eq!(WalkState::decode(&[]), None);
    }
}

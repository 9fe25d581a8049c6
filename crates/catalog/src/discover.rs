//! Finding catalog files: walking trees the way `git` sees them and following Location entities.
//!
//! This is the only module of the checking path that does I/O, and it does it through the
//! [`FileSystem`] trait so other sources (a git revision read without a checkout, an editor's
//! unsaved buffers) can reuse the same traversal. Parsing happens here too, in parallel (on the
//! walking threads while a tree is walked, with rayon for Location targets), because a
//! Location's targets are only known once its file is parsed.
//!
//! A catalog file is input from whoever can open a pull request, so following it must not read
//! the host: Location targets stay inside the source's roots (a [`TargetScope`]; `[locations]
//! allow` in `backline.toml` widens it, as Backstage's backend reads only what `reading.allow`
//! lists), symlinks are resolved before that check, globs walk only their own base directory, and
//! [`RealFs`] reads regular files only, counting bytes as it reads (a `/proc` file reports size 0
//! and may hold gigabytes).

use std::collections::HashSet;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use globset::{GlobBuilder, GlobMatcher};
use rayon::prelude::*;
use serde::Deserialize;

use crate::codes::Code;
use crate::finding::Finding;
use crate::kinds::custom::CustomKinds;
use crate::model::{LocationSpec, ParsedFile};
use crate::text::TextRange;
use crate::validate::parse_file_with;

/// Files larger than this are reported, not parsed: no hand-written catalog file comes close,
/// and it bounds the memory one bad file can take.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What discovery needs from a file system.
pub trait FileSystem: Sync {
    /// The bytes of a regular file; an error for anything else (devices, FIFOs, directories) and
    /// for files over [`MAX_FILE_BYTES`] ([`too_large`]), whatever size they claim beforehand.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    fn is_dir(&self, path: &Path) -> bool;
    fn is_file(&self, path: &Path) -> bool;
    /// Every file below `dir`. With `respect_ignore`, `.gitignore` and friends apply (for tree
    /// walks); Location globs see every file, as Backstage's reader does. A walk never follows a
    /// symbolic link and never yields one, so what it finds lies where its path says: Location
    /// scope checks rely on that.
    fn walk(&self, dir: &Path, respect_ignore: bool) -> Vec<PathBuf>;
    /// [`FileSystem::walk`], handing each file to `visit` as soon as it is found, from several
    /// threads at once and in no particular order: work per file (reading, parsing) overlaps the
    /// walk instead of waiting for it. The default walks first, then visits in parallel.
    fn walk_each(&self, dir: &Path, respect_ignore: bool, visit: &(dyn Fn(PathBuf) + Sync)) {
        self.walk(dir, respect_ignore).into_par_iter().for_each(visit);
    }
    fn len(&self, path: &Path) -> io::Result<u64>;
    /// What `path` is, without following a symbolic link: what a walk would see there.
    /// Trees without links keep the default.
    fn kind(&self, path: &Path) -> Option<EntryKind> {
        if self.is_file(path) {
            Some(EntryKind::File)
        } else if self.is_dir(path) {
            Some(EntryKind::Dir)
        } else {
            None
        }
    }
    /// The entries directly in `dir` that a walk ignoring nothing would visit: regular files and
    /// directories, never symbolic links. A Location glob without `**` lists one directory per
    /// pattern component with it instead of walking its base's whole tree. The default derives
    /// the listing from [`FileSystem::walk`], so it is correct for every file system and cheap
    /// for none; directories holding no file at any depth are missing from it, which no glob
    /// naming files can tell.
    fn list_dir(&self, dir: &Path) -> Vec<(std::ffi::OsString, EntryKind)> {
        entries_of(dir, self.walk(dir, false).iter().map(PathBuf::as_path))
    }
    /// Where `path` really is (symlinks followed), to decide whether a Location may name it.
    /// Trees without links (a git revision, an in-memory map) are already their own scope and
    /// keep the default: the path itself, normalised.
    fn resolve(&self, path: &Path) -> PathBuf {
        normalize(path)
    }
}

/// The entries directly in `dir` that `files` (every file below it, at any depth) imply: each
/// file's first component below `dir`, a directory when more follow. For file systems that list
/// directories by the files they hold ([`FileSystem::list_dir`]'s default, git trees).
pub fn entries_of<'a>(dir: &Path, files: impl Iterator<Item = &'a Path>) -> Vec<(std::ffi::OsString, EntryKind)> {
    let mut entries: Vec<(std::ffi::OsString, EntryKind)> = files
        .filter_map(|p| {
            let mut rest = p.strip_prefix(dir).ok()?.components();
            let first = rest.next()?.as_os_str().to_owned();
            Some((first, if rest.next().is_some() { EntryKind::Dir } else { EntryKind::File }))
        })
        .collect();
    entries.sort();
    entries.dedup();
    entries
}

/// What a walk sees at a path: symbolic links, devices and sockets are neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    File,
    Dir,
}

impl EntryKind {
    fn of(file_type: std::fs::FileType) -> Option<EntryKind> {
        if file_type.is_file() {
            Some(EntryKind::File)
        } else if file_type.is_dir() {
            Some(EntryKind::Dir)
        } else {
            None
        }
    }
}

/// The real file system.
pub struct RealFs;

impl FileSystem for RealFs {
    /// One open, one `fstat` and (for a file that is what its size says) one read: a large
    /// check reads tens of thousands of small files, and every system call per file shows.
    /// The open does not block (a FIFO would wait for a writer) and never makes a terminal
    /// the process's own; whatever was opened is refused unless it is a regular file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut open = std::fs::OpenOptions::new();
        open.read(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut open, libc::O_NONBLOCK | libc::O_NOCTTY);
        let file = open.open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(not_regular());
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_large(Some(meta.len())));
        }
        // The size is a hint, not a bound: `/proc` files report 0, and a file may grow while it
        // is read. A file that fills its size exactly is taken as read; any other is read to
        // its end, counting.
        let expected = meta.len() as usize;
        let mut bytes = vec![0; expected];
        let mut filled = 0;
        let mut reader = &file;
        while filled < expected {
            match reader.read(&mut bytes[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        bytes.truncate(filled);
        if expected == 0 || filled < expected {
            reader.take(MAX_FILE_BYTES + 1 - filled as u64).read_to_end(&mut bytes)?;
            if bytes.len() as u64 > MAX_FILE_BYTES {
                return Err(too_large(None));
            }
        }
        Ok(bytes)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn walk(&self, dir: &Path, respect_ignore: bool) -> Vec<PathBuf> {
        walker(dir, respect_ignore)
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .map(ignore::DirEntry::into_path)
            .collect()
    }

    /// A tree of many small directories costs more in listing them than in reading its files:
    /// the parallel walker lists directories on every core, each file visited by the thread
    /// that found it.
    fn walk_each(&self, dir: &Path, respect_ignore: bool, visit: &(dyn Fn(PathBuf) + Sync)) {
        walker(dir, respect_ignore).build_parallel().run(|| {
            Box::new(|entry| {
                if let Ok(entry) = entry
                    && entry.file_type().is_some_and(|t| t.is_file())
                {
                    visit(entry.into_path());
                }
                ignore::WalkState::Continue
            })
        });
    }

    fn len(&self, path: &Path) -> io::Result<u64> {
        Ok(std::fs::metadata(path)?.len())
    }

    fn kind(&self, path: &Path) -> Option<EntryKind> {
        EntryKind::of(std::fs::symlink_metadata(path).ok()?.file_type())
    }

    fn list_dir(&self, dir: &Path) -> Vec<(std::ffi::OsString, EntryKind)> {
        let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
        entries
            .filter_map(Result::ok)
            .filter_map(|e| Some((e.file_name(), EntryKind::of(e.file_type().ok()?)?)))
            .collect()
    }

    fn resolve(&self, path: &Path) -> PathBuf {
        // A path that does not exist yet resolves as written (absolute, normalised): nothing can
        // be read from it anyway.
        std::fs::canonicalize(path).unwrap_or_else(|_| normalize(&absolute(path)))
    }
}

/// The walk both [`RealFs`] walks share: `.gitignore` and hidden files apply with
/// `respect_ignore`; links are never followed.
fn walker(dir: &Path, respect_ignore: bool) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(dir);
    builder.standard_filters(respect_ignore).hidden(respect_ignore).require_git(false);
    builder
}

fn not_regular() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a regular file")
}

/// The error for a file over [`MAX_FILE_BYTES`] (its size, when known before reading): what
/// [`FileSystem::read`] gives, and what [`read_failure`] turns into a finding's message.
pub fn too_large(len: Option<u64>) -> io::Error {
    const MIB: u64 = 1024 * 1024;
    let size = len.map_or_else(|| "File is".to_owned(), |len| format!("File is {} MiB,", len / MIB));
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "{size} over Backline's {} MiB limit for one catalog file; split it into smaller files.",
            MAX_FILE_BYTES / MIB
        ),
    )
}

/// The message of an `Unreadable` finding for a file [`FileSystem::read`] refused.
pub fn read_failure(err: &io::Error) -> String {
    if err.kind() == io::ErrorKind::FileTooLarge { err.to_string() } else { format!("Cannot read file: {err}.") }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// The `[locations]` section of `backline.toml`: directories outside the checked tree that
/// Location targets may name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationsSection {
    /// Directories (relative to the configuration file) Location targets may read from, besides
    /// the source itself. Files there are read and checked, never quoted in output.
    #[serde(default)]
    pub allow: Vec<PathBuf>,
}

/// Where Location targets may lead: inside the source's roots, or inside an allowed directory.
/// Every path is compared resolved ([`FileSystem::resolve`]), so neither `..` nor a symlink
/// leaves the scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetScope {
    roots: Vec<PathBuf>,
    allowed: Vec<PathBuf>,
}

/// What a scope says of one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Inside a root: read, and shown in output.
    Source,
    /// Inside an allowed directory: read and checked, never quoted.
    Allowed,
    /// Anywhere else: not read.
    Outside,
}

impl TargetScope {
    /// The scope of a check of `roots` (directories are roots; a file's root is its directory),
    /// widened by `allowed` directories, all resolved through `fs`.
    pub fn new(fs: &dyn FileSystem, roots: &[PathBuf], allowed: &[PathBuf]) -> TargetScope {
        let roots =
            roots
                .iter()
                .map(|r| {
                    if fs.is_file(r) {
                        r.parent().map_or_else(|| PathBuf::from("."), Path::to_owned)
                    } else {
                        r.clone()
                    }
                })
                .map(|r| fs.resolve(if r.as_os_str().is_empty() { Path::new(".") } else { &r }))
                .collect();
        let allowed = allowed.iter().map(|a| fs.resolve(a)).collect();
        TargetScope { roots, allowed }
    }

    /// Where `path` (resolved through `fs`) falls.
    pub fn reach(&self, fs: &dyn FileSystem, path: &Path) -> Reach {
        let resolved = fs.resolve(path);
        if self.roots.iter().any(|r| resolved.starts_with(r)) {
            Reach::Source
        } else if self.allowed.iter().any(|a| resolved.starts_with(a)) {
            Reach::Allowed
        } else {
            Reach::Outside
        }
    }
}

/// Whether a file name marks a catalog file found by walking a tree.
pub fn is_catalog_file_name(name: &str) -> bool {
    matches!(name, "catalog-info.yaml" | "catalog-info.yml")
        || name.ends_with(".catalog-info.yaml")
        || name.ends_with(".catalog-info.yml")
}

#[derive(Clone, Default)]
pub struct DiscoverOptions {
    /// Follow Location targets (on by default in `check`).
    pub follow_locations: bool,
    /// Keep each document's YAML tree (editors need it; `check` does not, and dropping it
    /// roughly halves peak memory on large catalogs).
    pub keep_trees: bool,
    /// Called once per file read, from any thread: drives progress bars.
    pub on_file: Option<Arc<dyn Fn() + Send + Sync>>,
    /// Directories outside the roots that Location targets may name (`[locations] allow`);
    /// targets anywhere else outside the roots are refused with a finding.
    pub allowed: Vec<PathBuf>,
    /// The configuration's custom kinds (`[[kind]]`), recognised like built-in ones.
    pub kinds: Arc<CustomKinds>,
}

/// A file that was read and parsed.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
    pub parsed: ParsedFile,
}

/// Everything discovery found, in a deterministic order (roots first, then Location targets in
/// the order they were written).
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<SourceFile>,
    /// Findings about files and Locations (missing targets, unreadable files).
    pub findings: Vec<Finding>,
}

/// Shortens a path for display: relative to the working directory when it is below it.
pub fn display_path(path: &Path) -> Arc<str> {
    // Read once: the process never changes its working directory, and a large check shows
    // tens of thousands of paths.
    static CWD: OnceLock<Option<PathBuf>> = OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().ok());
    let shown = cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()).unwrap_or(path);
    Arc::from(shown.to_string_lossy().as_ref())
}

/// Removes `.` and `..` components without touching the file system, so the same file reached
/// two ways is recognised as one.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Reads and parses one file. Unreadable, oversized or non-UTF-8 files become findings; a file
/// that cannot be read at all yields `None` and a finding.
pub fn load_file(fs: &dyn FileSystem, path: &Path, kinds: &CustomKinds) -> (Option<SourceFile>, Vec<Finding>) {
    let display = display_path(path);
    let mut findings = Vec::new();
    let bytes = match fs.read(path) {
        Ok(b) => b,
        Err(err) => {
            findings.push(Finding::new(Code::Unreadable, &display, TextRange::empty(0), read_failure(&err)));
            return (None, findings);
        }
    };
    let text: Arc<str> = match String::from_utf8(bytes) {
        Ok(s) => Arc::from(s),
        Err(err) => {
            let at = err.utf8_error().valid_up_to() as u32;
            findings.push(Finding::new(
                Code::NotUtf8,
                &display,
                // The lossy text holds U+FFFD (3 bytes) where the first invalid sequence was.
                TextRange::new(at, at + 3),
                format!("Invalid UTF-8 at byte {at}; Backstage replaces invalid bytes with U+FFFD and carries on, which silently corrupts text. Re-save the file as UTF-8."),
            ));
            Arc::from(String::from_utf8_lossy(err.as_bytes()).into_owned())
        }
    };
    let parsed = parse_file_with(display, &text, kinds);
    (Some(SourceFile { path: path.to_owned(), text, parsed }), findings)
}

/// Finds every catalog file under `roots` (directories are walked for catalog file names; files
/// are taken as given) and, with `follow_locations`, every file reached from Location entities.
pub fn discover(fs: &dyn FileSystem, roots: &[PathBuf], options: &DiscoverOptions) -> Discovery {
    let found = discover_with(fs, roots, options, |file| file);
    Discovery { files: found.files, findings: found.findings }
}

/// What [`discover_with`] found: whatever `keep` made of each file, in discovery order.
#[derive(Debug)]
pub struct Discovered<T> {
    pub files: Vec<T>,
    /// Findings about files and Locations (missing targets, unreadable files).
    pub findings: Vec<Finding>,
}

/// [`discover`], handing each file to `keep` on the thread that parsed it, right after its
/// Location targets were noted: a caller that needs less than the whole [`SourceFile`] (`check`
/// needs neither the text nor the entities' details) drops the rest while the other files are
/// still being read, so a large catalog is never held in memory whole.
pub fn discover_with<T: Send>(
    fs: &dyn FileSystem,
    roots: &[PathBuf],
    options: &DiscoverOptions,
    keep: impl Fn(SourceFile) -> T + Sync,
) -> Discovered<T> {
    /// A file as the parallel step leaves it: what the caller keeps, and what following its
    /// Locations needs (only Location entities have a spec, so this is usually empty).
    struct Loaded<T> {
        kept: T,
        path: PathBuf,
        display: Arc<str>,
        locations: Vec<LocationSpec>,
    }
    type Processed<T> = (Option<Loaded<T>>, Vec<Finding>);

    let process = |p: &Path| -> Processed<T> {
        let (file, findings) = load_file(fs, p, &options.kinds);
        let loaded = file.map(|mut file| {
            if !options.keep_trees {
                file.parsed.documents.iter_mut().for_each(|d| d.tree = None);
            }
            let locations = if options.follow_locations {
                file.parsed.entities().filter_map(|e| e.location.clone()).collect()
            } else {
                Vec::new()
            };
            let (path, display) = (file.path.clone(), file.parsed.path.clone());
            Loaded { kept: keep(file), path, display, locations }
        });
        if let Some(tick) = &options.on_file {
            tick();
        }
        (loaded, findings)
    };

    let mut files = Vec::new();
    let mut findings = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    // Each wave's files in order, with those already processed during a walk.
    let mut wave: Vec<(PathBuf, Option<Processed<T>>)> = Vec::new();
    let scope = TargetScope::new(fs, roots, &options.allowed);
    for root in roots {
        let root = normalize(root);
        if fs.is_dir(&root) {
            // Files are read and parsed while the walk goes on, then put in path order.
            let found = Mutex::new(Vec::new());
            fs.walk_each(&root, true, &|p| {
                if p.file_name().and_then(|n| n.to_str()).is_some_and(is_catalog_file_name) {
                    let p = normalize(&p);
                    let processed = process(&p);
                    found.lock().unwrap_or_else(PoisonError::into_inner).push((p, Some(processed)));
                }
            });
            let mut found = found.into_inner().unwrap_or_else(PoisonError::into_inner);
            found.sort_unstable_by(|a, b| path_order(&a.0, &b.0));
            wave.extend(found.into_iter().filter(|(p, _)| seen.insert(p.clone())));
        } else if fs.is_file(&root) {
            if seen.insert(root.clone()) {
                wave.push((root, None));
            }
        } else {
            let display = display_path(&root);
            findings.push(Finding::new(
                Code::Unreadable,
                &display,
                TextRange::empty(0),
                "No such file or directory.".to_owned(),
            ));
        }
    }

    while !wave.is_empty() {
        let loaded: Vec<Processed<T>> =
            wave.into_par_iter().map(|(p, processed)| processed.unwrap_or_else(|| process(&p))).collect();
        let mut next = Vec::new();
        for (file, file_findings) in loaded {
            findings.extend(file_findings);
            let Some(file) = file else { continue };
            for spec in &file.locations {
                let (targets, target_findings) =
                    resolve_location_targets_within(fs, &scope, &file.path, &file.display, spec);
                findings.extend(target_findings);
                for t in targets {
                    if seen.insert(t.clone()) {
                        next.push((t, None));
                    }
                }
            }
            files.push(file.kept);
        }
        wave = next;
    }
    Discovered { files, findings }
}

/// Resolves a Location's targets as Backstage's `FileReaderProcessor` does: a
/// target starting with `.` is relative to the Location's file, anything else is absolute; every
/// `file` target is glob-expanded. `url` targets cannot be fetched by a local check and are
/// skipped. Targets may lead anywhere `fs` can read: for a file system that is not its own scope
/// (the real one), use [`resolve_location_targets_within`].
pub fn resolve_location_targets(
    fs: &dyn FileSystem,
    location_file: &Path,
    display: &Arc<str>,
    spec: &LocationSpec,
) -> (Vec<PathBuf>, Vec<Finding>) {
    resolve_targets(fs, None, location_file, display, spec)
}

/// [`resolve_location_targets`], refusing (with a finding) every target outside `scope`.
pub fn resolve_location_targets_within(
    fs: &dyn FileSystem,
    scope: &TargetScope,
    location_file: &Path,
    display: &Arc<str>,
    spec: &LocationSpec,
) -> (Vec<PathBuf>, Vec<Finding>) {
    resolve_targets(fs, Some(scope), location_file, display, spec)
}

fn resolve_targets(
    fs: &dyn FileSystem,
    scope: Option<&TargetScope>,
    location_file: &Path,
    display: &Arc<str>,
    spec: &LocationSpec,
) -> (Vec<PathBuf>, Vec<Finding>) {
    let mut out = Vec::new();
    let mut findings = Vec::new();
    if spec.location_type.as_deref().is_some_and(|t| t != "file") {
        return (out, findings);
    }
    let base = location_file.parent().unwrap_or(Path::new("."));
    for (target, range) in &spec.targets {
        if target.contains("://") {
            continue;
        }
        if target.ends_with('/') || target.ends_with(std::path::MAIN_SEPARATOR) {
            findings.push(Finding::new(
                Code::LocationTarget,
                display,
                *range,
                format!("Location target {target:?} ends with a path separator; a target must name files (use a glob such as `{target}*/catalog-info.yaml`)."),
            ));
            continue;
        }
        let path = if target.starts_with('.') { normalize(&base.join(target)) } else { normalize(Path::new(target)) };
        let outside = |p: &Path| scope.is_some_and(|s| s.reach(fs, p) == Reach::Outside);
        // A glob walks only its base directory, so the base must be inside the scope too.
        let base = glob_base(&path);
        if outside(if base.as_os_str().is_empty() { Path::new(".") } else { &base }) {
            findings.push(Finding::new(
                Code::LocationTarget,
                display,
                *range,
                format!(
                    "Location target {target:?} is outside the checked tree; Backline reads Location targets only inside it, unless `[locations] allow` in backline.toml lists the directory."
                ),
            ));
            continue;
        }
        // What the glob matched lies below its base, which is inside the scope, and a walk
        // neither follows nor yields symbolic links ([`FileSystem::walk`]): the matches are
        // inside too, without resolving each of them (a glob can match every file of the tree).
        let matches: Vec<PathBuf> = expand_glob(fs, &path);
        if matches.is_empty() && !spec.optional {
            findings.push(Finding::new(
                Code::LocationTarget,
                display,
                *range,
                format!(
                    "Location target {target:?} does not exist ({}). Backstage reports \"not found\" on this Location and then stores nothing it emitted in that round. Correct the path, or set `presence: optional`.",
                    path.display()
                ),
            ));
        }
        out.extend(matches);
    }
    (out, findings)
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// The files a target names: itself if it exists, or the files matching it as a glob.
pub fn expand_glob(fs: &dyn FileSystem, path: &Path) -> Vec<PathBuf> {
    let text = path.to_string_lossy();
    if !has_glob(&text) {
        return if fs.is_file(path) { vec![path.to_owned()] } else { Vec::new() };
    }
    let base = glob_base(path);
    if !fs.is_dir(&base) {
        return Vec::new();
    }
    let mut found = match component_matchers(path, &base) {
        Some(levels) => expand_by_level(fs, &base, &levels),
        None => expand_by_walk(fs, &base, &text),
    };
    found.sort_unstable_by(|a, b| path_order(a, b));
    found
}

/// The order of `Path::cmp` (component by component) for normalised paths, compared as bytes
/// with the separator below every other byte, as the end of a component is: sorting tens of
/// thousands of paths component by component showed in profiles of `check`.
pub fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let key = |c: &u8| if *c == b'/' { 0 } else { *c };
        a.as_os_str().as_bytes().iter().map(key).cmp(b.as_os_str().as_bytes().iter().map(key))
    }
    #[cfg(not(unix))]
    a.cmp(b)
}

/// One component of a glob below its base.
enum Level {
    Literal(std::ffi::OsString),
    Pattern(GlobMatcher),
}

/// The components of `path` below `base`, each matched on its own, when that matches exactly
/// what the whole pattern matches: no `**` (which crosses directories), no escape (a `\` means
/// something else in a path), and every `{…}` and `[…]` closed inside its component. A pattern
/// like `./services/*/catalog-info.yaml` can only match at one depth, so it lists `services/`
/// and checks one name in each directory there, instead of walking everything below.
fn component_matchers(path: &Path, base: &Path) -> Option<Vec<Level>> {
    let rest = path.strip_prefix(base).ok()?;
    let mut levels = Vec::new();
    for component in rest.components() {
        let Component::Normal(name) = component else { return None };
        let text = name.to_str()?;
        if !has_glob(text) {
            levels.push(Level::Literal(name.to_owned()));
            continue;
        }
        if text.contains("**") || text.contains('\\') || !balanced(text) {
            return None;
        }
        levels.push(Level::Pattern(glob_matcher(text)?));
    }
    (!levels.is_empty()).then_some(levels)
}

/// Whether every `{` and `[` in `text` is closed in it (and nothing is closed that was not opened).
fn balanced(text: &str) -> bool {
    let (mut braces, mut brackets) = (0i32, 0i32);
    for c in text.chars() {
        match c {
            '{' => braces += 1,
            '}' => braces -= 1,
            '[' => brackets += 1,
            ']' => brackets -= 1,
            _ => {}
        }
        if braces < 0 || brackets < 0 {
            return false;
        }
    }
    braces == 0 && brackets == 0
}

/// Directories level by level, the last level's regular files being the matches: literal
/// components cost one `stat` each, patterns one listing of each directory reached.
fn expand_by_level(fs: &dyn FileSystem, base: &Path, levels: &[Level]) -> Vec<PathBuf> {
    let mut dirs = vec![base.to_owned()];
    let mut found = Vec::new();
    for (depth, level) in levels.iter().enumerate() {
        let want = if depth + 1 == levels.len() { EntryKind::File } else { EntryKind::Dir };
        let mut next = Vec::new();
        for dir in &dirs {
            match level {
                Level::Literal(name) => {
                    let candidate = dir.join(name);
                    if fs.kind(&candidate) == Some(want) {
                        next.push(candidate);
                    }
                }
                Level::Pattern(matcher) => next.extend(
                    fs.list_dir(dir)
                        .into_iter()
                        .filter(|(name, kind)| *kind == want && matcher.is_match(Path::new(name)))
                        .map(|(name, _)| dir.join(name)),
                ),
            }
        }
        if want == EntryKind::File {
            found = next;
        } else {
            dirs = next;
        }
    }
    found
}

/// Every file below `base` that matches the whole pattern: for patterns that may cross
/// directories.
fn expand_by_walk(fs: &dyn FileSystem, base: &Path, pattern: &str) -> Vec<PathBuf> {
    let Some(matcher) = glob_matcher(pattern) else { return Vec::new() };
    fs.walk(base, false).into_iter().map(|p| normalize(&p)).filter(|p| matcher.is_match(p)).collect()
}

/// The deepest directory of `path` without glob characters: where a glob is walked from (the
/// path itself when it has none).
fn glob_base(path: &Path) -> PathBuf {
    let mut base = PathBuf::new();
    for c in path.components() {
        if has_glob(&c.as_os_str().to_string_lossy()) {
            break;
        }
        base.push(c.as_os_str());
    }
    base
}

fn glob_matcher(pattern: &str) -> Option<GlobMatcher> {
    GlobBuilder::new(pattern).literal_separator(true).build().ok().map(|g| g.compile_matcher())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file system that only knows how to walk, so its listings come from the trait's default.
    struct WalkOnly;

    impl FileSystem for WalkOnly {
        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            RealFs.read(path)
        }
        fn is_dir(&self, path: &Path) -> bool {
            RealFs.is_dir(path)
        }
        fn is_file(&self, path: &Path) -> bool {
            RealFs.is_file(path)
        }
        fn walk(&self, dir: &Path, respect_ignore: bool) -> Vec<PathBuf> {
            RealFs.walk(dir, respect_ignore)
        }
        fn len(&self, path: &Path) -> io::Result<u64> {
            RealFs.len(path)
        }
    }

    /// Matching a glob component by component finds exactly what walking its base and matching
    /// the whole pattern finds: hidden names, links (never followed or yielded), directories
    /// named like files, braces, classes and depth included.
    #[test]
    fn globs_expand_level_by_level_as_a_walk_would() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "services/a/catalog-info.yaml",
            "services/b/catalog-info.yaml",
            "services/b/deep/catalog-info.yaml",
            "services/.hidden/catalog-info.yaml",
            "services/c/other.yaml",
            "services/catalog-info.yaml",
            "services/d.yaml",
            "teams/x.yaml",
            "teams/y.yml",
            "teams/z.json",
            "teams/sub/w.yaml",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        // A directory named like the file the pattern wants, and an empty directory.
        std::fs::create_dir_all(root.join("services/e/catalog-info.yaml")).unwrap();
        std::fs::create_dir_all(root.join("services/empty")).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("services/a"), root.join("services/linked")).unwrap();
            std::os::unix::fs::symlink(root.join("teams/x.yaml"), root.join("teams/link.yaml")).unwrap();
        }
        let patterns = [
            "services/*/catalog-info.yaml",
            "services/*/catalog-info.y*ml",
            "services/{a,b}/catalog-info.yaml",
            "services/[ab]/catalog-info.yaml",
            "services/?/catalog-info.yaml",
            "services/*",
            "services/*/*",
            "services/*/*/catalog-info.yaml",
            "*/catalog-info.yaml",
            "*/*.yaml",
            "teams/*.{yaml,yml}",
            "teams/*",
            "teams/[!x]*.yaml",
            "teams/*/*.yaml",
            "nowhere/*/catalog-info.yaml",
            "services/**/catalog-info.yaml",
            "**/*.yaml",
            "services/{a/catalog-info,b/catalog-info}.yaml",
        ];
        for pattern in patterns {
            let path = root.join(pattern);
            let base = glob_base(&path);
            let mut walked = expand_by_walk(&RealFs, &base, &path.to_string_lossy());
            walked.sort();
            for (name, fs) in [("real", &RealFs as &dyn FileSystem), ("walk-only", &WalkOnly)] {
                assert_eq!(expand_glob(fs, &path), walked, "{pattern} on the {name} file system");
            }
            let by_level = component_matchers(&path, &base).is_some();
            assert_eq!(by_level, !pattern.contains("**") && !pattern.contains("{a/"), "{pattern}");
        }
        // Paths sort as `Path::cmp` sorts them.
        let mut paths: Vec<PathBuf> =
            ["a/b", "a-b", "a", "a/b/c", "a.b/c", "ab", "/x/y", "/x", "b", "a/c", "/x-y"].map(PathBuf::from).into();
        let mut expected = paths.clone();
        expected.sort();
        paths.sort_by(|a, b| path_order(a, b));
        assert_eq!(paths, expected);
        // The case this exists for lists only what it must: a walk would list `services/b/deep`.
        let found = expand_glob(&RealFs, &root.join("services/*/catalog-info.yaml"));
        let names: Vec<_> =
            found.iter().map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(
            names,
            ["services/.hidden/catalog-info.yaml", "services/a/catalog-info.yaml", "services/b/catalog-info.yaml"]
        );
    }
}

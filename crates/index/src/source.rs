//! Catalog sources: directory trees, and local git repositories read at a revision.
//!
//! Both are [`FileSystem`]s, so the index follows files and Location targets with the same
//! functions as `check` ([`backline_catalog::discover`]). On top, a [`SourceFs`] tells cheaply whether a
//! file may have changed (its [`FileStat`] on disk, the blob id in git) and what its content hash
//! is, which is what makes `backline index` incremental.
//!
//! Git sources shell out to the `git` binary (`rev-parse`, `ls-tree -r -l -z`, one long-lived
//! `cat-file --batch`) instead of linking gix or libgit2: three plumbing commands with stable,
//! documented output are all we need, and neither a C build (libgit2, OpenSSL) nor gix's large,
//! fast-moving dependency tree is worth that. The cost is a runtime dependency on `git` for
//! users of git sources only, reported plainly when it is missing.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::ops::Bound;
use std::path::{Component, Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use backline_catalog::discover::{EntryKind, FileSystem, MAX_FILE_BYTES, RealFs, entries_of, too_large};

use crate::filestat::FileStat;

/// A file system a source is read from, with change detection.
pub trait SourceFs: FileSystem + Send {
    /// A cheap value that changes whenever the content may have changed (`None`: unknown,
    /// always read the file, unless its [`Self::stat`] says it is unchanged).
    fn fingerprint(&self, path: &Path) -> Option<String>;
    /// The file's metadata on disk, for sources on disk (see [`crate::filestat`]).
    fn stat(&self, _path: &Path) -> Option<FileStat> {
        None
    }
    /// The content hash of `bytes`, read from `path`.
    fn content_hash(&self, path: &Path, bytes: &[u8]) -> String;
    /// The revision read (a commit id for git).
    fn revision(&self) -> Option<String> {
        None
    }
}

/// A directory on disk.
pub struct DirFs;

impl FileSystem for DirFs {
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
    fn kind(&self, path: &Path) -> Option<EntryKind> {
        RealFs.kind(path)
    }
    fn list_dir(&self, dir: &Path) -> Vec<(OsString, EntryKind)> {
        RealFs.list_dir(dir)
    }
    fn resolve(&self, path: &Path) -> PathBuf {
        RealFs.resolve(path)
    }
}

impl SourceFs for DirFs {
    /// None: a file on disk is known unchanged by its [`FileStat`], which the index stores
    /// only when it is not racy.
    fn fingerprint(&self, _path: &Path) -> Option<String> {
        None
    }

    fn stat(&self, path: &Path) -> Option<FileStat> {
        FileStat::of_path(path)
    }

    fn content_hash(&self, _path: &Path, bytes: &[u8]) -> String {
        let digest = Sha256::digest(bytes);
        let mut out = String::with_capacity(64);
        for b in digest {
            use std::fmt::Write as _;
            let _ = write!(out, "{b:02x}");
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git (is it installed?): {0}")]
    Spawn(io::Error),
    #[error("`git {command}` failed in {repo}: {stderr}")]
    Command { command: String, repo: String, stderr: String },
    #[error("git output was not understood: {0}")]
    Output(String),
}

struct Blob {
    oid: String,
    size: u64,
}

struct CatFile {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Drop for CatFile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A git repository's tree at one commit, read through `git cat-file --batch`.
pub struct GitFs {
    repo: PathBuf,
    commit: String,
    /// Path in the tree (relative, `/`-separated as PathBuf) to blob.
    files: BTreeMap<PathBuf, Blob>,
    dirs: HashSet<PathBuf>,
    reader: Mutex<Option<CatFile>>,
}

fn git(repo: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .map_err(GitError::Spawn)?;
    if !out.status.success() {
        return Err(GitError::Command {
            command: args.join(" "),
            repo: repo.display().to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(out.stdout)
}

impl GitFs {
    /// Resolves `rev` and lists the tree. Paths are relative to the repository root.
    pub fn open(repo: &Path, rev: &str) -> Result<GitFs, GitError> {
        if rev.starts_with('-') {
            return Err(GitError::Output(format!("invalid revision `{rev}`")));
        }
        let commit = git(repo, &["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{rev}^{{commit}}")])
            .map_err(|e| match e {
                GitError::Command { repo, .. } => GitError::Command {
                    command: format!("rev-parse {rev}"),
                    repo,
                    stderr: format!("revision `{rev}` not found (or not a git repository)"),
                },
                other => other,
            })?;
        let commit = String::from_utf8_lossy(&commit).trim().to_owned();
        let listing = git(repo, &["ls-tree", "-r", "-l", "-z", "--full-tree", &commit])?;
        let mut files = BTreeMap::new();
        let mut dirs = HashSet::new();
        dirs.insert(PathBuf::new());
        for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            // "<mode> SP <type> SP <oid> SP+ <size> TAB <path>"
            let entry = String::from_utf8_lossy(entry);
            let (meta, path) = entry.split_once('\t').ok_or_else(|| GitError::Output(entry.to_string()))?;
            let mut parts = meta.split_whitespace();
            let (_mode, kind, oid, size) = (parts.next(), parts.next(), parts.next(), parts.next());
            if kind != Some("blob") {
                continue; // submodules (commit entries) are not read
            }
            let (Some(oid), Some(size)) = (oid, size) else { return Err(GitError::Output(entry.to_string())) };
            let path = PathBuf::from(path);
            let mut dir = path.parent();
            while let Some(d) = dir {
                if !dirs.insert(d.to_owned()) {
                    break;
                }
                dir = d.parent();
            }
            files.insert(path, Blob { oid: oid.to_owned(), size: size.parse().unwrap_or(0) });
        }
        Ok(GitFs { repo: repo.to_owned(), commit, files, dirs, reader: Mutex::new(None) })
    }

    pub fn commit(&self) -> &str {
        &self.commit
    }

    fn key(path: &Path) -> PathBuf {
        backline_catalog::discover::normalize(path)
            .components()
            .filter(|c| !matches!(c, Component::RootDir | Component::CurDir))
            .collect()
    }

    fn cat_file(&self, oid: &str) -> io::Result<Vec<u8>> {
        let mut guard = self.reader.lock().map_err(|_| io::Error::other("git reader poisoned"))?;
        if guard.is_none() {
            let mut child = Command::new("git")
                .arg("-C")
                .arg(&self.repo)
                .args(["cat-file", "--batch"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()?;
            let stdin = child.stdin.take().ok_or_else(|| io::Error::other("no stdin"))?;
            let stdout = BufReader::new(child.stdout.take().ok_or_else(|| io::Error::other("no stdout"))?);
            *guard = Some(CatFile { child, stdin, stdout });
        }
        let result = (|| {
            let cat = guard.as_mut().ok_or_else(|| io::Error::other("no reader"))?;
            writeln!(cat.stdin, "{oid}")?;
            cat.stdin.flush()?;
            let mut header = String::new();
            cat.stdout.read_line(&mut header)?;
            // "<oid> blob <size>" or "<oid> missing"
            let mut parts = header.split_whitespace();
            let (_, kind, size) = (parts.next(), parts.next(), parts.next());
            if kind != Some("blob") {
                return Err(io::Error::new(io::ErrorKind::NotFound, format!("git object {oid} is not a blob")));
            }
            let size: usize = size.and_then(|s| s.parse().ok()).ok_or_else(|| io::Error::other("bad header"))?;
            let mut buf = vec![0; size + 1];
            cat.stdout.read_exact(&mut buf)?;
            buf.pop(); // the newline after the content
            Ok(buf)
        })();
        if result.is_err() {
            // A broken pipe or a desynchronised stream: start a fresh reader next time.
            *guard = None;
        }
        result
    }
}

impl FileSystem for GitFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let blob = self.files.get(&Self::key(path)).ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        if blob.size > MAX_FILE_BYTES {
            return Err(too_large(Some(blob.size)));
        }
        self.cat_file(&blob.oid)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.dirs.contains(&Self::key(path))
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(&Self::key(path))
    }

    fn walk(&self, dir: &Path, _respect_ignore: bool) -> Vec<PathBuf> {
        // Everything committed is visible: `.gitignore` only hides untracked files.
        let dir = Self::key(dir);
        self.files.keys().filter(|p| p.starts_with(&dir)).cloned().collect()
    }

    fn len(&self, path: &Path) -> io::Result<u64> {
        self.files.get(&Self::key(path)).map(|b| b.size).ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    /// The paths below `dir` are one range of the ordered map: listing a directory reads its
    /// subtree's keys, not the whole tree's.
    fn list_dir(&self, dir: &Path) -> Vec<(OsString, EntryKind)> {
        let dir = Self::key(dir);
        let below = self
            .files
            .range::<Path, _>((Bound::Excluded(dir.as_path()), Bound::Unbounded))
            .map(|(p, _)| p.as_path())
            .take_while(|p| p.starts_with(&dir));
        entries_of(&dir, below)
    }

    /// Paths in the tree, rooted at `/`: the whole tree is the source, and nothing outside it
    /// can be named.
    fn resolve(&self, path: &Path) -> PathBuf {
        Path::new("/").join(Self::key(path))
    }
}

impl SourceFs for GitFs {
    fn fingerprint(&self, path: &Path) -> Option<String> {
        self.files.get(&Self::key(path)).map(|b| b.oid.clone())
    }

    fn content_hash(&self, path: &Path, bytes: &[u8]) -> String {
        self.fingerprint(path).unwrap_or_else(|| DirFs.content_hash(path, bytes))
    }

    fn revision(&self) -> Option<String> {
        Some(self.commit.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_hash_is_sha256() {
        assert_eq!(
            DirFs.content_hash(Path::new("x"), b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// A git tree lists a directory from its range of paths and expands Location globs level by
    /// level to what a walk of it matches.
    #[test]
    fn git_trees_list_directories_and_expand_globs() {
        use backline_catalog::discover::expand_glob;
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path();
        for file in [
            "a/catalog-info.yaml",
            "a.d/catalog-info.yaml",
            "b/catalog-info.yaml",
            "b/deep/catalog-info.yaml",
            "c.yaml",
        ] {
            let path = repo.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let git = |args: &[&str]| {
            let out = Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args)
                .current_dir(repo)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        };
        git(&["init", "-q", "-b", "main"]);
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "tree"]);
        let fs = GitFs::open(repo, "main").unwrap();
        let names = |dir: &str| -> Vec<(String, EntryKind)> {
            fs.list_dir(Path::new(dir)).into_iter().map(|(n, k)| (n.to_string_lossy().into_owned(), k)).collect()
        };
        let (file, dir) = (EntryKind::File, EntryKind::Dir);
        assert_eq!(names(""), [("a".into(), dir), ("a.d".into(), dir), ("b".into(), dir), ("c.yaml".into(), file)]);
        assert_eq!(names("b"), [("catalog-info.yaml".into(), file), ("deep".into(), dir)]);
        assert_eq!(names("a"), [("catalog-info.yaml".into(), file)]);
        assert!(names("nowhere").is_empty());
        let found = expand_glob(&fs, Path::new("*/catalog-info.yaml"));
        assert_eq!(found, ["a/catalog-info.yaml", "a.d/catalog-info.yaml", "b/catalog-info.yaml"].map(PathBuf::from));
        let found = expand_glob(&fs, Path::new("b/**/catalog-info.yaml"));
        assert_eq!(found, ["b/catalog-info.yaml", "b/deep/catalog-info.yaml"].map(PathBuf::from));
    }

    #[test]
    fn git_keys_are_relative() {
        assert_eq!(GitFs::key(Path::new("./a/../b/c.yaml")), PathBuf::from("b/c.yaml"));
        assert_eq!(GitFs::key(Path::new("/x.yaml")), PathBuf::from("x.yaml"));
        assert_eq!(GitFs::key(Path::new("")), PathBuf::new());
    }
}

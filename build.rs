//! Names the commit a binary was built from, for `backline --version` ("0.1.0 (1a2b3c4)") and
//! `backline_build_info` on `/metrics`, so a bug report or a running deployment says exactly which
//! code it is. Sets `BACKLINE_VERSION` (version and commit) and `BACKLINE_COMMIT` (the commit, or
//! `unknown`).
//!
//! The commit comes from `BACKLINE_BUILD_COMMIT` when set (a build from a source archive, or a
//! container build that has no `.git`), else from `git rev-parse --short HEAD`. Without either (no
//! git installed, not a checkout) the version is the bare package version: building never fails for
//! lack of git.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=BACKLINE_BUILD_COMMIT");
    let version = env!("CARGO_PKG_VERSION");
    let commit = std::env::var("BACKLINE_BUILD_COMMIT").ok().filter(|c| !c.trim().is_empty()).or_else(git_commit);
    let full = match &commit {
        Some(commit) => format!("{version} ({})", commit.trim()),
        None => version.to_owned(),
    };
    println!("cargo:rustc-env=BACKLINE_VERSION={full}");
    println!("cargo:rustc-env=BACKLINE_COMMIT={}", commit.as_deref().map_or("unknown", str::trim));
}

/// The short hash of HEAD, and the files whose change means a new HEAD (so cargo re-runs this
/// script after a commit or a checkout, and only then).
fn git_commit() -> Option<String> {
    let head = git(&["rev-parse", "--short", "HEAD"])?;
    for file in ["HEAD", "packed-refs"] {
        watch(git(&["rev-parse", "--git-path", file]));
    }
    // The branch file HEAD points at (absent for a detached HEAD).
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(git(&["rev-parse", "--git-path", &branch]));
    }
    Some(head)
}

fn watch(path: Option<String>) {
    if let Some(path) = path.map(PathBuf::from).filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// One git command's trimmed stdout, or `None` when git is missing or the command fails.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

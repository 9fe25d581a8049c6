//! Build script: records the git commit the binary is built from as `BACKLINE_COMMIT`
//! (`backline_build_info` on `/metrics`), or `unknown` outside a git checkout. A set
//! `BACKLINE_COMMIT` in the environment wins (builds from a source tarball).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()).filter(|s| !s.is_empty())
}

fn main() {
    println!("cargo:rerun-if-env-changed=BACKLINE_COMMIT");
    let commit = std::env::var("BACKLINE_COMMIT")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=BACKLINE_COMMIT={commit}");
    // Rebuild when HEAD moves: HEAD itself (checkouts) and the branch it points to (commits).
    if let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]) {
        println!("cargo:rerun-if-changed={head}");
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(path) = git(&["rev-parse", "--git-path", &branch])
    {
        // A missing path would rerun this script on every build: packed refs live in one file.
        let path = if std::path::Path::new(&path).exists() {
            Some(path)
        } else {
            git(&["rev-parse", "--git-path", "packed-refs"])
        };
        if let Some(path) = path {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

//! End-to-end: a catalog in a pull request must not make `backline check` print the host's
//! files (a CI job's environment, its secrets) into the job log.

use std::path::Path;
use std::process::{Command, Output};

fn backline(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("BACKLINE_CONFIG", cwd.join("backline.toml"))
        .env("CI_SECRET_TOKEN", "hunter2-do-not-print")
        .output()
        .expect("run backline")
}

const LOCATION: &str = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: hostile\nspec:\n  type: file\n  targets:\n    - /proc/self/environ\n    - ../outside/secrets.yaml\n";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("repo")).unwrap();
    std::fs::create_dir_all(dir.path().join("outside")).unwrap();
    std::fs::write(dir.path().join("repo/catalog-info.yaml"), LOCATION).unwrap();
    std::fs::write(dir.path().join("outside/secrets.yaml"), "token: hunter2-do-not-print\n").unwrap();
    dir
}

#[test]
fn targets_outside_the_tree_are_refused_and_never_printed() {
    let dir = repo();
    let cwd = dir.path().join("repo");
    std::fs::write(cwd.join("backline.toml"), "").unwrap();
    for format in ["human", "json", "github"] {
        let out = backline(&["check", ".", "--format", format], &cwd);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("hunter2"), "{format}: {stdout}");
        assert_eq!(stdout.matches("outside the checked tree").count(), 2, "{format}: {stdout}");
        assert_eq!(out.status.code(), Some(1), "{format}: {stdout}");
    }
}

#[test]
fn allowed_directories_are_checked_but_not_quoted() {
    let dir = repo();
    let cwd = dir.path().join("repo");
    std::fs::write(cwd.join("backline.toml"), "[locations]\nallow = [\"../outside\"]\n").unwrap();
    let out = backline(&["check", ".", "--format", "human"], &cwd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The allowed file is read (its missing apiVersion is reported) without its lines.
    assert!(stdout.contains("secrets.yaml"), "{stdout}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert_eq!(stdout.matches("outside the checked tree").count(), 1, "{stdout}");
}

//! Location targets from a hostile catalog: they stay inside the checked tree (or an allowed
//! directory), symlinks and `..` included, and the real file system reads regular files only,
//! counting bytes as it reads.

use std::path::{Path, PathBuf};

use backline_catalog::Code;
use backline_catalog::discover::{DiscoverOptions, Discovery, FileSystem, Reach, RealFs, TargetScope, discover};

fn location(targets: &[&str]) -> String {
    let list: String = targets.iter().map(|t| format!("    - {t:?}\n")).collect();
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: hostile\nspec:\n  type: file\n  targets:\n{list}"
    )
}

const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: elsewhere\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";

/// A checked tree `repo/` and a sibling directory `outside/` holding a catalog file.
fn trees(targets: &[&str]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(outside.join("deep")).unwrap();
    std::fs::write(outside.join("catalog-info.yaml"), COMPONENT).unwrap();
    std::fs::write(outside.join("deep/x.yaml"), COMPONENT.replace("elsewhere", "deeper")).unwrap();
    std::fs::write(repo.join("catalog-info.yaml"), location(targets)).unwrap();
    (dir, repo, outside)
}

fn check(repo: &Path, allowed: Vec<PathBuf>) -> Discovery {
    discover(&RealFs, &[repo.to_owned()], &DiscoverOptions { follow_locations: true, allowed, ..Default::default() })
}

fn read_paths(d: &Discovery) -> Vec<String> {
    d.files.iter().map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned()).collect()
}

fn outside_findings(d: &Discovery) -> usize {
    d.findings
        .iter()
        .filter(|f| f.code == Code::LocationTarget && f.message.contains("outside the checked tree"))
        .count()
}

#[test]
fn absolute_targets_outside_the_tree_are_not_read() {
    let (_dir, repo, _) = trees(&["/proc/self/environ", "/etc/passwd", "/proc/self/pagemap"]);
    let d = check(&repo, Vec::new());
    assert_eq!(read_paths(&d), ["catalog-info.yaml"]);
    assert_eq!(outside_findings(&d), 3, "{:?}", d.findings);
}

#[test]
fn targets_climbing_out_with_dot_dot_are_not_read_unless_allowed() {
    let (_dir, repo, outside) = trees(&["../outside/catalog-info.yaml", "./sub/../../outside/deep/x.yaml"]);
    let d = check(&repo, Vec::new());
    assert_eq!(read_paths(&d), ["catalog-info.yaml"]);
    assert_eq!(outside_findings(&d), 2);

    let d = check(&repo, vec![outside.clone()]);
    assert_eq!(read_paths(&d), ["catalog-info.yaml", "catalog-info.yaml", "x.yaml"]);
    assert_eq!(outside_findings(&d), 0);
    let scope = TargetScope::new(&RealFs, std::slice::from_ref(&repo), std::slice::from_ref(&outside));
    assert_eq!(scope.reach(&RealFs, &outside.join("catalog-info.yaml")), Reach::Allowed);
    assert_eq!(scope.reach(&RealFs, &repo.join("catalog-info.yaml")), Reach::Source);
    assert_eq!(scope.reach(&RealFs, Path::new("/etc/passwd")), Reach::Outside);
}

#[test]
fn globs_outside_the_tree_are_not_walked() {
    let (_dir, repo, outside) = trees(&[]);
    let glob = format!("{}/**/*.yaml", outside.display());
    std::fs::write(repo.join("catalog-info.yaml"), location(&[&glob, "/usr/**/*.yaml", "../*/catalog-info.yaml"]))
        .unwrap();
    let d = check(&repo, Vec::new());
    assert_eq!(read_paths(&d), ["catalog-info.yaml"]);
    assert_eq!(outside_findings(&d), 3, "{:?}", d.findings);
}

#[test]
fn globs_inside_the_tree_still_expand() {
    let (_dir, repo, _) = trees(&["./teams/*.yaml", "./services/**/catalog-info.yaml"]);
    std::fs::create_dir_all(repo.join("teams")).unwrap();
    std::fs::create_dir_all(repo.join("services/a")).unwrap();
    std::fs::write(repo.join("teams/a.yaml"), COMPONENT.replace("elsewhere", "a")).unwrap();
    std::fs::write(repo.join("services/a/catalog-info.yaml"), COMPONENT.replace("elsewhere", "b")).unwrap();
    let d = check(&repo, Vec::new());
    assert_eq!(d.files.len(), 3, "{:?}", d.findings);
    assert_eq!(outside_findings(&d), 0);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_tree_are_not_followed() {
    let (_dir, repo, outside) = trees(&["./link.yaml", "./linkdir/catalog-info.yaml", "./env.yaml"]);
    std::os::unix::fs::symlink(outside.join("catalog-info.yaml"), repo.join("link.yaml")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.join("linkdir")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", repo.join("env.yaml")).unwrap();
    let d = check(&repo, Vec::new());
    assert_eq!(read_paths(&d), ["catalog-info.yaml"]);
    assert_eq!(outside_findings(&d), 3, "{:?}", d.findings);
}

#[cfg(target_os = "linux")]
#[test]
fn special_files_are_never_read() {
    // A device never ends; /proc files report size 0 and may be huge (pagemap: ~256 GiB).
    let err = RealFs.read(Path::new("/dev/zero")).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
    // (Refused at the size cap, or by the kernel for the unaligned read that reaching it takes.)
    let err = RealFs.read(Path::new("/proc/self/pagemap")).unwrap_err();
    assert!(matches!(err.kind(), std::io::ErrorKind::FileTooLarge | std::io::ErrorKind::InvalidInput), "{err}");
    // A FIFO would block a plain open until someone writes.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.yaml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    assert_eq!(RealFs.read(&fifo).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    // A file whose size says 0 is still read to its end.
    let status = RealFs.read(Path::new("/proc/self/status")).unwrap();
    assert!(String::from_utf8_lossy(&status).contains("VmRSS"), "{}", String::from_utf8_lossy(&status));
    // Regular files read as before.
    std::fs::write(dir.path().join("a.yaml"), COMPONENT).unwrap();
    assert_eq!(RealFs.read(&dir.path().join("a.yaml")).unwrap(), COMPONENT.as_bytes());
}

#[test]
fn a_file_over_the_limit_is_reported_with_its_size_and_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("catalog-info.yaml");
    // Sparse: 65 MiB of size without 65 MiB of disk.
    std::fs::File::create(&big).unwrap().set_len(65 * 1024 * 1024).unwrap();
    std::fs::write(dir.path().join("small.catalog-info.yaml"), COMPONENT).unwrap();
    let d = check(dir.path(), Vec::new());
    assert_eq!(read_paths(&d), ["small.catalog-info.yaml"], "the other file is still checked");
    let messages: Vec<&str> =
        d.findings.iter().filter(|f| f.code == Code::Unreadable).map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        ["File is 65 MiB, over Backline's 64 MiB limit for one catalog file; split it into smaller files."]
    );
    let err = RealFs.read(&big).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
}

//! `backline check --format gitlab` against what GitLab reads from a Code Quality report: a JSON
//! array of issues, each with `description`, `check_name`, a unique `fingerprint`, a `severity`
//! among `info|minor|major|critical|blocker`, `location.path` relative to the repository root and
//! `location.lines.begin` (1-based). GitLab compares fingerprints between the target branch and
//! the merge request to list new and fixed findings, so they must not move when lines do.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn backline(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("BACKLINE_CONFIG")
        .output()
        .expect("run backline")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn parse(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Every field GitLab reads, with the type and range it accepts; returns the issues.
fn assert_gitlab_report(report: &Value, cwd: &Path) -> Vec<Value> {
    let issues = report.as_array().unwrap_or_else(|| panic!("a Code Quality report is a JSON array: {report}"));
    let mut fingerprints = BTreeSet::new();
    for issue in issues {
        for field in ["description", "check_name", "fingerprint", "severity"] {
            let value = issue[field].as_str().unwrap_or_else(|| panic!("{field} must be a string: {issue}"));
            assert!(!value.is_empty(), "{field} empty: {issue}");
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"].contains(&issue["severity"].as_str().unwrap()),
            "severity: {issue}"
        );
        assert!(
            fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_owned()),
            "duplicate fingerprint: {issue}"
        );
        let path = issue["location"]["path"].as_str().unwrap_or_else(|| panic!("location.path: {issue}"));
        assert!(!path.starts_with('/') && !path.starts_with("./") && !path.contains('\\'), "path: {path}");
        assert!(cwd.join(path).is_file(), "location.path names no file under the repository: {path}");
        let begin = issue["location"]["lines"]["begin"].as_u64().unwrap_or_else(|| panic!("lines.begin: {issue}"));
        assert!(begin >= 1, "lines are 1-based: {issue}");
    }
    issues.clone()
}

#[test]
fn gitlab_report_of_the_broken_tree_has_what_gitlab_reads() {
    let out = backline(&["check", "examples/broken", "--format", "gitlab"], root());
    assert_eq!(out.status.code(), Some(1), "errors still fail the job");
    let issues = assert_gitlab_report(&parse(&out), root());

    // The same findings, on the same lines, as the JSON report.
    let json = parse(&backline(&["check", "examples/broken", "--format", "json"], root()));
    let mut expected: Vec<(String, String, u64)> = Vec::new();
    for file in json["files"].as_array().unwrap() {
        for f in file["findings"].as_array().unwrap() {
            let path = file["path"].as_str().unwrap().to_owned();
            expected.push((
                path,
                f["code"].as_str().unwrap().to_owned(),
                f["range"]["start"]["line"].as_u64().unwrap(),
            ));
        }
    }
    let got: Vec<(String, String, u64)> = issues
        .iter()
        .map(|i| {
            let code = i["check_name"].as_str().unwrap().split(' ').next().unwrap().to_owned();
            (
                i["location"]["path"].as_str().unwrap().to_owned(),
                code,
                i["location"]["lines"]["begin"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert!(got.len() >= 10, "{got:?}");

    // Backstage's refusals are critical; lints are not.
    for issue in &issues {
        let code = issue["check_name"].as_str().unwrap();
        let severity = issue["severity"].as_str().unwrap();
        if code.starts_with("BS") {
            assert_eq!(severity, "critical", "{issue}");
        } else {
            assert_ne!(severity, "critical", "{issue}");
        }
    }
}

#[test]
fn gitlab_report_of_a_clean_catalog_is_an_empty_array() {
    let out = backline(&["check", "examples/catalog", "--format", "gitlab", "--deny", "warnings"], root());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(parse(&out), Value::Array(vec![]));
}

#[test]
fn gitlab_fingerprints_survive_lines_moving() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    std::fs::create_dir(repo.join("catalog")).unwrap();
    for entry in std::fs::read_dir(root().join("examples/broken")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), repo.join("catalog").join(entry.file_name())).unwrap();
    }
    let fingerprints = |report: &[Value]| -> BTreeMap<String, (String, u64)> {
        report
            .iter()
            .map(|i| {
                let line = i["location"]["lines"]["begin"].as_u64().unwrap();
                (i["fingerprint"].as_str().unwrap().to_owned(), (i["check_name"].as_str().unwrap().to_owned(), line))
            })
            .collect()
    };
    let before = assert_gitlab_report(&parse(&backline(&["check", "catalog", "--format", "gitlab"], repo)), repo);

    // Three comment lines on top of one file: its findings move down, nothing else changes.
    let moved = repo.join("catalog/lifecycle-and-owner-typos.yaml");
    let text = std::fs::read_to_string(&moved).unwrap();
    std::fs::write(&moved, format!("# one\n# two\n# three\n{text}")).unwrap();
    let after = assert_gitlab_report(&parse(&backline(&["check", "./catalog", "--format", "gitlab"], repo)), repo);

    let (before, after) = (fingerprints(&before), fingerprints(&after));
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "fingerprints changed");
    let shifted = before.iter().filter(|(k, (_, line))| after[*k].1 == line + 3).count();
    assert!(shifted > 0, "the edited file's findings should have moved down three lines");
    assert!(after.values().all(|(_, line)| *line >= 1));
}

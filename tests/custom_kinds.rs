//! Custom kinds declared in `backline.toml` (`[[kind]]`), over the real binary: `check` accepts
//! and validates them (their JSON Schema included), the index stores them and answers about
//! them, and declaring a kind later makes the next index run re-read files whose bytes did not
//! change.

use std::path::Path;
use std::process::{Command, Output};

fn backline(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("BACKLINE_CONFIG")
        .env_remove("BACKLINE_LOG")
        .env_remove("BACKLINE_STORE_URL")
        .output()
        .expect("run backline")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const DECLARATION: &str = r#"
[[kind]]
name = "Environment"
api_versions = ["example.com/v1alpha1"]
description = "Where services run"
schema = "schemas/environment.json"

[[kind.reference]]
field = "owner"
relation = "ownedBy"
default_kind = "group"
kinds = ["group", "user"]
required = true
"#;

const SCHEMA: &str = r#"{"type": "object", "required": ["tier"],
  "properties": {"tier": {"enum": ["production", "staging"]}}}"#;

const CATALOG: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: platform
spec:
  type: team
  children: []
  members: [ada]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: ada
spec:
  profile:
    email: ada@example.com
  memberOf: [platform]
---
apiVersion: example.com/v1alpha1
kind: Environment
metadata:
  name: production
  description: The environment customers use
spec:
  tier: production
  owner: platform
";

/// A repository with the catalog and, when `declared`, the `[[kind]]` declaration.
fn repo(declared: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("catalog")).unwrap();
    std::fs::create_dir_all(dir.path().join("schemas")).unwrap();
    std::fs::write(dir.path().join("catalog/catalog-info.yaml"), CATALOG).unwrap();
    std::fs::write(dir.path().join("schemas/environment.json"), SCHEMA).unwrap();
    write_config(dir.path(), declared);
    dir
}

fn write_config(dir: &Path, declared: bool) {
    let mut toml =
        "[store]\nurl = \"sqlite://index.db\"\n\n[[source]]\nname = \"org\"\npath = \"catalog\"\n".to_owned();
    if declared {
        toml.push_str(DECLARATION);
    }
    std::fs::write(dir.join("backline.toml"), toml).unwrap();
}

#[test]
fn check_accepts_a_declared_kind_and_validates_it_against_its_schema() {
    let dir = repo(true);
    let out = backline(dir.path(), &["--config", "backline.toml", "check", "catalog", "--deny", "warnings"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));

    let broken = CATALOG.replace("tier: production", "tier: qa");
    std::fs::write(dir.path().join("catalog/catalog-info.yaml"), broken).unwrap();
    let out = backline(dir.path(), &["--config", "backline.toml", "check", "catalog"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("catalog/catalog-info.yaml:25:9"), "{stdout}");
    assert!(stdout.contains("/spec/tier: \"qa\" is not one of"), "{stdout}");
}

#[test]
fn without_the_declaration_the_kind_is_refused_as_backstage_refuses_it() {
    let dir = repo(false);
    let out = backline(dir.path(), &["--config", "backline.toml", "check", "catalog", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("BS0501"), "{}", text(&out.stdout));
}

#[test]
fn a_declaration_that_cannot_work_is_a_configuration_error() {
    let dir = repo(true);
    let toml = std::fs::read_to_string(dir.path().join("backline.toml")).unwrap();
    std::fs::write(dir.path().join("backline.toml"), toml.replace("schemas/environment.json", "schemas/missing.json"))
        .unwrap();
    let out = backline(dir.path(), &["--config", "backline.toml", "check", "catalog"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("[[kind]] `Environment`: cannot read the spec schema") && stderr.contains("missing.json"),
        "{stderr}"
    );
}

#[test]
fn the_index_answers_about_custom_kinds_and_re_reads_files_when_kinds_are_declared() {
    let dir = repo(false);
    let out = backline(dir.path(), &["index"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Refused by Backstage's rules: no owner relation is stored.
    let out = backline(dir.path(), &["owner", "production", "--json"]);
    let before = text(&out.stdout);
    assert!(!before.contains("group:default/platform"), "{before}");

    // Declaring the kind changes no catalog file, yet the next run re-reads them.
    write_config(dir.path(), true);
    let out = backline(dir.path(), &["index"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = backline(dir.path(), &["owner", "production", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let answer = text(&out.stdout);
    assert!(answer.contains("group:default/platform") && answer.contains("ada@example.com"), "{answer}");

    // A second run with the same declaration re-reads nothing.
    let out = backline(dir.path(), &["index", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("index --json");
    assert_eq!(report["sources"][0]["files_parsed"], 0, "{report}");
}

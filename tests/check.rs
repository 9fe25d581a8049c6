//! End-to-end tests of `backline check` over the real binary: the example trees, every output
//! format, exit codes, and bad input that must never stop the rest of the catalog.

use std::path::Path;
use std::process::{Command, Output};

fn backline(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run backline")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap().iter().map(|x| x["code"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn example_catalog_is_clean() {
    let out = backline(&["check", "examples/catalog", "--format", "json", "--deny", "warnings"], root());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let report = json(&out);
    assert!(report["summary"]["entities"].as_u64().unwrap() >= 60);
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["summary"]["warnings"], 0);
}

#[test]
fn broken_tree_reports_every_planted_mistake() {
    let out = backline(&["check", "examples/broken", "--format", "json"], root());
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let codes = codes(&report);
    for expected in [
        "BS0501", // kind: component
        "BL0103", // lifecycle: prodution
        "BL0101", // owner: team-paymnets
        "BS0601", // dependsOn without a kind
        "BS0002", // duplicate YAML key
        "BS0401", // name with a space
        "BS0406", // tag Python 2.7
        "BS0402", // uppercase namespace
        "BS0502", // missing spec.owner
        "BL0102", // same entity in two files
        "BS0001", // YAML syntax error in a multi-document file
        "BL0104", // ... which blocks its siblings in Backstage
        "BL0106", // group without members
        "BS0301", // relations at the root
        "BS0407", // link url
        "BS0201", // numeric annotation
        "BS0701", // Location target that does not exist
    ] {
        assert!(codes.iter().any(|c| c == expected), "{expected} missing from {codes:?}");
    }
    // One bad file never hides the others: the valid siblings of the YAML error are still read.
    let files = report["files"].as_array().unwrap();
    let multi = files.iter().find(|f| f["path"].as_str().unwrap().ends_with("multi-doc-syntax-error.yaml")).unwrap();
    let accepted = multi["documents"].as_array().unwrap().iter().filter(|d| d["stage"].is_null()).count();
    assert_eq!(accepted, 2, "{multi:#}");
}

#[test]
fn human_output_has_positions_snippets_and_fixes() {
    let out = backline(&["check", "examples/broken/wrong-kind-case.yaml", "--no-follow"], root());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("error[BS0501]"), "{text}");
    assert!(text.contains("examples/broken/wrong-kind-case.yaml:5:7"), "{text}");
    assert!(text.contains("kind: component"), "{text}");
    assert!(text.contains("^^^^^^^^^"), "{text}");
    assert!(text.contains("fix: Change kind to Component"), "{text}");
}

#[test]
fn sarif_is_2_1_0_with_rules_and_regions() {
    let out = backline(&["check", "examples/broken", "--format", "sarif"], root());
    let sarif = json(&out);
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert!(run["tool"]["driver"]["rules"].as_array().unwrap().len() >= 20);
    let result = &run["results"][0];
    assert!(result["ruleId"].as_str().unwrap().starts_with('B'));
    assert!(result["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1);
}

#[test]
fn github_annotations() {
    let out = backline(&["check", "examples/broken/wrong-kind-case.yaml", "--no-follow", "--format", "github"], root());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("::error file=examples/broken/wrong-kind-case.yaml,line=5,col=7,")),
        "{text}"
    );
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\nspec:\n  type: service\n  lifecycle: prodution\n  owner: user:me\n",
    )
    .unwrap();
    // Warnings only: 0, or 1 with --deny warnings.
    assert_eq!(backline(&["check"], dir.path()).status.code(), Some(0));
    assert_eq!(backline(&["check", "--deny", "warnings"], dir.path()).status.code(), Some(1));
    // Usage and I/O failures: 2.
    assert_eq!(backline(&["check", "does-not-exist"], dir.path()).status.code(), Some(2));
    assert_eq!(backline(&["check", "--format", "nope"], dir.path()).status.code(), Some(2));
    // Lint levels from backline.toml.
    std::fs::write(dir.path().join("backline.toml"), "[lints]\nunknown-lifecycle = \"error\"\n").unwrap();
    assert_eq!(backline(&["check"], dir.path()).status.code(), Some(1));
    std::fs::write(dir.path().join("backline.toml"), "[lints]\nBS0501 = \"off\"\n").unwrap();
    let out = backline(&["check"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be reconfigured"));
}

#[test]
fn bad_input_never_stops_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let good = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n  members: [user:x]\n";
    std::fs::write(p.join("good.catalog-info.yaml"), good).unwrap();
    std::fs::write(p.join("binary.catalog-info.yaml"), [0xff, 0xfe, 0x00, 0x41, 0x3a, 0x20, 0x31]).unwrap();
    std::fs::write(p.join("empty.catalog-info.yaml"), "").unwrap();
    std::fs::write(p.join("deep.catalog-info.yaml"), "[".repeat(100_000)).unwrap();
    std::fs::write(p.join("notyaml.catalog-info.yaml"), "{{{{ this is : not : yaml ]]\n\t- x").unwrap();
    std::fs::write(p.join("list.catalog-info.yaml"), "- a\n- b\n").unwrap();
    let out = backline(&["check", ".", "--format", "json"], p);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    assert_eq!(report["summary"]["files"], 6);
    assert!(report["summary"]["entities"].as_u64().unwrap() >= 1);
    let codes = codes(&report);
    assert!(codes.contains(&"BL0201".to_owned()), "non-UTF-8 reported: {codes:?}");
    assert!(codes.contains(&"BS0001".to_owned()), "{codes:?}");
    assert!(codes.contains(&"BS0003".to_owned()), "{codes:?}");
    for f in report["files"].as_array().unwrap() {
        for finding in f["findings"].as_array().unwrap() {
            assert!(finding["range"]["start"]["line"].as_u64().unwrap() >= 1);
        }
    }
}

#[test]
fn explain_every_code() {
    let out = backline(&["explain", "--list"], root());
    let list = String::from_utf8_lossy(&out.stdout);
    for line in list.lines() {
        let code = line.split_whitespace().next().unwrap();
        let out = backline(&["explain", code], root());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success());
        for section in ["## What it checks", "## Why", "## Example", "## Fix"] {
            assert!(text.contains(section), "{code} lacks {section}");
        }
    }
}

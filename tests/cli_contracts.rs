//! The command line's contracts with scripts, over the real binary: every JSON document carries
//! `schema_version` and validates against its schema in `docs/schemas/`; `--json` and
//! `--format json` mean the same everywhere; a closed stdout ends the program quietly with
//! success; completions and man pages come from the CLI definition; logging flags are checked.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary with no configuration from the environment, in `cwd`.
fn backline(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_backline"));
    cmd.current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("BACKLINE_CONFIG")
        .env_remove("BACKLINE_LOG")
        .env_remove("BACKLINE_LOG_FORMAT")
        .env_remove("BACKLINE_STORE_URL");
    cmd
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    backline(cwd).args(args).output().expect("run backline")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}\nstderr: {}", text(&out.stdout), text(&out.stderr)))
}

fn schema(name: &str) -> jsonschema::Validator {
    let path = root().join("docs/schemas").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{} is not a valid schema: {e}", path.display()))
}

/// Panics with every violation if `doc` does not match `validator`.
fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} does not match its schema:\n{}\n{doc:#}", errors.join("\n"));
    assert_eq!(doc["schema_version"], 1, "{what}: schema_version");
}

/// A directory with a `backline.toml` whose one source is the example catalog, indexed.
fn indexed_example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[store]\nurl = \"sqlite://index.db\"\n\n[[source]]\nname = \"example\"\npath = {:?}\n{SCORECARD}",
        root().join("examples/catalog").display().to_string()
    );
    std::fs::write(dir.path().join("backline.toml"), toml).unwrap();
    let out = run(dir.path(), &["index"]);
    assert_eq!(out.status.code(), Some(0), "index: {}", text(&out.stderr));
    dir
}

/// A scorecard, for `backline scorecard`.
const SCORECARD: &str = "\n[[scorecard]]\nname = \"ready\"\nrequire = \"silver\"\nlevels = [\n  \
    { name = \"bronze\", rules = [\"owner-has-members\", \"description\"] },\n  \
    { name = \"silver\", rules = [\"on-call\", \"prod\"] },\n]\n\
    [[scorecard.rules]]\nname = \"prod\"\nfilter = \"lifecycle:production\"\n";

/// Every query command, as `(args, expected exit code)`; each prints one answer.
const QUERIES: &[(&[&str], i32)] = &[
    (&["ask", "who owns payments-api"], 0),
    (&["ask", "what breaks if orders-db goes down"], 0),
    (&["ask", "tell me about payments-api"], 0),
    (&["ask", "help"], 0),
    (&["ask", "who owns paymnets-api"], 0),
    (&["ask", "--as", "priya.raman", "what do I own"], 0),
    (&["ask", "--as", "Luca.Romano@northwind.example", "am I on call"], 0),
    (&["ask", "what do I own"], 0),
    (&["owner", "payments-api"], 0),
    (&["owner", "no-such-thing-at-all"], 1),
    (&["contact", "team-platform"], 0),
    (&["deps", "payments-api", "--depth", "3"], 0),
    (&["impact", "orders-db"], 0),
    (&["team", "team-platform"], 0),
    (&["search", "payments"], 0),
    (&["find", "kind:component"], 0),
    (&["health"], 0),
    (&["scorecard"], 0),
    (&["scorecard", "ready", "--team", "team-payments"], 0),
    (&["scorecard", "--entity", "payments-api"], 0),
    (&["scorecard", "--team", "no-such-team-at-all"], 1),
];

#[test]
fn every_query_answer_is_versioned_and_matches_the_answer_schema() {
    let dir = indexed_example();
    let validator = schema("answer.schema.json");
    let mut types = std::collections::BTreeSet::new();
    for (args, code) in QUERIES {
        let what = args.join(" ");
        let out = backline(dir.path()).args(*args).arg("--json").output().unwrap();
        assert_eq!(out.status.code(), Some(*code), "{what}: {}", text(&out.stderr));
        let doc = json(&out);
        assert_valid(&validator, &doc, &what);
        types.insert(doc["body"]["type"].as_str().unwrap_or_default().to_owned());
    }
    // The answers above cover most shapes of the body, so the schema's branches are exercised.
    for t in [
        "ownership",
        "dependencies",
        "team",
        "search",
        "find",
        "health",
        "not_found",
        "help",
        "contact",
        "mine",
        "unknown_asker",
        "scorecard",
    ] {
        assert!(types.contains(t), "no answer of type {t} among {types:?}");
    }
}

#[test]
fn the_schemas_reject_documents_that_break_the_contract() {
    let dir = indexed_example();
    let validator = schema("answer.schema.json");
    let doc = json(&run(dir.path(), &["owner", "payments-api", "--json"]));
    assert!(validator.is_valid(&doc));
    let mut unversioned = doc.clone();
    unversioned.as_object_mut().unwrap().remove("schema_version");
    assert!(!validator.is_valid(&unversioned));
    let mut no_owner = doc.clone();
    no_owner["body"].as_object_mut().unwrap().remove("owner");
    assert!(!validator.is_valid(&no_owner), "an ownership body without `owner` must not validate");
    let mut bad_entity = doc;
    bad_entity["body"]["entity"]["exists"] = Value::from("yes");
    assert!(!validator.is_valid(&bad_entity));
}

#[test]
fn format_json_and_json_print_the_same_document() {
    let dir = indexed_example();
    for args in [&["owner", "payments-api"][..], &["ask", "who owns payments-api"], &["find", "kind:system"]] {
        let a = backline(dir.path()).args(args).arg("--json").output().unwrap();
        let b = backline(dir.path()).args(args).args(["--format", "json"]).output().unwrap();
        assert_eq!(json(&a), json(&b), "{}", args.join(" "));
        let plain = backline(dir.path()).args(args).output().unwrap();
        assert!(serde_json::from_slice::<Value>(&plain.stdout).is_err(), "text is the default: {}", args.join(" "));
    }
    let a = run(root(), &["check", "examples/broken", "--json"]);
    let b = run(root(), &["check", "examples/broken", "--format", "json"]);
    assert_eq!(a.status.code(), Some(1));
    assert_eq!(json(&a), json(&b));
}

#[test]
fn check_json_is_versioned_and_matches_the_check_schema() {
    let validator = schema("check.schema.json");
    for tree in ["examples/catalog", "examples/broken"] {
        let out = run(root(), &["check", tree, "--format", "json"]);
        let doc = json(&out);
        assert_valid(&validator, &doc, tree);
    }
    // The broken tree has findings, so the finding schema was exercised.
    let broken = json(&run(root(), &["check", "examples/broken", "--json"]));
    assert!(broken["summary"]["errors"].as_u64().unwrap() > 0);
}

#[test]
fn index_json_is_versioned_and_matches_the_index_schema() {
    let dir = indexed_example();
    let validator = schema("index.schema.json");
    for flags in [&["--json"][..], &["--format", "json"]] {
        let out = backline(dir.path()).arg("index").args(flags).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_valid(&validator, &json(&out), "index");
    }
}

#[test]
fn a_closed_stdout_ends_quietly_with_success() {
    let dir = indexed_example();
    let cases: &[&[&str]] = &[
        &["find", "kind:component"],
        &["find", "kind:component", "--json"],
        &["health"],
        &["completions", "bash"],
        &["man"],
    ];
    for args in cases {
        // The read end is closed before the program starts: its first write fails with EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = backline(dir.path()).args(*args).stdout(Stdio::from(writer)).stderr(Stdio::piped()).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{}: {stderr}", args.join(" "));
        assert!(!stderr.contains("Broken pipe") && !stderr.contains("panicked"), "{}: {stderr}", args.join(" "));
    }
    // `check` over a large tree too (its report goes through another writer).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = backline(root())
        .args(["check", "examples/broken"])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!text(&out.stderr).contains("Broken pipe"), "{}", text(&out.stderr));
}

#[test]
fn completions_are_generated_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(root(), &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        // Every subcommand is completed, including those added later.
        for sub in ["check", "index", "ask", "owner", "serve", "generate", "completions", "man"] {
            assert!(script.contains(sub), "{shell} completion lacks `{sub}`");
        }
    }
    let bad = run(root(), &["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn man_pages_are_generated_from_the_cli_definition() {
    let out = run(root(), &["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = text(&out.stdout);
    assert!(page.contains(".TH backline 1"), "{page}");
    assert!(page.contains("check") && page.contains("serve"));

    let dir = tempfile::tempdir().unwrap();
    let mandir = dir.path().join("man1");
    let out = run(root(), &["man", "--dir", mandir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let pages: Vec<PathBuf> = std::fs::read_dir(&mandir).unwrap().map(|e| e.unwrap().path()).collect();
    for name in ["backline.1", "backline-check.1", "backline-serve.1", "backline-find.1"] {
        assert!(pages.iter().any(|p| p.ends_with(name)), "{name} missing from {pages:?}");
    }
}

#[test]
fn an_invalid_log_filter_is_an_error() {
    let out = run(root(), &["--log", "backline=loud", "check", "examples/catalog"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("invalid --log filter `backline=loud`"), "{}", text(&out.stderr));
    let out = backline(root()).args(["check", "examples/catalog"]).env("BACKLINE_LOG", "=").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        run(dir.path(), &["--log", "info", "--log-format", "json", "generate", "--entities", "20", "--out", "catalog"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let logs: Vec<Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let generated = logs.iter().find(|l| l["message"] == "generated catalog").unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(generated["level"], "INFO");
    assert!(generated["files"].as_u64().unwrap() > 0);
    assert!(generated["timestamp"].is_string());
}

#[test]
fn generate_is_documented_and_listed() {
    let help = text(&run(root(), &["--help"]).stdout);
    assert!(help.contains("generate"), "{help}");
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("backline generate"));
}

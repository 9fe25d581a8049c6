//! `backline migration` over the real binary and the example catalog: the answers (and that
//! `ask` and the command give the same one), their JSON against `docs/schemas/`, the nudge dry
//! run (exactly what would be posted, as a snapshot), the burn-down chart as PNG and SVG, and
//! configuration mistakes reported with the migration and the field.

use std::path::Path;
use std::process::{Command, Output};

use backline_index::migration::{NudgeEvery, day_string, today};
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn backline(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backline"))
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("BACKLINE_CONFIG")
        .env_remove("BACKLINE_LOG")
        .env_remove("BACKLINE_STORE_URL")
        .output()
        .expect("run backline")
}

fn ok(cwd: &Path, args: &[&str]) -> String {
    let out = backline(cwd, args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(cwd: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(cwd, args)).unwrap()
}

fn validate(schema: &str, doc: &Value) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("docs/schemas").join(schema)).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{}\n{doc:#}", errors.join("\n"));
}

/// The example catalog with the python3 migration, due 30 days from today, indexed today.
fn indexed(migration_extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[store]\nurl = \"sqlite://index.db\"\n\n[[source]]\nname = \"example\"\npath = {:?}\n\n\
         [[migration]]\nname = \"python3\"\ndescription = \"Python 2 is end of life.\"\nscope = \"kind:component\"\n\
         todo = \"tag:python2\"\ndone = \"tag:python3\"\ndue = \"{}\"\nlink = \"https://wiki.example.com/python3\"\n{migration_extra}",
        root().join("examples/catalog").display().to_string(),
        day_string(today() + 30),
    );
    std::fs::write(dir.path().join("backline.toml"), toml).unwrap();
    ok(dir.path(), &["index"]);
    dir
}

/// Today's dates out of the text, so the snapshot holds on any day.
fn stable(text: &str) -> String {
    text.replace(&day_string(today() + 30), "<due>")
        .replace(&format!("period {}", NudgeEvery::Weekly.period(today())), "period <monday>")
        .replace(&day_string(today()), "<today>")
}

#[test]
fn migration_answers_nudges_and_charts() {
    let dir = indexed("[migration.nudge]\nevery = \"weekly\"\nsummary_channel = \"#platform-migrations\"\n");
    let cwd = dir.path();

    let list = json(cwd, &["migration", "--json"]);
    validate("answer.schema.json", &list);
    assert_eq!(list["body"]["type"], "migrations");
    assert_eq!(
        list["body"]["migrations"][0]["progress"],
        serde_json::json!({"in_scope": 29, "done": 4, "remaining": 5})
    );

    let one = json(cwd, &["migration", "python3", "--json"]);
    validate("answer.schema.json", &one);
    let teams: Vec<&str> =
        one["body"]["teams"].as_array().unwrap().iter().map(|t| t["owner"]["name"].as_str().unwrap()).collect();
    // Furthest behind first: most remaining, then the lowest share done.
    assert_eq!(teams, ["team-payments", "team-fulfilment", "team-logistics", "team-data"]);
    // The question and the command are one answer.
    let asked = json(cwd, &["ask", "how is the python3 migration going", "--json"]);
    assert_eq!(asked["body"], one["body"]);
    let team = json(cwd, &["ask", "what does team-payments still have to migrate", "--json"]);
    assert_eq!(team["body"], json(cwd, &["migration", "python3", "team-payments", "--json"])["body"]);
    assert_eq!(team["summary"], "Migration python3 for team-payments: 60% done, 2 remaining.");

    let plan = json(cwd, &["migration", "python3", "--nudge", "--dry-run", "--json"]);
    validate("nudge.schema.json", &plan);
    insta::assert_snapshot!("nudge_dry_run", stable(&ok(cwd, &["migration", "python3", "--nudge", "--dry-run"])));

    let png = cwd.join("python3.png");
    ok(cwd, &["migration", "python3", "--chart", png.to_str().unwrap()]);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, big-endian, right after the chunk's length and type.
    let size = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((size(16), size(20)), (800, 450));
    assert!(bytes.len() > 10_000, "{} bytes: an empty chart compresses to almost nothing", bytes.len());
    let svg = cwd.join("python3.svg");
    ok(cwd, &["migration", "python3", "--chart", svg.to_str().unwrap()]);
    let svg = std::fs::read_to_string(svg).unwrap();
    assert!(svg.contains("<svg") && svg.contains("team-payments") && svg.contains("due "), "{svg}");
}

#[test]
fn mistakes_name_the_migration_and_the_field() {
    let dir = indexed("");
    let unknown = backline(dir.path(), &["migration", "python4", "team-payments"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no migration is called `python4`; configured: python3"));
    let chart = backline(dir.path(), &["migration", "python3", "--chart", "x.gif"]);
    assert_eq!(chart.status.code(), Some(2));
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[migration]]\nname = \"python3\"\ntodo = \"tag:python2\"\ndue = \"2027-02-30\"\n",
    )
    .unwrap();
    let bad = backline(dir.path(), &["--config", "bad.toml", "migration"]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("invalid [[migration]] `python3`: due: `2027-02-30` is not a date"), "{stderr}");
}

//! End-to-end tests of scorecards over the real binary: `check` reports nothing new until a
//! scorecard opts in (`require`, or `[lints]`), then fails CI on the level not reached; an
//! invalid `[[scorecard]]` is a clear error; `backline scorecard` answers per team.

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

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/catalog").display().to_string()
}

/// A directory with `backline.toml` holding `[store]`, the example catalog as a source, and `extra`.
fn config(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let toml = format!(
        "[store]\nurl = \"sqlite://index.db\"\n\n[[source]]\nname = \"example\"\npath = {:?}\n\n{extra}",
        example()
    );
    std::fs::write(dir.path().join("backline.toml"), toml).expect("write backline.toml");
    dir
}

const LEVELS: &str = "levels = [\n  { name = \"bronze\", rules = [\"owner-has-members\", \"description\"] },\n  \
    { name = \"silver\", rules = [\"on-call\", \"runbook-or-dashboard\"] },\n]\n";

/// `(code, file name, line)` of every finding, and the exit code.
fn check(dir: &Path, extra_args: &[&str]) -> (Vec<String>, Option<i32>) {
    let example = example();
    let mut args = vec!["check", example.as_str(), "--format", "json"];
    args.extend_from_slice(extra_args);
    let out = backline(&args, dir);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let mut found = Vec::new();
    for f in report["files"].as_array().expect("files") {
        for x in f["findings"].as_array().expect("findings") {
            let path = f["path"].as_str().unwrap_or_default();
            let dir = path.rsplit('/').nth(1).unwrap_or_default();
            found.push(format!("{} {dir}", x["code"].as_str().unwrap_or_default()));
        }
    }
    found.sort();
    (found, out.status.code())
}

#[test]
fn check_reports_scorecards_only_when_opted_in() {
    // Configured but not opted in: the example catalog stays clean, even with --deny warnings.
    let dir = config(&format!("[[scorecard]]\nname = \"ready\"\n{LEVELS}"));
    assert_eq!(check(dir.path(), &["--deny", "warnings"]), (Vec::new(), Some(0)));
    // `require`: warnings for what is below silver (exit 0 unless warnings are denied).
    let dir = config(&format!("[[scorecard]]\nname = \"ready\"\nrequire = \"silver\"\n{LEVELS}"));
    let (found, code) = check(dir.path(), &[]);
    assert_eq!(code, Some(0));
    insta::assert_snapshot!(found.join("\n"), @r"
    BL0701 auth-web
    BL0701 clickstream-ingest
    BL0701 developer-portal
    BL0701 fulfilment-worker
    BL0701 go-service-kit
    BL0701 invoicing-service
    BL0701 legacy-invoicing
    BL0701 northwind-app
    BL0701 northwind-ui
    BL0701 notifications-service
    BL0701 payments-webhooks
    BL0701 price-engine
    BL0701 search-service
    BL0701 shipping-service
    BL0701 tax-calculator
    ");
    // `[lints]` makes it an error, so CI fails.
    let dir = config(&format!(
        "[lints]\nscorecard-level = \"error\"\n\n[[scorecard]]\nname = \"ready\"\nrequire = \"silver\"\n{LEVELS}"
    ));
    assert_eq!(check(dir.path(), &[]).1, Some(1));
}

#[test]
fn an_invalid_scorecard_is_a_clear_error() {
    let dir = config("[[scorecard]]\nname = \"ready\"\nlevels = [{ name = \"bronze\", rules = [\"oncall\"] }]\n");
    let out = backline(&["check", &example()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("scorecard `ready`: level `bronze` names unknown rule `oncall`"), "{err}");
}

#[test]
fn scorecard_answers_per_team() {
    let dir = config(&format!("[[scorecard]]\nname = \"ready\"\nrequire = \"silver\"\n{LEVELS}"));
    let out = backline(&["scorecard", "--team", "team-payments"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout), @r"
    team-payments reaches bronze on scorecard ready (5 entities: 2 silver, 3 bronze).

    Levels (each needs the ones before it):
      bronze     owner-has-members, description
      silver     on-call, runbook-or-dashboard  (required by check)

    Teams:
      team-payments                bronze         5 entities   reached: bronze 5, silver 2

    Entities:
      invoicing-service            bronze
          silver needs on-call: no on-call annotation
          silver needs runbook-or-dashboard: no runbook or dashboard link
      legacy-invoicing             bronze
          silver needs runbook-or-dashboard: no runbook or dashboard link
      payments-webhooks            bronze
          silver needs runbook-or-dashboard: no runbook or dashboard link
      fraud-detector               silver
      payments-api                 silver
    ");
}

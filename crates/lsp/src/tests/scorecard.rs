//! Scorecard hints on an entity's own file: its level and what the next level needs, from the
//! same evaluator as `check` and the index, shown as a hint diagnostic on the entity's name.

use std::sync::Arc;

use backline_catalog::scorecard::{LevelSection, ScorecardSection, resolve};
use insta::assert_snapshot;

use super::fixture::Fixture;
use crate::analysis;
use crate::settings::Settings;

fn level(name: &str, rules: &[&str]) -> LevelSection {
    LevelSection { name: name.into(), rules: rules.iter().map(|r| (*r).to_owned()).collect() }
}

/// The diagnostics of the fixture's open file with a bronze/silver/gold scorecard configured
/// (and `lints` from `lints`), one a line.
fn check(fixture: &str, lints: &[(&str, backline_catalog::lint_level::LintLevel)]) -> String {
    let section = ScorecardSection {
        name: "ready".into(),
        description: None,
        kinds: Vec::new(),
        require: None,
        rules: Vec::new(),
        levels: vec![
            level("bronze", &["owner-has-members", "description"]),
            level("silver", &["on-call", "runbook-or-dashboard"]),
            level("gold", &["techdocs"]),
        ],
    };
    let scorecards = resolve(&[section], &|_| None).expect("a valid scorecard");
    let mut f = Fixture::new(fixture);
    let lints = backline_catalog::lint_level::LintLevels::from_map(lints.iter().copied()).expect("lint codes");
    f.snap.settings = Arc::new(Settings { scorecards: Arc::new(scorecards), lints, ..Settings::default() });
    let parsed = f.doc.parsed();
    let findings = analysis::findings_for(&parsed, &f.snap.catalog, &f.snap.settings, true);
    let lines: Vec<String> = analysis::diagnostics(&f.snap, &parsed, &findings)
        .iter()
        .map(|d| {
            let code = match &d.code {
                Some(tower_lsp_server::ls_types::NumberOrString::String(s)) => s.clone(),
                other => format!("{other:?}"),
            };
            format!("{code} {:?} {}: {}", d.severity.expect("a severity"), f.here(d.range), d.message)
        })
        .collect();
    if lines.is_empty() { "(none)".into() } else { lines.join("\n") }
}

const BRONZE: &str = "//- org\n//- /ws/c.yaml\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments$0\n  description: Takes payments\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";

#[test]
fn a_hint_on_the_name_says_what_the_next_level_needs() {
    assert_snapshot!(check(BRONZE, &[]), @r#"BL0702 Hint c.yaml:4:9 "payments": Scorecard ready: bronze; for silver: on-call (no on-call annotation), runbook-or-dashboard (no runbook or dashboard link)."#);
}

#[test]
fn the_top_level_has_no_hint() {
    assert_snapshot!(check("//- org\n//- /ws/c.yaml\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments$0\n  description: Takes payments\n  annotations:\n    opsgenie.com/team: payments\n    backstage.io/techdocs-ref: dir:.\n  links:\n    - {url: 'https://grafana/p', type: dashboard}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n", &[]), @"(none)");
}

#[test]
fn lints_turn_the_hint_off_or_require_the_top_level() {
    use backline_catalog::lint_level::LintLevel;
    assert_snapshot!(check(BRONZE, &[("scorecard-progress", LintLevel::Off)]), @"(none)");
    assert_snapshot!(check(BRONZE, &[("scorecard-progress", LintLevel::Off), ("scorecard-level", LintLevel::Error)]), @r#"BL0701 Error c.yaml:4:9 "payments": payments reaches bronze of scorecard ready; gold is required. Missing: on-call (no on-call annotation), runbook-or-dashboard (no runbook or dashboard link), techdocs (no backstage.io/techdocs-ref)."#);
}

#[test]
fn an_owner_without_members_and_other_kinds() {
    assert_snapshot!(check("//- org\n//- /ws/c.yaml\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments$0\nspec:\n  type: service\n  lifecycle: production\n  owner: team-b\n---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: not-scored\nspec:\n  owner: team-b\n", &[]), @r#"BL0702 Hint c.yaml:4:9 "payments": Scorecard ready: no level yet; for bronze: owner-has-members (owner group:default/team-b has no members), description (no description)."#);
}

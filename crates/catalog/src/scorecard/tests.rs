//! The evaluator on a small catalog: every built-in rule passing and failing, custom filters,
//! cumulative levels, configuration errors, and findings only when asked for.

use std::sync::Arc;

use insta::assert_snapshot;

use super::config::{LevelSection, RuleSection, ScorecardSection, resolve};
use super::lint::{Enabled, lint_file};
use super::*;
use crate::catalog::CatalogIndex;
use crate::model::ParsedFile;
use crate::parse_file;

const CATALOG: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: [], members: [alice]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-empty}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: alice}
spec: {memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: payments}
spec: {owner: team-a, domain: commerce}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: old-db
  description: The old database
spec: {type: service, lifecycle: deprecated, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: gold-svc
  description: Everything in place
  tags: [python3]
  annotations:
    pagerduty.com/service-id: PABC
    backstage.io/techdocs-ref: dir:.
  links:
    - {url: "https://runbooks/gold", title: Runbook, type: runbook}
spec: {type: service, lifecycle: production, owner: team-a, system: payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: silver-svc
  description: No docs, an old dependency
  annotations:
    opsgenie.com/team: payments
  links:
    - {url: "https://grafana/x", title: Service dashboard}
spec: {type: service, lifecycle: production, owner: user:alice, dependsOn: [component:old-db]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orphan-svc
  description: "  "
spec: {type: service, lifecycle: experimental, owner: team-empty}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: ghost-svc, description: Owned by nobody known}
spec: {type: service, lifecycle: production, owner: team-ghost}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: not-scored}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: x}
"#;

/// The filter words these tests use (the binary passes `find`'s own parser).
fn parse_filter(token: &str) -> Option<Condition> {
    let (field, value) = token.split_once(':')?;
    let field = match field {
        "tag" => ConditionField::Tag,
        "lifecycle" => ConditionField::Lifecycle,
        "domain" => ConditionField::Domain,
        "owner" => ConditionField::Owner,
        "annotation" => ConditionField::Annotation,
        _ => return None,
    };
    Some(match field {
        ConditionField::Annotation => match value.split_once('=') {
            Some((k, v)) => Condition { field, key: Some(k.into()), value: Some(v.into()) },
            None => Condition { field, key: Some(value.into()), value: None },
        },
        _ => Condition { field, key: None, value: Some(value.into()) },
    })
}

fn rule(name: &str, check: Option<BuiltinRule>, filter: Option<&str>) -> RuleSection {
    RuleSection { name: name.into(), description: None, check, filter: filter.map(Into::into) }
}

fn level(name: &str, rules: &[&str]) -> LevelSection {
    LevelSection { name: name.into(), rules: rules.iter().map(|r| (*r).to_owned()).collect() }
}

fn section() -> ScorecardSection {
    ScorecardSection {
        name: "production-readiness".into(),
        description: None,
        kinds: Vec::new(),
        require: None,
        rules: vec![
            rule("python3", None, Some("tag:python3")),
            rule("in-commerce", None, Some("domain:commerce")),
            rule("paged", Some(BuiltinRule::OnCall), None),
        ],
        levels: vec![
            level("bronze", &["owner-has-members", "description", "lifecycle"]),
            level("silver", &["paged", "runbook-or-dashboard"]),
            level("gold", &["techdocs", "no-deprecated-dependencies", "python3", "in-commerce"]),
        ],
    }
}

fn parsed() -> ParsedFile {
    parse_file(Arc::from("catalog-info.yaml"), CATALOG)
}

/// One line per scored entity: its level, then each failed rule with why.
fn scores(card: &Scorecard) -> String {
    let file = parsed();
    let index = CatalogIndex::build([&file]);
    let facts = CatalogFacts::build([&file]);
    let facts = facts.with(&index);
    let mut out = Vec::new();
    for e in file.entities().filter(|e| card.applies_to(e.kind())) {
        let score = card.evaluate(&Subject::from_entity(e), &facts);
        let failed: Vec<String> = score
            .outcomes
            .iter()
            .filter(|o| !o.passed)
            .map(|o| format!("{} ({})", card.rules[o.rule].name, o.detail.as_deref().unwrap_or_default()))
            .collect();
        out.push(format!("{}: {} | {}", e.name(), card.level_name(score.level).unwrap_or("-"), failed.join("; ")));
    }
    out.join("\n")
}

#[test]
fn levels_and_failures_per_entity() {
    let cards = resolve(&[section()], &parse_filter).unwrap();
    assert_snapshot!(scores(&cards[0]), @r"
    old-db: bronze | paged (no on-call annotation); runbook-or-dashboard (no runbook or dashboard link); techdocs (no backstage.io/techdocs-ref); python3 (does not match tag:python3); in-commerce (does not match domain:commerce)
    gold-svc: gold | 
    silver-svc: silver | techdocs (no backstage.io/techdocs-ref); no-deprecated-dependencies (depends on deprecated component:default/old-db); python3 (does not match tag:python3); in-commerce (does not match domain:commerce)
    orphan-svc: - | owner-has-members (owner group:default/team-empty has no members); description (no description); paged (no on-call annotation); runbook-or-dashboard (no runbook or dashboard link); techdocs (no backstage.io/techdocs-ref); python3 (does not match tag:python3); in-commerce (does not match domain:commerce)
    ghost-svc: - | owner-has-members (owner group:default/team-ghost is defined nowhere); paged (no on-call annotation); runbook-or-dashboard (no runbook or dashboard link); techdocs (no backstage.io/techdocs-ref); python3 (does not match tag:python3); in-commerce (does not match domain:commerce)
    ");
}

#[test]
fn kinds_choose_what_is_scored() {
    let mut s = section();
    s.kinds = vec!["API".into()];
    s.levels = vec![level("bronze", &["owner-has-members"])];
    let cards = resolve(&[s], &parse_filter).unwrap();
    assert_snapshot!(scores(&cards[0]), @"not-scored: bronze | ");
}

/// A change to the valid section.
type Change = Box<dyn Fn(&mut ScorecardSection)>;

#[test]
fn invalid_configuration_is_a_clear_error() {
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|s| s.levels.clear()),
            "scorecard `production-readiness` has no levels; add `levels = [{ name = \"bronze\", rules = [...] }]`",
        ),
        (
            Box::new(|s| s.levels[0].rules.push("on-cal".into())),
            "scorecard `production-readiness`: level `bronze` names unknown rule `on-cal`; declare it in `rules` or use a built-in rule: owner-has-members, on-call, runbook-or-dashboard, techdocs, lifecycle, description, no-deprecated-dependencies",
        ),
        (
            Box::new(|s| s.rules.push(rule("x", None, None))),
            "scorecard `production-readiness`: rule `x` needs exactly one of `check` (a built-in rule) or `filter` (find filters)",
        ),
        (
            Box::new(|s| s.rules.push(rule("x", Some(BuiltinRule::Techdocs), Some("tag:a")))),
            "scorecard `production-readiness`: rule `x` needs exactly one of `check` (a built-in rule) or `filter` (find filters)",
        ),
        (
            Box::new(|s| s.rules.push(rule("x", None, Some("tag:a colour:red")))),
            "scorecard `production-readiness`: rule `x`: `colour:red` is not a filter; use kind:, type:, lifecycle:, tag:, owner:, system:, domain:, namespace:, label:key[=value] or annotation:key[=value]",
        ),
        (
            Box::new(|s| s.rules.push(rule("on-call", None, Some("tag:a")))),
            "scorecard `production-readiness`: rule `on-call` is a built-in rule's name; give the custom rule another name",
        ),
        (
            Box::new(|s| s.rules.push(rule("python3", None, Some("tag:a")))),
            "scorecard `production-readiness`: two rules are named `python3`",
        ),
        (
            Box::new(|s| s.levels.push(level("gold", &["lifecycle"]))),
            "scorecard `production-readiness`: two levels are named `gold`",
        ),
        (
            Box::new(|s| s.levels.push(level("platinum", &[]))),
            "scorecard `production-readiness`: level `platinum` names no rules",
        ),
        (
            Box::new(|s| s.require = Some("platinum".into())),
            "scorecard `production-readiness`: `require = \"platinum\"` is not one of its levels (bronze, silver, gold)",
        ),
        (Box::new(|s| s.name = " ".into()), "a scorecard needs a name"),
    ];
    for (change, expected) in cases {
        let mut s = section();
        change(&mut s);
        assert_eq!(resolve(&[s], &parse_filter).unwrap_err().to_string(), expected);
    }
    assert_eq!(
        resolve(&[section(), section()], &parse_filter).unwrap_err().to_string(),
        "two scorecards are named `production-readiness`"
    );
}

fn findings(require: Option<&str>, enabled: Enabled) -> String {
    let mut s = section();
    s.require = require.map(Into::into);
    let cards = resolve(&[s], &parse_filter).unwrap();
    let file = parsed();
    let index = CatalogIndex::build([&file]);
    let facts = CatalogFacts::build([&file]);
    let facts = facts.with(&index);
    let out: Vec<String> = lint_file(&cards, &facts, &file, enabled)
        .iter()
        .map(|f| format!("{} {:?} {}", f.code, f.severity, f.message))
        .collect();
    if out.is_empty() { "(none)".into() } else { out.join("\n") }
}

#[test]
fn findings_only_when_opted_in() {
    assert_snapshot!(findings(None, Enabled::default()), @"(none)");
    assert_snapshot!(findings(Some("silver"), Enabled::default()), @r"
    BL0701 Warning old-db reaches bronze of scorecard production-readiness; silver is required. Missing: paged (no on-call annotation), runbook-or-dashboard (no runbook or dashboard link).
    BL0701 Warning orphan-svc reaches no level of scorecard production-readiness; silver is required. Missing: owner-has-members (owner group:default/team-empty has no members), description (no description), paged (no on-call annotation), runbook-or-dashboard (no runbook or dashboard link).
    BL0701 Warning ghost-svc reaches no level of scorecard production-readiness; silver is required. Missing: owner-has-members (owner group:default/team-ghost is defined nowhere), paged (no on-call annotation), runbook-or-dashboard (no runbook or dashboard link).
    ");
    assert_snapshot!(findings(None, Enabled { level_everywhere: true, progress: false }).lines().count().to_string(), @"4");
    assert_snapshot!(findings(None, Enabled { level_everywhere: false, progress: true }), @r"
    BL0702 Hint Scorecard production-readiness: bronze; for silver: paged (no on-call annotation), runbook-or-dashboard (no runbook or dashboard link).
    BL0702 Hint Scorecard production-readiness: silver; for gold: techdocs (no backstage.io/techdocs-ref), no-deprecated-dependencies (depends on deprecated component:default/old-db), python3 (does not match tag:python3), in-commerce (does not match domain:commerce).
    BL0702 Hint Scorecard production-readiness: no level yet; for bronze: owner-has-members (owner group:default/team-empty has no members), description (no description).
    BL0702 Hint Scorecard production-readiness: no level yet; for bronze: owner-has-members (owner group:default/team-ghost is defined nowhere).
    ");
}

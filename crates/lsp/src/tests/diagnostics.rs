//! Diagnostics of an open document: its own findings and the cross-file lints.

use insta::assert_snapshot;

use super::fixture::Fixture;
use crate::analysis;

/// One diagnostic a line: code, severity, where, message; related information indented below.
pub(super) fn diagnostics(fixture: &str) -> String {
    let f = Fixture::new(fixture);
    let parsed = f.doc.parsed();
    let findings = analysis::findings_for(&parsed, &f.snap.catalog, &f.snap.settings, true);
    let mut out = Vec::new();
    for d in analysis::diagnostics(&f.snap, &parsed, &findings) {
        let code = match &d.code {
            Some(tower_lsp_server::ls_types::NumberOrString::String(s)) => s.clone(),
            other => format!("{other:?}"),
        };
        out.push(format!(
            "{code} {:?} {}: {}",
            d.severity.unwrap_or(tower_lsp_server::ls_types::DiagnosticSeverity::ERROR),
            f.here(d.range),
            d.message
        ));
        for r in d.related_information.unwrap_or_default() {
            out.push(format!("  related {}: {}", f.location(&r.location), r.message));
        }
    }
    if out.is_empty() { "(none)".into() } else { out.join("\n") }
}

const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n";

#[test]
fn a_valid_component_has_none() {
    assert_snapshot!(diagnostics(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-a$0\n")), @"(none)");
}

#[test]
fn a_dangling_owner() {
    assert_snapshot!(diagnostics(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-ghost$0\n")), @r#"
BL0101 Warning c.yaml:8:10 "team-ghost": `team-ghost` refers to group:default/team-ghost, which is defined nowhere in the catalog (Backline lint; Backstage stores the dangling relation silently).
"#);
}

#[test]
fn a_near_miss_suggests_the_name() {
    assert_snapshot!(diagnostics(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-aa$0\n")), @r#"
BL0101 Warning c.yaml:8:10 "team-aa": `team-aa` refers to group:default/team-aa, which is defined nowhere in the catalog (Backline lint; Backstage stores the dangling relation silently). Did you mean group:default/team-a?
"#);
}

#[test]
fn a_missing_required_field() {
    assert_snapshot!(diagnostics(&format!("{COMPONENT}spec:\n  type: service\n  owner: team-a$0\n")), @r#"
BS0502 Error catalog-info.yaml:5:1 "spec": /spec must have required property 'lifecycle'. Component entities require type, lifecycle, owner.
BL0101 Warning catalog-info.yaml:7:10 "team-a": `team-a` refers to group:default/team-a, which is defined nowhere in the catalog (Backline lint; Backstage stores the dangling relation silently).
"#);
}

#[test]
fn an_unknown_lifecycle() {
    assert_snapshot!(diagnostics(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: prodution\n  owner: team-a$0\n")), @r#"
BL0103 Warning c.yaml:7:14 "prodution": Unknown lifecycle "prodution" (Backline lint; Backstage accepts it). Did you mean "production"? Filters and questions that look for production entities will miss this one.
"#);
}

#[test]
fn a_group_without_members() {
    assert_snapshot!(diagnostics("//- org\n//- /ws/g.yaml\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-c$0\nspec:\n  type: team\n  children: []\n"), @r#"
BL0106 Warning g.yaml:4:9 "team-c": Group group:default/team-c has no members, directly or through its sub-groups (Backline lint). Whatever it owns has nobody to contact: add `members`, or list it in users' `memberOf`.
"#);
}

#[test]
fn an_owner_in_no_group() {
    assert_snapshot!(diagnostics(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: user:bob$0\n")), @r#"
BL0105 Warning c.yaml:8:10 "user:bob": The owner user:default/bob is a User who belongs to no Group (Backline lint). When they are away nobody can be found through the org chart: make a team the owner, or add them to a Group.
"#);
}

#[test]
fn a_duplicate_across_files() {
    assert_snapshot!(diagnostics(&format!("//- /ws/a.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n//- /ws/b.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-a$0\n//- org\n")), @r#"
BL0102 Warning b.yaml:4:9 "payments": component:default/payments is already defined in /ws/a.yaml:4; Backstage keeps that copy and refuses this one, so edits here have no effect. Delete one definition or rename one entity.
  related a.yaml:4:9 "payments": the definition Backstage keeps
"#);
}

#[test]
fn a_yaml_error() {
    assert_snapshot!(diagnostics(&format!("{COMPONENT}spec:\n  type: [service\n  owner: team-a$0\n")), @r#"
BS0001 Error catalog-info.yaml:7:8 ":": YAML error: illegal placement of ':' indicator. Backstage refuses this document.
"#);
}

#[test]
fn a_wrong_kind_of_owner() {
    assert_snapshot!(diagnostics(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: component:payments$0\n")), @r#"
BL0107 Warning c.yaml:8:10 "component:payments": `owner` points at component:default/payments, but this field expects a Group or User (Backline lint; Backstage's newer model drops such relations).
"#);
}

#[test]
fn a_duplicate_within_one_file() {
    assert_snapshot!(diagnostics(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n---\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-a$0\n")), @r#"
BL0102 Warning c.yaml:4:9 "payments": component:default/payments is defined again later in this file (line 13); within one file the last document wins, so this definition is ignored by Backstage.
  related c.yaml:13:9 "payments": the definition Backstage keeps
"#);
}

#[test]
fn the_first_of_two_copies_gets_a_hint() {
    assert_snapshot!(diagnostics(&format!("//- /ws/a.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-a$0\n//- /ws/b.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n//- org\n")), @r#"
BL0102 Hint a.yaml:4:9 "payments": component:default/payments is also defined in 1 other file; Backstage keeps the copy from the location processed first (this one, in discovery order) and refuses the others with only a log line.
  related b.yaml:4:9 "payments": also defined here
"#);
}

#[test]
fn a_bad_name() {
    assert_snapshot!(diagnostics("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team a$0\nspec:\n  type: team\n  children: []\n  members: [x]\n"), @r#"
BS0401 Error catalog-info.yaml:4:9 "team a": "metadata.name" is not valid; expected a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total but found "team a". Try "team-a". To learn more about catalog file format, visit: https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/adr002-default-catalog-file-format.md
BL0101 Warning catalog-info.yaml:8:13 "x": `x` refers to user:default/x, which is defined nowhere in the catalog (Backline lint; Backstage stores the dangling relation silently).
"#);
}

#[test]
fn a_missing_kind() {
    assert_snapshot!(diagnostics("apiVersion: backstage.io/v1alpha1\nmetadata:\n  name: x$0\n"), @r#"
BS0101 Error catalog-info.yaml:1:1 "": <root> must have required property 'kind'. Add `kind: Component` (or the right value for this entity).
"#);
}

#[test]
fn a_flow_mapping_entity() {
    assert_snapshot!(diagnostics("//- org\n//- /ws/c.yaml\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: payments}\nspec: {type: service, lifecycle: production, owner: team-zz$0}\n"), @r#"
BL0101 Warning c.yaml:4:53 "team-zz": `team-zz` refers to group:default/team-zz, which is defined nowhere in the catalog (Backline lint; Backstage stores the dangling relation silently). Did you mean group:default/team-a?
"#);
}

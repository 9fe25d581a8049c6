//! `textDocument/definition`.

use insta::assert_snapshot;
use tower_lsp_server::ls_types::GotoDefinitionResponse;

use super::fixture::Fixture;
use crate::handlers;

/// One location a line.
fn definition(fixture: &str) -> String {
    let f = Fixture::new(fixture);
    match handlers::definition::definition(&f.snap, &f.doc, f.position) {
        None => "(nothing)".into(),
        Some(GotoDefinitionResponse::Array(ls)) => ls.iter().map(|l| f.location(l)).collect::<Vec<_>>().join("\n"),
        Some(GotoDefinitionResponse::Scalar(l)) => f.location(&l),
        Some(GotoDefinitionResponse::Link(ls)) => format!("{} links", ls.len()),
    }
}

const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n";

#[test]
fn an_owner() {
    assert_snapshot!(definition(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner: te$0am-a\n")), @r#"
org.yaml:4:9 "team-a"
"#);
}

#[test]
fn a_qualified_owner() {
    assert_snapshot!(definition(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner: group:default/team-$0b\n")), @r#"
org.yaml:14:9 "team-b"
"#);
}

#[test]
fn a_member_in_a_flow_sequence() {
    assert_snapshot!(definition("//- org\n//- /ws/g.yaml\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-c\nspec:\n  type: team\n  children: []\n  members: [alice, b$0ob]\n"), @r#"
org.yaml:31:9 "bob"
"#);
}

#[test]
fn an_entity_defined_twice_lands_on_both() {
    assert_snapshot!(definition(&format!("//- /ws/a.yaml\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: twice\nspec:\n  type: team\n  children: []\n//- /ws/b.yaml\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: twice\nspec:\n  type: team\n  children: []\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner: twi$0ce\n")), @r#"
a.yaml:4:9 "twice"
b.yaml:4:9 "twice"
"#);
}

#[test]
fn a_reference_in_the_same_file() {
    assert_snapshot!(definition(&format!("{COMPONENT}spec:\n  system: pay$0ments\n---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: payments\nspec:\n  owner: team-a\n")), @r#"
catalog-info.yaml:11:9 "payments"
"#);
}

#[test]
fn a_dangling_reference_goes_nowhere() {
    assert_snapshot!(definition(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner: team-gh$0ost\n")), @"(nothing)");
}

#[test]
fn an_entity_name_is_its_own_definition() {
    assert_snapshot!(definition(&format!("{COMPONENT}spec:\n  owner: team-a\n").replace("payments", "pay$0ments")), @"(nothing)");
}

#[test]
fn a_member_of_in_a_block_sequence() {
    assert_snapshot!(definition("//- org\n//- /ws/u.yaml\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: carol\nspec:\n  memberOf:\n    - team-$0b\n"), @r#"
org.yaml:14:9 "team-b"
"#);
}

#[test]
fn a_name_in_a_flow_mapping() {
    assert_snapshot!(definition("//- /ws/o.yaml\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n//- /ws/c.yaml\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: s}\nspec: {owner: team$0-a}\n"), @r#"
o.yaml:3:18 "team-a"
"#);
}

#[test]
fn a_reference_written_in_another_case() {
    assert_snapshot!(definition(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner: Group:Default/Team-$0A\n")), @r#"
org.yaml:4:9 "team-a"
"#);
}

#[test]
fn off_any_reference() {
    assert_snapshot!(definition(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  ty$0pe: service\n")), @"(nothing)");
}

//! `textDocument/references`.

use insta::assert_snapshot;
use tower_lsp_server::ls_types::{
    PartialResultParams, ReferenceContext, ReferenceParams, TextDocumentIdentifier, TextDocumentPositionParams,
    WorkDoneProgressParams,
};

use super::fixture::{Fixture, never};
use crate::handlers;

fn references(fixture: &str, include_declaration: bool) -> String {
    let f = Fixture::new(fixture);
    let params = ReferenceParams {
        text_document_position: TextDocumentPositionParams {
            text_document: TextDocumentIdentifier { uri: f.doc.uri.clone() },
            position: f.position,
        },
        work_done_progress_params: WorkDoneProgressParams::default(),
        partial_result_params: PartialResultParams::default(),
        context: ReferenceContext { include_declaration },
    };
    match handlers::references::references(&f.snap, &f.doc, &params, &never()) {
        None => "(nothing)".into(),
        Some(ls) => {
            let mut lines: Vec<String> = ls.iter().map(|l| f.location(l)).collect();
            lines.sort();
            if lines.is_empty() { "(none)".into() } else { lines.join("\n") }
        }
    }
}

const SYSTEMS: &str = "//- org\n//- /ws/s.yaml\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: payments\nspec:\n  owner: group:default/team-a\n---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\nspec:\n  type: database\n  owner: \"team-a\"\n  system: payments\n";

#[test]
fn from_a_name_across_files() {
    assert_snapshot!(references(&SYSTEMS.replace("//- org\n", "//- /ws/org.yaml\n").replacen("//- /ws/org.yaml\n", &format!("//- /ws/org.yaml\n{}", super::ORG.replacen("name: team-a", "name: te$0am-a", 1)), 1), true), @r#"
org.yaml:26:14 "team-a"
org.yaml:4:9 "team-a"
s.yaml:14:10 "\"team-a\""
s.yaml:6:10 "group:default/team-a"
"#);
}

#[test]
fn from_a_reference_without_the_declaration() {
    assert_snapshot!(references(&SYSTEMS.replace("system: payments", "system: pay$0ments"), false), @r#"
s.yaml:15:11 "payments"
"#);
}

#[test]
fn from_a_reference_with_the_declaration() {
    assert_snapshot!(references(&SYSTEMS.replace("system: payments", "system: pay$0ments"), true), @r#"
s.yaml:15:11 "payments"
s.yaml:4:9 "payments"
"#);
}

#[test]
fn nothing_off_a_reference() {
    assert_snapshot!(references(&SYSTEMS.replace("type: database", "type: data$0base"), true), @"(nothing)");
}

#[test]
fn from_a_member_in_a_flow_sequence() {
    assert_snapshot!(references(&format!("{}//- /ws/g.yaml\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-c\nspec:\n  type: team\n  children: []\n  members: [ali$0ce]\n", "//- org\n"), false), @r#"
g.yaml:8:13 "alice"
org.yaml:9:13 "alice"
"#);
}

#[test]
fn a_dangling_reference_is_found_everywhere_it_is_written() {
    assert_snapshot!(references("//- /ws/a.yaml\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: a\nspec:\n  owner: ghost\n//- /ws/b.yaml\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: b\nspec:\n  owner: gh$0ost\n", true), @r#"
a.yaml:6:10 "ghost"
b.yaml:6:10 "ghost"
"#);
}

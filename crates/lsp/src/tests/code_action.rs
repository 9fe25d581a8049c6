//! `textDocument/codeAction`: the core's fixes as quick fixes.

use insta::assert_snapshot;
use tower_lsp_server::ls_types::{
    CodeActionContext, CodeActionOrCommand, CodeActionParams, PartialResultParams, Range, TextDocumentIdentifier,
    WorkDoneProgressParams,
};

use super::fixture::{Fixture, uri_path};
use crate::handlers;

/// Each action's title and edits; the cursor is the requested range.
fn actions(fixture: &str) -> String {
    let f = Fixture::new(fixture);
    let params = CodeActionParams {
        text_document: TextDocumentIdentifier { uri: f.doc.uri.clone() },
        range: Range { start: f.position, end: f.position },
        context: CodeActionContext { diagnostics: Vec::new(), only: None, trigger_kind: None },
        work_done_progress_params: WorkDoneProgressParams::default(),
        partial_result_params: PartialResultParams::default(),
    };
    let mut out = Vec::new();
    for a in handlers::code_action::code_action(&f.snap, &f.doc, &params).unwrap_or_default() {
        let CodeActionOrCommand::CodeAction(a) = a else { continue };
        out.push(a.title.clone());
        for (uri, edits) in a.edit.and_then(|e| e.changes).unwrap_or_default() {
            for e in edits {
                out.push(format!("  {} → {:?}", f.at(&uri_path(&uri), e.range), e.new_text));
            }
        }
    }
    if out.is_empty() { "(none)".into() } else { out.join("\n") }
}

const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n";

#[test]
fn did_you_mean_an_owner() {
    assert_snapshot!(actions(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-$0aa\n")), @r#"
Change to team-a
  c.yaml:8:10 "team-aa" → "team-a"
"#);
}

#[test]
fn a_misspelt_lifecycle() {
    assert_snapshot!(actions(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: produ$0tion\n  owner: team-a\n")), @r#"
Change lifecycle to production
  c.yaml:7:14 "prodution" → "production"
"#);
}

#[test]
fn a_depends_on_without_its_kind_uses_the_real_kind() {
    assert_snapshot!(actions(&format!("//- /ws/db.yaml\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\nspec:\n  type: database\n  owner: team-a\n//- /ws/c.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  dependsOn: [orders$0-db]\n")), @r#"
Write resource:orders-db
  c.yaml:9:15 "orders-db" → "resource:orders-db"
"#);
}

#[test]
fn none_away_from_findings() {
    assert_snapshot!(actions(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  ty$0pe: service\n  lifecycle: production\n  owner: team-aa\n")), @"(none)");
}

#[test]
fn a_kindless_depends_on_defaults_to_component() {
    assert_snapshot!(actions(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  dependsOn:\n    - some$0thing\n")), @r#"
Write component:something
  c.yaml:10:7 "something" → "component:something"
"#);
}

#[test]
fn a_near_miss_in_a_flow_mapping() {
    assert_snapshot!(actions("//- org\n//- /ws/c.yaml\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: payments}\nspec: {type: service, lifecycle: production, owner: team-$0aa}\n"), @r#"
Change to team-a
  c.yaml:4:53 "team-aa" → "team-a"
"#);
}

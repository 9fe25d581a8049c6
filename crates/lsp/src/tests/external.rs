//! Entities of an org-wide catalog, arriving through the [`crate::external`] seam: references
//! resolve to them, completion offers them, hover describes them and go to definition lands on
//! their recorded line; their unknown memberships raise no lint, and a workspace copy wins.

use insta::assert_snapshot;

use super::diagnostics::diagnostics;
use super::fixture::Fixture;
use crate::handlers;
use tower_lsp_server::ls_types::{CompletionResponse, GotoDefinitionResponse, HoverContents};

const INDEX: &str = "//- /org/groups.yaml index\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-ghost\n  title: The Ghosts\n  description: Haunts the old services.\nspec:\n  type: team\n  children: []\n---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: carol\nspec:\n  memberOf: []\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\n  title: Team A (index copy)\nspec:\n  type: team\n  children: []\n";
const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\nspec:\n  type: service\n  lifecycle: production\n";

fn fixture(owner_line: &str) -> Fixture {
    Fixture::new(&format!("{INDEX}//- org\n//- /ws/c.yaml\n{COMPONENT}{owner_line}\n"))
}

fn hover(f: &Fixture) -> String {
    match handlers::hover::hover(&f.snap, &f.doc, f.position).map(|h| h.contents) {
        Some(HoverContents::Markup(m)) => f.shorten(&m.value),
        other => format!("{other:?}"),
    }
}

fn definition(f: &Fixture) -> String {
    match handlers::definition::definition(&f.snap, &f.doc, f.position) {
        Some(GotoDefinitionResponse::Array(ls)) => ls.iter().map(|l| f.location(l)).collect::<Vec<_>>().join("\n"),
        other => format!("{other:?}"),
    }
}

fn labels(f: &Fixture) -> String {
    match handlers::completion::completion(&f.snap, &f.doc, f.position) {
        Some(CompletionResponse::List(l)) => l
            .items
            .iter()
            .map(|i| format!("{} ({})", i.label, i.detail.as_deref().unwrap_or("-")))
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("{other:?}"),
    }
}

#[test]
fn an_owner_from_the_index_is_no_dangling_reference() {
    assert_snapshot!(diagnostics(&format!("{INDEX}//- org\n//- /ws/c.yaml\n{COMPONENT}  owner: team-ghost$0\n")), @"(none)");
}

#[test]
fn a_user_from_the_index_counts_as_in_a_group() {
    assert_snapshot!(diagnostics(&format!("{INDEX}//- org\n//- /ws/c.yaml\n{COMPONENT}  owner: user:carol$0\n")), @"(none)");
}

#[test]
fn a_child_group_from_the_index_counts_as_having_members() {
    assert_snapshot!(diagnostics(&format!("{INDEX}//- /ws/g.yaml\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: parent$0\nspec:\n  type: department\n  children: [team-ghost]\n")), @"(none)");
}

#[test]
fn a_near_miss_suggests_an_index_entity() {
    assert_snapshot!(diagnostics(&format!("{INDEX}//- org\n//- /ws/c.yaml\n{COMPONENT}  owner: team-ghots$0\n")), @r#"
BL0101 Warning c.yaml:8:10 "team-ghots": `team-ghots` refers to group:default/team-ghots, which is defined nowhere in the catalog (Backline lint; Backstage stores the dangling relation silently). Did you mean group:default/team-ghost?
"#);
}

#[test]
fn hover_shows_what_the_index_knows() {
    assert_snapshot!(hover(&fixture("  owner: team-gh$0ost")), @r#"
**The Ghosts** — Group `group:default/team-ghost`

Haunts the old services.

type `team`

Defined in `/org/groups.yaml:4` (org catalog)
"#);
}

#[test]
fn definition_lands_on_the_recorded_line() {
    assert_snapshot!(definition(&fixture("  owner: team-gh$0ost")), @r#"
/org/groups.yaml:4:9 "team-ghost"
"#);
}

#[test]
fn the_workspace_copy_wins() {
    assert_snapshot!(definition(&fixture("  owner: te$0am-a")), @r#"
org.yaml:4:9 "team-a"
"#);
}

#[test]
fn completion_merges_the_index_in_order() {
    assert_snapshot!(labels(&fixture("  owner: $0")), @r#"
team-a (Group · Team A)
team-b (Group)
team-ghost (Group · The Ghosts)
user:alice (User)
user:bob (User)
user:carol (User)
"#);
}

#[test]
fn an_index_entity_is_not_renamed() {
    let f = fixture("  owner: team-gh$0ost");
    let edit = handlers::rename::rename(&f.snap, &f.doc, f.position, "team-spirit", &super::fixture::never())
        .unwrap()
        .unwrap();
    let edits: Vec<String> = edit.changes.unwrap().values().flatten().map(|e| format!("{:?}", e.new_text)).collect();
    assert_eq!(edits, vec!["\"team-spirit\""]);
}

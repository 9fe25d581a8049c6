//! Entities of an org-wide catalog, arriving through the [`crate::external`] seam: references
//! resolve to them, completion offers them, hover describes them and go to definition lands on
//! their recorded line; their unknown memberships raise no lint, and a workspace copy wins.

use insta::assert_snapshot;

use super::diagnostics::diagnostics;
use super::fixture::Fixture;
use crate::handlers;
use tower_lsp_server::ls_types::{
    CompletionResponse, GotoDefinitionResponse, HoverContents, OneOf, WorkspaceSymbolResponse,
};

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

fn symbols(f: &Fixture, query: &str) -> String {
    let Some(WorkspaceSymbolResponse::Nested(list)) =
        handlers::workspace_symbol::workspace_symbol(&f.snap, query, &super::fixture::never())
    else {
        return "(nothing)".into();
    };
    let lines: Vec<String> = list
        .iter()
        .map(|s| match &s.location {
            OneOf::Left(l) => {
                format!("{} ({}) at {}", s.name, s.container_name.as_deref().unwrap_or("-"), f.location(l))
            }
            OneOf::Right(w) => format!("{} at {:?}", s.name, w.uri),
        })
        .collect();
    lines.join("\n")
}

#[test]
fn workspace_symbols_include_index_entities_on_disk() {
    assert_snapshot!(symbols(&fixture("  owner: team-a$0"), "team"), @r#"
team-a (Group · Team A) at org.yaml:4:9 "team-a"
team-b (Group) at org.yaml:14:9 "team-b"
team-ghost (Group · The Ghosts (org catalog)) at /org/groups.yaml:4:9 "team-ghost"
"#);
}

#[test]
fn owner_at_describes_an_index_owner() {
    let f = fixture("  owner: team-ghost$0");
    let v = handlers::execute_command::owner_at(&f.snap, &f.doc.uri, f.position).expect("an owner");
    assert_snapshot!(f.shorten(v["markdown"].as_str().unwrap_or_default()), @r#"
## Owner of `component:default/payments`

**The Ghosts** (`group:default/team-ghost`) — Group, team

Haunts the old services.

Defined in `/org/groups.yaml:4` (org catalog)
"#);
}

#[test]
fn an_entity_on_another_machine_has_no_location_but_is_described() {
    let f = Fixture::new(&format!(
        "//- /org/groups.yaml remote\n{}//- /ws/c.yaml\n{COMPONENT}  owner: team-gh$0ost\n",
        &INDEX[INDEX.find('\n').unwrap() + 1..]
    ));
    assert_snapshot!(format!("{}\n---\n{}\n---\n{}", definition(&f), hover(&f), diagnostics_of(&f)), @r#"
None
---
**The Ghosts** — Group `group:default/team-ghost`

Haunts the old services.

type `team`

Defined in `github/org/groups.yaml:4` (org catalog)
---
0 findings
"#);
}

fn diagnostics_of(f: &Fixture) -> String {
    let parsed = f.doc.parsed();
    let findings = crate::analysis::findings_for(&parsed, &f.snap.catalog, &f.snap.settings, true);
    format!("{} findings", findings.len())
}

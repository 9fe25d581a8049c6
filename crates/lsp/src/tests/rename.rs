//! `textDocument/prepareRename` and `textDocument/rename`.

use insta::assert_snapshot;
use tower_lsp_server::ls_types::PrepareRenameResponse;

use super::fixture::{Fixture, never, uri_path};
use crate::handlers;

/// Every edit, one a line, sorted by file and position.
fn rename(fixture: &str, new_name: &str) -> String {
    let f = Fixture::new(fixture);
    let edit = match handlers::rename::rename(&f.snap, &f.doc, f.position, new_name, &never()) {
        Err(e) => return format!("error: {}", e.message),
        Ok(None) => return "(nothing)".into(),
        Ok(Some(edit)) => edit,
    };
    let mut lines: Vec<String> = Vec::new();
    for (uri, edits) in edit.changes.unwrap_or_default() {
        for e in edits {
            lines.push(format!("{} → {:?}", f.at(&uri_path(&uri), e.range), e.new_text));
        }
    }
    lines.sort();
    lines.join("\n")
}

fn prepare(fixture: &str) -> String {
    let f = Fixture::new(fixture);
    match handlers::rename::prepare_rename(&f.snap, &f.doc, f.position) {
        None => "(nothing)".into(),
        Some(PrepareRenameResponse::RangeWithPlaceholder { range, placeholder }) => {
            format!("{} placeholder {placeholder:?}", f.here(range))
        }
        Some(other) => format!("{other:?}"),
    }
}

const SYSTEMS: &str = "//- org\n//- /ws/s.yaml\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: payments\nspec:\n  owner: group:default/team-a\n---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\nspec:\n  type: database\n  owner: \"team-a\"\n  system: payments\n";

#[test]
fn keeps_each_reference_written_form() {
    assert_snapshot!(rename(&SYSTEMS.replace("owner: \"team-a\"", "owner: \"te$0am-a\""), "team-x"), @r#"
org.yaml:26:14 "team-a" → "team-x"
org.yaml:4:9 "team-a" → "team-x"
s.yaml:14:11 "team-a" → "team-x"
s.yaml:6:24 "team-a" → "team-x"
"#);
}

#[test]
fn from_the_name() {
    assert_snapshot!(rename(&SYSTEMS.replace("name: payments", "name: pay$0ments"), "pay"), @r#"
s.yaml:15:11 "payments" → "pay"
s.yaml:4:9 "payments" → "pay"
"#);
}

#[test]
fn refuses_an_invalid_name() {
    assert_snapshot!(rename(&SYSTEMS.replace("name: payments", "name: pay$0ments"), "not valid!"), @"error: `not valid!` is not a valid entity name: 1-63 letters, digits and `-_.`, starting and ending with a letter or digit");
}

#[test]
fn prepare_selects_the_name_part() {
    assert_snapshot!(prepare(&SYSTEMS.replace("group:default/team-a", "group:default/te$0am-a")), @r#"
s.yaml:6:24 "team-a" placeholder "team-a"
"#);
}

#[test]
fn prepare_off_a_reference() {
    assert_snapshot!(prepare(&SYSTEMS.replace("type: database", "type: data$0base")), @"(nothing)");
}

#[test]
fn a_quoted_name() {
    assert_snapshot!(rename("//- /ws/s.yaml\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: \"pay$0ments\"\nspec:\n  owner: team-a\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c\nspec:\n  system: 'payments'\n", "billing"), @r#"
s.yaml:13:12 "payments" → "billing"
s.yaml:4:10 "payments" → "billing"
"#);
}

#[test]
fn a_name_in_a_flow_mapping() {
    assert_snapshot!(rename("//- /ws/o.yaml\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: te$0am-a}\nspec: {type: team, children: []}\n//- /ws/c.yaml\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: s}\nspec: {owner: team-a}\n", "team-x"), @r#"
c.yaml:4:15 "team-a" → "team-x"
o.yaml:3:18 "team-a" → "team-x"
"#);
}

#[test]
fn a_reference_written_in_another_case() {
    assert_snapshot!(rename(&SYSTEMS.replace("owner: \"team-a\"", "owner: Te$0am-A"), "team-x"), @r#"
org.yaml:26:14 "team-a" → "team-x"
org.yaml:4:9 "team-a" → "team-x"
s.yaml:14:10 "Team-A" → "team-x"
s.yaml:6:24 "team-a" → "team-x"
"#);
}

#[test]
fn off_any_reference() {
    assert_snapshot!(rename(&SYSTEMS.replace("type: database", "type: data$0base"), "x"), @"(nothing)");
}

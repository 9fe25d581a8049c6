//! `textDocument/documentSymbol`.

use insta::assert_snapshot;
use tower_lsp_server::ls_types::{DocumentSymbol, DocumentSymbolResponse};

use super::fixture::Fixture;
use crate::handlers;

fn tree(f: &Fixture, symbols: &[DocumentSymbol], depth: usize, out: &mut Vec<String>) {
    for s in symbols {
        out.push(format!(
            "{}{} {:?} ({}) at {}",
            "  ".repeat(depth),
            s.name,
            s.kind,
            s.detail.as_deref().unwrap_or("-"),
            f.here(s.selection_range)
        ));
        tree(f, s.children.as_deref().unwrap_or_default(), depth + 1, out);
    }
}

fn symbols(fixture: &str, hierarchical: bool) -> String {
    let caps = crate::state::ClientCaps { hierarchical_symbols: hierarchical, ..super::fixture::caps() };
    let f = Fixture::with_caps(fixture, caps);
    let mut out = Vec::new();
    match handlers::document_symbol::document_symbol(&f.snap, &f.doc) {
        None => return "(nothing)".into(),
        Some(DocumentSymbolResponse::Nested(s)) => tree(&f, &s, 0, &mut out),
        Some(DocumentSymbolResponse::Flat(s)) => {
            for i in s {
                out.push(format!("{} {:?} in {:?} at {}", i.name, i.kind, i.container_name, f.location(&i.location)));
            }
        }
    }
    if out.is_empty() { "(none)".into() } else { out.join("\n") }
}

const FILE: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n  title: Payments\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  system: pay\n  dependsOn: [resource:db]\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n---\nnot: an entity\n$0";

#[test]
fn nested_with_key_fields() {
    assert_snapshot!(symbols(FILE, true), @r#"
payments Class (Component · Payments) at catalog-info.yaml:4:9 "payments"
  type EnumMember (service) at catalog-info.yaml:7:9 "service"
  lifecycle EnumMember (production) at catalog-info.yaml:8:14 "production"
  owner Key (team-a) at catalog-info.yaml:9:10 "team-a"
  system Key (pay) at catalog-info.yaml:10:11 "pay"
team-a Struct (Group) at catalog-info.yaml:15:18 "team-a"
  type EnumMember (team) at catalog-info.yaml:16:14 "team"
"#);
}

#[test]
fn flat_for_old_clients() {
    assert_snapshot!(symbols(FILE, false), @r#"
payments Class in Some("Component") at catalog-info.yaml:4:9 "payments"
team-a Struct in Some("Group") at catalog-info.yaml:15:18 "team-a"
"#);
}

#[test]
fn none_in_an_empty_file() {
    assert_snapshot!(symbols("$0", true), @"(none)");
}

#[test]
fn a_document_with_a_yaml_error_keeps_the_others() {
    assert_snapshot!(symbols("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: a\nspec:\n  type: [team\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: b\nspec:\n  type: team\n  children: []\n$0", true), @r#"
a Struct (Group) at catalog-info.yaml:4:9 "a"
b Struct (Group) at catalog-info.yaml:11:9 "b"
  type EnumMember (team) at catalog-info.yaml:13:9 "team"
"#);
}

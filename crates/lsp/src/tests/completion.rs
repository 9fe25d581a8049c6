//! `textDocument/completion`.

use insta::assert_snapshot;
use tower_lsp_server::ls_types::{CompletionResponse, CompletionTextEdit};

use super::fixture::Fixture;
use crate::handlers;

/// Beyond this many items a rendering says how many more there are.
const SHOWN: usize = 12;

/// One item a line: label, detail, and the text it inserts.
fn completion(fixture: &str) -> String {
    let f = Fixture::new(fixture);
    let Some(CompletionResponse::List(list)) = handlers::completion::completion(&f.snap, &f.doc, f.position) else {
        return "(nothing)".into();
    };
    let mut out: Vec<String> = list
        .items
        .iter()
        .take(SHOWN)
        .map(|i| {
            let text = match &i.text_edit {
                Some(CompletionTextEdit::Edit(e)) => format!("{:?} at {}", e.new_text, f.here(e.range)),
                Some(CompletionTextEdit::InsertAndReplace(e)) => format!("{:?}", e.new_text),
                None => String::new(),
            };
            format!("{} ({}) → {text}", i.label, i.detail.as_deref().unwrap_or("-"))
        })
        .collect();
    if list.items.len() > SHOWN {
        out.push(format!("… and {} more", list.items.len() - SHOWN));
    }
    if list.is_incomplete {
        out.push("(incomplete)".into());
    }
    if out.is_empty() {
        out.push("(no items)".into());
    }
    out.join("\n")
}

const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n";

#[test]
fn owners_are_groups_and_users() {
    assert_snapshot!(completion(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner: $0\n")), @r#"
team-a (Group · Team A) → "team-a" at c.yaml:6:10 ""
team-b (Group) → "team-b" at c.yaml:6:10 ""
user:alice (User) → "user:alice" at c.yaml:6:10 ""
user:bob (User) → "user:bob" at c.yaml:6:10 ""
"#);
}

#[test]
fn owners_filtered_by_what_is_typed() {
    assert_snapshot!(completion(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner: team-$0\n")), @r#"
team-a (Group · Team A) → "team-a" at c.yaml:6:10 "team-"
team-b (Group) → "team-b" at c.yaml:6:10 "team-"
"#);
}

#[test]
fn owner_right_after_the_colon_gets_a_space() {
    assert_snapshot!(completion(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner:$0\n")), @r#"
team-a (Group · Team A) → " team-a" at c.yaml:6:9 ""
team-b (Group) → " team-b" at c.yaml:6:9 ""
user:alice (User) → " user:alice" at c.yaml:6:9 ""
user:bob (User) → " user:bob" at c.yaml:6:9 ""
"#);
}

#[test]
fn owner_with_a_kind_prefix() {
    assert_snapshot!(completion(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner: user:$0\n")), @r#"
user:alice (User) → "user:alice" at c.yaml:6:10 "user:"
user:bob (User) → "user:bob" at c.yaml:6:10 "user:"
"#);
}

#[test]
fn a_group_is_not_its_own_parent() {
    assert_snapshot!(completion("//- org\n//- /ws/c.yaml\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-c\nspec:\n  type: team\n  children: []\n  parent: $0\n"), @r#"
team-a (Group · Team A) → "team-a" at c.yaml:8:11 ""
team-b (Group) → "team-b" at c.yaml:8:11 ""
"#);
}

#[test]
fn depends_on_items_in_a_block_sequence() {
    assert_snapshot!(completion(&format!("//- /ws/db.yaml\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\nspec:\n  type: database\n  owner: team-a\n//- /ws/c.yaml\n{COMPONENT}spec:\n  dependsOn:\n    - $0\n")), @r#"
resource:orders-db (Resource) → "resource:orders-db" at c.yaml:7:7 ""
"#);
}

#[test]
fn depends_on_items_in_a_flow_sequence() {
    assert_snapshot!(completion(&format!("//- /ws/db.yaml\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\nspec:\n  type: database\n  owner: team-a\n//- /ws/c.yaml\n{COMPONENT}spec:\n  dependsOn: [$0]\n")), @r#"
resource:orders-db (Resource) → "resource:orders-db" at c.yaml:6:15 ""
"#);
}

#[test]
fn kinds() {
    assert_snapshot!(completion("apiVersion: backstage.io/v1alpha1\nkind: $0\n"), @r#"
Component (-) → "Component" at catalog-info.yaml:2:7 ""
API (-) → "API" at catalog-info.yaml:2:7 ""
Resource (-) → "Resource" at catalog-info.yaml:2:7 ""
System (-) → "System" at catalog-info.yaml:2:7 ""
Domain (-) → "Domain" at catalog-info.yaml:2:7 ""
Group (-) → "Group" at catalog-info.yaml:2:7 ""
User (-) → "User" at catalog-info.yaml:2:7 ""
Location (-) → "Location" at catalog-info.yaml:2:7 ""
Template (-) → "Template" at catalog-info.yaml:2:7 ""
"#);
}

#[test]
fn lifecycles() {
    assert_snapshot!(completion(&format!("{COMPONENT}spec:\n  lifecycle: $0\n")), @r#"
experimental (-) → "experimental" at catalog-info.yaml:6:14 ""
production (-) → "production" at catalog-info.yaml:6:14 ""
deprecated (-) → "deprecated" at catalog-info.yaml:6:14 ""
"#);
}

#[test]
fn component_types() {
    assert_snapshot!(completion(&format!("{COMPONENT}spec:\n  type: $0\n")), @r#"
service (-) → "service" at catalog-info.yaml:6:9 ""
website (-) → "website" at catalog-info.yaml:6:9 ""
library (-) → "library" at catalog-info.yaml:6:9 ""
documentation (-) → "documentation" at catalog-info.yaml:6:9 ""
tool (-) → "tool" at catalog-info.yaml:6:9 ""
"#);
}

#[test]
fn spec_keys_of_a_component_skip_those_written() {
    assert_snapshot!(completion(&format!("{COMPONENT}spec:\n  type: service\n  $0\n  owner: team-a\n")), @r#"
lifecycle (required) → "lifecycle: " at catalog-info.yaml:7:3 ""
system (optional) → "system: " at catalog-info.yaml:7:3 ""
subcomponentOf (optional) → "subcomponentOf: " at catalog-info.yaml:7:3 ""
providesApis (optional) → "providesApis:\n    - " at catalog-info.yaml:7:3 ""
consumesApis (optional) → "consumesApis:\n    - " at catalog-info.yaml:7:3 ""
dependsOn (optional) → "dependsOn:\n    - " at catalog-info.yaml:7:3 ""
dependencyOf (optional) → "dependencyOf:\n    - " at catalog-info.yaml:7:3 ""
"#);
}

#[test]
fn a_key_on_a_line_with_its_value_replaces_only_the_key() {
    assert_snapshot!(completion(&format!("{COMPONENT}spec:\n  lif$0: production\n")), @r#"
type (required) → "type" at catalog-info.yaml:6:3 "lif"
lifecycle (required) → "lifecycle" at catalog-info.yaml:6:3 "lif"
owner (required) → "owner" at catalog-info.yaml:6:3 "lif"
system (optional) → "system" at catalog-info.yaml:6:3 "lif"
subcomponentOf (optional) → "subcomponentOf" at catalog-info.yaml:6:3 "lif"
providesApis (optional) → "providesApis" at catalog-info.yaml:6:3 "lif"
consumesApis (optional) → "consumesApis" at catalog-info.yaml:6:3 "lif"
dependsOn (optional) → "dependsOn" at catalog-info.yaml:6:3 "lif"
dependencyOf (optional) → "dependencyOf" at catalog-info.yaml:6:3 "lif"
"#);
}

#[test]
fn metadata_keys() {
    assert_snapshot!(completion(&format!("{COMPONENT}  $0\n")), @r#"
namespace (optional) → "namespace: " at catalog-info.yaml:5:3 ""
title (optional) → "title: " at catalog-info.yaml:5:3 ""
description (optional) → "description: " at catalog-info.yaml:5:3 ""
labels (optional) → "labels:\n    " at catalog-info.yaml:5:3 ""
annotations (optional) → "annotations:\n    " at catalog-info.yaml:5:3 ""
tags (optional) → "tags:\n    - " at catalog-info.yaml:5:3 ""
links (optional) → "links:\n    - " at catalog-info.yaml:5:3 ""
"#);
}

#[test]
fn annotation_keys() {
    assert_snapshot!(completion(&format!("{COMPONENT}  annotations:\n    $0\n")), @r#"
backstage.io/techdocs-ref (well-known annotation) → "backstage.io/techdocs-ref: " at catalog-info.yaml:6:5 ""
backstage.io/techdocs-entity (well-known annotation) → "backstage.io/techdocs-entity: " at catalog-info.yaml:6:5 ""
backstage.io/source-location (well-known annotation) → "backstage.io/source-location: " at catalog-info.yaml:6:5 ""
backstage.io/view-url (well-known annotation) → "backstage.io/view-url: " at catalog-info.yaml:6:5 ""
backstage.io/edit-url (well-known annotation) → "backstage.io/edit-url: " at catalog-info.yaml:6:5 ""
backstage.io/source-template (well-known annotation) → "backstage.io/source-template: " at catalog-info.yaml:6:5 ""
backstage.io/time-saved (well-known annotation) → "backstage.io/time-saved: " at catalog-info.yaml:6:5 ""
backstage.io/kubernetes-id (well-known annotation) → "backstage.io/kubernetes-id: " at catalog-info.yaml:6:5 ""
backstage.io/kubernetes-label-selector (well-known annotation) → "backstage.io/kubernetes-label-selector: " at catalog-info.yaml:6:5 ""
backstage.io/kubernetes-namespace (well-known annotation) → "backstage.io/kubernetes-namespace: " at catalog-info.yaml:6:5 ""
backstage.io/kubernetes-cluster (well-known annotation) → "backstage.io/kubernetes-cluster: " at catalog-info.yaml:6:5 ""
backstage.io/code-coverage (well-known annotation) → "backstage.io/code-coverage: " at catalog-info.yaml:6:5 ""
… and 30 more
"#);
}

#[test]
fn link_keys_after_a_dash() {
    assert_snapshot!(completion(&format!("{COMPONENT}  links:\n    - $0\n")), @r#"
url (required) → "url: " at catalog-info.yaml:6:7 ""
title (optional) → "title: " at catalog-info.yaml:6:7 ""
icon (optional) → "icon: " at catalog-info.yaml:6:7 ""
type (optional) → "type: " at catalog-info.yaml:6:7 ""
"#);
}

#[test]
fn an_empty_file_offers_root_keys_and_snippets() {
    assert_snapshot!(completion("$0"), @r#"
apiVersion (required) → "apiVersion: " at catalog-info.yaml:1:1 ""
kind (required) → "kind: " at catalog-info.yaml:1:1 ""
metadata (required) → "metadata:\n  " at catalog-info.yaml:1:1 ""
spec (required) → "spec:\n  " at catalog-info.yaml:1:1 ""
Component entity (a new Component) → "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${1:name}\n  description: ${2:What it is}\nspec:\n  type: ${3|service,website,library,documentation,tool|}\n  lifecycle: ${4|production,experimental,deprecated|}\n  owner: ${5:team}\n  system: ${6:system}\n$0" at catalog-info.yaml:1:1 ""
API entity (a new API) → "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: ${1:name}\n  description: ${2:What it is}\nspec:\n  type: ${3|openapi,asyncapi,graphql,grpc,trpc|}\n  lifecycle: ${4|production,experimental,deprecated|}\n  owner: ${5:team}\n  system: ${6:system}\n  definition:\n    \\$text: ${7:./openapi.yaml}\n$0" at catalog-info.yaml:1:1 ""
Resource entity (a new Resource) → "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: ${1:name}\n  description: ${2:What it is}\nspec:\n  type: ${3|database,s3-bucket,kubernetes-cluster,queue,cache|}\n  owner: ${4:team}\n  system: ${5:system}\n$0" at catalog-info.yaml:1:1 ""
System entity (a new System) → "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: ${1:name}\n  description: ${2:What it is}\nspec:\n  owner: ${3:team}\n  domain: ${4:domain}\n$0" at catalog-info.yaml:1:1 ""
Domain entity (a new Domain) → "apiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata:\n  name: ${1:name}\n  description: ${2:What it is}\nspec:\n  owner: ${3:team}\n$0" at catalog-info.yaml:1:1 ""
Group entity (a new Group) → "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: ${1:name}\n  description: ${2:What it is}\nspec:\n  type: ${3|team,business-unit,product-area,root|}\n  profile:\n    displayName: ${4:Display Name}\n    email: ${5:team@example.com}\n  parent: ${6:parent}\n  children: []\n  members: []\n$0" at catalog-info.yaml:1:1 ""
User entity (a new User) → "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: ${1:name}\n  description: ${2:What it is}\nspec:\n  profile:\n    displayName: ${3:Full Name}\n    email: ${4:person@example.com}\n  memberOf: [${5:team}]\n$0" at catalog-info.yaml:1:1 ""
Location entity (a new Location) → "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: ${1:name}\n  description: ${2:What it is}\nspec:\n  targets:\n    - ${3:./*/catalog-info.yaml}\n$0" at catalog-info.yaml:1:1 ""
… and 1 more
"#);
}

#[test]
fn nothing_in_a_comment() {
    assert_snapshot!(completion(&format!("{COMPONENT}# owner: $0\n")), @"(nothing)");
}

#[test]
fn in_a_document_that_does_not_parse() {
    assert_snapshot!(completion(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}  description: \"unclosed\nspec:\n  owner: $0\n")), @r#"
team-a (Group · Team A) → "team-a" at c.yaml:7:10 ""
team-b (Group) → "team-b" at c.yaml:7:10 ""
user:alice (User) → "user:alice" at c.yaml:7:10 ""
user:bob (User) → "user:bob" at c.yaml:7:10 ""
"#);
}

#[test]
fn system_of_a_component() {
    assert_snapshot!(completion(&format!("//- /ws/s.yaml\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: payments\n  title: Payments\nspec:\n  owner: team-a\n//- /ws/c.yaml\n{COMPONENT}spec:\n  system: $0\n")), @r#"
payments (System · Payments) → "payments" at c.yaml:6:11 ""
"#);
}

#[test]
fn another_namespace_is_written_out() {
    assert_snapshot!(completion("//- org\n//- /ws/c.yaml\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n  namespace: billing\nspec:\n  owner: $0\n"), @r#"
default/team-a (Group · Team A) → "default/team-a" at c.yaml:7:10 ""
default/team-b (Group) → "default/team-b" at c.yaml:7:10 ""
user:default/alice (User) → "user:default/alice" at c.yaml:7:10 ""
user:default/bob (User) → "user:default/bob" at c.yaml:7:10 ""
"#);
}

#[test]
fn inside_quotes_the_quotes_stay() {
    assert_snapshot!(completion(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner: \"te$0\"\n")), @r#"
team-a (Group · Team A) → "team-a" at c.yaml:6:11 "te"
team-b (Group) → "team-b" at c.yaml:6:11 "te"
"#);
}

#[test]
fn a_namespace_prefix_filters() {
    assert_snapshot!(completion(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner: default/te$0\n")), @r#"
default/team-a (Group · Team A) → "default/team-a" at c.yaml:6:10 "default/te"
default/team-b (Group) → "default/team-b" at c.yaml:6:10 "default/te"
"#);
}

#[test]
fn members_of_a_group_are_users() {
    assert_snapshot!(completion("//- org\n//- /ws/g.yaml\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-c\nspec:\n  type: team\n  children: []\n  members:\n    - $0\n"), @r#"
alice (User) → "alice" at g.yaml:9:7 ""
bob (User) → "bob" at g.yaml:9:7 ""
"#);
}

#[test]
fn member_of_in_a_flow_sequence_after_a_comma() {
    assert_snapshot!(completion("//- org\n//- /ws/u.yaml\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: carol\nspec:\n  memberOf: [team-a, $0]\n"), @r#"
team-a (Group · Team A) → "team-a" at u.yaml:6:22 ""
team-b (Group) → "team-b" at u.yaml:6:22 ""
"#);
}

#[test]
fn inside_a_flow_mapping() {
    assert_snapshot!(completion(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec: {{type: service, owner: $0}}\n")), @r#"
team-a (Group · Team A) → "team-a" at c.yaml:5:30 ""
team-b (Group) → "team-b" at c.yaml:5:30 ""
user:alice (User) → "user:alice" at c.yaml:5:30 ""
user:bob (User) → "user:bob" at c.yaml:5:30 ""
"#);
}

#[test]
fn group_types() {
    assert_snapshot!(completion("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: x\nspec:\n  type: $0\n"), @r#"
team (-) → "team" at catalog-info.yaml:6:9 ""
business-unit (-) → "business-unit" at catalog-info.yaml:6:9 ""
product-area (-) → "product-area" at catalog-info.yaml:6:9 ""
root (-) → "root" at catalog-info.yaml:6:9 ""
department (-) → "department" at catalog-info.yaml:6:9 ""
organization (-) → "organization" at catalog-info.yaml:6:9 ""
sub-department (-) → "sub-department" at catalog-info.yaml:6:9 ""
"#);
}

#[test]
fn api_versions() {
    assert_snapshot!(completion("apiVersion: $0\nkind: Template\n"), @r#"
scaffolder.backstage.io/v1beta3 (-) → "scaffolder.backstage.io/v1beta3" at catalog-info.yaml:1:13 ""
"#);
}

#[test]
fn an_unknown_kind_offers_fields_of_every_kind() {
    assert_snapshot!(completion("//- org\n//- /ws/c.yaml\napiVersion: backstage.io/v1alpha1\nkind: Widget\nmetadata:\n  name: x\nspec:\n  owner: $0\n"), @r#"
team-a (Group · Team A) → "team-a" at c.yaml:6:10 ""
team-b (Group) → "team-b" at c.yaml:6:10 ""
user:alice (User) → "user:alice" at c.yaml:6:10 ""
user:bob (User) → "user:bob" at c.yaml:6:10 ""
"#);
}

#[test]
fn the_second_document_has_its_own_kind() {
    assert_snapshot!(completion(&format!("{COMPONENT}spec:\n  type: service\n---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: db\nspec:\n  type: $0\n")), @r#"
database (-) → "database" at catalog-info.yaml:13:9 ""
s3-bucket (-) → "s3-bucket" at catalog-info.yaml:13:9 ""
cluster (-) → "cluster" at catalog-info.yaml:13:9 ""
kubernetes-cluster (-) → "kubernetes-cluster" at catalog-info.yaml:13:9 ""
queue (-) → "queue" at catalog-info.yaml:13:9 ""
topic (-) → "topic" at catalog-info.yaml:13:9 ""
cache (-) → "cache" at catalog-info.yaml:13:9 ""
bucket (-) → "bucket" at catalog-info.yaml:13:9 ""
"#);
}

#[test]
fn a_default_kind_typed_out_is_kept() {
    assert_snapshot!(completion(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec:\n  owner: group:te$0\n")), @r#"
group:team-a (Group · Team A) → "group:team-a" at c.yaml:6:10 "group:te"
group:team-b (Group) → "group:team-b" at c.yaml:6:10 "group:te"
"#);
}

#[test]
fn an_owner_after_a_comma_in_a_flow_mapping() {
    assert_snapshot!(completion(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec: {{type: service, owner: te$0}}\n")), @r#"
team-a (Group · Team A) → "team-a" at c.yaml:5:30 "te"
team-b (Group) → "team-b" at c.yaml:5:30 "te"
"#);
}

#[test]
fn a_lifecycle_in_a_flow_mapping() {
    assert_snapshot!(completion(&format!("{COMPONENT}spec: {{lifecycle: $0, type: service}}\n")), @r#"
experimental (-) → "experimental" at catalog-info.yaml:5:19 ""
production (-) → "production" at catalog-info.yaml:5:19 ""
deprecated (-) → "deprecated" at catalog-info.yaml:5:19 ""
"#);
}

#[test]
fn an_item_in_a_flow_sequence_in_a_flow_mapping() {
    assert_snapshot!(completion("//- org\n//- /ws/g.yaml\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-c}\nspec: {type: team, children: [], members: [alice, $0]}\n"), @r#"
alice (User) → "alice" at g.yaml:4:51 ""
bob (User) → "bob" at g.yaml:4:51 ""
"#);
}

#[test]
fn a_quoted_value_with_a_comma_in_a_flow_mapping() {
    assert_snapshot!(completion(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}spec: {{type: \"a, b: c\", owner: $0}}\n")), @r#"
team-a (Group · Team A) → "team-a" at c.yaml:5:32 ""
team-b (Group) → "team-b" at c.yaml:5:32 ""
user:alice (User) → "user:alice" at c.yaml:5:32 ""
user:bob (User) → "user:bob" at c.yaml:5:32 ""
"#);
}

#[test]
fn no_keys_inside_a_flow_mapping() {
    assert_snapshot!(completion(&format!("{COMPONENT}spec: {{type: service, $0}}\n")), @"(nothing)");
}

#[test]
fn a_flow_mapping_item_of_a_block_sequence() {
    assert_snapshot!(completion(&format!("{COMPONENT}  links:\n    - {{url: https://x, type: $0}}\n")), @"(no items)");
}

#[test]
fn an_owner_above_steps_written_as_flow_mappings() {
    assert_snapshot!(completion("//- org\n//- /ws/t.yaml\napiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  type: service\n  owner: $0\n  steps:\n    - {id: a, name: A, action: x}\n"), @r#"
team-a (Group · Team A) → "team-a" at t.yaml:7:10 ""
team-b (Group) → "team-b" at t.yaml:7:10 ""
user:alice (User) → "user:alice" at t.yaml:7:10 ""
user:bob (User) → "user:bob" at t.yaml:7:10 ""
"#);
}

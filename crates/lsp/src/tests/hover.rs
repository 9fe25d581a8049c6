//! `textDocument/hover`.

use insta::assert_snapshot;
use tower_lsp_server::ls_types::HoverContents;

use super::fixture::Fixture;
use crate::handlers;

/// The hovered range and the hover's sections; a finding's explanation is cut to its title line.
fn hover(fixture: &str) -> String {
    let f = Fixture::new(fixture);
    let Some(h) = handlers::hover::hover(&f.snap, &f.doc, f.position) else { return "(nothing)".into() };
    let HoverContents::Markup(m) = h.contents else { return format!("unexpected contents: {:?}", h.contents) };
    let sections: Vec<&str> = m
        .value
        .split("\n\n---\n\n")
        .map(|s| if s.starts_with("**BL") || s.starts_with("**BS") { s.lines().next().unwrap_or_default() } else { s })
        .collect();
    format!("{}\n{}", h.range.map(|r| f.here(r)).unwrap_or_default(), sections.join("\n---\n"))
}

const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\n";

#[test]
fn on_an_owner_reference() {
    assert_snapshot!(hover(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}metadata:\n  name: payments\nspec:\n  type: service\n  lifecycle: production\n  owner: te$0am-a\n")), @r#"
c.yaml:8:10 "team-a"
**Team A** — Group `group:default/team-a`

type `team`

Defined in `/ws/org.yaml:4`
"#);
}

#[test]
fn on_a_qualified_quoted_reference() {
    assert_snapshot!(hover(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}metadata:\n  name: payments\nspec:\n  type: service\n  lifecycle: production\n  owner: \"group:default/te$0am-a\"\n")), @r#"
c.yaml:8:10 "\"group:default/team-a\""
**Team A** — Group `group:default/team-a`

type `team`

Defined in `/ws/org.yaml:4`
"#);
}

#[test]
fn on_a_user_reference_shows_the_email() {
    assert_snapshot!(hover(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}metadata:\n  name: payments\nspec:\n  type: service\n  lifecycle: production\n  owner: user:ali$0ce\n")), @r#"
c.yaml:8:10 "user:alice"
**alice** — User `user:default/alice`

email alice@example.com

Defined in `/ws/org.yaml:22`
"#);
}

#[test]
fn on_a_dangling_reference() {
    assert_snapshot!(hover(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}metadata:\n  name: payments\nspec:\n  type: service\n  lifecycle: production\n  owner: team-gho$0st\n")), @r#"
c.yaml:8:10 "team-ghost"
`team-ghost` → `group:default/team-ghost` is defined nowhere in the catalog.
---
**BL0101** `unknown-reference` — A reference points at an entity that exists nowhere in the catalog
"#);
}

#[test]
fn on_an_entity_name() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata:\n  name: pay$0ments\n  title: Payments\n  description: Takes the money.\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n")), @r#"
catalog-info.yaml:4:9 "payments"
**Payments** — Component `component:default/payments`

Takes the money.

owner `group:default/team-a` · type `service` · lifecycle `production`

Defined in `/ws/catalog-info.yaml:4`
"#);
}

#[test]
fn on_a_key() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata:\n  name: payments\nspec:\n  type: service\n  life$0cycle: production\n  owner: team-a\n")), @r#"
catalog-info.yaml:7:3 "lifecycle"
**`lifecycle`** (required)

Where it is in its life: `experimental`, `production` or `deprecated`. Any value is accepted; Backline flags others.
"#);
}

#[test]
fn on_an_annotation_key() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata:\n  name: payments\n  annotations:\n    github.com/project-sl$0ug: acme/payments\n")), @r#"
catalog-info.yaml:6:5 "github.com/project-slug"
**`github.com/project-slug`** (annotation)

The GitHub repository as `<org>/<repo>`: GitHub Actions, pull requests, insights, security plugins.
"#);
}

#[test]
fn on_the_kind() {
    assert_snapshot!(hover("apiVersion: backstage.io/v1alpha1\nkind: Sys$0tem\nmetadata:\n  name: payments\nspec:\n  owner: team-a\n"), @r#"
catalog-info.yaml:2:7 "System"
**System**

A collection of components, APIs and resources that together expose some functionality. Needs `owner`.
"#);
}

#[test]
fn on_a_key_in_a_flow_mapping() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata: {{name: x, anno$0tations: {{a: b}}}}\n")), @r#"
catalog-info.yaml:3:21 "annotations"
**`annotations`** (optional)

Key/value pairs for tools and plugins (`github.com/project-slug`, `backstage.io/techdocs-ref`, `pagerduty.com/service-id`...). Values are any string.
"#);
}

#[test]
fn on_an_annotation_key_in_a_flow_mapping() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata: {{name: x, annotations: {{github.com/project-sl$0ug: a/b}}}}\n")), @r#"
catalog-info.yaml:3:35 "github.com/project-slug"
**`github.com/project-slug`** (annotation)

The GitHub repository as `<org>/<repo>`: GitHub Actions, pull requests, insights, security plugins.
"#);
}

#[test]
fn on_a_spec_key_in_a_flow_mapping() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata: {{name: x}}\nspec: {{type: service, life$0cycle: production, owner: team-a}}\n")), @r#"
catalog-info.yaml:4:23 "lifecycle"
**`lifecycle`** (required)

Where it is in its life: `experimental`, `production` or `deprecated`. Any value is accepted; Backline flags others.
"#);
}

#[test]
fn on_a_reference_in_a_flow_mapping() {
    assert_snapshot!(hover(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}metadata: {{name: x}}\nspec: {{type: service, lifecycle: production, owner: te$0am-a}}\n")), @r#"
c.yaml:4:53 "team-a"
**Team A** — Group `group:default/team-a`

type `team`

Defined in `/ws/org.yaml:4`
"#);
}

#[test]
fn on_a_reference_in_a_flow_sequence() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata:\n  name: payments\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  dependsOn: [resource:orders-d$0b]\n---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\n  title: Orders\nspec:\n  type: database\n  owner: team-a\n")), @r#"
catalog-info.yaml:9:15 "resource:orders-db"
**Orders** — Resource `resource:default/orders-db`

owner `group:default/team-a` · type `database`

Defined in `/ws/catalog-info.yaml:14`
"#);
}

#[test]
fn on_a_finding_explains_its_code() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata:\n  name: payments\nspec:\n  type: service\n  lifecycle: production\n  owner: \"$0\"\n")), @r#"
catalog-info.yaml:8:10 "\"\""
**BS0502** `invalid-spec` — The kind's schema refuses the entity (a required spec field is missing or mistyped)
"#);
}

#[test]
fn on_nothing() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata:\n  name: payments\n# a comm$0ent\n")), @"(nothing)");
}

#[test]
fn plain_text_when_markdown_is_not_supported() {
    let caps = crate::state::ClientCaps { markdown_hover: false, ..super::fixture::caps() };
    let f = Fixture::with_caps(&format!("{COMPONENT}metadata:\n  name: pay$0ments\n"), caps);
    let h = handlers::hover::hover(&f.snap, &f.doc, f.position).expect("a hover");
    let HoverContents::Markup(m) = h.contents else { panic!("markup") };
    assert_eq!(m.kind, tower_lsp_server::ls_types::MarkupKind::PlainText);
}

#[test]
fn on_a_link_key_in_a_flow_sequence_of_mappings() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata:\n  name: payments\n  links: [{{url: https://x, ti$0tle: Docs}}]\n")), @r#"
catalog-info.yaml:5:28 "title"
**`title`** (optional)

The link's text.
"#);
}

#[test]
fn on_a_quoted_annotation_key() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata:\n  name: payments\n  annotations:\n    \"github.com/project-sl$0ug\": acme/payments\n")), @r#"
catalog-info.yaml:6:5 "\"github.com/project-slug\""
**`github.com/project-slug`** (annotation)

The GitHub repository as `<org>/<repo>`: GitHub Actions, pull requests, insights, security plugins.
"#);
}

#[test]
fn on_a_reference_after_an_emoji() {
    assert_snapshot!(hover(&format!("//- org\n//- /ws/c.yaml\n{COMPONENT}metadata:\n  name: payments\n  title: \"💳 Payments\"\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  dependsOn: [\"component:💳\", component:pay$0ments]\n")), @r#"
c.yaml:10:31 "component:payments"
**💳 Payments** — Component `component:default/payments`

owner `group:default/team-a` · type `service` · lifecycle `production`

Defined in `/ws/c.yaml:4`
"#);
}

#[test]
fn on_a_reference_in_a_later_document() {
    assert_snapshot!(hover("//- org\n//- /ws/c.yaml\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: payments\nspec:\n  owner: team-a\n---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: payments-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-b\n  system: pay$0ments\n  definition: x\n"), @r#"
c.yaml:16:11 "payments"
**payments** — System `system:default/payments`

owner `group:default/team-a`

Defined in `/ws/c.yaml:4`
"#);
}

#[test]
fn on_the_end_of_a_flow_key() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata: {{name: x, annotations$0: {{a: b}}}}\n")), @r#"
catalog-info.yaml:3:21 "annotations"
**`annotations`** (optional)

Key/value pairs for tools and plugins (`github.com/project-slug`, `backstage.io/techdocs-ref`, `pagerduty.com/service-id`...). Values are any string.
"#);
}

#[test]
fn on_a_flow_value_that_is_no_reference() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata: {{name: x, annotations: {{a: b$0}}}}\n")), @"(nothing)");
}

#[test]
fn on_a_key_unknown_to_the_kind() {
    assert_snapshot!(hover(&format!("{COMPONENT}metadata:\n  name: payments\nspec:\n  flav$0our: vanilla\n")), @"(nothing)");
}

#[test]
fn on_a_nested_profile_key() {
    assert_snapshot!(hover("apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: alice\nspec:\n  profile:\n    em$0ail: alice@example.com\n  memberOf: []\n"), @r#"
catalog-info.yaml:7:5 "email"
**`email`** (optional)

Contact email: Backline shows it when asked who owns something.
"#);
}

#[test]
fn on_a_nested_profile_key_in_a_flow_mapping() {
    assert_snapshot!(hover("apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: alice}\nspec: {profile: {em$0ail: alice@example.com}, memberOf: []}\n"), @r#"
catalog-info.yaml:4:18 "email"
**`email`** (optional)

Contact email: Backline shows it when asked who owns something.
"#);
}

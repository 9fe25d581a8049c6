//! Custom kinds declared in the configuration: recognised like built-in kinds (relations,
//! required reference fields, a JSON Schema for `spec`, cross-file lints), while a kind nobody
//! declared stays Backstage's "no processor recognized the entity".

use backline_catalog::catalog::CatalogIndex;
use backline_catalog::kinds::custom::{KindSection, ReferenceSection};
use backline_catalog::{Code, CustomKinds, ParsedFile, parse_file, parse_file_with};

const SCHEMA: &str = r#"{
  "type": "object",
  "required": ["tier"],
  "properties": {
    "tier": { "enum": ["production", "staging", "development"] },
    "regions": { "type": "array", "items": { "type": "string", "pattern": "^[a-z]+-[a-z]+-[0-9]$" } }
  }
}"#;

fn kinds() -> CustomKinds {
    let environment = KindSection {
        name: "Environment".into(),
        api_versions: vec!["example.com/v1alpha1".into()],
        description: Some("Where services run".into()),
        schema: Some("environment.schema.json".into()),
        references: vec![
            ReferenceSection {
                field: "owner".into(),
                relation: "ownedBy".into(),
                default_kind: Some("group".into()),
                kinds: vec!["group".into(), "user".into()],
                required: true,
                ..ReferenceSection::default()
            },
            ReferenceSection {
                field: "clusters".into(),
                relation: "hasPart".into(),
                default_kind: Some("cluster".into()),
                kinds: vec!["cluster".into()],
                many: true,
                ..ReferenceSection::default()
            },
        ],
    };
    let cluster = KindSection {
        name: "Cluster".into(),
        api_versions: vec!["example.com/v1alpha1".into()],
        ..KindSection::default()
    };
    CustomKinds::from_sections(&[environment, cluster], |path| {
        assert_eq!(path.to_str(), Some("environment.schema.json"));
        Ok(SCHEMA.to_owned())
    })
    .expect("valid declarations")
}

fn parse(text: &str) -> ParsedFile {
    parse_file_with("envs.yaml".into(), text, &kinds())
}

/// Every finding as `code line:col message`, for one-line expectations.
fn findings(file: &ParsedFile) -> Vec<String> {
    file.findings
        .iter()
        .map(|f| {
            let at = file.line_index.line_col(f.range.start);
            format!("{} {}:{} {}", f.code.as_str(), at.line, at.column, f.message)
        })
        .collect()
}

const PRODUCTION: &str = "\
apiVersion: example.com/v1alpha1
kind: Environment
metadata:
  name: production
spec:
  tier: production
  owner: platform
  regions: [eu-west-1]
  clusters: [prod-eu, prod-us]
";

#[test]
fn a_declared_kind_is_accepted_and_emits_its_relations() {
    let file = parse(PRODUCTION);
    assert_eq!(findings(&file), Vec::<String>::new());
    let entity = file.documents[0].entity.as_ref().unwrap();
    assert!(entity.accepted);
    assert_eq!(entity.builtin_kind, None);
    assert_eq!(entity.owner().map(|o| o.canonical()), Some("group:default/platform".to_owned()));
    let relations: Vec<String> = entity
        .relations()
        .iter()
        .map(|r| format!("{} {} {}", r.source.canonical(), r.kind, r.target.canonical()))
        .collect();
    assert_eq!(
        relations,
        [
            "environment:default/production ownedBy group:default/platform",
            "group:default/platform ownerOf environment:default/production",
            "environment:default/production hasPart cluster:default/prod-eu",
            "cluster:default/prod-eu partOf environment:default/production",
            "environment:default/production hasPart cluster:default/prod-us",
            "cluster:default/prod-us partOf environment:default/production",
        ]
    );
}

#[test]
fn without_the_declaration_the_kind_is_what_backstage_says() {
    let file = parse_file("envs.yaml".into(), PRODUCTION);
    let found = findings(&file);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with(&format!("{} 2:7 No processor recognized", Code::UnknownKind.as_str())), "{found:?}");
    assert!(found[0].contains("declare it in backline.toml"), "{found:?}");
    assert!(!file.documents[0].entity.as_ref().unwrap().accepted);
}

#[test]
fn a_wrong_api_version_names_the_declared_ones_and_fixes_it() {
    let file = parse(&PRODUCTION.replace("example.com/v1alpha1", "example.com/v2"));
    let found = findings(&file);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].ends_with("Kind Environment is declared in backline.toml with apiVersion example.com/v1alpha1."),
        "{found:?}"
    );
    let fix = file.findings[0].fix.as_ref().expect("a fix");
    assert_eq!(fix.edits[0].new_text, "example.com/v1alpha1");
}

#[test]
fn a_misspelt_custom_kind_gets_a_did_you_mean() {
    let file = parse(&PRODUCTION.replace("kind: Environment", "kind: Enviroment"));
    let found = findings(&file);
    assert!(found[0].contains("Did you mean kind \"Environment\"?"), "{found:?}");
}

#[test]
fn required_reference_fields_shapes_and_the_spec_schema_are_checked_where_they_are_written() {
    let text = "\
apiVersion: example.com/v1alpha1
kind: Environment
metadata:
  name: staging
spec:
  tier: qa
  regions: [eu-west-1, Frankfurt]
  clusters: staging-eu
";
    let file = parse(text);
    let found = findings(&file);
    assert_eq!(
        found,
        [
            "BS0502 8:13 spec.clusters must be array, not string. Write `clusters: [staging-eu]`.",
            "BS0502 5:1 /spec must have required property 'owner'. Environment entities require it (declared in backline.toml).",
            "BS0502 6:9 /spec/tier: \"qa\" is not one of \"production\", \"staging\" or \"development\". The schema of kind Environment in backline.toml refuses it.",
            "BS0502 7:24 /spec/regions/1: \"Frankfurt\" does not match \"^[a-z]+-[a-z]+-[0-9]$\". The schema of kind Environment in backline.toml refuses it.",
        ]
    );
    assert!(!file.documents[0].entity.as_ref().unwrap().accepted);
    let add_owner = file.findings[1].fix.as_ref().expect("a fix adds the owner");
    assert_eq!(add_owner.edits[0].new_text, "\n  owner: TODO");
}

#[test]
fn a_missing_spec_is_reported_with_what_it_needs() {
    let file = parse("apiVersion: example.com/v1alpha1\nkind: Environment\nmetadata:\n  name: dev\n");
    let found = findings(&file);
    assert_eq!(
        found,
        [
            "BS0502 2:7 <root> must have required property 'spec'. A Environment (declared in backline.toml) needs a `spec:` mapping with owner."
        ]
    );
    // A kind with nothing required and no schema needs no spec, as Backstage's own kinds without
    // required fields do not.
    let cluster = parse("apiVersion: example.com/v1alpha1\nkind: Cluster\nmetadata:\n  name: prod-eu\n");
    assert_eq!(findings(&cluster), Vec::<String>::new());
}

#[test]
fn cross_file_lints_know_custom_kinds_as_targets_and_check_allowed_kinds() {
    let clusters = parse_file_with(
        "clusters.yaml".into(),
        "apiVersion: example.com/v1alpha1\nkind: Cluster\nmetadata:\n  name: prod-eu\n",
        &kinds(),
    );
    let team = parse_file(
        "team.yaml".into(),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: platform\nspec:\n  type: team\n  children: []\n  members: [ada]\n---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: ada\nspec:\n  memberOf: [platform]\n",
    );
    let envs = parse(&PRODUCTION.replace("owner: platform", "owner: component:checkout"));
    let index = CatalogIndex::build([&clusters, &team, &envs]);
    let found: Vec<String> =
        index.lint_file(&envs).iter().map(|f| format!("{} {}", f.code.as_str(), f.message)).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().any(|f| f.contains("component:default/checkout")), "{found:?}");
    assert!(found.iter().any(|f| f.contains("cluster:default/prod-us")), "{found:?}");
    let fine = parse(PRODUCTION.replace("prod-us", "prod-eu").as_str());
    let index = CatalogIndex::build([&clusters, &team, &fine]);
    assert_eq!(index.lint_file(&fine).len(), 0, "{:?}", index.lint_file(&fine));
}

//! `backline check --catalog` end to end: one repository's `catalog-info.yaml` whose owner,
//! system, API and dependency live in the org catalog passes `--deny warnings` against that
//! catalog (an index built by `backline index`, a directory, or a running Backstage: the fake
//! backend of `crates/backstage/tests`), while a misspelt owner is still reported, and only the
//! checked file is reported on. An entity the file defines that the org catalog defines in
//! another place is a duplicate; the org catalog's copy of this very file (indexed from the
//! same repository) and a copy of unknown origin are not. A Backstage that refuses the token,
//! cannot be reached, or is given with credentials in its URL fails the check with a message
//! naming it and the token's variable, never the token.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

#[path = "../crates/backstage/tests/fake/mod.rs"]
mod fake;

const ORG: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-payments\nspec:\n  type: team\n  children: []\n---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: payments\nspec:\n  owner: team-payments\n---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\nspec:\n  type: database\n  owner: team-payments\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: lonely\nspec:\n  type: service\n  lifecycle: production\n  owner: team-nobody\n";

fn service(owner: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments-api\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n  system: payments\n  dependsOn:\n    - resource:orders-db\n"
    )
}

fn backline(cwd: &Path, args: &[&str]) -> Output {
    backline_with(cwd, args, &[])
}

/// `backline` with these environment variables set (and no Backstage token but these).
fn backline_with(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_backline"));
    command
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("BACKLINE_CONFIG")
        .env_remove("BACKLINE_STORE_URL")
        .env_remove("BACKLINE_BACKSTAGE_TOKEN");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run backline")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn a_per_repository_file_checks_against_the_org_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let (org, repo) = (dir.path().join("org"), dir.path().join("repo"));
    std::fs::create_dir_all(org.join("catalog")).unwrap();
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(org.join("catalog/catalog-info.yaml"), ORG).unwrap();
    let out = backline(&org, &["index", "catalog"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let index = org.join(".backline/index.db");
    std::fs::write(repo.join("catalog-info.yaml"), service("team-payments")).unwrap();

    // Alone, the file's references dangle.
    let out = backline(&repo, &["check", "--deny", "warnings"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(text(&out).matches("warning[BL0101]").count(), 3, "{}", text(&out));

    for catalog in [index.to_str().unwrap(), "../org/catalog"] {
        let out = backline(&repo, &["check", "--deny", "warnings", "--catalog", catalog]);
        assert_eq!(out.status.code(), Some(0), "{catalog}: {}", text(&out));
        // The org catalog's own problems (team-nobody) are not this repository's.
        assert!(!text(&out).contains("team-nobody"), "{}", text(&out));

        std::fs::write(repo.join("catalog-info.yaml"), service("team-paymnts")).unwrap();
        let out = backline(&repo, &["check", "--deny", "warnings", "--catalog", catalog, "--format", "json"]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert_eq!(all.matches("\"BL0101\"").count(), 1, "{all}");
        assert!(all.contains("team-paymnts") && all.contains("team-payments"), "did-you-mean from the org: {all}");
        std::fs::write(repo.join("catalog-info.yaml"), service("team-payments")).unwrap();
    }

    let out = backline(&repo, &["check", "--catalog", "../org/missing.db"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("does not exist"), "{}", text(&out));
}

/// Writes `files` (path, text) under `root`.
fn write_tree(root: &Path, files: &[(&str, String)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// The BL0102 findings of a JSON report.
fn duplicates(out: &Output) -> Vec<String> {
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)));
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap().iter())
        .filter(|f| f["code"] == "BL0102")
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect()
}

/// The org indexed every repository under `repos/`, the payments repository's own file among
/// them. A checkout of payments checks clean against it (the org catalog's copy is this very
/// file); a billing repository that copied payments' entity is told where the org defines it.
#[test]
fn duplicates_against_the_org_catalog_are_told_by_origin() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_tree(
        root,
        &[
            ("org/repos/platform/catalog-info.yaml", ORG.to_owned()),
            ("org/repos/payments/catalog-info.yaml", service("team-payments")),
            ("ci/payments/catalog-info.yaml", service("team-payments")),
            ("ci/billing/catalog-info.yaml", service("team-payments")),
        ],
    );
    let out = backline(&root.join("org"), &["index", "repos"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let index = root.join("org/.backline/index.db");
    let repos = root.join("org/repos");

    for catalog in [index.to_str().unwrap(), repos.to_str().unwrap()] {
        let args = ["check", "--deny", "warnings", "--format", "json", "--catalog", catalog];
        let own = backline(&root.join("ci/payments"), &args);
        assert_eq!(out_code(&own), 0, "{catalog}: {}", text(&own));
        assert!(duplicates(&own).is_empty(), "{catalog}: {}", text(&own));

        let copied = backline(&root.join("ci/billing"), &args);
        assert_eq!(out_code(&copied), 1, "{catalog}: {}", text(&copied));
        let found = duplicates(&copied);
        assert_eq!(found.len(), 1, "{catalog}: {}", text(&copied));
        assert!(
            found[0].starts_with("component:default/payments-api is already defined in the org catalog at ")
                && found[0].contains("payments/catalog-info.yaml:")
                && found[0].contains("Backstage keeps that copy and refuses this one"),
            "{catalog}: {}",
            found[0]
        );
    }
}

fn out_code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// An entity as Backstage serves it, read from `location` (no location annotations when `None`).
fn served(kind: &str, name: &str, spec: Value, location: Option<&str>) -> Value {
    let n = name.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let mut metadata = json!({
        "namespace": "default",
        "name": name,
        "uid": format!("{:08x}-0000-4000-8000-{:012x}", n as u32, n & 0xffff_ffff_ffff),
        "etag": format!("{n:040x}"),
        "annotations": {},
    });
    if let Some(location) = location {
        metadata["annotations"] = json!({
            "backstage.io/managed-by-location": location,
            "backstage.io/managed-by-origin-location": "url:https://github.com/acme/org/blob/main/all.yaml",
        });
    }
    json!({"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec, "relations": []})
}

/// The org catalog of a running Backstage: the platform team's entities, payments' own entity
/// (registered from its repository), a worker whose origin Backstage does not say, and the
/// `Location`s Backstage serves too.
fn backstage_catalog() -> Vec<Value> {
    let org = Some("url:https://github.com/acme/org/blob/main/org.yaml");
    let payments = Some("url:https://github.com/acme/payments/blob/main/catalog-info.yaml");
    vec![
        served("Group", "team-payments", json!({"type": "team", "children": []}), org),
        served("System", "payments", json!({"owner": "team-payments"}), org),
        served("Resource", "orders-db", json!({"type": "database", "owner": "team-payments"}), org),
        served(
            "Component",
            "lonely",
            json!({"type": "service", "lifecycle": "production", "owner": "team-nobody"}),
            org,
        ),
        served(
            "Component",
            "payments-api",
            json!({"type": "service", "lifecycle": "production", "owner": "team-payments", "system": "payments"}),
            payments,
        ),
        served(
            "Component",
            "payments-worker",
            json!({"type": "service", "lifecycle": "production", "owner": "team-payments"}),
            None,
        ),
        served(
            "Location",
            "generated-org",
            json!({"type": "url", "target": "https://github.com/acme/org/blob/main/org.yaml"}),
            org,
        ),
        served(
            "Location",
            "generated-payments",
            json!({"type": "url", "target": "https://github.com/acme/payments/blob/main/catalog-info.yaml"}),
            payments,
        ),
    ]
}

const WORKER: &str = "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments-worker\nspec:\n  type: service\n  lifecycle: production\n  owner: team-payments\n";

const ORDERS_DB: &str = "---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\nspec:\n  type: database\n  owner: team-payments\n";

#[test]
fn a_per_repository_file_checks_against_a_running_backstage() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let backstage = runtime.block_on(fake::Fake::serving(backstage_catalog()));
    let url = backstage.url.clone();
    let token = [("BACKLINE_BACKSTAGE_TOKEN", fake::TOKEN)];
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("payments");
    std::fs::create_dir_all(&repo).unwrap();
    let file = repo.join("catalog-info.yaml");

    // The owner, system and dependency live only in Backstage; Backstage's own copy of
    // payments-api is this very file, and it does not say where the worker comes from.
    std::fs::write(&file, service("team-payments") + WORKER).unwrap();
    let out = backline_with(&repo, &["check", "--deny", "warnings", "--catalog", &url], &token);
    assert_eq!(out_code(&out), 0, "{}", text(&out));
    assert!(!text(&out).contains("team-nobody"), "{}", text(&out));
    assert!(backstage.count("by-query") >= 1 && backstage.requests().iter().all(|r| r.authorization.is_some()));

    // A misspelt owner is still reported, with the right one from Backstage.
    std::fs::write(&file, service("team-paymnts")).unwrap();
    let out = backline_with(&repo, &["check", "--deny", "warnings", "--format", "json", "--catalog", &url], &token);
    let all = text(&out);
    assert_eq!(out_code(&out), 1, "{all}");
    assert_eq!(all.matches("\"BL0101\"").count(), 1, "{all}");
    assert!(all.contains("team-paymnts") && all.contains("group:default/team-payments"), "{all}");

    // orders-db is Backstage's from the org repository: defining it here is a duplicate.
    std::fs::write(&file, service("team-payments") + ORDERS_DB).unwrap();
    let out = backline_with(&repo, &["check", "--format", "json", "--catalog", &url], &token);
    let found = duplicates(&out);
    assert_eq!(found.len(), 1, "{}", text(&out));
    assert!(
        found[0].starts_with("resource:default/orders-db is already defined in the org catalog at https://github.com/acme/org/blob/main/org.yaml (Backstage at ")
            && found[0].contains(&url),
        "{}",
        found[0]
    );
    std::fs::write(&file, service("team-payments")).unwrap();

    // The token variable of the `[[source]]` with this URL.
    std::fs::write(
        repo.join("backline.toml"),
        format!("[[source]]\nname = \"portal\"\nbackstage = \"{url}/\"\ntoken_env = \"ORG_BACKSTAGE_TOKEN\"\n"),
    )
    .unwrap();
    let out = backline_with(
        &repo,
        &["check", "--deny", "warnings", "--catalog", &url],
        &[("ORG_BACKSTAGE_TOKEN", fake::TOKEN)],
    );
    assert_eq!(out_code(&out), 0, "{}", text(&out));
    let out = backline_with(&repo, &["check", "--catalog", &url], &token);
    assert_eq!(out_code(&out), 2, "{}", text(&out));
    assert!(text(&out).contains(&format!("no Backstage token for {url}: set ORG_BACKSTAGE_TOKEN")), "{}", text(&out));
    std::fs::remove_file(repo.join("backline.toml")).unwrap();

    // A wrong token: the source, the status and the variable to fix; never the token.
    let wrong = "not-the-token-0123456789";
    let out = backline_with(&repo, &["check", "--catalog", &url], &[("BACKLINE_BACKSTAGE_TOKEN", wrong)]);
    let all = text(&out);
    assert_eq!(out_code(&out), 2, "{all}");
    assert!(
        all.contains(&format!("error: --catalog {url}: Backstage at {url} refused the token (HTTP 401"))
            && all.contains("check BACKLINE_BACKSTAGE_TOKEN"),
        "{all}"
    );
    assert!(!all.contains(wrong) && !all.contains(fake::TOKEN), "{all}");

    // Credentials in the URL are refused without being shown.
    let with_credentials = url.replacen("http://", "http://ops:hunter22@", 1);
    let out = backline_with(&repo, &["check", "--catalog", &with_credentials], &token);
    assert_eq!(out_code(&out), 2, "{}", text(&out));
    assert!(text(&out).contains("without credentials") && !text(&out).contains("hunter22"), "{}", text(&out));

    // A Backstage that is not there.
    let gone = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let out = backline_with(&repo, &["check", "--catalog", &gone], &token);
    assert_eq!(out_code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains(&format!("error: --catalog {gone}: could not reach Backstage at {gone}")),
        "{}",
        text(&out)
    );
}

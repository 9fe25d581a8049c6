//! `backline check --catalog` end to end: one repository's `catalog-info.yaml` whose owner,
//! system, API and dependency live in the org catalog passes `--deny warnings` against that
//! catalog (an index built by `backline index`, or a directory), while a misspelt owner is still
//! reported, and only the checked file is reported on.

use std::path::Path;
use std::process::{Command, Output};

const ORG: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-payments\nspec:\n  type: team\n  children: []\n---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: payments\nspec:\n  owner: team-payments\n---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\nspec:\n  type: database\n  owner: team-payments\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: lonely\nspec:\n  type: service\n  lifecycle: production\n  owner: team-nobody\n";

fn service(owner: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments-api\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n  system: payments\n  dependsOn:\n    - resource:orders-db\n"
    )
}

fn backline(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("BACKLINE_CONFIG")
        .env_remove("BACKLINE_STORE_URL")
        .output()
        .expect("run backline")
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

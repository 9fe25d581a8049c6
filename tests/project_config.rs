//! Where the catalog comes from, end to end over the real binary: `backline.toml` found by
//! walking up from the working directory (relative paths against its directory, `--config`
//! winning); no configuration and no index is said plainly instead of answering from an empty
//! index; an edit to a directory source is in the very next answer; and `[locations] allow`
//! widens what a Location may read for `index` exactly as for `check`.

use std::path::Path;
use std::process::{Command, Output};

const TEAM: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-payments\nspec:\n  type: team\n  children: []\n";

fn component(name: &str, description: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: {description}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-payments\n"
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

fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

#[test]
fn configuration_is_found_above_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    write(&repo.join("backline.toml"), "[[source]]\nname = \"cat\"\npath = \"catalog\"\n");
    write(&repo.join("catalog/org.yaml"), TEAM);
    write(&repo.join("catalog/catalog-info.yaml"), &component("payments-api", "Takes payments."));
    let deep = repo.join("services/payments/src");
    std::fs::create_dir_all(&deep).unwrap();
    let out = backline(&deep, &["owner", "payments-api"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("team-payments"), "{}", text(&out));
    // The index lives beside the file, not in the working directory.
    assert!(repo.join(".backline/index.db").is_file());
    assert!(!deep.join(".backline").exists());

    // --config wins over the file found by walking up.
    let other = dir.path().join("other.toml");
    write(&other, "[[source]]\nname = \"none\"\npath = \"nowhere\"\n[store]\nurl = \"sqlite://other.db\"\n");
    let out = backline(&deep, &["--config", other.to_str().unwrap(), "owner", "payments-api"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(dir.path().join("other.db").is_file());
}

#[test]
fn no_configuration_and_no_index_is_said_not_answered() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["ask", "who", "owns", "payments-api"][..], &["owner", "payments-api"]] {
        let out = backline(dir.path(), args);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{all}");
        assert!(all.contains("no catalog is configured") && all.contains("[[source]]"), "{all}");
        assert!(!all.contains("nothing is called"), "{all}");
    }
    assert!(!dir.path().join(".backline").exists(), "no empty index was created");

    // A backline.toml without sources says which file it read.
    write(&dir.path().join("backline.toml"), "[lints]\nBL0101 = \"off\"\n");
    let out = backline(dir.path(), &["owner", "payments-api"]);
    assert!(text(&out).contains("backline.toml has no [[source]]"), "{}", text(&out));

    // `backline index <dir>` without a configuration is a catalog too.
    std::fs::remove_file(dir.path().join("backline.toml")).unwrap();
    write(&dir.path().join("catalog/catalog-info.yaml"), &format!("{TEAM}---\n{}", component("payments-api", "x")));
    assert_eq!(backline(dir.path(), &["index", "catalog"]).status.code(), Some(0));
    let out = backline(dir.path(), &["owner", "payments-api"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn an_edited_directory_source_is_in_the_next_answer() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    write(&repo.join("backline.toml"), "[[source]]\nname = \"cat\"\npath = \"catalog\"\n");
    write(&repo.join("catalog/org.yaml"), TEAM);
    write(&repo.join("catalog/catalog-info.yaml"), &component("payments-api", "Takes payments."));
    assert!(text(&backline(repo, &["what-is", "payments-api"])).contains("Takes payments."));
    write(&repo.join("catalog/catalog-info.yaml"), &component("payments-api", "Takes and refunds payments."));
    write(&repo.join("catalog/new.catalog-info.yaml"), &component("refunds-api", "Refunds."));
    let out = backline(repo, &["what-is", "payments-api"]);
    assert!(text(&out).contains("Takes and refunds payments."), "{}", text(&out));
    assert_eq!(backline(repo, &["owner", "refunds-api"]).status.code(), Some(0));
    // An `index` run in progress holds the lock: the answer says it may be stale.
    let lock = std::fs::OpenOptions::new().write(true).open(repo.join(".backline/index.db.lock")).unwrap();
    lock.lock().unwrap();
    let out = backline(repo, &["owner", "payments-api"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("may not be in this answer"), "{}", text(&out));
    lock.unlock().unwrap();
}

#[test]
fn allowed_locations_are_read_by_index_as_by_check() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let location = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: shared\nspec:\n  type: file\n  targets:\n    - ../../shared/teams.yaml\n";
    write(&repo.join("catalog/catalog-info.yaml"), &format!("{location}---\n{}", component("payments-api", "x")));
    write(&dir.path().join("shared/teams.yaml"), TEAM);
    let config = "[[source]]\nname = \"cat\"\npath = \"catalog\"\n";
    write(&repo.join("backline.toml"), config);
    // Outside the source: refused by both.
    assert!(text(&backline(&repo, &["check", "catalog"])).contains("outside the checked tree"));
    let out = backline(&repo, &["find", "kind:group"]);
    assert!(!text(&out).contains("team-payments"), "{}", text(&out));
    // Allowed: read by both.
    write(&repo.join("backline.toml"), &format!("[locations]\nallow = [\"../shared\"]\n{config}"));
    assert_eq!(backline(&repo, &["check", "catalog"]).status.code(), Some(0));
    let out = backline(&repo, &["find", "kind:group"]);
    assert!(text(&out).contains("team-payments"), "{}", text(&out));
}

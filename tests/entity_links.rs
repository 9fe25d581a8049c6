//! Backstage page links, end to end over the real binary: with `[backstage] frontend_url` in
//! `backline.toml`, every entity an answer names (the subject, its owner, parents, members,
//! dependencies, finds) carries `url`, Backstage's entity page route, in `--json`; an entity
//! defined nowhere carries none; without the setting nothing does; a URL that is not http(s) is a
//! configuration error.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const FRONTEND: &str = "https://backstage.northwind.example";

fn backline(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backline"))
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("BACKLINE_CONFIG")
        .env_remove("BACKLINE_LOG")
        .env_remove("BACKLINE_STORE_URL")
        .args(args)
        .output()
        .expect("run backline")
}

/// A project over the example catalog, with `extra` added to its `backline.toml`.
fn project(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/catalog");
    let toml = format!(
        "{extra}\n[store]\nurl = \"sqlite://index.db\"\n\n[[source]]\nname = \"catalog\"\npath = {:?}\n",
        catalog.display().to_string()
    );
    std::fs::write(dir.path().join("backline.toml"), toml).unwrap();
    dir
}

fn ask(dir: &Path, args: &[&str]) -> Value {
    let out = backline(dir, args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Every entity summary in a JSON answer (objects with `entity_ref` and `exists`).
fn entities(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            if m.contains_key("entity_ref") && m.contains_key("exists") {
                out.push(v.clone());
            }
            m.values().for_each(|x| entities(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| entities(x, out)),
        _ => {}
    }
}

fn page(e: &Value) -> String {
    let kind = e["kind"].as_str().unwrap().to_lowercase();
    format!("{FRONTEND}/catalog/{}/{kind}/{}", e["namespace"].as_str().unwrap(), e["name"].as_str().unwrap())
}

#[test]
fn every_entity_an_answer_names_links_to_its_backstage_page() {
    let dir = project(&format!("[backstage]\nfrontend_url = \"{FRONTEND}/\"\n"));
    let answer = ask(dir.path(), &["ask", "who owns payments-api", "--json"]);
    let body = &answer["body"];
    assert_eq!(body["entity"]["url"], format!("{FRONTEND}/catalog/default/component/payments-api"), "{body:#}");
    assert_eq!(body["owner"]["url"], format!("{FRONTEND}/catalog/default/group/team-payments"));
    assert!(body["members"].as_array().is_some_and(|m| !m.is_empty()));

    for question in [
        "who owns payments-api",
        "what does payments-api depend on",
        "what breaks if orders-db goes down",
        "what does team-payments own",
        "find kind:component owner:team-payments",
        "search payments",
        "health",
    ] {
        let answer = ask(dir.path(), &["ask", question, "--json"]);
        let mut all = Vec::new();
        entities(&answer["body"], &mut all);
        assert!(!all.is_empty(), "{question}: {answer:#}");
        for e in &all {
            if e["exists"] == true {
                assert_eq!(e["url"].as_str(), Some(page(e).as_str()), "{question}: {e:#}");
            } else {
                assert!(e.get("url").is_none(), "{question}: an entity defined nowhere has no page: {e:#}");
            }
        }
    }

    // The query subcommands answer the same.
    let answer = ask(dir.path(), &["owner", "payments-api", "--json"]);
    assert_eq!(answer["body"]["owner"]["url"], format!("{FRONTEND}/catalog/default/group/team-payments"));
}

#[test]
fn without_a_frontend_url_no_entity_has_a_page_and_a_bad_one_is_refused() {
    let dir = project("");
    let answer = ask(dir.path(), &["ask", "who owns payments-api", "--json"]);
    let mut all = Vec::new();
    entities(&answer["body"], &mut all);
    assert!(all.iter().all(|e| e.get("url").is_none()), "{answer:#}");

    let dir = project("[backstage]\nfrontend_url = \"backstage.northwind.example\"\n");
    let out = backline(dir.path(), &["ask", "who owns payments-api", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[backstage] frontend_url `backstage.northwind.example` is not an http(s) URL"), "{err}");
}

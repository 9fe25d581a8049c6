//! `backline ask --as`: questions about the asker from the command line, over the real binary;
//! an asker nobody can match is told how to be recognised; candidates for an ambiguous name come
//! in the order the question prefers (for "who owns", components and systems before people; for
//! "what does X own", groups first).

use std::path::Path;
use std::process::{Command, Output};

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

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A directory with a `backline.toml` over `catalog`.
fn project(catalog: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[store]\nurl = \"sqlite://index.db\"\n\n[[source]]\nname = \"catalog\"\npath = {:?}\n",
        catalog.display().to_string()
    );
    std::fs::write(dir.path().join("backline.toml"), toml).unwrap();
    dir
}

#[test]
fn ask_as_a_user_answers_what_they_own_and_explains_an_unknown_asker() {
    let dir = project(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/catalog"));
    for who in ["priya.raman", "user:default/priya.raman", "PRIYA.RAMAN@northwind.example"] {
        let out = backline(dir.path(), &["ask", "--as", who, "what", "do", "I", "own"]);
        assert_eq!(out.status.code(), Some(0), "{who}: {}", String::from_utf8_lossy(&out.stderr));
        let text = stdout(&out);
        assert!(text.starts_with("You (Priya Raman) and your teams (team-payments) own"), "{who}: {text}");
        assert!(text.contains("payments-api") && text.contains("(via team-payments)"), "{who}: {text}");
    }
    let text = stdout(&backline(dir.path(), &["ask", "what do I own"]));
    assert!(text.contains("--as <user or e-mail>"), "{text}");
    let text = stdout(&backline(dir.path(), &["ask", "--as", "nobody@northwind.example", "what does my team own"]));
    assert!(text.contains("No User in the catalog has the e-mail address nobody@northwind.example"), "{text}");
    assert!(text.contains("spec.profile.email: nobody@northwind.example"), "{text}");
    let text = stdout(&backline(dir.path(), &["ask", "--as", "team-payments", "what do I own"]));
    assert!(text.contains("No User in the catalog is called \"team-payments\""), "{text}");
}

const ATLAS: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: atlas }
spec: { memberOf: [atlas] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: atlas }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: atlas, namespace: legacy }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: { name: atlas }
spec: { owner: group:default/atlas }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: atlas }
spec: { type: service, lifecycle: production, owner: group:default/atlas }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: atlas, namespace: legacy }
spec: { type: service, lifecycle: deprecated, owner: group:legacy/atlas }
"#;

/// The candidates' kinds, in the order the answer offers them.
fn candidate_kinds(dir: &Path, question: &str) -> Vec<String> {
    let out = backline(dir, &["ask", question, "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["body"]["type"], "ambiguous", "{question}: {doc}");
    doc["body"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["entity"]["kind"].as_str().unwrap().to_lowercase())
        .collect()
}

#[test]
fn candidates_for_an_ambiguous_name_are_ranked_for_the_question() {
    let catalog = tempfile::tempdir().unwrap();
    std::fs::write(catalog.path().join("catalog-info.yaml"), ATLAS).unwrap();
    let dir = project(catalog.path());
    assert_eq!(
        candidate_kinds(dir.path(), "who owns atlas"),
        ["component", "component", "system", "group", "group", "user"]
    );
    assert_eq!(
        candidate_kinds(dir.path(), "what does atlas own"),
        ["group", "group", "user", "component", "component", "system"]
    );
}

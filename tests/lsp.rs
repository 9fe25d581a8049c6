//! End-to-end tests of `backline lsp`: the real binary, driven over stdio like an editor drives
//! it. What each feature answers is tested in-process, one fixture a test, in
//! `crates/lsp/src/tests/`; these check what only a running server shows (negotiation, the
//! workspace scan, ordering of edits, cancellation, settings, watched files, an index from the
//! settings), on a copy of the multi-file workspace in `tests/lsp/workspace/`:
//!
//! - `org.yaml` (found by content, not by name): Groups `team-a` (title, email, Slack, member
//!   alice) and `team-b`, Users `alice` and `bob`;
//! - `catalog-info.yaml`: Component `payments-api` owned by `team-ghost` (defined nowhere);
//! - `billing/catalog-info.yaml`: Component `billing`, lifecycle `prodution`, system `paymnts`;
//! - `systems/catalog-info.yaml`: System `payments`, Resource `orders-db`, API `payments-api`,
//!   referring to `team-a` in its qualified and quoted forms.
//!
//! Positions in the assertions are zero-based lines and UTF-16 columns (UTF-8 where the test
//! negotiates it), as an editor sends them.

#[path = "lsp/client.rs"]
mod client;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use client::{Client, capabilities, file_uri};
use serde_json::{Value, json};

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    server: Client,
}

impl Fixture {
    fn uri(&self, relative: &str) -> String {
        file_uri(&self.root.join(relative))
    }

    fn text(&self, relative: &str) -> String {
        std::fs::read_to_string(self.root.join(relative)).expect("fixture file")
    }

    /// Opens a workspace file with its disk content; returns its URI.
    fn open(&mut self, relative: &str) -> String {
        let uri = self.uri(relative);
        let text = self.text(relative);
        self.server.open(&uri, &text);
        uri
    }

    /// Diagnostics for `uri` once the workspace scan is reflected (cross-file findings present
    /// when `cross` is true).
    fn settled_diagnostics(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let p = self.server.diagnostics_where(uri, |params| pred(params["diagnostics"].as_array().unwrap()));
        p["diagnostics"].as_array().unwrap().clone()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_backline"))
}

fn fixture_with(caps: Value, options: Value) -> Fixture {
    fixture_in(|_| {}, caps, options)
}

/// The workspace at `<tmp>/ws`, after `prepare` wrote what it needs into `<tmp>`.
fn fixture_in(prepare: impl FnOnce(&Path), caps: Value, options: Value) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("ws");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp/workspace"), &root);
    prepare(root.parent().unwrap());
    let mut server = Client::spawn(binary(), &root, &[("BACKLINE_LSP_TEST_HOOKS", "1")]);
    server.initialize(&root, caps, options);
    // The workspace scan runs in the background; the server logs when the index is ready.
    server
        .wait_notification(client::TIMEOUT, |m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"].as_str().is_some_and(|s| s.contains("Backline: indexed"))
        })
        .expect("the workspace is indexed");
    Fixture { _dir: dir, root, server }
}

fn fixture() -> Fixture {
    fixture_with(capabilities(false), json!({}))
}

fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

fn tdp(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": pos(line, character)})
}

fn codes(diags: &[Value]) -> Vec<String> {
    diags.iter().map(|d| d["code"].as_str().unwrap_or_default().to_owned()).collect()
}

fn has_code(code: &'static str) -> impl Fn(&[Value]) -> bool {
    move |d| d.iter().any(|x| x["code"] == code)
}

fn labels(completion: &Value) -> Vec<String> {
    let items = completion.get("items").unwrap_or(completion);
    items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap().to_owned()).collect()
}

fn item<'a>(completion: &'a Value, label: &str) -> &'a Value {
    let items = completion.get("items").unwrap_or(completion);
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == label)
        .unwrap_or_else(|| panic!("no item {label}: {completion}"))
}

/// Applies LSP text edits (UTF-16 positions, ASCII-only tests) to a text.
fn apply(text: &str, edits: &[Value]) -> String {
    let lines: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let off = |p: &Value| lines[p["line"].as_u64().unwrap() as usize] + p["character"].as_u64().unwrap() as usize;
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| (off(&e["range"]["start"]), off(&e["range"]["end"]), e["newText"].as_str().unwrap().to_owned()))
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_owned();
    for (s, e, t) in edits {
        out.replace_range(s..e, &t);
    }
    out
}

#[test]
fn initialize_negotiates_utf8_when_offered_and_utf16_otherwise() {
    let mut f = fixture_with(capabilities(true), json!({}));
    let caps = f.server.request("workspace/symbol", json!({"query": ""}));
    assert!(caps.is_array());
    drop(f);
    let dir = tempfile::tempdir().unwrap();
    for (offered, expected) in [(capabilities(true), "utf-8"), (capabilities(false), "utf-16"), (json!({}), "utf-16")] {
        let mut s = Client::spawn(binary(), dir.path(), &[]);
        let result = s.initialize(dir.path(), offered, json!(null));
        assert_eq!(result["capabilities"]["positionEncoding"], expected);
        assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 2, "incremental sync");
        assert_eq!(result["serverInfo"]["name"], "backline");
        let commands = &result["capabilities"]["executeCommandProvider"]["commands"];
        assert_eq!(commands, &json!(["backline.ownerAt", "backline.checkWorkspace"]));
        assert!(s.shutdown(), "the server exits after shutdown + exit");
    }
}

#[test]
fn dangling_owner_is_reported_where_it_is_written() {
    let mut f = fixture();
    let uri = f.open("catalog-info.yaml");
    let diags = f.settled_diagnostics(&uri, has_code("BL0101"));
    let ghost = diags.iter().find(|d| d["code"] == "BL0101").unwrap();
    assert_eq!(ghost["range"], json!({"start": pos(7, 9), "end": pos(7, 19)}));
    assert_eq!(ghost["source"], "backline");
    assert_eq!(ghost["severity"], 2);
    assert!(ghost["message"].as_str().unwrap().contains("team-ghost"), "{ghost}");
    // `system: payments` exists in another file: no finding for it.
    assert_eq!(codes(&diags), vec!["BL0101"], "{diags:?}");
}

/// `backline.toml` above the workspace folder (found as git finds `.git`): its `[lints]` apply
/// and its directory sources are the org catalog; the editor's settings win where both speak.
#[test]
fn backline_toml_above_the_workspace_applies_under_the_editor_settings() {
    let prepare = |parent: &Path| {
        std::fs::write(
            parent.join("backline.toml"),
            "[lints]\nBL0101 = \"hint\"\n[[source]]\nname = \"org\"\npath = \"org-catalog\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(parent.join("org-catalog")).unwrap();
        std::fs::write(
            parent.join("org-catalog/catalog-info.yaml"),
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-ghost\nspec:\n  type: team\n  children: []\n",
        )
        .unwrap();
    };
    let mut f = fixture_in(prepare, capabilities(false), json!({}));
    let uri = f.open("billing/catalog-info.yaml");
    let diags = f.settled_diagnostics(&uri, has_code("BL0101"));
    let dangling = diags.iter().find(|d| d["code"] == "BL0101").unwrap();
    assert_eq!(dangling["severity"], 4, "the project's level: {dangling}");
    // team-ghost is defined in the project's source, outside the workspace.
    let uri = f.open("catalog-info.yaml");
    let diags = f.settled_diagnostics(&uri, |d| !has_code("BL0101")(d));
    assert!(!codes(&diags).contains(&"BL0101".to_owned()), "{diags:?}");

    let mut f = fixture_in(prepare, capabilities(false), json!({"lints": {"BL0101": "error"}}));
    let uri = f.open("billing/catalog-info.yaml");
    let diags = f.settled_diagnostics(&uri, has_code("BL0101"));
    let dangling = diags.iter().find(|d| d["code"] == "BL0101").unwrap();
    assert_eq!(dangling["severity"], 1, "the editor's level wins: {dangling}");
}

#[test]
fn custom_kinds_of_backline_toml_are_recognised_in_the_editor() {
    let prepare = |parent: &Path| {
        std::fs::write(
            parent.join("backline.toml"),
            "[[kind]]\nname = \"Environment\"\napi_versions = [\"example.com/v1alpha1\"]\n\
             [[kind.reference]]\nfield = \"owner\"\nrelation = \"ownedBy\"\ndefault_kind = \"group\"\nrequired = true\n",
        )
        .unwrap();
        std::fs::write(
            parent.join("ws/environments.catalog-info.yaml"),
            "apiVersion: example.com/v1alpha1\nkind: Environment\nmetadata:\n  name: production\nspec:\n  tier: production\n",
        )
        .unwrap();
    };
    let mut f = fixture_in(prepare, capabilities(false), json!({}));
    let uri = f.open("environments.catalog-info.yaml");
    // Recognised (no "No processor recognized"), and checked as declared: the owner is required.
    let diags = f.settled_diagnostics(&uri, has_code("BS0502"));
    assert!(!codes(&diags).contains(&"BS0501".to_owned()), "{diags:?}");
    let missing = diags.iter().find(|d| d["code"] == "BS0502").unwrap();
    assert!(missing["message"].as_str().unwrap().contains("'owner'"), "{missing}");
}

#[test]
fn diagnostics_cover_every_document_of_a_multi_document_file() {
    let mut f = fixture();
    let uri = f.uri("more.yaml");
    let text = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: fine
spec:
  type: service
  lifecycle: production
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: no-definition
spec:
  type: openapi
  lifecycle: production
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Compnent
metadata:
  name: typo
spec:
  type: service
";
    f.server.open(&uri, text);
    let diags = f.settled_diagnostics(&uri, has_code("BS0501"));
    let api = diags.iter().find(|d| d["code"] == "BS0502").unwrap_or_else(|| panic!("{diags:?}"));
    assert!((9..=16).contains(&api["range"]["start"]["line"].as_u64().unwrap()), "{api}");
    let kind = diags.iter().find(|d| d["code"] == "BS0501").unwrap();
    assert_eq!(kind["range"]["start"], pos(19, 6), "{kind}");
    assert!(
        diags.iter().all(|d| d["range"]["start"]["line"].as_u64().unwrap() >= 9),
        "the first document is clean: {diags:?}"
    );
}

#[test]
fn completion_of_references_draws_on_the_whole_catalog() {
    let mut f = fixture();
    let uri = f.open("catalog-info.yaml");
    f.settled_diagnostics(&uri, has_code("BL0101"));
    // Mid-edit: `owner: ` with nothing after it.
    f.server.change(&uri, 2, json!([{"range": {"start": pos(7, 9), "end": pos(7, 19)}, "text": ""}]));
    let c = f.server.request("textDocument/completion", tdp(&uri, 7, 9));
    let l = labels(&c);
    assert!(l.contains(&"team-a".to_owned()) && l.contains(&"team-b".to_owned()), "{l:?}");
    assert!(l.contains(&"user:alice".to_owned()), "owners may be Users, written with their kind: {l:?}");
    assert!(!l.iter().any(|x| x.contains("payments")), "only Groups and Users own things: {l:?}");
    let team_a = item(&c, "team-a");
    assert_eq!(team_a["detail"], "Group · Team A");
    let doc = team_a["documentation"]["value"].as_str().unwrap();
    assert!(doc.contains("Owns checkout and payments.") && doc.contains("org.yaml"), "{doc}");
    assert_eq!(team_a["textEdit"]["range"], json!({"start": pos(7, 9), "end": pos(7, 9)}));

    // A typed prefix is replaced by the choice.
    f.server.change(&uri, 3, json!([{"range": {"start": pos(7, 9), "end": pos(7, 9)}, "text": "te"}]));
    let c = f.server.request("textDocument/completion", tdp(&uri, 7, 11));
    assert_eq!(item(&c, "team-a")["textEdit"]["range"], json!({"start": pos(7, 9), "end": pos(7, 11)}));

    // `system:` offers Systems, bare.
    let c = f.server.request("textDocument/completion", tdp(&uri, 8, 10));
    assert_eq!(labels(&c), vec!["payments"]);
}

#[test]
fn completion_in_lists_keys_values_annotations_and_snippets() {
    let mut f = fixture();
    let uri = f.uri("new.catalog-info.yaml");
    let text = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    github.com/project-slug: acme/checkout
    
spec:
  type: service
  lifecycle: 
  owner: team-a
  dependsOn:
    - 
  
";
    f.server.open(&uri, text);
    f.server.diagnostics(&uri);
    // Annotation keys, without the one already written.
    let l = labels(&f.server.request("textDocument/completion", tdp(&uri, 6, 4)));
    assert!(
        l.contains(&"backstage.io/techdocs-ref".to_owned()) && l.contains(&"pagerduty.com/service-id".to_owned()),
        "{l:?}"
    );
    assert!(!l.contains(&"github.com/project-slug".to_owned()));
    // Lifecycle values.
    assert_eq!(
        labels(&f.server.request("textDocument/completion", tdp(&uri, 9, 13))),
        vec!["experimental", "production", "deprecated"]
    );
    // A `dependsOn` item: Components, Resources and APIs, with their kind.
    let l = labels(&f.server.request("textDocument/completion", tdp(&uri, 12, 6)));
    for want in ["component:billing", "component:payments-api", "resource:orders-db", "api:payments-api"] {
        assert!(l.contains(&want.to_owned()), "{want} missing from {l:?}");
    }
    // Keys of a Component's spec that are not written yet.
    let c = f.server.request("textDocument/completion", tdp(&uri, 13, 2));
    let l = labels(&c);
    assert!(l.contains(&"system".to_owned()) && l.contains(&"providesApis".to_owned()), "{l:?}");
    assert!(!l.contains(&"owner".to_owned()) && !l.contains(&"type".to_owned()), "{l:?}");
    assert_eq!(item(&c, "providesApis")["textEdit"]["newText"], "providesApis:\n    - ");

    // An empty file: root keys and a snippet per kind; `kind:` values.
    let empty = f.uri("empty.yaml");
    f.server.open(&empty, "");
    let l = labels(&f.server.request("textDocument/completion", tdp(&empty, 0, 0)));
    assert!(
        l.contains(&"apiVersion".to_owned())
            && l.contains(&"Component entity".to_owned())
            && l.contains(&"Template entity".to_owned()),
        "{l:?}"
    );
    f.server.change(&empty, 2, json!([{"text": "kind: "}]));
    let l = labels(&f.server.request("textDocument/completion", tdp(&empty, 0, 6)));
    assert!(l.contains(&"Component".to_owned()) && l.contains(&"Group".to_owned()), "{l:?}");
}

#[test]
fn completion_works_in_a_document_that_does_not_parse() {
    let mut f = fixture();
    let uri = f.uri("broken.catalog-info.yaml");
    // An unclosed quote above, and a half-typed key: no YAML tree for this document.
    let text = "\
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: carol
  description: \"unclosed
spec:
  memberOf: [te
  prof
";
    f.server.open(&uri, text);
    let diags = f.settled_diagnostics(&uri, has_code("BS0001"));
    assert!(!diags.is_empty());
    let l = labels(&f.server.request("textDocument/completion", tdp(&uri, 6, 15)));
    assert_eq!(l, vec!["team-a", "team-b"], "memberOf offers Groups");
    let l = labels(&f.server.request("textDocument/completion", tdp(&uri, 7, 6)));
    assert!(l.contains(&"profile".to_owned()), "{l:?}");
    // The server is still fine.
    let hover = f.server.request("textDocument/hover", tdp(&uri, 0, 2));
    assert!(hover.is_object() || hover.is_null());
}

#[test]
fn hover_explains_references_keys_annotations_and_codes() {
    let mut f = fixture();
    let billing = f.open("billing/catalog-info.yaml");
    f.settled_diagnostics(&billing, has_code("BL0103"));
    let h = f.server.request("textDocument/hover", tdp(&billing, 8, 11));
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("Team A")
            && text.contains("Group")
            && text.contains("Owns checkout")
            && text.contains("org.yaml:4"),
        "{text}"
    );
    assert_eq!(h["range"], json!({"start": pos(8, 9), "end": pos(8, 15)}));
    let h = f.server.request("textDocument/hover", tdp(&billing, 7, 4));
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("lifecycle") && text.contains("experimental"), "{text}");
    // On the finding: the code and its explanation.
    let h = f.server.request("textDocument/hover", tdp(&billing, 7, 16));
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("BL0103") && text.contains("## What it checks"), "{text}");
    // An annotation key.
    let org = f.open("org.yaml");
    let h = f.server.request("textDocument/hover", tdp(&org, 7, 8));
    assert!(h["contents"]["value"].as_str().unwrap().contains("Slack"), "{h}");
}

#[test]
fn definition_references_and_rename_span_files() {
    let mut f = fixture();
    let billing = f.open("billing/catalog-info.yaml");
    f.settled_diagnostics(&billing, has_code("BL0103"));
    let org = f.uri("org.yaml");
    let systems = f.uri("systems/catalog-info.yaml");

    let d = f.server.request("textDocument/definition", tdp(&billing, 8, 11));
    assert_eq!(d, json!([{"uri": org, "range": {"start": pos(3, 8), "end": pos(3, 14)}}]));
    // From a kinded reference in a list.
    let d = f.server.request("textDocument/definition", tdp(&billing, 12, 18));
    assert_eq!(d[0]["uri"], systems);
    assert_eq!(d[0]["range"]["start"], pos(11, 8));

    let mut refs = f.server.request(
        "textDocument/references",
        json!({"textDocument": {"uri": billing}, "position": pos(8, 11), "context": {"includeDeclaration": true}}),
    );
    let mut found: Vec<(String, u64)> = refs
        .as_array_mut()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["uri"].as_str().unwrap().rsplit("/ws/").next().unwrap().to_owned(),
                l["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("billing/catalog-info.yaml".into(), 8),
            ("org.yaml".into(), 3),
            ("org.yaml".into(), 23),
            ("systems/catalog-info.yaml".into(), 6),
            ("systems/catalog-info.yaml".into(), 14),
        ]
    );

    let systems_open = systems_uri_open(&mut f);
    let prepared = f.server.request("textDocument/prepareRename", tdp(&systems_open, 6, 25));
    assert_eq!(prepared, json!({"range": {"start": pos(6, 23), "end": pos(6, 29)}, "placeholder": "team-a"}));

    let edit = f.server.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": billing}, "position": pos(8, 11), "newName": "team-alpha"}),
    );
    let changes = edit["changes"].as_object().unwrap();
    let renamed = |rel: &str, f: &Fixture| apply(&f.text(rel), changes[&f.uri(rel)].as_array().unwrap());
    assert!(renamed("billing/catalog-info.yaml", &f).contains("  owner: team-alpha\n"));
    let s = renamed("systems/catalog-info.yaml", &f);
    assert!(s.contains("  owner: group:default/team-alpha\n") && s.contains("  owner: \"group:team-alpha\"\n"), "{s}");
    let o = renamed("org.yaml", &f);
    assert!(o.contains("  name: team-alpha\n") && o.contains("  memberOf: [team-alpha]\n"), "{o}");
    assert_eq!(changes.len(), 3);
    assert!(
        f.server.request_raw(
            "textDocument/rename",
            json!({"textDocument": {"uri": billing}, "position": pos(8, 11), "newName": "not valid!"})
        )["error"]
            .is_object()
    );
}

fn systems_uri_open(f: &mut Fixture) -> String {
    let uri = f.open("systems/catalog-info.yaml");
    f.server.diagnostics(&uri);
    uri
}

#[test]
fn symbols_per_entity_and_across_the_workspace() {
    let mut f = fixture();
    let systems = f.open("systems/catalog-info.yaml");
    f.server.diagnostics(&systems);
    let s = f.server.request("textDocument/documentSymbol", json!({"textDocument": {"uri": systems}}));
    let names: Vec<&str> = s.as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["payments", "orders-db", "payments-api"]);
    let first = &s[0];
    assert_eq!(first["detail"], "System · Payments");
    assert_eq!(first["selectionRange"]["start"], pos(3, 8));
    assert!(
        first["children"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "owner" && c["detail"] == "group:default/team-a")
    );

    let ws = f.server.request("workspace/symbol", json!({"query": "paym"}));
    let mut names: Vec<String> = ws
        .as_array()
        .unwrap()
        .iter()
        .map(|x| format!("{} {}", x["name"].as_str().unwrap(), x["containerName"].as_str().unwrap()))
        .collect();
    names.sort();
    assert_eq!(names, vec!["payments System · Payments", "payments-api API", "payments-api Component"]);
}

#[test]
fn quick_fixes_apply_the_cores_fixes() {
    let mut f = fixture();
    let billing = f.open("billing/catalog-info.yaml");
    let diags = f.settled_diagnostics(&billing, has_code("BL0101"));
    let lifecycle = diags.iter().find(|d| d["code"] == "BL0103").unwrap().clone();
    let actions = f.server.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": billing}, "range": lifecycle["range"], "context": {"diagnostics": [lifecycle]}}),
    );
    let a = &actions[0];
    assert_eq!(a["kind"], "quickfix");
    assert_eq!(a["isPreferred"], true);
    let fixed = apply(&f.text("billing/catalog-info.yaml"), a["edit"]["changes"][&billing].as_array().unwrap());
    assert!(fixed.contains("  lifecycle: production\n"), "{fixed}");
    // `system: paymnts` → payments (did-you-mean on a dangling reference).
    let system = diags.iter().find(|d| d["code"] == "BL0101").unwrap().clone();
    assert_eq!(system["range"]["start"], pos(9, 10));
    let actions = f.server.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": billing}, "range": system["range"], "context": {"diagnostics": [system]}}),
    );
    assert_eq!(actions[0]["title"], "Change to payments");
    // Apply both through the editor and the findings go away.
    let both = apply(&fixed, &[json!({"range": system["range"], "newText": "payments"})]);
    f.server.change(&billing, 2, json!([{"text": both}]));
    let diags = f.settled_diagnostics(&billing, |d| !d.iter().any(|x| x["code"] == "BL0103"));
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn utf16_and_utf8_ranges_after_emoji() {
    // `42` starts at UTF-16 column 38 and UTF-8 column 42.
    for (caps, column) in [(capabilities(false), 38), (capabilities(true), 42)] {
        let mut f = fixture_with(caps, json!({}));
        let uri = f.uri("emoji.catalog-info.yaml");
        // Two rockets (2 UTF-16 units, 4 UTF-8 bytes each) before the bad `name: 42`.
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {description: \"🚀🚀\", name: 42}\nspec:\n  type: team\n  children: []\n";
        f.server.open(&uri, text);
        let diags = f.settled_diagnostics(&uri, |d| !d.is_empty());
        let name = diags
            .iter()
            .find(|d| d["message"].as_str().unwrap().contains("metadata.name"))
            .unwrap_or_else(|| panic!("{diags:?}"));
        assert_eq!(name["range"], json!({"start": pos(2, column), "end": pos(2, column + 2)}), "{name}");
        // A hover after the emoji lands on the finding.
        let h = f.server.request("textDocument/hover", tdp(&uri, 2, column + 1));
        let code = name["code"].as_str().unwrap();
        assert!(h["contents"]["value"].as_str().unwrap().contains(code), "{h}");
        assert_eq!(h["range"], name["range"]);
    }
}

#[test]
fn a_burst_of_edits_ends_with_diagnostics_for_the_last_one() {
    let mut f = fixture();
    let uri = f.open("catalog-info.yaml");
    f.settled_diagnostics(&uri, has_code("BL0101"));
    // Retype the owner one character at a time, as fast as the pipe takes it.
    f.server.change(&uri, 2, json!([{"range": {"start": pos(7, 9), "end": pos(7, 19)}, "text": ""}]));
    let mut version = 2;
    for (i, c) in "team-b".chars().enumerate() {
        version += 1;
        f.server.change(
            &uri,
            version,
            json!([{"range": {"start": pos(7, 9 + i as u32), "end": pos(7, 9 + i as u32)}, "text": c.to_string()}]),
        );
    }
    let last = version;
    let p = f.server.diagnostics_where(&uri, |p| p["version"] == last);
    assert_eq!(p["diagnostics"], json!([]), "team-b exists");
    let h = f.server.request("textDocument/hover", tdp(&uri, 7, 10));
    assert!(h["contents"]["value"].as_str().unwrap().contains("team-b"));
}

#[test]
fn cancellation_and_panics_become_error_responses() {
    let mut f = fixture();
    let started = Instant::now();
    let id = f
        .server
        .send_request("workspace/executeCommand", json!({"command": "backline.test.sleep", "arguments": [10000]}));
    f.server.notify("$/cancelRequest", json!({"id": id}));
    let r = f.server.response(id);
    assert_eq!(r["error"]["code"], -32800, "{r}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let r = f.server.request_raw("workspace/executeCommand", json!({"command": "backline.test.panic"}));
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert!(r["error"]["message"].as_str().unwrap().contains("panic requested"));
    // Still alive and answering.
    let uri = f.open("catalog-info.yaml");
    f.settled_diagnostics(&uri, has_code("BL0101"));
    assert!(f.server.shutdown());
}

#[test]
fn owner_at_and_check_workspace_commands() {
    let mut f = fixture();
    let billing = f.open("billing/catalog-info.yaml");
    f.settled_diagnostics(&billing, has_code("BL0101"));
    let owner = f.server.request(
        "workspace/executeCommand",
        json!({"command": "backline.ownerAt", "arguments": [{"uri": billing, "position": pos(2, 0)}]}),
    );
    assert_eq!(owner["entity"], "component:default/billing");
    assert_eq!(owner["owner"], "group:default/team-a");
    let md = owner["markdown"].as_str().unwrap();
    for want in ["Team A", "team-a@example.com", "C0PAYMENTS", "Alice Liddell", "alice@example.com"] {
        assert!(md.contains(want), "{want} missing from {md}");
    }
    let outside = f.server.request(
        "workspace/executeCommand",
        json!({"command": "backline.ownerAt", "arguments": [{"uri": f.uri("org.yaml"), "position": pos(3, 0)}]}),
    );
    assert_eq!(outside, Value::Null, "a Group has no owner");

    let counts = f.server.request("workspace/executeCommand", json!({"command": "backline.checkWorkspace"}));
    assert_eq!(counts, json!({"files": 4, "errors": 0, "warnings": 3}), "team-ghost, paymnts, prodution: {counts}");
    // Diagnostics arrive for files that were never opened.
    let payments = f.uri("catalog-info.yaml");
    let p = f.server.diagnostics_where(&payments, |p| !p["diagnostics"].as_array().unwrap().is_empty());
    assert_eq!(codes(p["diagnostics"].as_array().unwrap()), vec!["BL0101"]);
}

#[test]
fn settings_change_lint_levels_and_add_catalogs() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().canonicalize().unwrap().join("org");
    std::fs::create_dir_all(&org).unwrap();
    std::fs::write(
        org.join("ghosts.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-ghost\nspec:\n  type: team\n  children: []\n  members: [casper]\n---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: casper\nspec:\n  memberOf: []\n",
    )
    .unwrap();
    let mut f = fixture_with(
        capabilities(false),
        json!({"lints": {"BL0101": "error", "unknown-lifecycle": "off"}, "trace": "off"}),
    );
    let billing = f.open("billing/catalog-info.yaml");
    let diags = f.settled_diagnostics(&billing, has_code("BL0101"));
    assert_eq!(diags.iter().find(|d| d["code"] == "BL0101").unwrap()["severity"], 1);
    assert!(!diags.iter().any(|d| d["code"] == "BL0103"), "turned off: {diags:?}");
    let payments = f.open("catalog-info.yaml");
    f.settled_diagnostics(&payments, has_code("BL0101"));
    // An org-wide catalog defines team-ghost; the wrapped payload form.
    f.server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"backline": {"catalogs": [org.to_string_lossy()], "lints": {}}}}),
    );
    let diags = f.settled_diagnostics(&payments, |d| d.is_empty());
    assert!(diags.is_empty());
    let d = f.server.request("textDocument/definition", tdp(&payments, 7, 12));
    assert_eq!(d[0]["uri"], file_uri(&org.join("ghosts.yaml")));
}

#[test]
fn watched_file_changes_update_the_catalog() {
    let mut f = fixture();
    let payments = f.open("catalog-info.yaml");
    f.settled_diagnostics(&payments, has_code("BL0101"));
    assert!(
        f.server.server_requests.iter().any(|r| r["method"] == "client/registerCapability"),
        "the watcher is registered"
    );
    let ghost = f.root.join("ghost/catalog-info.yaml");
    std::fs::create_dir_all(ghost.parent().unwrap()).unwrap();
    std::fs::write(&ghost, "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-ghost\nspec:\n  type: team\n  children: []\n  members: [alice]\n").unwrap();
    f.server.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": file_uri(&ghost), "type": 1}]}));
    f.settled_diagnostics(&payments, |d| d.is_empty());
    std::fs::remove_file(&ghost).unwrap();
    f.server.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": file_uri(&ghost), "type": 3}]}));
    f.settled_diagnostics(&payments, has_code("BL0101"));
}

#[test]
fn closing_a_document_clears_its_diagnostics() {
    let mut f = fixture();
    let payments = f.open("catalog-info.yaml");
    f.settled_diagnostics(&payments, has_code("BL0101"));
    f.server.notify("textDocument/didClose", json!({"textDocument": {"uri": payments}}));
    f.settled_diagnostics(&payments, |d| d.is_empty());
}

#[test]
fn an_index_file_from_the_settings_adds_an_org_wide_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().canonicalize().unwrap();
    let org = tmp.join("org");
    std::fs::create_dir_all(&org).unwrap();
    std::fs::write(
        org.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-b\nspec:\n  type: team\n  children: []\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-ghost\n  title: The Ghosts\nspec:\n  type: team\n  children: []\n",
    )
    .unwrap();
    let status = std::process::Command::new(binary())
        .args(["index", org.to_str().unwrap()])
        .current_dir(&tmp)
        .output()
        .expect("backline index");
    assert!(status.status.success(), "backline index failed: {}", String::from_utf8_lossy(&status.stderr));
    let db = tmp.join(".backline/index.db");
    assert!(db.is_file(), "no index at {}", db.display());

    let mut f = fixture_with(capabilities(false), json!({"catalogs": [db.to_string_lossy()]}));
    let payments = f.open("catalog-info.yaml");
    let diags = f.settled_diagnostics(&payments, |d| d.is_empty());
    assert!(diags.is_empty(), "team-ghost comes from the index: {diags:?}");
    // Definition lands on the indexed file's line; hover shows the indexed title.
    let d = f.server.request("textDocument/definition", tdp(&payments, 7, 12));
    assert_eq!(
        d,
        json!([{"uri": file_uri(&org.join("catalog-info.yaml")), "range": {"start": pos(11, 8), "end": pos(11, 18)}}])
    );
    let h = f.server.request("textDocument/hover", tdp(&payments, 7, 12));
    assert!(h["contents"]["value"].as_str().unwrap().contains("The Ghosts"), "{h}");
    // team-b is defined in the workspace too: the workspace's copy wins, no duplicate.
    let org_ws = f.open("org.yaml");
    let diags = f.settled_diagnostics(&org_ws, |_| true);
    assert!(!diags.iter().any(|d| d["code"] == "BL0102"), "{diags:?}");
}

#[test]
fn long_completion_lists_resolve_documentation_on_demand() {
    let mut f = fixture();
    // Forty more teams: the owner list is long enough to leave documentation for later.
    let uri = f.uri("teams.yaml");
    let teams: String = (0..40)
        .map(|i| format!("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: squad-{i:02}\n  title: Squad {i}\nspec:\n  type: team\n  children: []\n  members: [alice]\n---\n"))
        .collect();
    f.server.open(&uri, &teams);
    f.server.diagnostics(&uri);
    let payments = f.open("catalog-info.yaml");
    f.settled_diagnostics(&payments, has_code("BL0101"));
    let c = f.server.request("textDocument/completion", tdp(&payments, 7, 9));
    let squad = item(&c, "squad-07").clone();
    assert!(squad.get("documentation").is_none() && squad["data"]["entity"] == "group:default/squad-07", "{squad}");
    let resolved = f.server.request("completionItem/resolve", squad);
    assert!(resolved["documentation"]["value"].as_str().unwrap().contains("Squad 7"), "{resolved}");
}

#[test]
fn a_request_overtaken_by_an_edit_is_answered_content_modified() {
    let mut f = fixture();
    let uri = f.uri("many.catalog-info.yaml");
    // Big enough that parsing it takes far longer than the pipe's round trip.
    let text: String = (0..600)
        .map(|i| format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c-{i}\n  description: Component {i}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n---\n"))
        .collect();
    f.server.open(&uri, &text);
    // A hover needs the parse of version 1; the edit makes version 2 while it waits for it.
    let id = f.server.send_request("textDocument/hover", tdp(&uri, 8, 10));
    f.server.change(&uri, 2, json!([{"range": {"start": pos(8, 9), "end": pos(8, 15)}, "text": "team-b"}]));
    let r = f.server.response(id);
    assert_eq!(r["error"]["code"], -32801, "{r}");
    // The latest version is answered normally.
    let h = f.server.request("textDocument/hover", tdp(&uri, 8, 10));
    assert!(h["contents"]["value"].as_str().unwrap().contains("team-b"), "{h}");
}

#[test]
fn yaml_that_is_not_a_catalog_file_gets_no_diagnostics() {
    // Helix and Zed start the server for every YAML file: a workflow must stay quiet.
    let mut f = fixture();
    let workflow = "name: CI\non:\n  push:\njobs:\n  build:\n    runs-on: ubuntu-latest\n";
    let uri = f.uri("ci.yaml");
    f.server.open(&uri, workflow);
    let d = f.settled_diagnostics(&uri, |_| true);
    assert!(d.is_empty(), "{d:?}");
    // The same text named as a catalog file is diagnosed.
    let uri = f.uri("ci.catalog-info.yaml");
    f.server.open(&uri, workflow);
    let d = f.settled_diagnostics(&uri, |d| !d.is_empty());
    assert!(d.iter().any(|d| d["severity"] == 1), "{d:?}");
}

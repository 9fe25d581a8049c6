//! Location targets followed by the workspace scan (and by go to definition on a target) stay
//! inside the workspace folders, as `backline check` keeps them inside the checked tree: a
//! catalog file comes from whoever can open a pull request, and opening it in an editor must not
//! read `/proc/self/environ`, files beside the workspace, or walk `/`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use backline_catalog::{Encoding, parse_file};
use tower_lsp_server::ls_types::{GotoDefinitionResponse, Uri};

use super::fixture::caps;
use crate::document::Document;
use crate::handlers;
use crate::settings::Settings;
use crate::state::Snapshot;
use crate::workspace::{self, Catalog, Origin};

const GROUP: &str =
    "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: NAME\nspec:\n  type: team\n  children: []\n";

fn location(targets: &[&str]) -> String {
    let targets: Vec<String> = targets.iter().map(|t| format!("    - {t}\n")).collect();
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: everything\nspec:\n  type: file\n  targets:\n{}",
        targets.concat()
    )
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("a directory");
    std::fs::write(path, text).expect("a file");
}

/// `<tmp>/ws` (the workspace: a Location and `teams/inside.yaml`) beside `<tmp>/outside`.
fn layout(targets: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = std::fs::canonicalize(dir.path()).expect("a real path");
    let ws = root.join("ws");
    write(&ws.join("catalog-info.yaml"), &location(targets));
    write(&ws.join("teams/inside.yaml"), &GROUP.replace("NAME", "inside"));
    write(&root.join("outside/secret.yaml"), &GROUP.replace("NAME", "outside"));
    (dir, ws)
}

fn scan(ws: &Path) -> workspace::DiskFiles {
    workspace::scan(
        &[(ws.to_path_buf(), Origin::Workspace)],
        &backline_catalog::CustomKinds::default(),
        &AtomicBool::new(false),
    )
}

fn names(disk: &workspace::DiskFiles) -> Vec<String> {
    let mut out: Vec<String> =
        disk.files.iter().flat_map(|f| f.parsed.entities().map(|e| e.entity_ref.name.clone())).collect();
    out.sort();
    out
}

fn messages(disk: &workspace::DiskFiles) -> Vec<String> {
    let mut out: Vec<String> = disk.discovery_findings.values().flatten().map(|f| f.message.clone()).collect();
    out.sort();
    out
}

#[test]
fn the_scan_follows_targets_inside_the_workspace_only() {
    let (_dir, ws) = layout(&["./teams/inside.yaml", "../outside/secret.yaml", "/proc/self/environ", "/**/*.yaml"]);
    let disk = scan(&ws);
    assert_eq!(names(&disk), ["everything", "inside"]);
    let refused = messages(&disk);
    assert_eq!(refused.len(), 3, "{refused:#?}");
    for (message, target) in refused.iter().zip(["../outside/secret.yaml", "/**/*.yaml", "/proc/self/environ"]) {
        assert!(message.contains(&format!("{target:?} is outside the checked tree")), "{target}: {message}");
    }
}

#[test]
fn a_symlink_out_of_the_workspace_is_not_followed() {
    let (_dir, ws) = layout(&["./link.yaml"]);
    std::os::unix::fs::symlink(ws.parent().expect("a parent").join("outside/secret.yaml"), ws.join("link.yaml"))
        .expect("a symlink");
    let disk = scan(&ws);
    assert_eq!(names(&disk), ["everything", "inside"]);
    assert!(messages(&disk).iter().any(|m| m.contains("outside the checked tree")), "{:#?}", messages(&disk));
}

/// Go to definition on each target of an open Location file: the files it names inside the
/// workspace, nothing outside.
#[test]
fn definition_on_a_target_stays_inside_the_workspace() {
    let targets = ["./teams/*.yaml", "../outside/*.yaml", "/**/*.yaml"];
    let (_dir, ws) = layout(&targets);
    let disk = scan(&ws);
    let path = ws.join("catalog-info.yaml");
    let text = location(&targets);
    let key: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let uri = Uri::from_file_path(&path).expect("a file URI");
    let doc = Arc::new(Document::new(uri, key.clone(), 1, 1, Arc::from(text.as_str())));
    let catalog = Catalog::build(&disk, &[Arc::new(parse_file(key.clone(), &text))], true, true);
    let snap = Snapshot {
        encoding: Encoding::Utf16,
        caps: caps(),
        settings: Arc::new(Settings::default()),
        catalog: Arc::new(catalog),
        docs: HashMap::from([(key, doc.clone())]),
    };
    let found: Vec<Vec<String>> = targets
        .iter()
        .map(|t| {
            let at = text.find(t).expect("the target") as u32 + 3;
            let position = crate::convert::position(&doc.line_index(), at, Encoding::Utf16);
            match handlers::definition::definition(&snap, &doc, position) {
                Some(GotoDefinitionResponse::Array(l)) => l
                    .iter()
                    .filter_map(|l| l.uri.to_file_path())
                    .map(|p| p.strip_prefix(&ws).map_or_else(|_| p.display().to_string(), |r| r.display().to_string()))
                    .collect(),
                None => Vec::new(),
                other => panic!("{other:?}"),
            }
        })
        .collect();
    assert_eq!(found, [vec!["teams/inside.yaml".to_owned()], vec![], vec![]]);
}

//! Checks that keep the code base's map true, run as ordinary tests:
//! - every source module is named in `ARCHITECTURE.md`, under the heading of its crate;
//! - every Rust source file opens with a `//!` doc saying what it is for.
//!
//! A new module fails the first check until the map says where it belongs and why.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Source roots and the heading under which `ARCHITECTURE.md` describes each.
fn source_roots() -> Vec<(String, PathBuf)> {
    let root = repo_root();
    let mut roots = vec![("src/".to_owned(), root.join("src"))];
    let mut crates: Vec<PathBuf> =
        std::fs::read_dir(root.join("crates")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    crates.sort();
    for dir in crates {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        roots.push((format!("crates/{name}/"), dir.join("src")));
    }
    roots
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module names a file defines: `store/read.rs` → `read`, `store/mod.rs` → `store`;
/// crate roots define none.
fn module_name(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let stem = rel.file_stem()?.to_string_lossy().into_owned();
    match stem.as_str() {
        "lib" | "main" if rel.parent() == Some(Path::new("")) => None,
        "mod" => Some(rel.parent()?.file_name()?.to_string_lossy().into_owned()),
        _ => Some(stem),
    }
}

/// The section of `ARCHITECTURE.md` under the `###` heading that names `heading`, up to the next
/// `##`/`###` heading.
fn section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    let start = doc.lines().position(|l| l.starts_with("### ") && l.contains(&format!("`{heading}`")))?;
    let lines: Vec<&str> = doc.lines().collect();
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## ") || l.starts_with("### "))
        .map_or(lines.len(), |i| start + 1 + i);
    let first = lines[start].as_ptr() as usize - doc.as_ptr() as usize;
    let last = if end == lines.len() { doc.len() } else { lines[end].as_ptr() as usize - doc.as_ptr() as usize };
    Some(&doc[first..last])
}

/// Every word written in backticks, split at path separators and punctuation, so that
/// `` `store/{read,write}.rs` `` names `store`, `read` and `write`.
fn named_words(text: &str) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for (i, chunk) in text.split('`').enumerate() {
        if i % 2 == 1 {
            for w in chunk.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if !w.is_empty() {
                    words.insert(w.to_owned());
                }
            }
        }
    }
    words
}

#[test]
fn every_module_is_on_the_map() {
    let doc = std::fs::read_to_string(repo_root().join("ARCHITECTURE.md")).unwrap();
    let mut missing = Vec::new();
    for (heading, src) in source_roots() {
        let Some(text) = section(&doc, &heading) else {
            missing.push(format!("{heading}: no `### \\`{heading}\\`` section"));
            continue;
        };
        let named = named_words(text);
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        files.sort();
        for file in files {
            if let Some(module) = module_name(&src, &file)
                && !named.contains(&module)
            {
                missing.push(format!("{heading}: `{module}` ({})", file.strip_prefix(repo_root()).unwrap().display()));
            }
        }
    }
    assert!(missing.is_empty(), "modules missing from ARCHITECTURE.md:\n  {}", missing.join("\n  "));
}

#[test]
fn every_source_file_says_what_it_is_for() {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in ["src", "crates", "tests", "fuzz/fuzz_targets"] {
        rust_files(&root.join(dir), &mut files);
    }
    let missing: Vec<String> = files
        .iter()
        .filter(|f| !f.components().any(|c| c.as_os_str() == "node_modules" || c.as_os_str() == "target"))
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a `//!` doc:\n  {}", missing.join("\n  "));
}

//! An index of facts interned in one shared table (how `backline check` lints, each file's facts
//! made with a table of its own and rebased into the shared one) finds exactly what
//! an index of the parsed files finds (how the language server and tests lint): the same
//! findings, messages, ranges, related locations and fixes.

use std::path::{Path, PathBuf};

use backline_catalog::catalog::CatalogIndex;
use backline_catalog::facts::{FileFacts, Symbols};
use backline_catalog::{Code, EntityRef, Finding, ParsedFile, parse_file};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn parsed_files() -> Vec<ParsedFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for dir in ["tests/fixtures", "tests/regressions", "../../examples"] {
        yaml_files(&root.join(dir), &mut paths);
    }
    assert!(paths.len() > 50, "{}", paths.len());
    paths
        .iter()
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(p).expect("read")).into_owned();
            parse_file(p.display().to_string().into(), &text)
        })
        .collect()
}

fn by_parsed_files(files: &[ParsedFile], external: &[EntityRef]) -> Vec<Finding> {
    let index = CatalogIndex::build_with_external(files, external);
    let mut out = Vec::new();
    for f in files {
        let mut findings = f.findings.clone();
        findings.extend(index.lint_file(f));
        index.improve_fixes(f, &mut findings);
        out.extend(findings);
    }
    out
}

/// `rebased`: each file's facts are made with a table of its own and rebased into the shared one,
/// as `check`'s threads do.
fn by_facts(files: &[ParsedFile], external: &[EntityRef], rebased: bool) -> Vec<Finding> {
    let mut symbols = Symbols::default();
    let facts: Vec<FileFacts> = files
        .iter()
        .map(|f| {
            if rebased {
                let mut local = Symbols::default();
                FileFacts::new(f, &mut local).rebase(&local, &mut symbols)
            } else {
                FileFacts::new(f, &mut symbols)
            }
        })
        .collect();
    let org: Vec<_> =
        external.iter().map(|r| backline_catalog::origin::OrgEntity { entity_ref: r.clone(), origin: None }).collect();
    let index = CatalogIndex::build_from_facts(symbols, &facts, &org, &|_| None);
    let mut out = Vec::new();
    for (f, facts) in files.iter().zip(&facts) {
        let mut findings = f.findings.clone();
        findings.extend(index.lint_facts(facts));
        index.improve_fixes_facts(facts, &mut findings);
        out.extend(findings);
    }
    out
}

#[test]
fn facts_lint_as_parsed_files() {
    let files = parsed_files();
    let external = [EntityRef::new("Group", "default", "platform-guild"), EntityRef::new("User", "default", "ext")];
    for external in [&[][..], &external[..]] {
        let expected = by_parsed_files(&files, external);
        assert!(expected.iter().any(|f| f.code == Code::UnknownReference), "the corpus exercises dangling references");
        assert_eq!(by_facts(&files, external, false), expected);
        assert_eq!(by_facts(&files, external, true), expected);
    }
}

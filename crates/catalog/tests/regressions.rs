//! Every input that ever found a bug (by fuzzing or by an attacker's hand) stays here, fed through
//! the whole per-file pipeline as the `parse_file` fuzz target does: nothing may panic, every
//! finding points inside the text, and a first line `# expect: TEXT` names a message one of the
//! findings must contain.

use std::path::Path;

use backline_catalog::catalog::CatalogIndex;
use backline_catalog::parse_file;

#[test]
fn regression_inputs_are_read_within_bounds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    assert!(!paths.is_empty());
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let name = path.file_name().unwrap().to_string_lossy();
        let parsed = parse_file(name.as_ref().into(), &text);
        let index = CatalogIndex::build([&parsed]);
        let findings: Vec<_> = parsed.findings.iter().cloned().chain(index.lint_file(&parsed)).collect();
        for f in &findings {
            assert!(f.range.start <= f.range.end && f.range.end as usize <= text.len(), "{name}: {f:?}");
            let _ = parsed.line_index.line_col(f.range.start);
        }
        if let Some(expected) = text.lines().next().and_then(|l| l.strip_prefix("# expect: ")) {
            assert!(
                findings.iter().any(|f| f.message.contains(expected)),
                "{name}: no finding says {expected:?}: {:#?}",
                findings.iter().map(|f| &f.message).collect::<Vec<_>>()
            );
        }
    }
}

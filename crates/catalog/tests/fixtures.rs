//! Data-driven fixtures: each `fixtures/*.yaml` is checked and its verdicts and findings are
//! compared with the snapshot in `snapshots/`. One fixture per rule table of Backstage's
//! validators, one document per row; the comment above each document names the row.
//!
//! Review changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

use std::fmt::Write;

use backline_catalog::catalog::CatalogIndex;
use backline_catalog::parse_file;

fn render(path: &str, text: &str) -> String {
    let parsed = parse_file(path.into(), text);
    let index = CatalogIndex::build([&parsed]);
    let mut findings = parsed.findings.clone();
    findings.extend(index.lint_file(&parsed));
    let mut out = String::new();
    for doc in &parsed.documents {
        let line = parsed.line_index.line_col(doc.range.start).line;
        let entity = doc.entity.as_ref().map_or("-".to_owned(), |e| e.entity_ref.canonical());
        let verdict = doc.stage.map_or("accepted".to_owned(), |s| format!("refused at {}", s.as_str()));
        let _ = writeln!(out, "doc {} (line {line}) {entity}: {verdict}", doc.index);
        for f in findings.iter().filter(|f| f.range.start >= doc.range.start && f.range.start <= doc.range.end) {
            let s = parsed.line_index.line_col(f.range.start);
            let e = parsed.line_index.line_col(f.range.end);
            let message: String = f.message.chars().take(220).collect();
            let _ = writeln!(
                out,
                "  {}:{}-{}:{} {} {} {message}",
                s.line,
                s.column,
                e.line,
                e.column,
                f.severity.as_str(),
                f.code
            );
            if let Some(fix) = &f.fix {
                let edits: Vec<String> = fix.edits.iter().map(|e| format!("{:?}", e.new_text)).collect();
                let _ = writeln!(out, "    fix: {} -> {}", fix.title, edits.join(", "));
            }
        }
    }
    out
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/*.yaml", |path| {
        let text = std::fs::read_to_string(path).expect("read fixture");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        insta::assert_snapshot!(render(name, &text));
    });
}

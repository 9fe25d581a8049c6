//! Arbitrary bytes through the whole per-file pipeline and the cross-file lints: nothing may
//! panic, and every finding must point inside the text.
#![no_main]

use backline_catalog::catalog::CatalogIndex;
use backline_catalog::parse_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = parse_file("fuzz.yaml".into(), &text);
    let index = CatalogIndex::build([&parsed]);
    for f in parsed.findings.iter().chain(index.lint_file(&parsed).iter()) {
        assert!(f.range.start <= f.range.end && f.range.end as usize <= text.len());
        let _ = parsed.line_index.line_col(f.range.start);
    }
});

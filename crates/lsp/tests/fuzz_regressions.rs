//! Every input that ever made the `lsp_edits` fuzz target fail, replayed through the same
//! function the target calls ([`backline_lsp::fuzzing::replay`]), plus the target's seeds: the
//! normal test suite keeps them fixed without a nightly toolchain.

use std::path::Path;

fn replay_dir(dir: &Path) -> usize {
    if !dir.is_dir() {
        return 0;
    }
    let mut inputs: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    inputs.sort();
    for input in &inputs {
        let data = std::fs::read(input).expect("a readable input");
        if let Err(panic) = std::panic::catch_unwind(|| backline_lsp::fuzzing::replay(&data)) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("{} fails again: {message}", input.display());
        }
    }
    inputs.len()
}

#[test]
fn lsp_edits_regressions_and_seeds_pass() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let regressions = replay_dir(&fuzz.join("regressions/lsp_edits"));
    let seeds = replay_dir(&fuzz.join("seeds/lsp_edits"));
    assert!(regressions > 0 && seeds > 0, "{regressions} regressions and {seeds} seeds replayed");
}

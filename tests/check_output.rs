//! The exact bytes `backline check` prints, in every output format, over the broken example tree
//! and a fixture with non-ASCII text and CRLF line ends: the output formats are contracts (CI
//! annotations, code scanning, merge request widgets parse them), so any change to them, even of
//! whitespace or order, shows in review as a snapshot diff.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// stdout of `backline check <tree> --format <format>` run from the repository root.
fn check(tree: &str, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["check", tree, "--format", format])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run backline");
    assert_eq!(out.status.code(), Some(1), "{tree} {format}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

const FORMATS: [&str; 5] = ["human", "json", "sarif", "github", "gitlab"];

#[test]
fn broken_examples() {
    for format in FORMATS {
        insta::assert_snapshot!(format!("broken_{format}"), check("examples/broken", format));
    }
}

#[test]
fn non_ascii_and_crlf() {
    for format in FORMATS {
        insta::assert_snapshot!(format!("non_ascii_{format}"), check("tests/check_output", format));
    }
}

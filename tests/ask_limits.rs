//! End-to-end: an oversized question is answered with the limit, in bounded memory. A 60 KB
//! question once reached typo matching and a Levenshtein automaton of the whole word, taking the
//! process to gigabytes; here it runs under a 1 GiB address-space limit (measured: ~45 MB peak
//! resident).

#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Command;

#[test]
fn a_60_kb_question_is_answered_with_the_limit_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/catalog");
    let config = dir.path().join("backline.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"sqlite://{}\"\n[[source]]\nname = \"examples\"\npath = {:?}\n",
            dir.path().join("index.db").display(),
            examples.display().to_string()
        ),
    )
    .unwrap();
    let word: String = (0..60_000).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
    let question = format!("who owns {word}");
    let out = Command::new("sh")
        .args(["-c", "ulimit -v 1048576; exec \"$0\" ask \"$1\"", env!("CARGO_BIN_EXE_backline"), &question])
        .current_dir(dir.path())
        .env("BACKLINE_CONFIG", &config)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("That question is 60009 characters long"), "{stdout}");
    assert!(stdout.contains("at most 1000 characters"), "{stdout}");
}

//! Conformance over the shared corpus of real catalog files (`../shared/corpus`):
//! every file Backstage accepts gets no error from us, and every file the corpus notes mark
//! invalid (`SOURCES.md` flags, `invalid/README.md`) is refused at the stage the note names.
//!
//! The corpus is data beside the checkout, not part of the repository. When it is missing the
//! suite says so loudly, and fails when `CI` is set.

use std::path::{Path, PathBuf};

use backline_catalog::{Severity, Stage, parse_file};

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.join("SOURCES.md").exists() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("the shared corpus is missing at {} and CI is set: the conformance suite cannot run", dir.display());
    }
    eprintln!("SKIPPED: the shared corpus is missing at {}; conformance not checked", dir.display());
    None
}

/// What the corpus notes say Backstage does with a file.
#[derive(Debug, PartialEq)]
enum Expect {
    Valid,
    /// Refused, at this stage when the note names one.
    Invalid(Option<Stage>),
    /// A scaffolder skeleton: only meaningful after rendering; the differential test compares
    /// our verdict with Backstage's own on these.
    Skeleton,
}

fn expectation(note: &str) -> Expect {
    if note.starts_with("SKELETON") {
        Expect::Skeleton
    } else if note.starts_with("INVALID") {
        Expect::Invalid(stage_named(note))
    } else if note.starts_with("NEEDS") {
        // Kinds or schemas from optional modules: refused by the classic model.
        Expect::Invalid(None)
    } else {
        Expect::Valid
    }
}

fn stage_named(text: &str) -> Option<Stage> {
    let t = text.to_lowercase();
    [
        ("kind schema", Stage::KindSchema),
        ("no processor recognized", Stage::KindUnrecognized),
        ("envelope", Stage::Envelope),
        ("object-name rule", Stage::FieldFormat),
        ("field format", Stage::FieldFormat),
    ]
    .into_iter()
    .find(|(needle, _)| t.contains(needle))
    .map(|(_, s)| s)
}

/// `| `path` | repo | origin | bytes | sha | kinds | notes |` rows of SOURCES.md.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("SOURCES.md")).expect("read SOURCES.md");
    text.lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            if cells.len() < 7 {
                return None;
            }
            let path = cells[0].trim_start_matches("| ").trim_matches('`').to_owned();
            let note = cells[cells.len() - 1].trim_end_matches(" |").trim_end_matches('|').trim().to_owned();
            Some((path, note))
        })
        .collect()
}

/// `| `copied/...` | why |` rows of invalid/README.md.
fn invalid_sources(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("invalid/README.md")).expect("read invalid/README.md");
    text.lines()
        .filter(|l| l.starts_with("| `copied/"))
        .map(|l| {
            let mut cells = l.trim_matches('|').splitn(2, " | ");
            let path = cells.next().unwrap_or_default().trim().trim_matches('`').to_owned();
            (format!("invalid/{path}"), cells.next().unwrap_or_default().to_owned())
        })
        .collect()
}

fn verdict(path: &Path) -> (Option<Stage>, Vec<String>) {
    let text = String::from_utf8_lossy(&std::fs::read(path).expect("read corpus file")).into_owned();
    let parsed = parse_file(path.to_string_lossy().as_ref().into(), &text);
    let stage = parsed.documents.iter().filter_map(|d| d.stage).min();
    let errors = parsed
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{} {}", f.code, f.message))
        .collect();
    (stage, errors)
}

#[test]
fn corpus_verdicts_match_the_notes() {
    let Some(dir) = corpus_dir() else { return };
    let mut rows = sources(&dir);
    assert!(rows.len() >= 180, "SOURCES.md table not understood: {} rows", rows.len());
    let invalid = invalid_sources(&dir);
    assert!(invalid.len() >= 5, "invalid/README.md table not understood");
    rows.extend(invalid.iter().map(|(p, why)| (p.clone(), format!("INVALID: {why}"))));

    let mut failures = Vec::new();
    let (mut valid, mut refused, mut skeletons) = (0, 0, 0);
    for (path, note) in &rows {
        let (stage, errors) = verdict(&dir.join(path));
        match expectation(note) {
            Expect::Valid => {
                valid += 1;
                if stage.is_some() {
                    failures.push(format!("{path}: Backstage accepts it, we refuse it: {errors:?}"));
                }
            }
            Expect::Invalid(expected) => {
                refused += 1;
                match (stage, expected) {
                    (None, _) => failures.push(format!("{path}: marked invalid ({note}), we accept it")),
                    (Some(got), Some(want)) if got != want => {
                        failures.push(format!("{path}: refused at {got:?}, the note says {want:?}: {errors:?}"))
                    }
                    _ => {}
                }
            }
            Expect::Skeleton => skeletons += 1,
        }
    }
    eprintln!(
        "corpus: {valid} valid files, {refused} invalid files, {skeletons} skeletons (left to the differential test)"
    );
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}

/// Every file of the corpus, whatever its verdict, is read without a panic and every finding has
/// a range inside its file.
#[test]
fn every_corpus_file_yields_sane_findings() {
    let Some(dir) = corpus_dir() else { return };
    for (path, _) in sources(&dir) {
        let full = dir.join(&path);
        let text = String::from_utf8_lossy(&std::fs::read(&full).expect("read")).into_owned();
        let parsed = parse_file(path.as_str().into(), &text);
        for f in &parsed.findings {
            assert!(f.range.end as usize <= text.len() && f.range.start <= f.range.end, "{path}: {f:?}");
            assert!(!f.message.is_empty());
        }
    }
}

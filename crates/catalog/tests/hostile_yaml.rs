//! Hostile YAML: documents built to exhaust memory, the stack or CPU must be refused (or read)
//! within fixed bounds. Memory is the peak resident set of a child process that parses one input,
//! so each bound is measured alone (Linux only: it reads `/proc/self/status`).

use std::process::Command;

use backline_catalog::yaml::{Document, YamlErrorKind, parse_stream};

const CHILD: &str = "BACKLINE_HOSTILE_YAML_CHILD";

/// Parses `text` in a fresh process (this test binary, running only `child_parse`) and returns
/// the documents' error kinds with the most memory that process ever held (its peak resident set,
/// Linux's `VmHWM`), in bytes.
fn parse_in_child(text: &str) -> (Vec<Vec<YamlErrorKind>>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.yaml");
    std::fs::write(&input, text).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["child_parse", "--exact", "--include-ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD, &input)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let field = |name: &str| -> &str {
        stdout
            .lines()
            .find_map(|l| l.split_once(name).map(|(_, value)| value))
            .unwrap_or_else(|| panic!("no {name} in {stdout}"))
    };
    let kinds: Vec<Vec<YamlErrorKind>> = field("errors=")
        .split(';')
        .map(|doc| doc.split(',').filter(|k| !k.is_empty()).map(kind_named).collect())
        .collect();
    (kinds, field("peak_kib=").trim().parse::<usize>().unwrap() * 1024)
}

fn kind_name(kind: &YamlErrorKind) -> &'static str {
    match kind {
        YamlErrorKind::Syntax(_) => "syntax",
        YamlErrorKind::DuplicateKey { .. } => "duplicate",
        YamlErrorKind::TooDeep => "deep",
        YamlErrorKind::AliasBudget => "alias",
        YamlErrorKind::UnknownAlias => "unknown",
    }
}

fn kind_named(name: &str) -> YamlErrorKind {
    match name {
        "deep" => YamlErrorKind::TooDeep,
        "alias" => YamlErrorKind::AliasBudget,
        "unknown" => YamlErrorKind::UnknownAlias,
        other => YamlErrorKind::Syntax(other.to_owned()),
    }
}

/// The child side of [`parse_in_child`]; does nothing in a normal test run.
#[test]
#[ignore = "run by parse_in_child in its own process"]
#[allow(clippy::print_stdout, reason = "the parent reads the child's results from its output")]
fn child_parse() {
    let Some(input) = std::env::var_os(CHILD) else { return };
    let text = std::fs::read_to_string(input).unwrap();
    let docs: Vec<Document> = parse_stream(&text);
    let errors: Vec<String> =
        docs.iter().map(|d| d.errors.iter().map(|e| kind_name(&e.kind)).collect::<Vec<_>>().join(",")).collect();
    println!("errors={}", errors.join(";"));
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).unwrap().trim().trim_end_matches(" kB");
    println!("peak_kib={peak}");
}

const MIB: usize = 1024 * 1024;

#[test]
fn aliases_of_a_large_string_are_bounded_in_bytes() {
    // A 1 MiB string, then 200 aliases of it: 200 MiB if every alias were copied.
    let mut text = format!("big: &big \"{}\"\ncopies:\n", "x".repeat(MIB));
    for _ in 0..200 {
        text.push_str("  - *big\n");
    }
    let (errors, peak) = parse_in_child(&text);
    assert!(errors[0].contains(&YamlErrorKind::AliasBudget), "{errors:?}");
    assert!(peak < 64 * MIB, "parsing a 1 MiB file held {} MiB", peak / MIB);
}

#[test]
fn the_alias_budget_is_shared_by_every_document_of_a_file() {
    // Each document alone stays under the budget; together they would copy 160 MiB.
    let mut text = String::new();
    for _ in 0..20 {
        text.push_str(&format!("---\nbig: &big \"{}\"\ncopies: [{}]\n", "y".repeat(MIB / 2), ["*big"; 16].join(", ")));
    }
    let (errors, peak) = parse_in_child(&text);
    assert!(errors.iter().any(|d| d.contains(&YamlErrorKind::AliasBudget)), "{errors:?}");
    assert!(peak < 96 * MIB, "parsing a 10 MiB file held {} MiB", peak / MIB);
}

#[test]
fn aliases_count_toward_the_nesting_limit() {
    // 100 nested lists anchored, then aliased inside 100 more: 200 levels through the alias.
    let deep = format!("{}x{}", "[".repeat(100), "]".repeat(100));
    let text = format!("a: &deep {deep}\nb: {}*deep{}\n", "[".repeat(100), "]".repeat(100));
    let docs = parse_stream(&text);
    assert!(docs[0].errors.iter().any(|e| e.kind == YamlErrorKind::TooDeep), "{:?}", docs[0].errors);

    // Within the limit, the same shape is read.
    let shallow = format!("{}x{}", "[".repeat(50), "]".repeat(50));
    let text = format!("a: &deep {shallow}\nb: {}*deep{}\n", "[".repeat(50), "]".repeat(50));
    assert!(parse_stream(&text)[0].errors.is_empty());
}

#[test]
fn small_aliases_still_expand() {
    let docs =
        parse_stream("base: &base\n  owner: team-a\n  lifecycle: production\nspec: *base\nother: [*base, *base]\n");
    assert!(docs[0].errors.is_empty(), "{:?}", docs[0].errors);
    let root = docs[0].root.as_ref().unwrap();
    assert_eq!(root.get("spec").unwrap().get("owner").unwrap().as_str(), Some("team-a"));
    assert_eq!(root.get("other").unwrap().as_seq().unwrap().len(), 2);
}

/// The duplicate keys of a mapping, as (key, first range start, duplicate range start).
fn duplicates(text: &str) -> Vec<(String, u32, u32)> {
    parse_stream(text)
        .iter()
        .flat_map(|d| d.errors.iter())
        .filter_map(|e| match &e.kind {
            YamlErrorKind::DuplicateKey { key, first } => Some((key.clone(), first.start, e.range.start)),
            _ => None,
        })
        .collect()
}

#[test]
fn duplicate_keys_in_a_large_mapping_are_found_as_in_a_small_one() {
    // 100,000 keys (1.6 MB) with three duplicates far apart: the same findings a scan gives.
    let mut text = String::new();
    let mut offsets = Vec::new();
    for i in 0..100_000 {
        offsets.push(text.len() as u32);
        text.push_str(&format!("key{i:08}: v\n"));
    }
    let dup_at = |text: &String| text.len() as u32;
    let mut expected = Vec::new();
    for i in [0usize, 5, 99_999] {
        expected.push((format!("key{i:08}"), offsets[i], dup_at(&text)));
        text.push_str(&format!("key{i:08}: again\n"));
    }
    assert_eq!(duplicates(&text), expected);
}

#[test]
fn duplicate_keys_compare_by_value_and_type_in_small_and_large_mappings() {
    // Keys equal as values are duplicates (`0.0`/`-0.0`, `1`/`0x1`, `null`/`~`); `1` and `1.0`,
    // `true` and `"true"`, and two NaNs are not.
    let keys = ["1", "1.0", "0.0", "-0.0", "0x1", "true", "\"true\"", ".nan", ".nan", "null", "~", "a", "'a'"];
    let dup_keys = |text: &str| -> Vec<String> { duplicates(text).into_iter().map(|(k, _, _)| k).collect() };
    let small: String = keys.iter().map(|k| format!("{k}: x\n")).collect();
    let expected = vec!["0".to_owned(), "1".to_owned(), String::new(), "a".to_owned()];
    assert_eq!(dup_keys(&small), expected);
    // The same keys after enough others that the mapping is indexed.
    let padding: String = (0..40).map(|i| format!("pad{i}: x\n")).collect();
    assert_eq!(dup_keys(&format!("{padding}{small}")), expected);
    // And split across the point where the index is built.
    let half: String = (0..10).map(|i| format!("pad{i}: x\n")).collect();
    assert_eq!(dup_keys(&format!("{half}{small}")), expected);
}

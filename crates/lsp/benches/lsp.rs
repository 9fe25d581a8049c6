//! Latency and memory of the real `backline lsp`, driven over stdio like an editor, against its
//! targets (completion and hover well under 50 ms, diagnostics after an edit under 100 ms).
//!
//! ```text
//! cargo build --release --bin backline
//! cargo bench -p backline-lsp --bench lsp -- [--server target/release/backline] [--entities 100000] [--quick]
//! ```
//!
//! Catalogs come from `backline_catalog::generate` (the generator behind `backline generate`): a
//! small workspace, one 19,000-line multi-document file, and a 100,000-entity workspace. Every
//! figure is wall-clock time seen by the client, from sending the message to receiving the answer
//! (or the `publishDiagnostics` for that document version). Output: median and p95 per metric.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

#[path = "../../../tests/lsp/client.rs"]
mod client;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backline_catalog::generate::generate;
use client::{Client, capabilities, file_uri};
use serde_json::{Value, json};

struct Stats {
    rows: Vec<(String, String, String)>,
}

impl Stats {
    fn add(&mut self, name: &str, target: &str, samples: &mut [f64]) {
        samples.sort_by(|a, b| a.total_cmp(b));
        let pct = |p: f64| samples[((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1];
        let text =
            format!("{:>9.2} {:>9.2} {:>9.2}   (n={})", pct(0.5), pct(0.95), samples[samples.len() - 1], samples.len());
        println!("{name:<58} {text}   target {target}");
        self.rows.push((name.to_owned(), text, target.to_owned()));
    }

    fn note(&mut self, name: &str, value: String, target: &str) {
        println!("{name:<58} {value:>9}   target {target}");
        self.rows.push((name.to_owned(), value, target.to_owned()));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn write_catalog(dir: &Path, entities: usize, single_file: bool) -> Vec<String> {
    let files = generate(entities, 1, single_file);
    let mut paths = Vec::new();
    for f in files {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &f.content).unwrap();
        paths.push(f.path);
    }
    paths
}

fn start(server: &Path, root: &Path) -> (Client, Duration) {
    let t = Instant::now();
    let mut c = Client::spawn(server, root, &[]);
    c.initialize(root, capabilities(false), json!({}));
    (c, t.elapsed())
}

/// Waits for the log line the server writes when its workspace scan is indexed.
fn wait_indexed(c: &mut Client, timeout: Duration) -> Option<String> {
    c.wait_notification(timeout, |m| {
        m["method"] == "window/logMessage" && m["params"]["message"].as_str().is_some_and(|s| s.contains("indexed"))
    })
    .map(|m| m["params"]["message"].as_str().unwrap_or_default().to_owned())
}

fn open_timed(c: &mut Client, uri: &str, text: &str) -> Duration {
    let t = Instant::now();
    c.open(uri, text);
    c.diagnostics_where(uri, |p| p["version"] == 1);
    t.elapsed()
}

fn line_of(text: &str, needle: &str) -> Option<(u32, u32)> {
    text.lines().enumerate().find_map(|(i, l)| l.find(needle).map(|c| (i as u32, (c + needle.len()) as u32)))
}

/// Open → diagnostics, completion and hover on the owner, typing → diagnostics and completion
/// after an edit, on the small service files of a workspace.
fn small_file_budgets(stats: &mut Stats, label: &str, c: &mut Client, root: &Path, services: &[String], rounds: usize) {
    let mut opens = Vec::new();
    let mut completions = Vec::new();
    let mut hovers = Vec::new();
    let mut edits = Vec::new();
    let mut after_edit = Vec::new();
    for rel in services.iter().take(rounds) {
        let text = std::fs::read_to_string(root.join(rel)).unwrap();
        let uri = file_uri(&root.join(rel));
        opens.push(ms(open_timed(c, &uri, &text)));
        let Some((line, col)) = line_of(&text, "owner: ") else { continue };
        for _ in 0..3 {
            let t = Instant::now();
            let r = c.request(
                "textDocument/completion",
                json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col}}),
            );
            completions.push(ms(t.elapsed()));
            assert!(r["items"].as_array().is_some_and(|i| !i.is_empty()), "no completion items at the owner");
            let t = Instant::now();
            let h = c.request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col + 1}}),
            );
            hovers.push(ms(t.elapsed()));
            assert!(h.is_object(), "no hover on the owner");
        }
        // Typing: append a character to the description line, then remove it.
        // (the description: a rename would rebuild the index, which is not what typing measures).
        let (dl, dc) = line_of(&text, "description: ").or_else(|| line_of(&text, "name: ")).unwrap();
        let end_of_line = text.lines().nth(dl as usize).unwrap().len() as u32;
        let _ = dc;
        for (v, edit) in [(2, "x"), (3, "")].into_iter() {
            let range = if edit.is_empty() {
                json!({"start": {"line": dl, "character": end_of_line}, "end": {"line": dl, "character": end_of_line + 1}})
            } else {
                json!({"start": {"line": dl, "character": end_of_line}, "end": {"line": dl, "character": end_of_line}})
            };
            let t = Instant::now();
            c.change(&uri, v, json!([{"range": range, "text": edit}]));
            let t2 = Instant::now();
            c.request(
                "textDocument/completion",
                json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col}}),
            );
            after_edit.push(ms(t2.elapsed()));
            c.diagnostics_where(&uri, |p| p["version"] == v);
            edits.push(ms(t.elapsed()));
        }
        c.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
        c.drain();
    }
    stats.add(&format!("{label}: didOpen → diagnostics (ms)"), "p95 ≤ 20", &mut opens);
    stats.add(&format!("{label}: completion at owner (ms)"), "p95 ≤ 5", &mut completions);
    stats.add(&format!("{label}: hover on owner (ms)"), "p95 ≤ 5", &mut hovers);
    stats.add(&format!("{label}: didChange → diagnostics (ms)"), "p95 ≤ 20", &mut edits);
    stats.add(&format!("{label}: completion right after an edit (ms)"), "p95 ≤ 5", &mut after_edit);
}

fn rss(stats: &mut Stats, label: &str, c: &Client, target: &str) {
    let now = c.rss_kib().map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    let peak = c.peak_rss_kib().map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    stats.note(&format!("{label}: RSS now / peak"), format!("{now} / {peak}"), target);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let quick = args.iter().any(|a| a == "--quick");
    let server = PathBuf::from(arg("--server").unwrap_or_else(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        root.join("target/release/backline").to_string_lossy().into_owned()
    }));
    assert!(server.exists(), "no server binary at {} (cargo build --release --bin backline)", server.display());
    // The server starts in temporary directories: a relative path would not resolve there.
    let server = server.canonicalize().unwrap();
    let big: usize = arg("--entities").and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let mut stats = Stats { rows: Vec::new() };
    println!(
        "server {}; load average {}",
        server.display(),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    println!("{:<58} {:>9} {:>9} {:>9}", "metric", "median", "p95", "max");

    // 1. initialize, spawn to response, in an empty folder.
    let empty = tempfile::tempdir().unwrap();
    let mut init = Vec::new();
    for _ in 0..if quick { 5 } else { 20 } {
        let (c, d) = start(&server, empty.path());
        init.push(ms(d));
        c.shutdown();
    }
    stats.add("initialize, spawn → response (ms)", "≤ 50", &mut init);

    // 2. A small workspace (~300 entities).
    let small = tempfile::tempdir().unwrap();
    let small_root = small.path().canonicalize().unwrap();
    let paths = write_catalog(&small_root, 300, false);
    let services: Vec<String> = paths.iter().filter(|p| p.starts_with("services/")).cloned().collect();
    let (mut c, _) = start(&server, &small_root);
    wait_indexed(&mut c, Duration::from_secs(60)).expect("small workspace indexed");
    small_file_budgets(&mut stats, "small ws", &mut c, &small_root, &services, if quick { 10 } else { 40 });
    rss(&mut stats, "small ws", &c, "≤ 100 MiB");
    c.shutdown();

    // 3. One 19,000-line file (about 1,250 entities in one stream) in a small workspace.
    let large = tempfile::tempdir().unwrap();
    let large_root = large.path().canonicalize().unwrap();
    let files = generate(1_150, 7, true);
    let text = files[0].content.clone();
    let lines = text.lines().count();
    let big_path = large_root.join("all.catalog-info.yaml");
    std::fs::write(&big_path, &text).unwrap();
    let uri = file_uri(&big_path);
    let (mut c, _) = start(&server, &large_root);
    wait_indexed(&mut c, Duration::from_secs(60)).expect("large file indexed");
    let mut opens = Vec::new();
    for _ in 0..if quick { 3 } else { 10 } {
        opens.push(ms(open_timed(&mut c, &uri, &text)));
        c.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
        c.drain();
    }
    stats.add(&format!("{lines}-line file: didOpen → diagnostics (ms)"), "≤ 200", &mut opens);
    c.open(&uri, &text);
    c.diagnostics_where(&uri, |p| p["version"] == 1);
    let (owner_line, owner_col) = line_of(&text[text.len() / 2..], "owner: ")
        .map(|(l, c)| {
            let before = text[..text.len() / 2].lines().count() as u32 - 1;
            (l + before, c)
        })
        .unwrap();
    let owner_line_text = text.lines().nth(owner_line as usize).unwrap();
    assert!(owner_line_text.contains("owner: "), "{owner_line_text}");
    let mut edit_diag = Vec::new();
    let mut completion_after = Vec::new();
    let mut version = 1;
    for i in 0..if quick { 8 } else { 30 } {
        version += 1;
        // Type in a description near the middle of the file, then complete the owner.
        let range =
            json!({"start": {"line": owner_line - 1, "character": 0}, "end": {"line": owner_line - 1, "character": 0}});
        let (range, edit) = if i % 2 == 0 {
            (range, "#")
        } else {
            (
                json!({"start": {"line": owner_line - 1, "character": 0}, "end": {"line": owner_line - 1, "character": 1}}),
                "",
            )
        };
        let t = Instant::now();
        c.change(&uri, version, json!([{"range": range, "text": edit}]));
        let t2 = Instant::now();
        let r = c.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": owner_line, "character": owner_col}}),
        );
        completion_after.push(ms(t2.elapsed()));
        assert!(r["items"].as_array().is_some_and(|i| !i.is_empty()));
        let v = version;
        c.diagnostics_where(&uri, |p| p["version"] == v);
        edit_diag.push(ms(t.elapsed()));
    }
    stats.add(&format!("{lines}-line file: didChange → diagnostics (ms)"), "p95 ≤ 150", &mut edit_diag);
    stats.add(&format!("{lines}-line file: completion right after an edit (ms)"), "p95 ≤ 50", &mut completion_after);
    let mut symbols = Vec::new();
    let mut hovers = Vec::new();
    for _ in 0..if quick { 3 } else { 10 } {
        let t = Instant::now();
        c.request("textDocument/documentSymbol", json!({"textDocument": {"uri": uri}}));
        symbols.push(ms(t.elapsed()));
        let t = Instant::now();
        c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": owner_line, "character": owner_col + 1}}),
        );
        hovers.push(ms(t.elapsed()));
    }
    stats.add(&format!("{lines}-line file: documentSymbol (ms)"), "≤ 50", &mut symbols);
    stats.add(&format!("{lines}-line file: hover (ms)"), "-", &mut hovers);
    rss(&mut stats, "large file", &c, "-");
    c.shutdown();

    // 4. A workspace of `big` entities: first diagnostics while indexing, then the budgets.
    let huge = tempfile::tempdir().unwrap();
    let huge_root = huge.path().canonicalize().unwrap();
    let t = Instant::now();
    let paths = write_catalog(&huge_root, big, false);
    println!("generated {} files for {big} entities in {:.1} s", paths.len(), t.elapsed().as_secs_f64());
    let services: Vec<String> = paths.iter().filter(|p| p.starts_with("services/")).cloned().collect();
    let first = &services[services.len() / 2];
    let first_text = std::fs::read_to_string(huge_root.join(first)).unwrap();
    let first_uri = file_uri(&huge_root.join(first));
    let t = Instant::now();
    let mut c = Client::spawn(&server, &huge_root, &[]);
    c.initialize(&huge_root, capabilities(false), json!({}));
    c.open(&first_uri, &first_text);
    c.diagnostics_where(&first_uri, |p| p["version"] == 1);
    let first_diag = t.elapsed();
    stats.note(&format!("{big} entities: start → first diagnostics"), format!("{:.1} ms", ms(first_diag)), "≤ 1000 ms");
    let indexed = wait_indexed(&mut c, Duration::from_secs(600)).expect("big workspace indexed");
    let full = t.elapsed();
    stats.note(&format!("{big} entities: start → indexed (cross-file ready)"), format!("{:.0} ms", ms(full)), "-");
    println!("  server: {indexed}");
    c.drain();
    small_file_budgets(
        &mut stats,
        &format!("{big} entities"),
        &mut c,
        &huge_root,
        &services[1..],
        if quick { 10 } else { 40 },
    );
    let t = Instant::now();
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": first_uri}, "position": {"line": line_of(&first_text, "owner: ").unwrap().0, "character": line_of(&first_text, "owner: ").unwrap().1 + 1}, "context": {"includeDeclaration": true}}),
    );
    stats.note(
        &format!("{big} entities: references of an owner"),
        format!("{:.1} ms ({} locations)", ms(t.elapsed()), refs.as_array().map_or(0, Vec::len)),
        "-",
    );
    rss(&mut stats, &format!("{big} entities"), &c, "≤ 400 MiB");
    c.shutdown();

    println!("\n| metric | median / p95 / max (n) | target |\n| --- | --- | --- |");
    for (name, value, target) in &stats.rows {
        println!("| {name} | {} | {target} |", value.trim());
    }
    let _ = Value::Null;
}

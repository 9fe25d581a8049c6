//! Benchmark of the checking path over a generated catalog (run with
//! `cargo bench -p backline-catalog --bench check -- [ENTITIES]`).
//!
//! Reports medians over several runs, in one process, of: `yaml` (parsing every file's YAML
//! alone, the baseline), `parse_file` (YAML plus Backstage's whole validation pipeline per file),
//! `check` (parse_file plus the cross-file index and lints) and the same `check` on all cores with
//! rayon, as `backline check` runs it; and the ratio of each against the YAML baseline, since absolute times on a shared machine are
//! noise while ratios from one invocation are not. Throughput is MB of YAML per second.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use backline_catalog::catalog::CatalogIndex;
use backline_catalog::facts::{FileFacts, Symbols};
use backline_catalog::generate::generate;
use backline_catalog::{Finding, parse_file, yaml};
use rayon::prelude::*;

/// The same allocator as the `backline` binary, so the figures match what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn measure(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut samples = Vec::new();
    let mut out = 0;
    for _ in 0..runs {
        let start = Instant::now();
        out = std::hint::black_box(f());
        samples.push(start.elapsed());
    }
    (median(samples), out)
}

fn main() {
    let entities: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let runs = 5;
    let files = generate(entities, 1, false);
    let bytes: usize = files.iter().map(|f| f.content.len()).sum();
    let mb = bytes as f64 / 1e6;
    println!("catalog: {} files, {:.1} MB, ~{entities} entities; median of {runs} runs", files.len(), mb);

    let (yaml_t, docs) = measure(runs, || files.iter().map(|f| yaml::parse_stream(&f.content).len()).sum());
    let (parse_t, n) =
        measure(runs, || files.iter().map(|f| parse_file(f.path.as_str().into(), &f.content).documents.len()).sum());
    // Like `backline check`, keep each file's findings and facts (interned in one table), not its
    // tree or entities.
    let symbols = Mutex::new(Symbols::default());
    let parse_lean = |f: &backline_catalog::generate::GeneratedFile| {
        let p = parse_file(f.path.as_str().into(), &f.content);
        let mut local = Symbols::default();
        let facts =
            FileFacts::new(&p, &mut local).rebase(&local, &mut symbols.lock().unwrap_or_else(PoisonError::into_inner));
        (p.findings, facts)
    };
    let lint = |parsed: &[(Vec<Finding>, FileFacts)], symbols: &Mutex<Symbols>| {
        let symbols = std::mem::take(&mut *symbols.lock().unwrap_or_else(PoisonError::into_inner));
        let index = CatalogIndex::build_from_facts(symbols, parsed.iter().map(|(_, f)| f), [], &|_| None);
        (index, parsed.iter().map(|(findings, _)| findings.len()).sum::<usize>())
    };
    let (check_t, findings) = measure(runs, || {
        let parsed: Vec<_> = files.iter().map(parse_lean).collect();
        let (index, n) = lint(&parsed, &symbols);
        n + parsed.iter().map(|(_, f)| index.lint_facts(f).len()).sum::<usize>()
    });
    let (par_t, _) = measure(runs, || {
        let parsed: Vec<_> = files.par_iter().map(parse_lean).collect();
        let (index, n) = lint(&parsed, &symbols);
        n + parsed.par_iter().map(|(_, f)| index.lint_facts(f).len()).sum::<usize>()
    });
    assert_eq!(docs, n);
    println!("documents: {n}, findings: {findings}");
    let row = |name: &str, t: Duration| {
        println!(
            "{name:<22} {:>9.1} ms {:>8.1} MB/s  ratio {:.2}",
            t.as_secs_f64() * 1e3,
            mb / t.as_secs_f64(),
            t.as_secs_f64() / yaml_t.as_secs_f64()
        );
    };
    row("yaml only (baseline)", yaml_t);
    row("parse_file", parse_t);
    row("check (1 thread)", check_t);
    row(&format!("check ({} threads)", rayon::current_num_threads()), par_t);
}

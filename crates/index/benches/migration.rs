//! Benchmark of migration answers over a generated catalog (`backline generate`'s generator,
//! whose components are tagged `python2` or `python3` among other languages):
//!
//! - what recording a migration's history adds to an index run with nothing changed (the same
//!   run without the migration is the baseline, measured in the same invocation);
//! - the migration answer for one team, from the index: median and p99 over many teams after a
//!   warm-up (target p99 ≤ 20 ms at 100,000 entities);
//! - the whole migration (every team) and the nudge plan, for scale.
//!
//! ```text
//! cargo bench -p backline-index --bench migration -- [--entities 100000] [--queries 500]
//!     [--catalog DIR (generated there if missing)] [--store URL (default: SQLite in a temp dir)]
//! ```

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backline_answer::{AnswerBody, Query};
use backline_catalog::generate::generate;
use backline_index::migration::{Migration, MigrationSection, today};
use backline_index::{Index, IndexSettings, RunOptions, SearchLocation, SourceSettings, StoreSettings};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    entities: usize,
    queries: usize,
    catalog: Option<PathBuf>,
    store: Option<String>,
}

fn args() -> Args {
    let mut a = Args { entities: 100_000, queries: 500, catalog: None, store: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match arg.as_str() {
            "--entities" => a.entities = value().parse().expect("--entities N"),
            "--queries" => a.queries = value().parse().expect("--queries N"),
            "--catalog" => a.catalog = Some(value().into()),
            "--store" => a.store = Some(value()),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn report(name: &str, mut samples: Vec<Duration>, target: &str) {
    samples.sort();
    println!(
        "{name:<40} n={:<5} median {:>9.3} ms   p99 {:>9.3} ms   max {:>9.3} ms   {target}",
        samples.len(),
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

fn python3() -> Vec<Migration> {
    Migration::from_sections(&[MigrationSection {
        name: Some("python3".into()),
        scope: Some("kind:component".into()),
        todo: Some("tag:python2".into()),
        done: Some("tag:python3".into()),
        due: Some("2027-03-31".into()),
        ..MigrationSection::default()
    }])
    .expect("migration")
}

fn ensure_catalog(dir: &Path, entities: usize) {
    if dir.join(".generated").exists() {
        return;
    }
    for f in generate(entities, 1, false) {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, f.content).expect("write");
    }
    std::fs::write(dir.join(".generated"), "").expect("marker");
}

async fn run(args: Args) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let catalog = args.catalog.clone().unwrap_or_else(|| tmp.path().join("catalog"));
    ensure_catalog(&catalog, args.entities);
    let url = args.store.clone().unwrap_or_else(|| format!("sqlite://{}", tmp.path().join("index.db").display()));
    let settings = |migrations: Vec<Migration>| IndexSettings {
        store: StoreSettings { url: url.clone(), search: SearchLocation::Dir(tmp.path().join("search")) },
        sources: vec![SourceSettings::dir("bench", &catalog)],
        migrations,
    };
    let plain = Index::open(settings(Vec::new())).await.expect("open");
    let started = Instant::now();
    plain.index(&RunOptions::default()).await.expect("full index");
    println!("full index: {:.2} s, {} entities requested", started.elapsed().as_secs_f64(), args.entities);

    // An unchanged run without and with the migration, alternating, so load affects both alike.
    let with = Index::open(settings(python3())).await.expect("open");
    let (mut without_runs, mut with_runs) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        plain.index(&RunOptions::default()).await.expect("run");
        without_runs.push(t.elapsed());
        let t = Instant::now();
        with.index(&RunOptions::default()).await.expect("run");
        with_runs.push(t.elapsed());
    }
    without_runs.sort();
    with_runs.sort();
    let (a, b) = (percentile(&without_runs, 0.5), percentile(&with_runs, 0.5));
    println!(
        "unchanged index run: median {:.1} ms without a migration, {:.1} ms recording one (+{:.1} ms, ×{:.2})",
        a.as_secs_f64() * 1e3,
        b.as_secs_f64() * 1e3,
        (b.as_secs_f64() - a.as_secs_f64()) * 1e3,
        b.as_secs_f64() / a.as_secs_f64().max(1e-9)
    );
    plain.close().await;

    let whole_query = Query::Migration { name: Some("python3".into()), team: None };
    let t = Instant::now();
    let whole = with.answer(&whole_query).await.expect("whole");
    let first_whole = t.elapsed();
    let AnswerBody::Migration(m) = &whole.body else { panic!("{:?}", whole.summary) };
    println!(
        "migration: {} in scope, {} done, {} remaining, {} teams ({:.1} ms, first answer)",
        m.progress.in_scope,
        m.progress.done,
        m.progress.remaining,
        m.teams.len(),
        first_whole.as_secs_f64() * 1e3
    );
    let teams: Vec<String> = m.teams.iter().filter_map(|t| t.owner.as_ref().map(|o| o.entity_ref.clone())).collect();
    assert!(!teams.is_empty(), "no team has anything in scope");

    let team_query = |i: usize| Query::Migration {
        name: Some("python3".into()),
        team: Some(teams[(i * 7919) % teams.len()].clone()),
    };
    for i in 0..50 {
        with.answer(&team_query(i)).await.expect("warm-up");
    }
    let mut one_team = Vec::with_capacity(args.queries);
    for i in 0..args.queries {
        let t = Instant::now();
        let a = with.answer(&team_query(i)).await.expect("team");
        one_team.push(t.elapsed());
        assert!(matches!(a.body, AnswerBody::Migration(ref m) if m.team.is_some()), "{}", a.summary);
    }
    report("migration answer, one team", one_team, "target p99 <= 20 ms");

    let mut all = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        with.answer(&whole_query).await.expect("whole");
        all.push(t.elapsed());
    }
    report("migration answer, every team", all, "(for scale)");
    let mut nudges = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        with.nudge_plan("python3", today()).await.expect("nudges");
        nudges.push(t.elapsed());
    }
    report("nudge plan (every team's post)", nudges, "(for scale)");
    with.close().await;
}

fn main() {
    let args = args();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run(args));
}

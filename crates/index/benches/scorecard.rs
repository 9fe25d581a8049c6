//! Benchmark of scorecard answers from the index over a generated catalog: one team's
//! scorecard (its entities and sub-teams, every rule, what each entity's next level needs),
//! median and p99 over the largest teams, against the team answer ("what does team X own") for
//! the same teams in the same run as the baseline.
//!
//! ```text
//! cargo bench -p backline-index --bench scorecard -- [--entities 100000] [--catalog DIR] [--rounds 20]
//! ```

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::path::Path;
use std::time::{Duration, Instant};

use backline_answer::{AnswerBody, Query};
use backline_catalog::generate::generate;
use backline_catalog::scorecard::{Condition, ConditionField, LevelSection, RuleSection, ScorecardSection, resolve};
use backline_index::{Index, IndexSettings, RunOptions, SearchLocation, SourceSettings, StoreSettings};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
    sorted.get(i).copied().unwrap_or_default()
}

fn report(name: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let median = percentile(&samples, 0.5);
    println!(
        "{name:<28} n={:<5} median {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms",
        samples.len(),
        median.as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    median
}

fn level(name: &str, rules: &[&str]) -> LevelSection {
    LevelSection { name: name.into(), rules: rules.iter().map(|r| (*r).to_owned()).collect() }
}

fn main() {
    let (mut entities, mut catalog, mut rounds) = (100_000usize, None::<std::path::PathBuf>, 20usize);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--entities" => entities = it.next().and_then(|v| v.parse().ok()).expect("--entities N"),
            "--catalog" => catalog = it.next().map(Into::into),
            "--rounds" => rounds = it.next().and_then(|v| v.parse().ok()).expect("--rounds N"),
            _ => {} // cargo bench passes --bench
        }
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let catalog = catalog.unwrap_or_else(|| tmp.path().join("catalog"));
    if !catalog.exists() {
        for f in generate(entities, 1, false) {
            let p = catalog.join(&f.path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, f.content).expect("write");
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(run(tmp.path(), &catalog, rounds));
}

async fn run(tmp: &Path, catalog: &Path, rounds: usize) {
    let settings = IndexSettings {
        store: StoreSettings {
            url: format!("sqlite://{}", tmp.join("bench.db").display()),
            search: SearchLocation::Dir(tmp.join("search")),
        },
        sources: vec![SourceSettings::dir("bench", catalog)],
        migrations: Vec::new(),
    };
    let mut ix = Index::open(settings).await.expect("open");
    let started = Instant::now();
    ix.index(&RunOptions::default()).await.expect("index");
    println!("indexed in {:.1} s", started.elapsed().as_secs_f64());
    let mut section = ScorecardSection {
        name: "production-readiness".into(),
        description: None,
        kinds: Vec::new(),
        require: None,
        rules: Vec::new(),
        levels: vec![
            level("bronze", &["owner-has-members", "description", "lifecycle"]),
            level("silver", &["on-call", "runbook-or-dashboard"]),
            level("gold", &["techdocs", "no-deprecated-dependencies", "production"]),
        ],
    };
    // A custom rule too: `lifecycle:production`.
    let production =
        |_: &str| Some(Condition { field: ConditionField::Lifecycle, key: None, value: Some("production".into()) });
    section.rules.push(RuleSection {
        name: "production".into(),
        description: None,
        check: None,
        filter: Some("lifecycle:production".into()),
    });
    ix.set_scorecards(resolve(&[section], &production).expect("scorecard"));

    let started = Instant::now();
    let all = ix.answer(&Query::Scorecard { scorecard: None, team: None, entity: None }).await.expect("catalog");
    let AnswerBody::Scorecard(all) = all.body else { panic!("not a scorecard: {:?}", all.summary) };
    println!(
        "whole catalog: {} entities of {} owners in {:.1} ms",
        all.total,
        all.teams.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    // The largest teams: the slowest case.
    let mut teams: Vec<(u32, String)> =
        all.teams.iter().filter_map(|t| Some((t.entity_count, t.team.as_ref()?.entity_ref.clone()))).collect();
    teams.sort_by(|a, b| b.cmp(a));
    teams.truncate(25);
    println!("teams: {} (entities per team: {} to {})", teams.len(), teams.last().map_or(0, |t| t.0), teams[0].0);

    let (mut score, mut team) = (Vec::new(), Vec::new());
    for round in 0..=rounds {
        for (_, t) in &teams {
            let q = Query::Scorecard { scorecard: None, team: Some(t.clone()), entity: None };
            let started = Instant::now();
            let a = ix.answer(&q).await.expect("scorecard");
            let elapsed = started.elapsed();
            assert!(matches!(a.body, AnswerBody::Scorecard(_)));
            let started = Instant::now();
            ix.answer(&Query::Team { name: t.clone() }).await.expect("team");
            let baseline = started.elapsed();
            // Round 0 warms the caches.
            if round > 0 {
                score.push(elapsed);
                team.push(baseline);
            }
        }
    }
    let s = report("scorecard, one team", score);
    let t = report("team answer (baseline)", team);
    println!(
        "ratio of medians scorecard/team: {:.2}   target: scorecard p99 <= 20 ms",
        s.as_secs_f64() / t.as_secs_f64()
    );
}

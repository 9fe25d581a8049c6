//! Benchmark of the index and query engine over a generated catalog (the generator of
//! `backline generate`), with the figures issue 3 asks for:
//!
//! - full index from scratch (store commit and search separately), SQLite and PostgreSQL;
//! - a run with nothing changed, and runs with one file changed (store + search updated);
//! - owner lookup, resolve (exact and with a typo), search, impact to depth 5: median and p99
//!   over many different names, after a warm-up;
//! - the process's peak resident memory (VmHWM). For the memory of an index run alone, run
//!   `--phase index` under `/usr/bin/time -v`.
//!
//! ```text
//! cargo bench -p backline-index --bench index -- [--entities 100000] [--backend sqlite|postgres|both]
//!     [--catalog DIR (generated there if missing)] [--queries 2000] [--phase index --store URL]
//! ```
//! PostgreSQL: `BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`); the bench
//! works in a fresh schema and drops it afterwards.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backline_answer::{AnswerBody, Filter, FilterField, Query};
use backline_catalog::generate::generate;
use backline_index::query::Resolution;
use backline_index::{Index, IndexSettings, RunOptions, SearchLocation, SourceSettings, StoreSettings};

/// The allocator the `backline` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    entities: usize,
    backend: String,
    catalog: Option<PathBuf>,
    queries: usize,
    phase: Option<String>,
    store: Option<String>,
}

fn args() -> Args {
    let mut a =
        Args { entities: 100_000, backend: "both".into(), catalog: None, queries: 2_000, phase: None, store: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match arg.as_str() {
            "--entities" => a.entities = value().parse().expect("--entities N"),
            "--backend" => a.backend = value(),
            "--catalog" => a.catalog = Some(value().into()),
            "--queries" => a.queries = value().parse().expect("--queries N"),
            "--phase" => a.phase = Some(value()),
            "--store" => a.store = Some(value()),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

/// SplitMix64: deterministic sampling.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
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
        "{name:<34} n={:<5} median {:>9.3} ms   p99 {:>9.3} ms   max {:>9.3} ms   {target}",
        samples.len(),
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

fn peak_rss_mb() -> f64 {
    rss_mb("VmHWM:")
}

/// A memory line of /proc/self/status (`VmRSS:` now, `VmHWM:` peak), in MB.
fn rss_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn write_catalog(dir: &Path, entities: usize) -> usize {
    let files = generate(entities, 1, false);
    let n = files.len();
    for f in files {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, f.content).expect("write");
    }
    n
}

fn settings(url: String, search: PathBuf, catalog: &Path) -> IndexSettings {
    IndexSettings {
        store: StoreSettings { url, search: SearchLocation::Dir(search) },
        sources: vec![SourceSettings::dir("bench", catalog)],
        migrations: Vec::new(),
    }
}

async fn bench_backend(label: &str, settings: IndexSettings, catalog: &Path, queries: usize) {
    println!("\n== {label} ==");
    let ix = Index::open(settings).await.expect("open");
    let started = Instant::now();
    let r = ix.index(&RunOptions::default()).await.expect("full index");
    let total = started.elapsed();
    let entities = ix.health().await.expect("health").entity_count;
    println!(
        "full index from scratch: {:.2} s total (store commit {:.2} s, search {:.2} s); {} files, {} entities   target < 10 s (SQLite)",
        total.as_secs_f64(),
        r.store_time.as_secs_f64(),
        r.search_time.as_secs_f64(),
        r.sources[0].files_seen,
        entities
    );
    println!(
        "  (of which waiting for parsing {:.2} s, writing rows {:.2} s)",
        r.sources[0].parse_wait.as_secs_f64(),
        r.sources[0].write_time.as_secs_f64()
    );
    println!("peak RSS of this process so far: {:.0} MB", peak_rss_mb());

    let mut noop = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r = ix.index(&RunOptions::default()).await.expect("no-op run");
        assert_eq!(r.sources[0].files_parsed, 0);
        noop.push(t.elapsed());
    }
    report("run with nothing changed", noop, "(walk + stat every file)");

    // One changed file, 20 times: a component's description gets a new word.
    let mut rng = Rng(42);
    let services: Vec<PathBuf> = std::fs::read_dir(catalog.join("services"))
        .expect("services")
        .filter_map(|e| e.ok().map(|e| e.path().join("catalog-info.yaml")))
        .collect();
    let (mut whole, mut store_search, mut search_only) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..20 {
        let f = &services[rng.below(services.len())];
        let text = std::fs::read_to_string(f).expect("read");
        let word = format!("zz{}bench{i}", label.to_lowercase());
        std::fs::write(f, text.replacen("description: ", &format!("description: {word} "), 1)).expect("write");
        let t = Instant::now();
        let r = ix.index(&RunOptions::default()).await.expect("one-file run");
        whole.push(t.elapsed());
        assert_eq!(r.sources[0].files_parsed, 1);
        store_search.push(r.store_time + r.search_time);
        search_only.push(r.search_time);
        let s = ix.search(&word, 5).await.expect("search");
        // Earlier words (zz…bench0) match too, by typo tolerance; the exact one ranks first.
        let first = s.hits.first().expect("the change is searchable");
        assert_eq!(first.matched, backline_answer::MatchKind::Text, "{word}");
        assert!(f.to_string_lossy().contains(&format!("/{}/", first.entity.name)), "{word}: {}", first.entity.name);
    }
    report("one changed file, full run: total", whole, "(walks and stats every file)");
    report("one changed file, full run: store+search", store_search, "");
    report("one changed file, full run: search", search_only, "");

    // The watcher path: the changed file is known, nothing is walked.
    let (mut watch, mut watch_search) = (Vec::new(), Vec::new());
    for i in 0..20 {
        let f = &services[rng.below(services.len())];
        let text = std::fs::read_to_string(f).expect("read");
        let word = format!("zz{}watch{i}", label.to_lowercase());
        std::fs::write(f, text.replacen("description: ", &format!("description: {word} "), 1)).expect("write");
        let t = Instant::now();
        let r = ix.update_files("bench", std::slice::from_ref(f), &RunOptions::default()).await.expect("update");
        watch.push(t.elapsed());
        watch_search.push(r.search_time);
        assert_eq!(r.sources[0].files_parsed, 1);
        let s = ix.search(&word, 5).await.expect("search");
        assert!(
            s.hits.first().is_some_and(|h| f.to_string_lossy().contains(&format!("/{}/", h.entity.name))),
            "{word}"
        );
    }
    report("one changed file, update_files: total", watch, "target < 100 ms (store + search)");
    report("one changed file, update_files: search", watch_search, "");

    // Names to ask about.
    let a = ix
        .answer(&Query::Find {
            filters: vec![Filter { field: FilterField::Kind, key: None, value: Some("component".into()) }],
        })
        .await
        .expect("find");
    let AnswerBody::Find(f) = a.body else { panic!() };
    let components: Vec<String> = f.groups.iter().flat_map(|g| &g.entities).map(|e| e.name.clone()).collect();
    let a = ix
        .answer(&Query::Find {
            filters: vec![Filter { field: FilterField::Kind, key: None, value: Some("resource".into()) }],
        })
        .await
        .expect("find");
    let AnswerBody::Find(f) = a.body else { panic!() };
    let resources: Vec<String> = f.groups.iter().flat_map(|g| &g.entities).map(|e| e.name.clone()).collect();
    let pick = |rng: &mut Rng, v: &[String]| v[rng.below(v.len())].clone();

    // Warm-up: caches, prepared statements, mmap.
    for _ in 0..200 {
        let n = pick(&mut rng, &components);
        let _ = ix.answer(&Query::Owner { name: n.clone() }).await;
        let _ = ix.search(&n, 10).await;
    }

    let mut owner = Vec::new();
    for _ in 0..queries {
        let n = pick(&mut rng, &components);
        let t = Instant::now();
        let a = ix.answer(&Query::Owner { name: n }).await.expect("owner");
        owner.push(t.elapsed());
        assert!(matches!(a.body, AnswerBody::Ownership(ref o) if o.owner.is_some()));
    }
    report("owner lookup (answer)", owner, "target p99 < 1 ms");

    let mut resolve = Vec::new();
    for _ in 0..queries {
        let n = pick(&mut rng, &components);
        let t = Instant::now();
        let r = ix.resolve(&n, &[]).await.expect("resolve");
        resolve.push(t.elapsed());
        assert!(matches!(r, Resolution::Found(_)));
    }
    report("resolve, exact name", resolve, "target p99 < 1 ms");

    let mut fuzzy = Vec::new();
    for _ in 0..queries / 4 {
        let n = pick(&mut rng, &components);
        // Swap two letters of the first word: a typo.
        let mut chars: Vec<char> = n.chars().collect();
        chars.swap(1, 2);
        let typo: String = chars.into_iter().collect();
        let t = Instant::now();
        let _ = ix.resolve(&typo, &[]).await.expect("resolve");
        fuzzy.push(t.elapsed());
    }
    report("resolve, typo (fuzzy)", fuzzy, "");

    let words = [
        "payments",
        "orders",
        "fraud",
        "paym",
        "ordrs",
        "checkout service",
        "inventory",
        "pricing-api",
        "ledgr",
        "python2",
    ];
    let mut search = Vec::new();
    for i in 0..queries {
        let q = if i % 2 == 0 { words[rng.below(words.len())].to_owned() } else { pick(&mut rng, &components) };
        let t = Instant::now();
        let s = ix.search(&q, 10).await.expect("search");
        search.push(t.elapsed());
        std::hint::black_box(s);
    }
    report("search (top 10)", search, "target p99 < 5 ms");

    let mut impact = Vec::new();
    let mut sizes = Vec::new();
    for i in 0..queries / 2 {
        let n = if i % 2 == 0 { pick(&mut rng, &components) } else { pick(&mut rng, &resources) };
        let t = Instant::now();
        let a = ix.answer(&Query::Dependents { name: n, depth: 5 }).await.expect("impact");
        impact.push(t.elapsed());
        if let AnswerBody::Dependencies(d) = a.body {
            sizes.push(d.nodes.len());
        }
    }
    sizes.sort_unstable();
    report("impact to depth 5", impact, "target p99 < 10 ms");
    println!(
        "  (impact sizes: median {} entities, p99 {}, max {})",
        sizes[sizes.len() / 2],
        sizes[(sizes.len() * 99 / 100).min(sizes.len() - 1)],
        sizes.last().copied().unwrap_or(0)
    );
    println!("peak RSS of this process: {:.0} MB", peak_rss_mb());
    ix.close().await;
}

async fn drop_schema(base: &str, schema: &str) {
    use sqlx::Connection;
    if let Ok(mut c) = sqlx::PgConnection::connect(base).await {
        let _ =
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))).execute(&mut c).await;
        let _ = c.close().await;
    }
}

fn main() {
    let args = args();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let tmp = tempfile::tempdir().expect("tempdir");
    let catalog = match &args.catalog {
        Some(c) if c.exists() => c.clone(),
        Some(c) => {
            let n = write_catalog(c, args.entities);
            println!("generated {} entities in {n} files into {}", args.entities, c.display());
            c.clone()
        }
        None => {
            let dir = tmp.path().join("catalog");
            let t = Instant::now();
            let n = write_catalog(&dir, args.entities);
            println!("generated {} entities in {n} files in {:.1} s", args.entities, t.elapsed().as_secs_f64());
            dir
        }
    };

    // Just an index run, for `/usr/bin/time -v`.
    if args.phase.as_deref() == Some("index") {
        let url = args.store.clone().unwrap_or_else(|| format!("sqlite://{}", tmp.path().join("index.db").display()));
        let search = tmp.path().join("search");
        rt.block_on(async {
            let ix = Index::open(settings(url, search, &catalog)).await.expect("open");
            let t = Instant::now();
            // Memory as the run goes: every 10,000 files, and when the search phase starts.
            let progress: backline_index::ProgressFn = std::sync::Arc::new(move |p| {
                if p.files_seen % 10_240 < 512 || p.phase == backline_index::Phase::Search {
                    println!(
                        "  {:>6.2} s {:?} {:>6} files: RSS {:.0} MB, peak {:.0} MB",
                        t.elapsed().as_secs_f64(),
                        p.phase,
                        p.files_seen,
                        rss_mb("VmRSS:"),
                        rss_mb("VmHWM:")
                    );
                }
            });
            let r = ix.index(&RunOptions { progress: Some(progress), ..RunOptions::default() }).await.expect("index");
            println!(
                "index: {:.2} s (store {:.2} s, search {:.2} s), peak RSS {:.0} MB",
                t.elapsed().as_secs_f64(),
                r.store_time.as_secs_f64(),
                r.search_time.as_secs_f64(),
                peak_rss_mb()
            );
            ix.close().await;
        });
        return;
    }

    if matches!(args.backend.as_str(), "sqlite" | "both") {
        let s = settings(
            format!("sqlite://{}", tmp.path().join("index.db").display()),
            tmp.path().join("search"),
            &catalog,
        );
        rt.block_on(bench_backend("SQLite", s, &catalog, args.queries));
    }
    if matches!(args.backend.as_str(), "postgres" | "both") {
        let base = std::env::var("BENCH_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!("bench_{}", std::process::id());
        let s = settings(format!("{base}?schema={schema}"), tmp.path().join("search-pg"), &catalog);
        rt.block_on(async {
            bench_backend("PostgreSQL", s, &catalog, args.queries).await;
            drop_schema(&base, &schema).await;
        });
    }
}

//! Benchmark of a Backstage catalog source at scale: 100,000 generated entities (plus 100
//! `Location`s) served by the fake Backstage backend of the tests, over loopback, gzip on.
//!
//! Reports the median of several runs of a refresh with nothing changed (the uid/etag listing
//! in one `GET /entities`, no fetch) and of a full sync (cursor paging, `page_size` 500), the
//! client's CPU time (user + system, this process only) and peak resident memory (VmHWM) for
//! each, and the gzip ratio of a 500-entity page. The refreshes run first, from a snapshot built
//! locally, so their peak is not the full sync's.
//! The fake runs in a child process (this executable with `--serve`), so the client's memory is
//! measured alone; both share the machine's cores, so the times include the fake's JSON and gzip
//! work, as they would include a real backend's.
//!
//! ```sh
//! cargo bench -p backline-backstage --bench sync            # 100,000 entities, 5 runs each
//! BENCH_ENTITIES=20000 BENCH_RUNS=3 cargo bench -p backline-backstage --bench sync
//! ```

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

#[path = "../tests/fake/mod.rs"]
mod fake;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use backline_backstage::{Backstage, BackstageSection, EntityRef, Snapshot};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn entities(n: usize) -> Vec<serde_json::Value> {
    let mut all: Vec<serde_json::Value> = (0..n).map(fake::generated).collect();
    let values: Vec<serde_json::Value> = serde_json::from_str(fake::CATALOG).unwrap();
    let location = values.into_iter().find(|v| v["kind"] == "Location").unwrap();
    for i in 0..100 {
        let mut l = location.clone();
        l["metadata"]["uid"] = format!("{i:08x}-1111-4111-8111-111111111111").into();
        l["metadata"]["name"] = format!("generated-{i:040x}").into();
        all.push(l);
    }
    all
}

/// The child: serves `n` entities until its stdin closes.
fn serve(n: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let served = fake::Fake::on(listener, entities(n));
        println!("{}", served.url);
        std::io::stdout().flush().unwrap();
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await
        .unwrap();
    });
}

/// A memory line of /proc/self/status (`VmHWM:` peak), in MB.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Resets the peak to the current resident size (Linux `clear_refs` value 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's CPU time so far (user + system), from /proc/self/stat, in seconds.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)`; utime and stime are fields 14 and 15 (clock ticks of 1/100 s).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The snapshot a full sync of the generated catalog leaves, built without holding entities.
fn expected_snapshot(n: usize) -> Snapshot {
    let mut snapshot = Snapshot::new();
    for i in 0..n {
        let v = fake::generated(i);
        let m = &v["metadata"];
        let text = |x: &serde_json::Value| x.as_str().unwrap().to_owned();
        let entity_ref = EntityRef { kind: text(&v["kind"]), namespace: text(&m["namespace"]), name: text(&m["name"]) };
        snapshot.insert(text(&m["uid"]), text(&m["etag"]), entity_ref);
    }
    snapshot
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn gzip_ratio() -> (usize, usize) {
    let page: Vec<serde_json::Value> = (0..500).map(fake::generated).collect();
    let json = serde_json::json!({ "items": page }).to_string();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(json.as_bytes()).unwrap();
    (json.len(), enc.finish().unwrap().len())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        serve(args[i + 1].parse().unwrap());
        return;
    }
    let n = env_usize("BENCH_ENTITIES", 100_000);
    let runs = env_usize("BENCH_RUNS", 5).max(1);
    let (plain, gz) = gzip_ratio();
    println!(
        "gzip: a page of 500 generated entities is {plain} B as JSON, {gz} B gzipped ({:.1}x)",
        plain as f64 / gz as f64
    );

    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--serve", &n.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().to_owned();
    println!(
        "fake Backstage with {n} entities (+100 Locations) ready in {:.1} s at {url}",
        started.elapsed().as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let section: BackstageSection =
            toml::from_str(&format!("base_url = \"{url}\"\nfrontend_url = \"https://portal.example.com\"")).unwrap();
        let config = section.resolve(&|_| Some(fake::TOKEN.to_owned())).unwrap();
        let backstage = Backstage::new(config).unwrap();

        let base = peak_mb();
        let snapshot = expected_snapshot(n);
        let with_snapshot = peak_mb();

        reset_peak();
        let (mut refresh, mut refresh_cpu) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let (t, cpu) = (Instant::now(), cpu_secs());
            let r = backstage.refresh(&snapshot).await.unwrap();
            refresh.push(t.elapsed());
            refresh_cpu.push(Duration::from_secs_f64(cpu_secs() - cpu));
            assert!(r.is_empty() && r.unchanged == n, "{} added, {} changed, {} removed", r.added.len(), r.changed.len(), r.removed.len());
        }
        let refresh_peak = peak_mb();

        reset_peak();
        let (mut full, mut full_cpu) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let (t, cpu) = (Instant::now(), cpu_secs());
            let sync = backstage.full_sync().await.unwrap();
            full.push(t.elapsed());
            full_cpu.push(Duration::from_secs_f64(cpu_secs() - cpu));
            assert_eq!(sync.entities.len(), n);
            assert_eq!(sync.skipped_locations, 100);
            assert!(sync.snapshot == snapshot);
        }
        let full_peak = peak_mb();

        let secs = |d: Duration| d.as_secs_f64();
        println!("runs: {runs} each; peak RSS {base:.0} MB before, {with_snapshot:.0} MB with the {n}-entity snapshot");
        println!(
            "no-change refresh  median {:.3} s (min {:.3}, max {:.3}), client CPU median {:.3} s, peak RSS {refresh_peak:.0} MB",
            secs(median(refresh.clone())),
            secs(*refresh.iter().min().unwrap()),
            secs(*refresh.iter().max().unwrap()),
            secs(median(refresh_cpu)),
        );
        println!(
            "full sync          median {:.3} s (min {:.3}, max {:.3}), client CPU median {:.3} s, peak RSS {full_peak:.0} MB",
            secs(median(full.clone())),
            secs(*full.iter().min().unwrap()),
            secs(*full.iter().max().unwrap()),
            secs(median(full_cpu)),
        );
    });
    drop(child.stdin.take());
    let _ = child.wait();
}

//! Killing `index` mid-run (SIGKILL, no chance to clean up) leaves the previous index intact and
//! the next run consistent, on both backends.
//!
//! The test re-runs this test binary as a child that indexes (`child_index_run`, inert without
//! its environment variables) and kills it at a known point: while the run's transaction holds
//! written but uncommitted rows, or after the store committed but before the search index did.
//! The child pauses at that point (in its progress callback) so the kill cannot miss it.

#![allow(clippy::print_stdout, reason = "the child process reports where it paused on stdout")]

mod index_support;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use backline_answer::*;
use backline_index::{
    Index, IndexSettings, Phase, Progress, RunOptions, SearchLocation, SourceSettings, StoreSettings,
};
use index_support::{Db, TestIndex, write_tree};

const ENTITIES: usize = 3_000;

/// The child: indexes with the settings from the environment and stops at the requested
/// phase, printing a line so the parent knows when to kill.
#[tokio::test]
async fn child_index_run() {
    let (Ok(url), Ok(search), Ok(source), Ok(phase)) = (
        std::env::var("BACKLINE_KILL_URL"),
        std::env::var("BACKLINE_KILL_SEARCH"),
        std::env::var("BACKLINE_KILL_SOURCE"),
        std::env::var("BACKLINE_KILL_PHASE"),
    ) else {
        return; // not a child: nothing to do
    };
    let settings = IndexSettings {
        store: StoreSettings { url, search: SearchLocation::Dir(search.into()) },
        sources: vec![SourceSettings::dir("gen", source)],
        migrations: Vec::new(),
    };
    let index = Index::open(settings).await.expect("child opens the index");
    let stop_at = if phase == "search" { Phase::Search } else { Phase::Reading };
    let progress = Arc::new(move |p: &Progress| {
        if p.phase == stop_at {
            println!("stopping at {:?} after {} files", p.phase, p.files_seen);
            let _ = std::io::stdout().flush();
            std::thread::sleep(Duration::from_secs(60));
        }
    });
    index.index(&RunOptions { progress: Some(progress), ..RunOptions::default() }).await.expect("child run");
    println!("finished");
}

fn write_catalog(root: &Path, marker: &str) {
    for f in backline_catalog::generate::generate(ENTITIES, 11, false) {
        let content = f.content.replace("description: ", &format!("description: {marker} "));
        write_tree(root, &[(f.path.as_str(), content.as_str())]);
    }
}

/// Descriptions of every entity, by marker: how many say `old`, how many `new`.
async fn markers(ix: &Index) -> (usize, usize, usize) {
    let a = ix.answer(&Query::Find { filters: vec![] }).await.unwrap();
    let AnswerBody::Find(f) = a.body else { panic!() };
    let all: Vec<&EntitySummary> = f.groups.iter().flat_map(|g| &g.entities).collect();
    let count = |m: &str| all.iter().filter(|e| e.description.as_deref().is_some_and(|d| d.starts_with(m))).count();
    (all.len(), count("OLDMARK"), count("NEWMARK"))
}

async fn kill_child(t: &TestIndex, source: &Path, phase: &str) {
    let search = match &t.settings.store.search {
        SearchLocation::Dir(d) => d.clone(),
        SearchLocation::Memory => unreachable!(),
    };
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_index_run", "--nocapture", "--test-threads=1"])
        .env("BACKLINE_KILL_URL", &t.settings.store.url)
        .env("BACKLINE_KILL_SEARCH", &search)
        .env("BACKLINE_KILL_SOURCE", source)
        .env("BACKLINE_KILL_PHASE", phase)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().unwrap();
    // Watchdog: a child that never reaches its stop point is killed after two minutes, so a
    // regression fails this test instead of hanging the suite (CI has a time limit).
    let pid = child.id();
    let reaped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog_reaped = reaped.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(120));
        // Only while the child is still ours: after `wait` its pid may belong to someone else.
        if !watchdog_reaped.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    });
    let mut lines = BufReader::new(stdout).lines();
    let line = loop {
        match lines.next() {
            // The harness may print "test child_index_run ... " on the same line first.
            Some(Ok(l)) if l.contains("stopping at") || l.contains("finished") => break l,
            Some(Ok(_)) => continue,
            other => panic!("child ended without reaching {phase}: {other:?}"),
        }
    };
    assert!(line.contains("stopping at"), "the child must be stopped mid-run, got {line}");
    child.kill().expect("kill");
    let status = child.wait().unwrap();
    reaped.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(status.signal(), Some(9), "killed with SIGKILL");
}

async fn killed_mid_transaction(db: Db) {
    let src = tempfile::tempdir().unwrap();
    write_catalog(src.path(), "OLDMARK");
    let Some(t) = TestIndex::new(db, vec![SourceSettings::dir("gen", src.path())]).await else { return };
    let ix = t.open().await;
    ix.index(&RunOptions::default()).await.unwrap();
    let (total, old, new) = markers(&ix).await;
    assert!(total > 2_000 && old > 1_000 && new == 0, "{total} {old} {new}");
    let generation = ix.store().generation().await.unwrap();
    ix.close().await;

    // Every file changes; the child dies with the first chunk written but not committed.
    write_catalog(src.path(), "NEWMARK");
    kill_child(&t, src.path(), "reading").await;

    let ix = t.open().await;
    assert_eq!(markers(&ix).await, (total, old, 0), "the previous index is intact");
    assert_eq!(ix.store().generation().await.unwrap(), generation);
    assert!(ix.search("newmark", 5).await.unwrap().hits.is_empty());
    assert!(!ix.search("oldmark", 5).await.unwrap().hits.is_empty());

    // The next run is complete and consistent.
    let r = ix.index(&RunOptions { wait_for_lock: true, ..RunOptions::default() }).await.unwrap();
    assert!(r.sources[0].files_parsed > 0);
    assert_eq!(markers(&ix).await, (total, 0, old));
    assert!(ix.search("oldmark", 5).await.unwrap().hits.is_empty());
    assert!(!ix.search("newmark", 5).await.unwrap().hits.is_empty());
    ix.close().await;
    t.cleanup().await;
}

async fn killed_before_search_commit(db: Db) {
    let src = tempfile::tempdir().unwrap();
    write_catalog(src.path(), "OLDMARK");
    let Some(t) = TestIndex::new(db, vec![SourceSettings::dir("gen", src.path())]).await else { return };
    let ix = t.open().await;
    ix.index(&RunOptions::default()).await.unwrap();
    let (total, old, _) = markers(&ix).await;
    ix.close().await;

    // The store commits, the search index does not: the next reader catches it up.
    write_catalog(src.path(), "NEWMARK");
    kill_child(&t, src.path(), "search").await;
    let ix = t.open().await;
    assert_eq!(markers(&ix).await, (total, 0, old), "the store committed");
    assert!(ix.search("oldmark", 5).await.unwrap().hits.is_empty(), "search caught up on open");
    assert!(!ix.search("newmark", 5).await.unwrap().hits.is_empty());
    let r = ix.index(&RunOptions { wait_for_lock: true, ..RunOptions::default() }).await.unwrap();
    assert_eq!(r.sources[0].files_parsed, 0, "nothing left to do");
    ix.close().await;
    t.cleanup().await;
}

both_backends!(killed_mid_transaction, killed_before_search_commit);

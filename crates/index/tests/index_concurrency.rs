//! Several processes on one store: readers and a second `index` while a run holds SQLite's write
//! transaction, replicas opening a new PostgreSQL schema at the same moment, and a store on a
//! read-only filesystem.
//!
//! The run is paused inside its transaction (in its progress callback, on a thread of its own
//! with its own pool, as another process would be) until the checks are done, so nothing here
//! depends on timing.

mod index_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, mpsc};

use backline_answer::*;
use backline_index::{
    Index, IndexError, IndexSettings, Phase, Progress, ProgressFn, RunOptions, SourceSettings, Store, StoreSettings,
};
use index_support::{Db, TestIndex, example_catalog, write_tree};

fn write_catalog(root: &Path, marker: &str) {
    for f in backline_catalog::generate::generate(600, 7, false) {
        let content = f.content.replace("description: ", &format!("description: {marker} "));
        write_tree(root, &[(f.path.as_str(), content.as_str())]);
    }
}

/// Lets the paused run go on when dropped, so a failed check cannot leave it hanging.
struct Resume(Option<mpsc::Sender<()>>);

impl Drop for Resume {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts `index` on its own thread and runtime; returns once the run is paused inside its
/// write transaction (reading the source), with what resumes it and its outcome.
fn paused_run(settings: IndexSettings) -> (Resume, std::thread::JoinHandle<Result<i64, IndexError>>) {
    let (paused_tx, paused_rx) = mpsc::channel::<()>();
    let (resume_tx, resume_rx) = mpsc::channel::<()>();
    let hook = Arc::new(Mutex::new(Some((paused_tx, resume_rx))));
    let progress: ProgressFn = Arc::new(move |p: &Progress| {
        if p.phase == Phase::Reading
            && let Some((paused, resume)) = hook.lock().expect("hook").take()
        {
            let _ = paused.send(());
            let _ = resume.recv();
        }
    });
    let runner = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async move {
            let ix = Index::open(settings).await?;
            let report = ix.index(&RunOptions { progress: Some(progress), ..RunOptions::default() }).await;
            ix.close().await;
            report.map(|r| r.generation)
        })
    });
    paused_rx.recv().expect("the run pauses inside its transaction");
    (Resume(Some(resume_tx)), runner)
}

fn find_all() -> Query {
    Query::Find { filters: vec![] }
}

/// While a run holds SQLite's write lock, other processes open the index and answer from the
/// last committed state, and a second run is refused at once (or waits, when asked to).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_and_a_second_run_during_a_sqlite_run() {
    let src = tempfile::tempdir().expect("tempdir");
    write_catalog(src.path(), "OLDMARK");
    let t = TestIndex::new(Db::Sqlite, vec![SourceSettings::dir("gen", src.path())]).await.expect("sqlite");
    let ix = t.open().await;
    let first = ix.index(&RunOptions::default()).await.expect("first run");
    ix.close().await;
    drop(ix);
    write_catalog(src.path(), "NEWMARK");

    let (resume, runner) = paused_run(t.settings.clone());
    let reader = Arc::new(Index::open(t.settings.clone()).await.expect("a reader opens during a run"));
    let AnswerBody::Find(all) = reader.answer(&find_all()).await.expect("find during a run").body else {
        panic!("a find answer")
    };
    assert!(all.total > 500, "the committed catalog: {}", all.total);
    assert!(!reader.search("oldmark", 5).await.expect("search during a run").hits.is_empty());
    assert!(reader.search("newmark", 5).await.expect("search during a run").hits.is_empty());
    let owner = reader.ask("who owns the first component?").await.expect("ask during a run");
    assert!(!owner.summary.is_empty());
    let second = reader.index(&RunOptions::default()).await;
    assert!(matches!(second, Err(IndexError::Busy)), "a second run is refused at once: {second:?}");

    // Asked to wait, a second run starts once the first has committed.
    let waiting = {
        let reader = reader.clone();
        tokio::spawn(async move { reader.index(&RunOptions { wait_for_lock: true, ..RunOptions::default() }).await })
    };
    drop(resume);
    let generation = runner.join().expect("runner thread").expect("the paused run completes");
    assert!(generation > first.generation);
    let after = waiting.await.expect("task").expect("the waiting run completes");
    assert!(after.generation >= generation);
    assert!(!reader.search("newmark", 5).await.expect("search").hits.is_empty());
    reader.close().await;
}

/// Replicas started together on a new schema all open it (the schema is created and migrated
/// once, the others wait for that and go on).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_opening_a_new_postgres_schema_together() {
    for _round in 0..3 {
        let Some(t) = TestIndex::new(Db::Postgres, Vec::new()).await else { return };
        let opens: Vec<_> = (0..6)
            .map(|_| {
                let settings: StoreSettings = t.settings.store.clone();
                tokio::spawn(async move {
                    let store = Store::open(&settings).await?;
                    let generation = store.generation().await?;
                    store.close().await;
                    Ok::<i64, IndexError>(generation)
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for open in opens {
            outcomes.push(open.await.expect("task"));
        }
        t.cleanup().await;
        for outcome in outcomes {
            assert_eq!(outcome.expect("every replica opens the new schema"), 0);
        }
    }
}

/// A tmpfs mounted for the test, unmounted on drop.
struct Mount(PathBuf);

impl Mount {
    /// `None` when this process may not mount (not root): skipped, except under CI.
    fn tmpfs(at: &Path) -> Option<Mount> {
        std::fs::create_dir_all(at).expect("mount point");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(Mount(at.to_owned()));
        }
        assert!(std::env::var_os("CI").is_none(), "CI must be able to mount a tmpfs (root) for this test");
        eprintln!("skipping: cannot mount a tmpfs here");
        None
    }

    fn remount_read_only(&self) {
        let ok = Command::new("mount").args(["-o", "remount,ro"]).arg(&self.0).status().is_ok_and(|s| s.success());
        assert!(ok, "remount read-only");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// An index on a read-only filesystem (a CD, a read-only volume in a container) answers
/// questions; indexing it says why it cannot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_on_a_read_only_filesystem_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(mount) = Mount::tmpfs(&dir.path().join("ro")) else { return };
    let settings = IndexSettings {
        store: StoreSettings::sqlite(&mount.0.join(".backline/index.db")),
        sources: vec![SourceSettings::dir("northwind", example_catalog())],
        migrations: Vec::new(),
    };
    let ix = Index::open(settings.clone()).await.expect("open");
    ix.index(&RunOptions::default()).await.expect("index");
    let before = ix.ask("who owns payments-api").await.expect("ask");
    ix.close().await;
    drop(ix);

    mount.remount_read_only();
    assert!(std::fs::write(mount.0.join("probe"), "x").is_err(), "even root cannot write there now");
    let ix = Index::open(settings).await.expect("a read-only store opens");
    assert!(ix.store().is_read_only());
    let after = ix.ask("who owns payments-api").await.expect("ask a read-only store");
    assert_eq!(after.summary, before.summary);
    assert!(!ix.search("payments", 5).await.expect("search a read-only store").hits.is_empty());
    let run = ix.index(&RunOptions::default()).await;
    assert!(matches!(run, Err(IndexError::ReadOnly { .. })), "{run:?}");
    ix.close().await;
}

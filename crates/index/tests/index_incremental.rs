//! Index runs on both backends: incremental updates (only changed files parsed, store and
//! search updated without a rebuild), invalid entities kept with their findings, YAML errors
//! keeping the last good entity, failing sources kept and marked stale, git sources read at a
//! revision, the indexing lock, and readers answering during a run.

mod index_support;

use std::path::Path;
use std::process::Command;

use backline_answer::*;
use backline_index::{IndexError, RunOptions, SourceSettings};
use index_support::{Db, TestIndex, write_tree};

const TEAM: &str = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
  members: [alice]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: alice
spec:
  profile:
    email: alice@example.com
  memberOf: [team-a]
";

fn component(name: &str, description: &str, depends: &[&str]) -> String {
    let deps = if depends.is_empty() {
        String::new()
    } else {
        format!("  dependsOn: [{}]\n", depends.iter().map(|d| format!("component:{d}")).collect::<Vec<_>>().join(", "))
    };
    format!(
        "apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  description: {description}
spec:
  type: service
  lifecycle: production
  owner: team-a
{deps}"
    )
}

fn root_location() -> &'static str {
    "apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: root
spec:
  targets:
    - ./org.yaml
    - ./services/*/service.yaml
    - ./optional/missing.yaml
"
}

fn ownership(a: &Answer) -> &OwnershipAnswer {
    match &a.body {
        AnswerBody::Ownership(o) => o,
        other => panic!("{}: {other:#?}", a.question),
    }
}

fn search_names(a: &SearchAnswer) -> Vec<String> {
    a.hits.iter().map(|h| h.entity.name.clone()).collect()
}

async fn incremental_updates(db: Db) {
    let src = tempfile::tempdir().unwrap();
    let root = src.path();
    write_tree(
        root,
        &[
            ("catalog-info.yaml", root_location()),
            ("org.yaml", TEAM),
            ("services/alpha/service.yaml", &component("alpha-service", "Handles alpha things.", &[])),
            ("services/beta/service.yaml", &component("beta-service", "Handles beta things.", &["alpha-service"])),
            // Not reached: not a catalog file name and not a Location target.
            ("services/gamma/other.yaml", &component("gamma-service", "Never indexed.", &[])),
        ],
    );
    let Some(t) = TestIndex::new(db, vec![SourceSettings::dir("local", root)]).await else { return };
    let ix = t.open().await;
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!((r.sources[0].files_seen, r.sources[0].files_parsed), (4, 4), "{r:?}");
    assert_eq!(r.generation, 1);
    let s = ix.search("alpha", 10).await.unwrap();
    assert_eq!(search_names(&s), ["alpha-service"]);
    assert!(matches!(ix.ask("who owns gamma-service").await.unwrap().body, AnswerBody::NotFound(_)));
    // A missing Location target is a finding on the Location's file.
    let h = ix.health().await.unwrap();
    let root_findings = h.entities_with_findings.iter().find(|e| e.entity.entity_ref == "location:default/root");
    let root_findings = root_findings.unwrap_or_else(|| panic!("{h:#?}"));
    assert!(
        root_findings.findings.iter().any(|f| f.location.file == "catalog-info.yaml"
            && f.location.line == 9
            && f.message.contains("missing.yaml")),
        "{root_findings:#?}"
    );

    // Nothing changed: nothing parsed, no new generation.
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!((r.sources[0].files_parsed, r.generation, r.changed_entities), (0, 1, 0), "{r:?}");

    // Touching a file without changing it: read and hashed, not parsed.
    let beta = root.join("services/beta/service.yaml");
    let text = std::fs::read_to_string(&beta).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&beta, &text).unwrap();
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!((r.sources[0].files_parsed, r.generation), (0, 1), "{r:?}");

    // One file changes: only it is parsed; store and search follow.
    std::fs::write(&beta, component("beta-renamed", "Handles zeta things now.", &["alpha-service"])).unwrap();
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!((r.sources[0].files_parsed, r.generation, r.changed_entities), (1, 2, 2), "{r:?}");
    // The old name is gone; the closest match is the renamed entity.
    match ix.ask("who owns beta-service").await.unwrap().body {
        AnswerBody::Ownership(o) => assert_eq!(o.entity.name, "beta-renamed"),
        AnswerBody::NotFound(_) | AnswerBody::Ambiguous(_) => {}
        other => panic!("{other:#?}"),
    }
    assert_eq!(ownership(&ix.ask("who owns beta-renamed").await.unwrap()).owner.as_ref().unwrap().name, "team-a");
    let s = ix.search("zeta", 10).await.unwrap();
    assert_eq!(search_names(&s), ["beta-renamed"]);
    let s = ix.search("beta", 10).await.unwrap();
    assert!(!search_names(&s).contains(&"beta-service".to_owned()));
    let d = ix.answer(&Query::Dependents { name: "alpha-service".into(), depth: 1 }).await.unwrap();
    let AnswerBody::Dependencies(d) = d.body else { panic!() };
    assert_eq!(d.nodes.iter().map(|n| n.entity.name.as_str()).collect::<Vec<_>>(), ["beta-renamed"]);

    // A new file reached through the glob; a deleted file disappears.
    write_tree(root, &[("services/delta/service.yaml", &component("delta-service", "New.", &[]))]);
    std::fs::remove_file(root.join("services/alpha/service.yaml")).unwrap();
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!((r.sources[0].files_parsed, r.sources[0].files_deleted), (1, 1), "{r:?}");
    assert!(matches!(ix.ask("who owns alpha-service").await.unwrap().body, AnswerBody::NotFound(_)));
    assert_eq!(ownership(&ix.ask("who owns delta-service").await.unwrap()).entity.name, "delta-service");
    let s = ix.search("alpha", 10).await.unwrap();
    assert!(s.hits.is_empty(), "{:?}", search_names(&s));
    // The dependency on the deleted component is now dangling.
    let a = ix.ask("what does beta-renamed depend on").await.unwrap();
    let AnswerBody::Dependencies(d) = a.body else { panic!() };
    assert!(!d.nodes[0].entity.exists);

    // A second process catches its search index up from the store's change log.
    let other = t.open().await;
    write_tree(root, &[("services/delta/service.yaml", &component("delta-service", "Now about kiwis.", &[]))]);
    ix.index(&RunOptions::default()).await.unwrap();
    other.sync_search().await.unwrap();
    assert_eq!(search_names(&other.search("kiwis", 10).await.unwrap()), ["delta-service"]);
    other.close().await;
    ix.close().await;
    t.cleanup().await;
}

/// The watcher path: known files updated without walking the tree.
async fn update_known_files(db: Db) {
    let src = tempfile::tempdir().unwrap();
    let root = src.path();
    write_tree(
        root,
        &[
            ("org.catalog-info.yaml", TEAM),
            ("a.catalog-info.yaml", &component("alpha-service", "Alpha.", &[])),
            ("b.catalog-info.yaml", &component("beta-service", "Beta.", &["alpha-service"])),
        ],
    );
    let Some(t) = TestIndex::new(db, vec![SourceSettings::dir("local", root)]).await else { return };
    let ix = t.open().await;
    ix.index(&RunOptions::default()).await.unwrap();

    // Known files: one changed, one deleted; an editor's temporary file is ignored.
    write_tree(root, &[("a.catalog-info.yaml", &component("alpha-service", "Now about plums.", &[]))]);
    write_tree(root, &[("4913", "scratch")]);
    std::fs::remove_file(root.join("b.catalog-info.yaml")).unwrap();
    let paths = ["a.catalog-info.yaml", "b.catalog-info.yaml", "4913"].map(|p| root.join(p));
    let r = ix.update_files("local", &paths, &RunOptions::default()).await.unwrap();
    let s = &r.sources[0];
    assert_eq!((s.files_seen, s.files_parsed, s.files_deleted), (1, 1, 1), "{r:?}");
    assert_eq!(search_names(&ix.search("plums", 5).await.unwrap()), ["alpha-service"]);
    assert!(matches!(
        ix.ask("who owns beta-service").await.unwrap().body,
        AnswerBody::NotFound(_) | AnswerBody::Ambiguous(_)
    ));
    // A new file needs the walk's rules: the update falls back to a full run of the source.
    write_tree(root, &[("c.catalog-info.yaml", &component("gamma-service", "New.", &["alpha-service"]))]);
    let r = ix.update_files("local", &[root.join("c.catalog-info.yaml")], &RunOptions::default()).await.unwrap();
    assert_eq!((r.sources[0].files_seen, r.sources[0].files_parsed), (3, 1), "a full run: {r:?}");
    assert_eq!(ownership(&ix.ask("who owns gamma-service").await.unwrap()).owner.as_ref().unwrap().name, "team-a");
    // A removed directory removes the files known under it (and only those).
    write_tree(root, &[("sub/d.catalog-info.yaml", &component("delta-service", "Deep.", &[]))]);
    write_tree(root, &[("subway.catalog-info.yaml", &component("subway-service", "Beside.", &[]))]);
    ix.index(&RunOptions::default()).await.unwrap();
    std::fs::remove_dir_all(root.join("sub")).unwrap();
    let r = ix.update_files("local", &[root.join("sub")], &RunOptions::default()).await.unwrap();
    assert_eq!((r.sources[0].files_seen, r.sources[0].files_deleted), (0, 1), "{r:?}");
    assert!(search_names(&ix.search("delta-service", 5).await.unwrap()).is_empty());
    assert_eq!(search_names(&ix.search("subway-service", 5).await.unwrap()), ["subway-service"]);
    // Unchanged files are not parsed; a full run afterwards finds nothing to do.
    let r = ix.update_files("local", &paths[..1], &RunOptions::default()).await.unwrap();
    assert_eq!(r.sources[0].files_parsed, 0);
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!((r.sources[0].files_parsed, r.sources[0].files_deleted), (0, 0), "{r:?}");
    assert!(ix.update_files("nope", &paths, &RunOptions::default()).await.is_err());
    ix.close().await;
    t.cleanup().await;
}

async fn invalid_entities_and_yaml_errors(db: Db) {
    let src = tempfile::tempdir().unwrap();
    let root = src.path();
    let broken_name = "apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: stock-levels
  tags: [Python 2.7]
spec:
  type: service
  lifecycle: production
  owner: team-a
";
    write_tree(
        root,
        &[
            ("org.catalog-info.yaml", TEAM),
            ("stock.catalog-info.yaml", broken_name),
            ("pay.catalog-info.yaml", &component("payments-api", "Payments.", &[])),
        ],
    );
    let Some(t) = TestIndex::new(db, vec![SourceSettings::dir("local", root)]).await else { return };
    let ix = t.open().await;
    ix.index(&RunOptions::default()).await.unwrap();

    // Invalid: stored with its findings, and answers say so.
    let a = ix.ask("who owns stock-levels").await.unwrap();
    let o = ownership(&a);
    assert!(!o.entity.valid);
    let err = o.entity.first_error.as_ref().expect("first error");
    assert_eq!((err.location.file.as_str(), err.location.line), ("stock.catalog-info.yaml", 5));
    assert!(a.summary.contains("exists but its file has an error at stock.catalog-info.yaml:5"), "{}", a.summary);
    assert!(!o.findings.is_empty());
    let h = ix.health().await.unwrap();
    assert!(h.entities_with_findings.iter().any(|e| e.entity.name == "stock-levels"));

    // The payments file stops parsing: its entity keeps its last good state, flagged.
    let pay = root.join("pay.catalog-info.yaml");
    std::fs::write(
        &pay,
        component("payments-api", "Payments.", &[]).replace("owner: team-a", "owner: team-a\n  bad: [unclosed"),
    )
    .unwrap();
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!(r.sources[0].files_parsed, 1);
    let a = ix.ask("who owns payments-api").await.unwrap();
    let o = ownership(&a);
    assert_eq!(o.owner.as_ref().unwrap().name, "team-a", "last good state kept");
    assert!(!o.entity.valid);
    let err = o.entity.first_error.as_ref().expect("the YAML error");
    assert_eq!(err.location.file, "pay.catalog-info.yaml");
    assert!(a.summary.contains("exists but its file has an error"), "{}", a.summary);
    // Still broken on the next change: still kept.
    std::fs::write(&pay, "kind: [\n").unwrap();
    ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!(ownership(&ix.ask("who owns payments-api").await.unwrap()).owner.as_ref().unwrap().name, "team-a");
    // Fixed: valid again, nothing carried.
    std::fs::write(&pay, component("payments-api", "Payments again.", &[])).unwrap();
    ix.index(&RunOptions::default()).await.unwrap();
    let a = ix.ask("who owns payments-api").await.unwrap();
    assert!(ownership(&a).entity.valid && ownership(&a).entity.first_error.is_none(), "{a:#?}");
    assert_eq!(ix.health().await.unwrap().entity_count, 4);
    ix.close().await;
    t.cleanup().await;
}

async fn failing_source_is_stale(db: Db) {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    write_tree(one.path(), &[("catalog-info.yaml", TEAM)]);
    write_tree(two.path(), &[("catalog-info.yaml", &component("orders-db-client", "Orders.", &[]))]);
    let two_path = two.path().to_owned();
    let sources = vec![SourceSettings::dir("one", one.path()), SourceSettings::dir("two", &two_path)];
    let Some(t) = TestIndex::new(db, sources).await else { return };
    let ix = t.open().await;
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert!(r.failed_sources().next().is_none());
    assert!(ix.ask("who owns orders-db-client").await.unwrap().stale_sources.is_empty());

    // Source two disappears; source one changes.
    drop(two);
    write_tree(one.path(), &[("more.catalog-info.yaml", &component("new-thing", "New.", &[]))]);
    let r = ix.index(&RunOptions::default()).await.unwrap();
    let failed: Vec<&str> = r.failed_sources().map(|s| s.name.as_str()).collect();
    assert_eq!(failed, ["two"]);
    assert!(r.sources[1].error.as_deref().unwrap().contains("does not exist"));
    // One was updated; two kept its last good index and is stale in answers relying on it.
    assert!(matches!(ix.ask("who owns new-thing").await.unwrap().body, AnswerBody::Ownership(_)));
    assert!(ix.ask("who owns new-thing").await.unwrap().stale_sources.is_empty());
    let a = ix.ask("who owns orders-db-client").await.unwrap();
    assert_eq!(ownership(&a).owner.as_ref().unwrap().name, "team-a");
    assert_eq!(a.stale_sources.len(), 1);
    assert_eq!(a.stale_sources[0].name, "two");
    assert!(a.stale_sources[0].last_success.is_some());
    assert!(ownership(&a).entity.defined_at.as_ref().unwrap().stale);
    let h = ix.answer(&Query::Health).await.unwrap();
    assert_eq!(h.stale_sources.len(), 1);
    let sources = ix.sources().await.unwrap();
    assert!(sources.iter().any(|s| s.name == "two" && s.last_error.is_some() && s.entity_count == 1));
    ix.close().await;
    t.cleanup().await;
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

async fn git_source(db: Db) {
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    git(r, &["init", "-q", "-b", "main"]);
    write_tree(
        r,
        &[
            ("catalog-info.yaml", root_location()),
            ("org.yaml", TEAM),
            ("services/alpha/service.yaml", &component("alpha-service", "First version.", &[])),
        ],
    );
    git(r, &["add", "-A"]);
    git(r, &["commit", "-q", "-m", "one"]);
    let first = git(r, &["rev-parse", "HEAD"]);
    // Uncommitted changes are invisible to a git source.
    write_tree(r, &[("services/alpha/service.yaml", &component("alpha-service", "Uncommitted.", &[]))]);
    let Some(t) = TestIndex::new(db, vec![SourceSettings::git("repo", r, "main")]).await else { return };
    let ix = t.open().await;
    let report = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!(report.sources[0].revision.as_deref(), Some(first.as_str()));
    assert_eq!(report.sources[0].files_parsed, 3);
    let a = ix.ask("what is alpha-service").await.unwrap();
    let AnswerBody::Entity(e) = &a.body else { panic!("{a:#?}") };
    assert_eq!(e.entity.description.as_deref(), Some("First version."));
    assert_eq!(e.entity.defined_at.as_ref().unwrap().file, "services/alpha/service.yaml");

    git(r, &["commit", "-q", "-am", "two"]);
    let report = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!(report.sources[0].files_parsed, 1, "only the changed blob");
    let a = ix.ask("what is alpha-service").await.unwrap();
    let AnswerBody::Entity(e) = &a.body else { panic!() };
    assert_eq!(e.entity.description.as_deref(), Some("Uncommitted."));

    // Back to the first commit; an unknown revision makes the source stale, not empty.
    let report = ix.index_sources(&[SourceSettings::git("repo", r, &first)], &RunOptions::default()).await.unwrap();
    assert_eq!(report.sources[0].files_parsed, 1);
    let report =
        ix.index_sources(&[SourceSettings::git("repo", r, "no-such-branch")], &RunOptions::default()).await.unwrap();
    assert!(report.sources[0].error.as_deref().unwrap().contains("no-such-branch"));
    let a = ix.ask("what is alpha-service").await.unwrap();
    let AnswerBody::Entity(e) = &a.body else { panic!() };
    assert_eq!(e.entity.description.as_deref(), Some("First version."));
    assert_eq!(a.stale_sources.len(), 1);
    ix.close().await;
    t.cleanup().await;
}

/// A remote repository (`file://`, the same fetch as over HTTPS or SSH) mirrored and read at a
/// branch and at a tag; a fetch that fails reads the last good mirror and the source is stale.
async fn remote_git_source(db: Db) {
    let repo = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let r = repo.path();
    git(r, &["init", "-q", "-b", "main"]);
    write_tree(
        r,
        &[
            ("catalog-info.yaml", root_location()),
            ("org.yaml", TEAM),
            ("services/alpha/service.yaml", &component("alpha-service", "First version.", &[])),
        ],
    );
    git(r, &["add", "-A"]);
    git(r, &["commit", "-q", "-m", "one"]);
    git(r, &["tag", "-a", "-m", "v1", "v1"]);
    let first = git(r, &["rev-parse", "HEAD"]);
    let url = format!("file://{}", r.display());
    let mirror = cache.path().join("mirror");
    let source = SourceSettings::remote_git("remote", &url, "main", &mirror);
    let Some(t) = TestIndex::new(db, vec![source.clone()]).await else { return };
    let ix = t.open().await;
    let report = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!(report.sources[0].error, None);
    assert_eq!(report.sources[0].revision.as_deref(), Some(first.as_str()));
    assert_eq!(report.sources[0].files_parsed, 3);
    assert!(mirror.join("HEAD").is_file() && !mirror.join("services").exists(), "a bare mirror, no checkout");
    assert!(mirror.join("shallow").is_file(), "fetched with --depth 1");

    // A new commit is fetched on the next run; only its changed blob is parsed.
    write_tree(r, &[("services/alpha/service.yaml", &component("alpha-service", "Second version.", &[]))]);
    git(r, &["commit", "-q", "-am", "two"]);
    let report = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!((report.sources[0].files_parsed, report.sources[0].error.as_deref()), (1, None));
    let a = ix.ask("what is alpha-service").await.unwrap();
    let AnswerBody::Entity(e) = &a.body else { panic!("{a:#?}") };
    assert_eq!(e.entity.description.as_deref(), Some("Second version."));

    // A tag, into the same mirror.
    let tagged = SourceSettings::remote_git("remote", &url, "v1", &mirror);
    let report = ix.index_sources(std::slice::from_ref(&tagged), &RunOptions::default()).await.unwrap();
    assert_eq!(report.sources[0].revision.as_deref(), Some(first.as_str()));

    // The remote goes away: the last good mirror is read, and the source is stale.
    let moved = r.with_extension("moved");
    std::fs::rename(r, &moved).unwrap();
    let report = ix.index(&RunOptions::default()).await.unwrap();
    let error = report.sources[0].error.as_deref().expect("stale");
    assert!(error.contains("fetching") && error.contains("last good mirror"), "{error}");
    let a = ix.ask("what is alpha-service").await.unwrap();
    let AnswerBody::Entity(e) = &a.body else { panic!("{a:#?}") };
    assert_eq!(e.entity.description.as_deref(), Some("Second version."));
    assert_eq!(a.stale_sources.len(), 1);
    // A revision the mirror never had: nothing to fall back on, the source keeps its rows.
    let unknown = SourceSettings::remote_git("remote", &url, "no-such-branch", &mirror);
    let report = ix.index_sources(&[unknown], &RunOptions::default()).await.unwrap();
    assert!(report.sources[0].error.as_deref().unwrap().contains("failed"), "{report:?}");
    assert!(matches!(ix.ask("what is alpha-service").await.unwrap().body, AnswerBody::Entity(_)));
    std::fs::rename(&moved, r).unwrap();
    let report = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!(report.sources[0].error, None);
    assert!(ix.ask("what is alpha-service").await.unwrap().stale_sources.is_empty());
    ix.close().await;
    t.cleanup().await;
}

async fn one_indexer_at_a_time(db: Db) {
    let src = tempfile::tempdir().unwrap();
    write_tree(src.path(), &[("catalog-info.yaml", TEAM)]);
    let Some(t) = TestIndex::new(db, vec![SourceSettings::dir("local", src.path())]).await else { return };
    let a = t.open().await;
    let b = t.open().await;
    let lock = a.lock(false).await.unwrap().expect("free");
    assert!(b.lock(false).await.unwrap().is_none(), "held by a");
    assert!(matches!(b.index(&RunOptions::default()).await, Err(IndexError::Busy)));
    lock.release().await;
    b.index(&RunOptions::default()).await.unwrap();
    assert!(a.lock(false).await.unwrap().is_some());
    a.close().await;
    b.close().await;
    t.cleanup().await;
}

/// Sleeps until 100 ms into the wall clock's next second: files written before are then not
/// racy for a run that starts after (file time stamps may lag the clock by a kernel tick), and
/// files written right after are racy for a run that starts at once.
fn wait_for_next_second() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    std::thread::sleep(std::time::Duration::from_nanos(1_100_000_000 - u64::from(now.subsec_nanos())));
}

/// `(files read, files parsed)` of a run of the only source.
fn read_and_parsed(r: &backline_index::IndexReport) -> (usize, usize) {
    (r.sources[0].files_read, r.sources[0].files_parsed)
}

/// What is read is decided by the stat: an unchanged file is not opened, a touched file is read
/// and hashed but not parsed, and a file changed in the second its run started is read again by
/// the next run (its stat could not prove it unchanged), so a same-size change that put its
/// modification time back is still picked up.
async fn stat_decides_what_is_read(db: Db) {
    let src = tempfile::tempdir().unwrap();
    let root = src.path();
    write_tree(
        root,
        &[("org.catalog-info.yaml", TEAM), ("a.catalog-info.yaml", &component("alpha-service", "About apples.", &[]))],
    );
    let a = root.join("a.catalog-info.yaml");
    let Some(t) = TestIndex::new(db, vec![SourceSettings::dir("local", root)]).await else { return };
    let ix = t.open().await;
    assert_eq!(read_and_parsed(&ix.index(&RunOptions::default()).await.unwrap()), (2, 2));
    wait_for_next_second();
    // Files written in the first run's second had a racy stat: this run reads them, hashes them
    // (unchanged, nothing parsed) and keeps their stat, now from an earlier second.
    assert_eq!(read_and_parsed(&ix.index(&RunOptions::default()).await.unwrap()).1, 0);
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!((read_and_parsed(&r), r.sources[0].files_seen), ((0, 0), 2), "stat-ed, not read: {r:?}");

    // Touched without a change: read and hashed, not parsed, no new generation.
    wait_for_next_second();
    let text = std::fs::read_to_string(&a).unwrap();
    std::fs::write(&a, &text).unwrap();
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!((read_and_parsed(&r), r.generation), ((1, 0), 1), "{r:?}");
    // It was touched in that run's second: its stat is racy, so the next run reads it again.
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!(read_and_parsed(&r), (1, 0), "{r:?}");

    // Same size, modification time put back: picked up all the same.
    let mtime = std::fs::metadata(&a).unwrap().modified().unwrap();
    let changed = text.replace("apples", "plums!");
    assert_eq!(changed.len(), text.len());
    std::fs::write(&a, &changed).unwrap();
    std::fs::File::options().write(true).open(&a).unwrap().set_modified(mtime).unwrap();
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!((read_and_parsed(&r), r.generation), ((1, 1), 2), "{r:?}");
    assert_eq!(search_names(&ix.search("plums", 5).await.unwrap()), ["alpha-service"]);
    ix.close().await;
    t.cleanup().await;
}

/// Readers keep answering, from the last committed state, while a run writes.
async fn readers_during_a_run(db: Db) {
    let src = tempfile::tempdir().unwrap();
    for f in backline_catalog::generate::generate(2_000, 7, false) {
        write_tree(src.path(), &[(f.path.as_str(), f.content.as_str())]);
    }
    let Some(t) = TestIndex::new(db, vec![SourceSettings::dir("gen", src.path())]).await else { return };
    let writer = t.open().await;
    writer.index(&RunOptions::default()).await.unwrap();
    let reader = t.open().await;
    let before = reader.health().await.unwrap().entity_count;
    // Change every file, then re-index while reading.
    for f in backline_catalog::generate::generate(2_000, 8, false) {
        write_tree(src.path(), &[(f.path.as_str(), f.content.as_str())]);
    }
    let run = tokio::spawn(async move {
        let r = writer.index(&RunOptions::default()).await;
        writer.close().await;
        r
    });
    let mut answered = 0;
    while !run.is_finished() {
        let a = reader.answer(&Query::Owner { name: "team-payments-0".into() }).await.expect("read during the run");
        assert!(matches!(a.body, AnswerBody::Ownership(_)), "{a:#?}");
        let s = reader.search("payments", 5).await.expect("search during the run");
        assert!(!s.hits.is_empty());
        answered += 1;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let r = run.await.unwrap().unwrap();
    assert!(r.sources[0].files_parsed > 0);
    assert!(answered > 0);
    assert!(reader.health().await.unwrap().entity_count > 0 && before > 0);
    reader.close().await;
    t.cleanup().await;
}

both_backends!(
    incremental_updates,
    stat_decides_what_is_read,
    update_known_files,
    invalid_entities_and_yaml_errors,
    failing_source_is_stale,
    git_source,
    remote_git_source,
    one_indexer_at_a_time,
    readers_during_a_run,
);

//! A directory source's walk reused from the last run: after each change to the tree, the run
//! indexes exactly the catalog files (and contents) a full walk finds, and lists only the
//! directories that changed. Each change is made once the last run's stats are settled (not
//! racy), so it is the stored walk's rules, not the racy rule, that must notice it.

mod index_support;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;

use backline_catalog::discover::{FileSystem, RealFs, is_catalog_file_name};
use backline_index::{Index, IndexReport, RunOptions, SourceSettings};
use index_support::{Db, TestIndex, write_tree};

fn component(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: service
  lifecycle: production
  owner: team-a
"
    )
}

/// The tree every case starts from: nested directories, ignore files at several levels (anchored
/// and unanchored patterns, a negation, a `.git` directory with an exclude file), a hidden
/// directory.
const TREE: &[(&str, &str)] = &[
    (".gitignore", "/build/\n*.skip.catalog-info.yaml\ndocs/generated/\n"),
    ("catalog-info.yaml", "root-0"),
    ("a/b/c/d/catalog-info.yaml", "deep-0"),
    ("a/b/c/d/e/x.catalog-info.yaml", "deeper-0"),
    ("a/b/other.catalog-info.yaml", "other-0"),
    ("a/b/keep.skip.catalog-info.yaml", "skipped-0"),
    ("build/catalog-info.yaml", "built-0"),
    ("src/build/catalog-info.yaml", "srcbuild-0"),
    ("docs/catalog-info.yaml", "docs-0"),
    ("docs/generated/catalog-info.yaml", "generated-0"),
    ("docs/guide/catalog-info.yaml", "guide-0"),
    ("svc/.gitignore", "ignored/\n!important.catalog-info.yaml\n*.catalog-info.yml\n"),
    ("svc/one/catalog-info.yaml", "svc-one-0"),
    ("svc/one/ignored/catalog-info.yaml", "svc-ignored-0"),
    ("svc/two/important.catalog-info.yaml", "svc-important-0"),
    ("svc/two/deep/catalog-info.yml", "svc-yml-0"),
    ("repo/.git/info/exclude", "excluded/\n"),
    ("repo/catalog-info.yaml", "repo-0"),
    ("repo/excluded/catalog-info.yaml", "repo-excluded-0"),
    ("repo/pkg/lib/catalog-info.yaml", "repo-lib-0"),
    ("tools/.ignore", "vendor/\n"),
    ("tools/vendor/catalog-info.yaml", "vendored-0"),
    ("tools/own/catalog-info.yaml", "tools-own-0"),
    (".hidden/catalog-info.yaml", "hidden-0"),
    ("plain/readme.yaml", "not-a-catalog-file"),
];

/// Rewrites a file in place: same inode, so its directory's stat does not move.
fn edit_in_place(path: &Path, text: &str) {
    let mut f = std::fs::File::options().write(true).truncate(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// A change to the tree, and the most directories the run after it may list.
struct Case {
    name: &'static str,
    change: fn(&Path),
    max_listed: usize,
}

const CASES: &[Case] = &[
    Case { name: "nothing changed", change: |_| {}, max_listed: 0 },
    Case {
        name: "file added to a deep directory",
        change: |r| write_tree(r, &[("a/b/c/d/e/new.catalog-info.yaml", &component("deep-new"))]),
        max_listed: 1,
    },
    Case {
        name: "file edited in place",
        change: |r| edit_in_place(&r.join("a/b/c/d/catalog-info.yaml"), &component("deep-1")),
        max_listed: 0,
    },
    Case {
        name: "file edited with its size and times put back",
        change: |r| {
            let p = r.join("a/b/c/d/catalog-info.yaml");
            let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
            edit_in_place(&p, &component("deep-2"));
            std::fs::File::options().write(true).open(&p).unwrap().set_modified(mtime).unwrap();
        },
        max_listed: 0,
    },
    Case {
        name: "directory added",
        change: |r| write_tree(r, &[("a/b/new/dir/catalog-info.yaml", &component("new-dir"))]),
        max_listed: 3,
    },
    Case {
        name: "file removed",
        change: |r| std::fs::remove_file(r.join("docs/guide/catalog-info.yaml")).unwrap(),
        max_listed: 1,
    },
    Case { name: "directory removed", change: |r| std::fs::remove_dir_all(r.join("a/b/c")).unwrap(), max_listed: 1 },
    Case {
        name: "directory renamed",
        change: |r| std::fs::rename(r.join("svc/one"), r.join("svc/uno")).unwrap(),
        max_listed: 2,
    },
    Case {
        name: "root .gitignore edited in place to ignore a file",
        change: |r| {
            let text = std::fs::read_to_string(r.join(".gitignore")).unwrap();
            edit_in_place(&r.join(".gitignore"), &format!("{text}tools/own/\n"));
        },
        max_listed: usize::MAX,
    },
    Case {
        name: "nested .gitignore edited in place to stop ignoring",
        change: |r| edit_in_place(&r.join("svc/.gitignore"), "!important.catalog-info.yaml\n"),
        max_listed: usize::MAX,
    },
    Case {
        name: ".ignore edited in place",
        change: |r| edit_in_place(&r.join("tools/.ignore"), "own/\n"),
        max_listed: usize::MAX,
    },
    Case {
        name: ".git/info/exclude edited in place",
        change: |r| edit_in_place(&r.join("repo/.git/info/exclude"), "pkg/\n"),
        max_listed: usize::MAX,
    },
    Case {
        name: ".gitignore created deep down",
        change: |r| write_tree(r, &[("a/b/.gitignore", "other.catalog-info.yaml\n")]),
        max_listed: usize::MAX,
    },
    Case {
        name: "file added under a directory an anchored parent pattern ignores",
        change: |r| {
            write_tree(
                r,
                &[
                    ("docs/generated/more/catalog-info.yaml", &component("generated-more")),
                    ("docs/new/catalog-info.yaml", &component("docs-new")),
                    ("src/build/more/catalog-info.yaml", &component("srcbuild-more")),
                ],
            )
        },
        max_listed: 4,
    },
    Case {
        name: "hidden directory and file added",
        change: |r| {
            write_tree(
                r,
                &[
                    ("a/.secret/catalog-info.yaml", &component("secret")),
                    ("a/b/.x.catalog-info.yaml", &component("dot")),
                ],
            )
        },
        max_listed: 2,
    },
    Case {
        name: ".git directory created",
        change: |r| write_tree(r, &[("docs/.git/info/exclude", "new/\n")]),
        max_listed: usize::MAX,
    },
    Case {
        name: "directory replaced by a file",
        change: |r| {
            std::fs::remove_dir_all(r.join("tools/own")).unwrap();
            write_tree(r, &[("tools/own", "a file now")]);
        },
        max_listed: 1,
    },
];

/// Sleeps until 100 ms into the wall clock's next second, so what was written before is not racy
/// for the runs that follow.
fn wait_for_next_second() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    std::thread::sleep(std::time::Duration::from_nanos(1_100_000_000 - u64::from(now.subsec_nanos())));
}

/// `(path, name)` of every catalog file a full walk of `root` finds.
fn expected(root: &Path) -> BTreeSet<(String, String)> {
    RealFs
        .walk(root, true)
        .into_iter()
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(is_catalog_file_name))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = text.lines().find_map(|l| l.strip_prefix("  name: ")).unwrap_or_default().to_owned();
            (p.strip_prefix(root).unwrap().to_string_lossy().into_owned(), name)
        })
        .collect()
}

/// `(path, name)` of every entity indexed from source `source`.
async fn indexed(ix: &Index, source: &str) -> BTreeSet<(String, String)> {
    ix.store()
        .entity_origins()
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.source == source)
        .map(|o| (o.path, o.entity_ref.rsplit_once('/').unwrap().1.to_owned()))
        .collect()
}

fn listed(r: &IndexReport) -> usize {
    r.sources[0].dirs_listed
}

async fn index_and_compare(ix: &Index, root: &Path, what: &str) -> IndexReport {
    let r = ix.index(&RunOptions::default()).await.unwrap();
    assert_eq!(indexed(ix, "local").await, expected(root), "{what}: {r:?}");
    r
}

async fn walk_follows_every_change(db: Db) {
    let src = tempfile::tempdir().unwrap();
    let root = src.path();
    let files: Vec<(String, String)> = TREE
        .iter()
        .map(|(p, c)| {
            let content = if p.contains("catalog-info") { component(c) } else { (*c).to_owned() };
            ((*p).to_owned(), content)
        })
        .collect();
    write_tree(root, &files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect::<Vec<_>>());
    let Some(t) = TestIndex::new(db, vec![SourceSettings::dir("local", root)]).await else { return };
    let ix = t.open().await;
    let first = index_and_compare(&ix, root, "first run").await;
    assert!(listed(&first) >= 20, "every directory listed: {first:?}");
    for case in CASES {
        // Settled: the last run's stats are not racy, so the next run trusts them.
        wait_for_next_second();
        index_and_compare(&ix, root, &format!("before {}", case.name)).await;
        let settled = index_and_compare(&ix, root, &format!("before {}", case.name)).await;
        assert_eq!(listed(&settled), 0, "before {}: nothing listed when nothing changed", case.name);
        (case.change)(root);
        let r = index_and_compare(&ix, root, case.name).await;
        assert!(listed(&r) <= case.max_listed, "{}: {} directories listed: {r:?}", case.name, listed(&r));
    }
    ix.close().await;
    t.cleanup().await;
}

/// A source whose path moves to a copy of the tree, a source pruned and added back, the
/// watcher's path between runs: each run still indexes what a full walk finds.
async fn walk_after_moves_prune_and_updates(db: Db) {
    let src = tempfile::tempdir().unwrap();
    let one = src.path().join("one");
    let two = src.path().join("two");
    for root in [&one, &two] {
        write_tree(
            root,
            &[
                ("a/catalog-info.yaml", &component("alpha")),
                ("a/b/catalog-info.yaml", &component("beta")),
                ("c/catalog-info.yaml", &component("gamma")),
            ],
        );
    }
    write_tree(&two, &[("c/d/catalog-info.yaml", &component("delta"))]);
    // Configured at `two`; the first runs index `one` under the same name.
    let Some(t) = TestIndex::new(db, vec![SourceSettings::dir("local", &two)]).await else { return };
    let ix = t.open().await;
    let at_one = [SourceSettings::dir("local", &one)];
    ix.index_sources(&at_one, &RunOptions::default()).await.unwrap();
    wait_for_next_second();
    // This run lists again what the first found racy; the next one lists nothing.
    ix.index_sources(&at_one, &RunOptions::default()).await.unwrap();
    let r = ix.index_sources(&at_one, &RunOptions::default()).await.unwrap();
    assert_eq!(indexed(&ix, "local").await, expected(&one), "{r:?}");
    assert_eq!(listed(&r), 0, "{r:?}");

    // The same source name, another directory: its walk is not reused.
    let r = index_and_compare(&ix, &two, "moved").await;
    assert!(listed(&r) >= 5, "{r:?}");

    // Pruned, then added back: walked in full again.
    let other = tempfile::tempdir().unwrap();
    write_tree(other.path(), &[("catalog-info.yaml", &component("other"))]);
    let prune = RunOptions { prune: true, ..RunOptions::default() };
    ix.index_sources(&[SourceSettings::dir("other", other.path())], &prune).await.unwrap();
    assert!(indexed(&ix, "local").await.is_empty());
    let r = ix.index(&prune).await.unwrap();
    assert_eq!(indexed(&ix, "local").await, expected(&two), "{r:?}");
    assert!(listed(&r) >= 5, "{r:?}");

    // The watcher's path settles a removed directory and a changed file; the next run agrees
    // with a full walk.
    wait_for_next_second();
    ix.index(&RunOptions::default()).await.unwrap();
    std::fs::remove_dir_all(two.join("c/d")).unwrap();
    edit_in_place(&two.join("a/b/catalog-info.yaml"), &component("beta-2"));
    ix.update_files("local", &[two.join("c/d"), two.join("a/b/catalog-info.yaml")], &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(indexed(&ix, "local").await, expected(&two));
    let r = index_and_compare(&ix, &two, "after the watcher's update").await;
    assert_eq!(r.sources[0].files_parsed, 0, "{r:?}");
    ix.close().await;
    t.cleanup().await;
}

both_backends!(walk_follows_every_change, walk_after_moves_prune_and_updates);

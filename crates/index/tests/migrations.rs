//! Migrations over a sequence of index runs on both backends: what each run records (one
//! snapshot per day, the latest run of the day winning), progress and the change since a week
//! ago, teams furthest behind first, one team's part, and nudge plans (a team nudged once per
//! period, never a team with nothing left or no channel).

mod index_support;

use backline_answer::{AnswerBody, MigrationAnswer, NudgePlatform};
use backline_index::migration::{Migration, MigrationSection, NudgeSection, parse_day};
use backline_index::{Index, RunOptions, SourceSettings};
use index_support::{Db, TestIndex, write_tree};

const GROUPS: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
  annotations:
    slack.com/channel: '#team-a'
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-b
  annotations:
    discord.com/channel: '123456789012345678'
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-c
spec: {type: team, children: []}
";

fn service(name: &str, owner: &str, tag: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  tags: [{tag}]\n\
         spec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    )
}

/// The services and their Python, as a list of (name, owner, tag).
fn write_services(root: &std::path::Path, services: &[(&str, &str, &str)]) {
    let mut files = vec![("groups/catalog-info.yaml".to_owned(), GROUPS.to_owned())];
    for (name, owner, tag) in services {
        files.push((format!("{name}/catalog-info.yaml"), service(name, owner, tag)));
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    write_tree(root, &refs);
}

fn python3() -> Vec<Migration> {
    Migration::from_sections(&[MigrationSection {
        name: Some("python3".into()),
        description: Some("Python 2 is end of life".into()),
        scope: Some("kind:component".into()),
        todo: Some("tag:python2".into()),
        done: Some("tag:python3".into()),
        due: Some("2027-03-31".into()),
        link: Some("https://wiki.example/python3".into()),
        nudge: Some(NudgeSection { every: Some("weekly".into()), summary_channel: Some("#platform".into()) }),
    }])
    .unwrap()
}

async fn run(index: &Index, day: i64) {
    let r = index.index(&RunOptions { migration_day: Some(day), ..RunOptions::default() }).await.unwrap();
    assert!(r.failed_sources().next().is_none(), "{r:?}");
}

async fn progress(index: &Index, team: Option<&str>, day: i64) -> MigrationAnswer {
    match index.migration_answer_on(Some("python3"), team, day).await.unwrap() {
        AnswerBody::Migration(a) => a,
        other => panic!("{other:?}"),
    }
}

/// `(team, remaining, done, remaining a week before)` of each team, in the answer's order.
fn teams(a: &MigrationAnswer) -> Vec<(String, u32, u32, Option<u32>)> {
    a.teams
        .iter()
        .map(|t| {
            let name = t.owner.as_ref().map_or("-".to_owned(), |o| o.name.clone());
            (name, t.progress.remaining, t.progress.done, t.remaining_before)
        })
        .collect()
}

async fn history_over_index_runs(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("catalog");
    let Some(mut t) = TestIndex::new(db, vec![SourceSettings::dir("gen", &root)]).await else { return };
    t.settings.migrations = python3();
    let monday = parse_day("2026-11-02").unwrap();
    let mut services = vec![
        ("a1", "team-a", "python2"),
        ("a2", "team-a", "python2"),
        ("a3", "team-a", "python2"),
        ("a4", "team-a", "python2"),
        ("b1", "team-b", "python2"),
        ("b2", "team-b", "python2"),
        ("b3", "team-b", "python3"),
        ("c1", "team-c", "python2"),
    ];
    write_services(&root, &services);
    let index = t.open().await;
    // Before any run there is no history: the migration has not started.
    let before = progress(&index, None, monday).await;
    assert_eq!(before.migration.since, None);

    run(&index, monday).await;
    // The same day again after a1 migrated: the day's snapshot is replaced, not added.
    services[0].2 = "python3";
    write_services(&root, &services);
    run(&index, monday).await;
    let rows = index.migration_history("python3").await.unwrap();
    assert_eq!(rows.iter().filter(|r| r.0 == monday).count(), 3, "{rows:?}");
    assert!(rows.contains(&(monday, "group:default/team-a".into(), 3)), "{rows:?}");

    // Wednesday: a2 and b1 migrate.
    services[1].2 = "python3";
    services[4].2 = "python3";
    write_services(&root, &services);
    run(&index, monday + 2).await;

    // The next Tuesday: c1 migrates; compared with a week ago (Monday's snapshot).
    services[7].2 = "python3";
    write_services(&root, &services);
    run(&index, monday + 8).await;
    let now = progress(&index, None, monday + 8).await;
    assert_eq!((now.progress.in_scope, now.progress.done, now.progress.remaining), (8, 5, 3));
    let baseline = now.baseline.clone().unwrap();
    assert_eq!((baseline.day.as_str(), baseline.progress.remaining), ("2026-11-02", 6));
    assert_eq!(now.migration.since.as_deref(), Some("2026-11-02"));
    assert_eq!(now.migration.days_left, Some(parse_day("2027-03-31").unwrap() - (monday + 8)));
    // Furthest behind first; a team with nothing left last.
    assert_eq!(
        teams(&now),
        [("team-a".into(), 2, 2, Some(3)), ("team-b".into(), 1, 2, Some(2)), ("team-c".into(), 0, 1, Some(1)),]
    );
    let a = &now.teams[0];
    assert_eq!(a.remaining.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["a3", "a4"]);
    assert_eq!(a.contacts.first().map(|c| c.value.as_str()), Some("#team-a"));

    // One team: only its own part.
    let team_b = progress(&index, Some("team-b"), monday + 8).await;
    assert_eq!(team_b.team.as_ref().map(|t| t.name.as_str()), Some("team-b"));
    assert_eq!(teams(&team_b), [("team-b".into(), 1, 2, Some(2))]);
    assert_eq!(team_b.baseline.map(|b| b.progress.remaining), Some(2));

    // A migration younger than a week compares with its first day.
    let young = progress(&index, None, monday + 2).await;
    assert_eq!(young.baseline.map(|b| b.day), Some("2026-11-02".to_owned()));

    index.close().await;
    t.cleanup().await;
}

async fn nudges_once_per_period_to_teams_with_work_left(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("catalog");
    let Some(mut t) = TestIndex::new(db, vec![SourceSettings::dir("gen", &root)]).await else { return };
    t.settings.migrations = python3();
    write_services(
        &root,
        &[
            ("a1", "team-a", "python2"),
            ("b1", "team-b", "python2"),
            ("c1", "team-c", "python2"),
            ("a2", "team-a", "python3"),
        ],
    );
    let index = t.open().await;
    let day = parse_day("2026-11-04").unwrap();
    run(&index, day).await;
    let plan = index.nudge_plan("python3", day).await.unwrap();
    assert_eq!(plan.period, "2026-11-02");
    let posts: Vec<(NudgePlatform, &str, Option<&str>)> =
        plan.posts.iter().map(|p| (p.platform, p.channel.as_str(), p.team.as_deref())).collect();
    assert_eq!(
        posts,
        // Furthest behind first: team-b has done nothing yet, team-a half.
        [
            (NudgePlatform::Discord, "123456789012345678", Some("group:default/team-b")),
            (NudgePlatform::Slack, "#team-a", Some("group:default/team-a")),
            (NudgePlatform::Slack, "#platform", None),
        ]
    );
    assert_eq!(plan.unreachable.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["team-c"]);
    // The team post carries the team's part only.
    let AnswerBody::Migration(a) = &plan.posts[1].answer.body else { panic!() };
    assert_eq!((a.progress.remaining, a.progress.done), (1, 1));

    // Posted: not again in the same week, again the next week.
    assert!(index.mark_nudged(&plan, &plan.posts[1], 1).await.unwrap());
    assert!(!index.mark_nudged(&plan, &plan.posts[1], 2).await.unwrap());
    let again = index.nudge_plan("python3", day + 2).await.unwrap();
    assert_eq!(again.already_nudged, ["group:default/team-a"]);
    assert_eq!(again.posts.len(), 2);
    assert_eq!(index.nudge_plan("python3", day + 5).await.unwrap().posts.len(), 3);

    // Team b done: never nudged again.
    write_services(
        &root,
        &[
            ("a1", "team-a", "python2"),
            ("b1", "team-b", "python3"),
            ("c1", "team-c", "python2"),
            ("a2", "team-a", "python3"),
        ],
    );
    run(&index, day + 7).await;
    let later = index.nudge_plan("python3", day + 7).await.unwrap();
    assert!(later.posts.iter().all(|p| p.team.as_deref() != Some("group:default/team-b")), "{later:?}");
    index.close().await;
    t.cleanup().await;
}

both_backends!(history_over_index_runs, nudges_once_per_period_to_teams_with_work_left);

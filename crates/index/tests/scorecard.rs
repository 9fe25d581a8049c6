//! Scorecards answered from the index, on SQLite and PostgreSQL: levels per team on the example
//! catalog (snapshots), one team's per-entity failures, one entity, the chat phrasings, and on
//! a generated catalog the index's verdicts against the pure evaluator `check` uses.

mod index_support;

use std::collections::HashMap;
use std::sync::Arc;

use backline_answer::render::render_text;
use backline_answer::*;
use backline_catalog::catalog::CatalogIndex;
use backline_catalog::scorecard::{
    CatalogFacts, Condition, ConditionField, LevelSection, RuleSection, Scorecard, ScorecardSection, Subject, resolve,
};
use backline_index::{Index, RunOptions, SourceSettings};
use index_support::{Db, TestIndex, example};

/// A filter word through `find`'s parser, as the binary reads custom rules.
fn condition(word: &str) -> Option<Condition> {
    let f = backline_answer::question::parse_filter(word)?;
    let field = match f.field {
        FilterField::Kind => ConditionField::Kind,
        FilterField::Type => ConditionField::Type,
        FilterField::Lifecycle => ConditionField::Lifecycle,
        FilterField::Tag => ConditionField::Tag,
        FilterField::Owner => ConditionField::Owner,
        FilterField::System => ConditionField::System,
        FilterField::Domain => ConditionField::Domain,
        FilterField::Namespace => ConditionField::Namespace,
        FilterField::Label => ConditionField::Label,
        FilterField::Annotation => ConditionField::Annotation,
    };
    Some(Condition { field, key: f.key, value: f.value })
}

fn level(name: &str, rules: &[&str]) -> LevelSection {
    LevelSection { name: name.into(), rules: rules.iter().map(|r| (*r).to_owned()).collect() }
}

fn scorecards() -> Vec<Scorecard> {
    let readiness = ScorecardSection {
        name: "production-readiness".into(),
        description: Some("What a service needs before it takes traffic".into()),
        kinds: Vec::new(),
        require: Some("silver".into()),
        rules: vec![RuleSection {
            name: "in-production".into(),
            description: Some("Lifecycle production".into()),
            check: None,
            filter: Some("lifecycle:production".into()),
        }],
        levels: vec![
            level("bronze", &["owner-has-members", "description", "lifecycle"]),
            level("silver", &["on-call", "runbook-or-dashboard"]),
            level("gold", &["techdocs", "no-deprecated-dependencies", "in-production"]),
        ],
    };
    let docs = ScorecardSection {
        name: "docs".into(),
        description: None,
        kinds: vec!["Component".into(), "API".into()],
        require: None,
        rules: Vec::new(),
        levels: vec![level("documented", &["description", "techdocs"])],
    };
    resolve(&[readiness, docs], &condition).expect("valid scorecards")
}

async fn answer(ix: &Index, scorecard: Option<&str>, team: Option<&str>, entity: Option<&str>) -> Answer {
    let q = Query::Scorecard {
        scorecard: scorecard.map(Into::into),
        team: team.map(Into::into),
        entity: entity.map(Into::into),
    };
    let a = ix.answer(&q).await.expect("answer");
    serde_json::to_string(&a).expect("serialise");
    a
}

fn body(a: &Answer) -> &ScorecardAnswer {
    match &a.body {
        AnswerBody::Scorecard(s) => s,
        other => panic!("expected a scorecard, got {other:#?}"),
    }
}

async fn example_catalog(db: Db) {
    let Some((t, mut ix)) = example(db).await else { return };
    ix.set_scorecards(scorecards());
    insta::assert_snapshot!("levels_per_team", render_text(&answer(&ix, None, None, None).await));
    insta::assert_snapshot!("team_payments", render_text(&answer(&ix, None, Some("team-payments"), None).await));
    let one = answer(&ix, Some("production-readiness"), None, Some("payments-api")).await;
    assert_eq!(
        one.summary,
        "payments-api reaches silver of scorecard production-readiness; gold needs no-deprecated-dependencies."
    );
    // Chat phrasings reach the same answer; the first word may name a scorecard.
    for (q, card, team) in [
        ("how is team-payments doing", "production-readiness", "group:default/team-payments"),
        ("scorecard team-payments", "production-readiness", "group:default/team-payments"),
        ("scorecard docs team-checkout", "docs", "group:default/team-checkout"),
    ] {
        let a = ix.ask(q).await.expect(q);
        let s = body(&a);
        assert_eq!(
            (s.scorecard.name.as_str(), s.team.as_ref().map(|t| t.entity_ref.as_str())),
            (card, Some(team)),
            "{q}"
        );
    }
    let docs = body(&ix.ask("scorecard docs").await.expect("docs")).clone();
    assert!(docs.team.is_none() && docs.entities.is_empty() && !docs.teams.is_empty());
    assert_eq!(docs.other_scorecards, ["production-readiness"]);
    // A team's rows sum to its entities; the catalog's to every scored entity.
    let all = body(&answer(&ix, None, None, None).await).clone();
    assert_eq!(all.teams.iter().map(|t| t.entity_count).sum::<u32>(), all.total);
    assert!(matches!(answer(&ix, Some("nope"), None, None).await.body, AnswerBody::NotFound(_)));
    ix.set_scorecards(Vec::new());
    assert!(matches!(answer(&ix, None, Some("team-payments"), None).await.body, AnswerBody::Help(_)));
    t.cleanup().await;
}

#[tokio::test]
async fn example_catalog_sqlite() {
    example_catalog(Db::Sqlite).await;
}

#[tokio::test]
async fn example_catalog_postgres() {
    example_catalog(Db::Postgres).await;
}

/// On a generated catalog every entity's level from the index is the one the in-memory
/// evaluator (`check`, the editor) gives, and each team's answer agrees with its row in the
/// catalog-wide answer.
#[tokio::test]
async fn the_index_agrees_with_check_on_a_generated_catalog() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = backline_catalog::generate::generate(300, 7, false);
    let mut parsed = Vec::new();
    for f in &files {
        let p = dir.path().join(&f.path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, &f.content).expect("write");
        parsed.push(backline_catalog::parse_file(Arc::from(f.path.as_str()), &f.content));
    }
    let Some(t) = TestIndex::new(Db::Sqlite, vec![SourceSettings::dir("gen", dir.path())]).await else { return };
    let mut ix = t.open().await;
    ix.index(&RunOptions::default()).await.expect("index");
    let cards = scorecards();
    ix.set_scorecards(cards.clone());
    let catalog = CatalogIndex::build(parsed.iter());
    let facts = CatalogFacts::build(parsed.iter());
    let context = facts.with(&catalog);
    let mut levels_seen = std::collections::HashSet::new();
    for card in &cards {
        let mut expected: HashMap<String, Option<String>> = HashMap::new();
        for e in parsed.iter().flat_map(|p| p.entities()).filter(|e| e.accepted && card.applies_to(e.kind())) {
            let score = card.evaluate(&Subject::from_entity(e), &context);
            expected.insert(e.entity_ref.canonical(), card.level_name(score.level).map(str::to_owned));
        }
        let all = body(&answer(&ix, Some(&card.name), None, None).await).clone();
        assert_eq!(all.total as usize, expected.len());
        for row in all.teams.iter().filter(|r| r.team.as_ref().is_some_and(|t| t.exists && t.kind == "Group")) {
            let team = row.team.as_ref().expect("a team");
            let a = answer(&ix, Some(&card.name), Some(&team.entity_ref), None).await;
            let own: Vec<&EntityScore> = body(&a)
                .entities
                .iter()
                .filter(|e| e.entity.owner.as_deref() == Some(team.entity_ref.as_str()))
                .collect();
            assert_eq!(own.len() as u32, row.entity_count, "{}", team.entity_ref);
            for e in own {
                assert_eq!(Some(&e.level), expected.get(&e.entity.entity_ref), "{}", e.entity.entity_ref);
                levels_seen.insert((card.name.clone(), e.level.clone()));
            }
        }
    }
    // The generated catalog exercises more than one outcome.
    assert!(levels_seen.len() >= 3, "{levels_seen:?}");
}

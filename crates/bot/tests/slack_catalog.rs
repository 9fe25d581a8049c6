//! Every answer the real question engine gives about the example catalog renders into a valid
//! Slack message: each entity asked about in every way the slash command can, plus search, find,
//! health and help, answered by the real index (a dev-dependency: the bot crate itself never
//! reaches the store).

mod common;

use std::path::Path;
use std::sync::Arc;

use backline_answer::{AnswerBody, Query};
use backline_bot::engine::{Ask, QuestionEngine};
use backline_bot::slack::command::{self, Parsed};
use backline_bot::slack::render::{Options, render};
use backline_index::{Index, IndexSettings, RunOptions, SourceSettings, StoreSettings};
use common::assert_within_limits;
use serde_json::json;

/// The binary's adapter in miniature: questions to `Index::ask`, queries to `Index::answer`.
struct IndexEngine(Arc<Index>);

impl QuestionEngine for IndexEngine {
    fn answer<'a>(
        &'a self,
        ask: &'a Ask,
    ) -> futures_util::future::BoxFuture<'a, Result<backline_answer::Answer, backline_bot::EngineError>> {
        Box::pin(async move {
            let result = match ask {
                Ask::Question(q) => self.0.ask(q).await,
                Ask::Query(q) => self.0.answer(q).await,
            };
            result.map_err(|e| backline_bot::EngineError(e.to_string()))
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_about_the_example_catalog_fits_slack() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/catalog");
    let settings = IndexSettings {
        store: StoreSettings::sqlite(&dir.path().join("index.db")),
        sources: vec![SourceSettings::dir("northwind", catalog)],
        migrations: Vec::new(),
    };
    let index = Arc::new(Index::open(settings).await.unwrap());
    index.index(&RunOptions::default()).await.unwrap();
    let engine = IndexEngine(Arc::clone(&index));

    // Every entity, through `find` with no filter.
    let all = engine.answer(&Ask::Query(Query::Find { filters: vec![] })).await.unwrap();
    let AnswerBody::Find(found) = &all.body else { panic!("{all:?}") };
    let refs: Vec<String> = found.groups.iter().flat_map(|g| g.entities.iter().map(|e| e.entity_ref.clone())).collect();
    assert!(refs.len() >= 100, "{} entities", refs.len());

    let opts =
        Options { share_value: Some("{}".into()), catalog_url: Some("https://backstage.northwind.example".into()) };
    let mut rendered = 0;
    let mut check = |ask: &Ask, answer: &backline_answer::Answer| {
        let r = render(answer, &opts);
        assert_within_limits(&json!({ "text": r.text, "blocks": r.blocks }));
        assert!(!r.blocks.is_empty(), "{ask:?} rendered nothing");
        rendered += 1;
    };
    let mut asks: Vec<Ask> = Vec::new();
    for r in &refs {
        for sub in ["owner", "oncall", "deps", "impact", "team"] {
            match command::parse(&format!("{sub} {r}")) {
                Parsed::Ask(ask) => asks.push(ask),
                Parsed::Usage(_) => unreachable!(),
            }
        }
        asks.push(Ask::Question(format!("what is {r}")));
    }
    for text in [
        "search pay",
        "find lifecycle:production",
        "find kind:component",
        "health",
        "help",
        "who owns payments",
        "gibberish words here",
    ] {
        if let Parsed::Ask(ask) = command::parse(text) {
            asks.push(ask);
        }
    }
    for ask in &asks {
        let answer = engine.answer(ask).await.unwrap_or_else(|e| panic!("{ask:?}: {e}"));
        check(ask, &answer);
    }
    assert_eq!(rendered, asks.len());
    index.close().await;
}

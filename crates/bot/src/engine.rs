//! The one thing the bots ask of the catalog: "answer this", through core's question engine.
//!
//! The bots are thin adapters (chat text in, [`Answer`] out, Block Kit or embeds rendered from
//! it); they never query the catalog themselves. This trait is the seam between them and
//! `backline_answer`: `backline serve` plugs in the real engine over the index, tests plug in
//! whatever they need. It is object-safe (boxed futures) so it can sit behind an `Arc<dyn _>` and
//! be shared by every chat platform and every request.

use std::sync::Arc;

use backline_answer::card::ChartKind;
use backline_answer::{Answer, Asker, Query};

pub use crate::answer_cache::CachePolicy;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

/// What a user asked, in the two forms the engine accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    /// Natural phrasing ("who owns payments-api"), from mentions, DMs, free-form slash text and
    /// disambiguation buttons (the engine's own follow-up questions).
    Question(String),
    /// A structured query, from slash subcommands whose meaning is unambiguous (`owner X`).
    Query(Query),
}

impl Ask {
    /// The ask as chat means it: impact without a depth given is shallow in chat
    /// ([`backline_answer::question::CHAT_IMPACT_DEPTH`]; the answer offers a button for more),
    /// while `backline ask` keeps the whole blast radius.
    pub fn for_chat(self) -> Ask {
        use backline_answer::question::{Parsed, parse_chat_question, parse_question};
        match self {
            Ask::Question(text) => match parse_chat_question(&text) {
                Parsed::Query(q) if Parsed::Query(q.clone()) != parse_question(&text) => Ask::Query(q),
                _ => Ask::Question(text),
            },
            query => query,
        }
    }
}

/// Why the engine could not answer at all (as opposed to answering "nothing matches", which is
/// an [`Answer`]). The text is shown to the user, so it must not contain secrets or paths that
/// matter; it is also logged.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct EngineError(pub String);

/// Core's question engine as the bots see it.
pub trait QuestionEngine: Send + Sync + 'static {
    fn answer<'a>(&'a self, ask: &'a Ask) -> BoxFuture<'a, Result<Answer, EngineError>>;

    /// Answers as asked by `asker`, whom questions about the asker ("what do I own", "am I on
    /// call") are about; the bots pass what their platform says about the user (ids, e-mail,
    /// time zone) and the engine matches it to the catalog. Engines that answer nothing about
    /// the asker need not override it.
    fn answer_as<'a>(&'a self, ask: &'a Ask, asker: &'a Asker) -> BoxFuture<'a, Result<Answer, EngineError>> {
        let _ = asker;
        self.answer(ask)
    }

    /// The version of what answers are made from (for the index: its generation and which
    /// sources are stale), cheap to ask; answers made at one version stay right until it moves,
    /// so the bots keep them ([`crate::answer_cache`]). `None` (the default): never reuse.
    fn version(&self) -> BoxFuture<'_, Option<u64>> {
        Box::pin(async { None })
    }

    /// How long `answer` may be reused at its version: shorter than "until the version moves"
    /// when it carries live data, such as who is on call now.
    fn cache_policy(&self, _answer: &Answer) -> CachePolicy {
        CachePolicy::UntilChanged
    }

    /// The PNG of a chart an answer's card names ([`backline_answer::card::Chart`]), drawn once
    /// for every platform; the bots only deliver it. An error leaves the chart out, never the
    /// answer. Engines without charts need not override it.
    fn chart<'a>(&'a self, kind: &'a ChartKind) -> BoxFuture<'a, Result<Vec<u8>, EngineError>> {
        let _ = kind;
        Box::pin(async { Err(EngineError("charts are not available here".into())) })
    }
}

/// Shared handle every module holds.
pub type SharedEngine = Arc<dyn QuestionEngine>;

/// An engine from a closure; for tests and for adapting a synchronous engine.
pub struct FnEngine<F>(pub F);

impl<F> QuestionEngine for FnEngine<F>
where
    F: Fn(&Ask) -> Result<Answer, EngineError> + Send + Sync + 'static,
{
    fn answer<'a>(&'a self, ask: &'a Ask) -> BoxFuture<'a, Result<Answer, EngineError>> {
        let result = (self.0)(ask);
        Box::pin(async move { result })
    }
}

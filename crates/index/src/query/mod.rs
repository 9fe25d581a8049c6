//! The query API: structured queries against an [`Index`], answered with [`backline_answer`] types.
//!
//! Every entry point takes plain data (names, refs, filters) and returns plain data; the
//! question engine ([`backline_answer::question`]), the CLI subcommands and the bots all go through
//! [`Index::answer`], so they cannot disagree. Names are resolved first ([`Index::resolve`]):
//! exactly (a ref, or a name case-insensitively), then by variants people type ("payments team"
//! → `team-payments`), then fuzzily through the search index; ties are returned as candidates
//! instead of guessed.
//!
//! This file dispatches a [`Query`] to its answer and wraps it (summary line, stale sources);
//! each answer has its own file, and [`summary`] turns store records into the model's summaries
//! for all of them.

mod contact;
mod deps;
mod find;
mod health;
mod migration;
mod mine;
mod owner;
mod reach;
mod resolve;
mod scorecard;
mod search;
mod summary;
mod team;
mod what_is;

use std::collections::HashSet;

use backline_answer::*;

use crate::store::EntityRecord;
use crate::{Index, IndexError};
use summary::summary;

/// Upper bound on any traversal depth.
pub const MAX_DEPTH: u32 = 50;
const MAX_CANDIDATES: usize = 8;
const FIND_LIMIT: i64 = 10_000;

/// The outcome of resolving a name.
#[derive(Debug, Clone)]
pub enum Resolution {
    Found(Box<EntitySummary>),
    /// Several entities match about equally well, best first.
    Ambiguous(Vec<EntitySummary>),
    /// Nothing matches; the closest names, best first.
    NotFound(Vec<EntitySummary>),
}

pub(crate) enum Resolved {
    Found(Box<EntityRecord>),
    /// Found only by typo tolerance: the answer must say which name it is about.
    Fuzzy(Box<EntityRecord>),
    Ambiguous(Vec<EntityRecord>),
    NotFound(Vec<EntityRecord>),
}

/// Kinds to prefer when a name matches entities of several kinds, per question.
pub(crate) fn preferred_kinds(query: &Query) -> &'static [&'static str] {
    match query {
        Query::Owner { .. } => &["component", "api", "resource", "system", "domain", "template"],
        Query::Contact { .. } | Query::Team { .. } => &["group", "user"],
        Query::Dependencies { .. } | Query::Dependents { .. } => &["component", "resource"],
        _ => &[],
    }
}

impl Index {
    /// Answers a structured query: resolves its name, runs it, and wraps the result.
    pub async fn answer(&self, query: &Query) -> Result<Answer, IndexError> {
        let (body, fuzzy) = self.answer_body(query).await?;
        self.wrap(String::new(), Some(query.clone()), body, fuzzy).await
    }

    pub(crate) async fn wrap(
        &self,
        question: String,
        query: Option<Query>,
        body: AnswerBody,
        fuzzy: Option<FuzzyMatch>,
    ) -> Result<Answer, IndexError> {
        let mut body = body;
        self.link_pages(&mut body);
        let mut summary = backline_answer::render::summary_line(&body);
        if let Some(f) = &fuzzy {
            summary = format!("{} {summary}", backline_answer::render::fuzzy_line(f));
        }
        let stale_sources = self.stale_sources_for(&body).await?;
        Ok(Answer { question, query, summary, body, stale_sources, fuzzy })
    }

    /// Hands the index the organisation's Backstage frontend URL (`[backstage] frontend_url`):
    /// every entity an answer names links to its page there.
    pub fn set_frontend_url(&mut self, frontend_url: Option<String>) {
        self.frontend_url = frontend_url.map(|u| u.trim_end_matches('/').to_owned());
    }

    /// Sets the Backstage page of every entity of an answer: an entity a Backstage source serves
    /// is in that source's frontend (when it names one), every other one in the organisation's.
    fn link_pages(&self, body: &mut AnswerBody) {
        let frontends: std::collections::HashMap<&str, &str> = self
            .settings()
            .sources
            .iter()
            .filter_map(|s| match &s.kind {
                crate::SourceKind::Backstage(b) => Some((s.name.as_str(), b.frontend_url.as_deref()?)),
                _ => None,
            })
            .collect();
        if frontends.is_empty() && self.frontend_url.is_none() {
            return;
        }
        body.link_entities(&|e| {
            let own = e.defined_at.as_ref().and_then(|d| frontends.get(d.source.as_str()));
            own.map(|f| (*f).to_owned()).or_else(|| self.frontend_url.clone())
        });
    }

    async fn stale_sources_for(&self, body: &AnswerBody) -> Result<Vec<StaleSource>, IndexError> {
        let stale: Vec<StaleSource> = self
            .stale_sources_cached()
            .await?
            .into_iter()
            .map(|(name, error, last_success)| StaleSource {
                name,
                error,
                last_success: last_success.map(crate::rfc3339),
            })
            .collect();
        if stale.is_empty() {
            return Ok(stale);
        }
        // Health, search and "not found" depend on every source; other answers on the sources
        // their entities come from.
        if matches!(body, AnswerBody::Health(_) | AnswerBody::NotFound(_) | AnswerBody::Search(_) | AnswerBody::Find(_))
        {
            return Ok(stale);
        }
        let json = serde_json::to_value(body).unwrap_or_default();
        let mut used = HashSet::new();
        collect_sources(&json, &mut used);
        Ok(stale.into_iter().filter(|s| used.contains(&s.name)).collect())
    }

    /// The body of the answer to `query`, and the name answered instead of the one asked when
    /// the name was matched only fuzzily.
    pub(crate) async fn answer_body(&self, query: &Query) -> Result<(AnswerBody, Option<FuzzyMatch>), IndexError> {
        let name = match query {
            Query::Describe { name }
            | Query::Owner { name }
            | Query::Contact { name }
            | Query::Dependencies { name, .. }
            | Query::Dependents { name, .. }
            | Query::Team { name } => name,
            Query::Search { text, limit } => return Ok((AnswerBody::Search(self.search(text, *limit).await?), None)),
            Query::Find { filters } => return Ok((AnswerBody::Find(self.find(filters).await?), None)),
            Query::Health => return Ok((AnswerBody::Health(self.health().await?), None)),
            Query::Migration { name, team } => {
                return Ok((self.migration_answer(name.as_deref(), team.as_deref()).await?, None));
            }
            Query::Scorecard { scorecard, team, entity } => {
                let body = self.scorecard_body(query, scorecard.as_deref(), team.as_deref(), entity.as_deref()).await?;
                return Ok((body, None));
            }
            Query::Help => return Ok((AnswerBody::Help(backline_answer::question::help(None)), None)),
            Query::Mine { about, asker } => return Ok((self.mine(*about, asker.as_ref()).await?, None)),
        };
        let (rec, fuzzy) = match self.resolve_record(name, preferred_kinds(query)).await? {
            Resolved::Found(rec) => (rec, None),
            Resolved::Fuzzy(rec) => {
                let fuzzy = FuzzyMatch { asked: name.trim().to_owned(), shown: rec.entity_ref.clone() };
                (rec, Some(fuzzy))
            }
            Resolved::Ambiguous(recs) => {
                let candidates = recs.iter().map(|r| candidate(query, r)).collect();
                return Ok((AnswerBody::Ambiguous(Ambiguous { name: name.clone(), candidates }), None));
            }
            Resolved::NotFound(recs) => {
                let closest = recs.iter().map(|r| candidate(query, r)).collect();
                return Ok((AnswerBody::NotFound(NotFound { name: name.clone(), closest }), None));
            }
        };
        let body = match query {
            Query::Describe { .. } => AnswerBody::Entity(self.describe_record(&rec).await?),
            Query::Owner { .. } => AnswerBody::Ownership(self.ownership_record(&rec).await?),
            Query::Contact { .. } => AnswerBody::Contact(self.contact_record(&rec).await?),
            Query::Dependencies { depth, .. } => {
                AnswerBody::Dependencies(self.traverse(&rec, Direction::Dependencies, *depth).await?)
            }
            Query::Dependents { depth, .. } => {
                AnswerBody::Dependencies(self.traverse(&rec, Direction::Dependents, *depth).await?)
            }
            Query::Team { .. } => AnswerBody::Team(self.team_record(&rec).await?),
            _ => unreachable_body(),
        };
        Ok((body, fuzzy))
    }
}

fn unreachable_body() -> AnswerBody {
    AnswerBody::Help(backline_answer::question::help(Some("internal: query without a body".to_owned())))
}

/// The question to ask about exactly `rec`, for buttons and follow-ups.
pub(crate) fn candidate(query: &Query, rec: &EntityRecord) -> Candidate {
    let r = rec.entity_ref.clone();
    let q = match query {
        Query::Describe { .. } => Query::Describe { name: r },
        Query::Owner { .. } => Query::Owner { name: r },
        Query::Contact { .. } => Query::Contact { name: r },
        Query::Dependencies { depth, .. } => Query::Dependencies { name: r, depth: *depth },
        Query::Dependents { depth, .. } => Query::Dependents { name: r, depth: *depth },
        Query::Team { .. } => Query::Team { name: r },
        other => other.clone(),
    };
    Candidate { entity: summary(rec), follow_up: backline_answer::question::question_for(&q) }
}

fn collect_sources(v: &serde_json::Value, out: &mut HashSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let (Some(serde_json::Value::String(s)), Some(serde_json::Value::Bool(true))) =
                (m.get("source"), m.get("stale"))
            {
                out.insert(s.clone());
            }
            for x in m.values() {
                collect_sources(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_sources(x, out)),
        _ => {}
    }
}

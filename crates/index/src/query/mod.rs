//! The query API: structured queries against an [`Index`], answered with [`backline_answer`] types.
//!
//! Every entry point takes plain data (names, refs, filters) and returns plain data; the
//! question engine ([`backline_answer::question`]), the CLI subcommands and the bots all go through
//! [`Index::answer`], so they cannot disagree. Names are resolved first ([`Index::resolve`]):
//! exactly (a ref, or a name case-insensitively), then by variants people type ("payments team"
//! → `team-payments`), then fuzzily through the search index; ties are returned as candidates
//! instead of guessed.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use backline_answer::*;
use backline_catalog::entity_ref::parse_entity_ref;
use crate::store::{EntityRecord, FindingRecord};
use crate::{Index, IndexError};
use backline_catalog::model::BUILTIN_KINDS;

/// Upper bound on any traversal depth.
pub const MAX_DEPTH: u32 = 50;
const MAX_CANDIDATES: usize = 8;
const FIND_LIMIT: i64 = 10_000;

/// The outcome of resolving a name.
#[derive(Debug, Clone)]
pub enum Resolution {
    Found(EntitySummary),
    /// Several entities match about equally well, best first.
    Ambiguous(Vec<EntitySummary>),
    /// Nothing matches; the closest names, best first.
    NotFound(Vec<EntitySummary>),
}

pub(crate) enum Resolved {
    Found(Box<EntityRecord>),
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

/// The kind as Backstage spells it, from a lowercase kind.
fn kind_spelling(kind_lc: &str) -> String {
    BUILTIN_KINDS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(kind_lc))
        .map_or_else(|| kind_lc.to_owned(), |k| (*k).to_owned())
}

pub(crate) fn location(rec: &EntityRecord) -> SourceLocation {
    SourceLocation {
        source: rec.source.clone(),
        file: rec.path.clone(),
        line: rec.line.max(1) as u32,
        column: rec.column.max(1) as u32,
        stale: rec.stale,
    }
}

pub(crate) fn summary(rec: &EntityRecord) -> EntitySummary {
    let first_error = rec.first_error.as_ref().map(|f| FindingSummary {
        code: f.code.clone(),
        severity: f.severity.parse().unwrap_or(FindingSeverity::Error),
        message: f.message.clone(),
        location: SourceLocation { line: f.line, column: f.column, ..location(rec) },
    });
    EntitySummary {
        entity_ref: rec.entity_ref.clone(),
        kind: rec.kind.clone(),
        namespace: rec.namespace.clone(),
        name: rec.name.clone(),
        title: rec.title.clone().or_else(|| rec.display_name.clone()),
        description: rec.description.clone(),
        spec_type: rec.spec_type.clone(),
        lifecycle: rec.lifecycle.clone(),
        owner: rec.owner_ref.clone(),
        exists: true,
        valid: rec.valid,
        defined_at: Some(location(rec)),
        error_count: rec.error_count.max(0) as u32,
        warning_count: rec.warning_count.max(0) as u32,
        first_error,
    }
}

/// A summary for a ref that no entity defines.
pub(crate) fn missing(entity_ref: &str) -> EntitySummary {
    let (kind, rest) = entity_ref.split_once(':').unwrap_or(("", entity_ref));
    let (namespace, name) = rest.split_once('/').unwrap_or(("default", rest));
    EntitySummary {
        entity_ref: entity_ref.to_owned(),
        kind: kind_spelling(kind),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        title: None,
        description: None,
        spec_type: None,
        lifecycle: None,
        owner: None,
        exists: false,
        valid: false,
        defined_at: None,
        error_count: 0,
        warning_count: 0,
        first_error: None,
    }
}

fn finding_summary(f: &FindingRecord) -> FindingSummary {
    FindingSummary {
        code: f.code.clone(),
        severity: f.severity.parse().unwrap_or(FindingSeverity::Error),
        message: f.message.clone(),
        location: SourceLocation {
            source: f.source.clone(),
            file: f.path.clone(),
            line: f.line.max(1) as u32,
            column: f.column.max(1) as u32,
            stale: f.stale,
        },
    }
}

/// Contacts, on-call hints and links written on one entity.
fn reach_of(rec: &EntityRecord, reach: &mut Reach) {
    let from = &rec.entity_ref;
    let mut push = |channel: ContactChannel, value: &str, url: Option<String>, label: Option<String>| {
        if !reach.contacts.iter().any(|c| c.channel == channel && c.value == value) {
            reach.contacts.push(Contact { channel, value: value.to_owned(), url, label, from: from.clone() });
        }
    };
    if let Some(email) = &rec.email {
        push(ContactChannel::Email, email, Some(format!("mailto:{email}")), None);
    }
    if let Some(v) = rec.annotation("slack.com/channel") {
        push(ContactChannel::SlackChannel, v, None, None);
    }
    if let Some(v) = rec.annotation("slack.com/bot-notify") {
        push(ContactChannel::SlackNotify, v, None, None);
    }
    if let Some(v) = rec.annotation("discord.com/channel") {
        push(ContactChannel::DiscordChannel, v, None, None);
    }
    for l in &rec.links {
        let chat_url =
            ["slack.com", "discord.com", "discord.gg", "teams.microsoft.com"].iter().any(|h| l.url.contains(h));
        if l.link_type.as_deref() == Some("chat") || chat_url {
            push(ContactChannel::ChatLink, &l.url, Some(l.url.clone()), l.title.clone());
        }
    }
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    for (key, value) in &rec.annotations {
        let (provider, url) = match key.as_str() {
            "pagerduty.com/service-id" => {
                let host = rec
                    .annotation("pagerduty.com/account")
                    .map_or_else(|| "app".to_owned(), |a| a.trim().to_lowercase());
                ("pagerduty", Some(format!("https://{host}.pagerduty.com/service-directory/{}", encode(value))))
            }
            // An integration key triggers incidents: never repeat it in an answer.
            "pagerduty.com/integration-key" | "pagerduty.com/account" => continue,
            "opsgenie.com/team" => ("opsgenie", Some("https://app.opsgenie.com/schedule/whoIsOnCall".to_owned())),
            "opsgenie.com/component-selector" => {
                ("opsgenie", Some(format!("https://app.opsgenie.com/alert/list?query={}", encode(value))))
            }
            k if k.starts_with("pagerduty.com/") => ("pagerduty", None),
            k if k.starts_with("opsgenie.com/") => ("opsgenie", None),
            "splunk.com/on-call-team" => ("splunk-on-call", None),
            "splunk.com/on-call-routing-key" => continue,
            _ => continue,
        };
        reach.on_call.push(OnCall {
            provider: provider.to_owned(),
            annotation: key.clone(),
            value: value.clone(),
            url,
            from: from.clone(),
        });
    }
    for l in &rec.links {
        if !reach.links.iter().any(|x| x.url == l.url) {
            reach.links.push(LinkInfo {
                url: l.url.clone(),
                title: l.title.clone(),
                link_type: l.link_type.clone(),
                icon: l.icon.clone(),
                from: from.clone(),
            });
        }
    }
}

fn person(rec: &EntityRecord) -> Person {
    let mut reach = Reach::default();
    reach_of(rec, &mut reach);
    Person {
        entity: summary(rec),
        display_name: rec.display_name.clone(),
        email: rec.email.clone(),
        contacts: reach.contacts,
    }
}

fn similarity(a: &str, b: &str) -> f64 {
    strsim::normalized_damerau_levenshtein(a, b)
}

/// Spellings to try for a name as people type it.
fn variants(name: &str) -> Vec<(String, bool)> {
    // (candidate name, whether it came from a "team" phrase, preferring groups)
    let lc = name.trim().to_lowercase();
    let words: Vec<&str> = lc.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()).collect();
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut add = |s: String, team: bool| {
        if !s.is_empty() && !out.iter().any(|(x, _)| *x == s) {
            out.push((s, team));
        }
    };
    add(words.join("-"), false);
    let team_words = ["team", "squad", "group", "crew"];
    let rest: Vec<&str> = words.iter().copied().filter(|w| !team_words.contains(w)).collect();
    if rest.len() < words.len() && !rest.is_empty() {
        let base = rest.join("-");
        add(format!("team-{base}"), true);
        add(format!("{base}-team"), true);
        add(base, true);
    }
    if words.len() > 1 {
        add(words.concat(), false);
        add(words.join("_"), false);
    }
    out
}

impl Index {
    /// Resolves a name or reference to one entity, candidates, or the closest names.
    pub async fn resolve(&self, name: &str, prefer_kinds: &[&str]) -> Result<Resolution, IndexError> {
        Ok(match self.resolve_record(name, prefer_kinds).await? {
            Resolved::Found(r) => Resolution::Found(summary(&r)),
            Resolved::Ambiguous(v) => Resolution::Ambiguous(v.iter().map(summary).collect()),
            Resolved::NotFound(v) => Resolution::NotFound(v.iter().map(summary).collect()),
        })
    }

    pub(crate) async fn resolve_record(&self, name: &str, prefer: &[&str]) -> Result<Resolved, IndexError> {
        let name = name.trim().trim_matches(|c| matches!(c, '"' | '\'' | '`' | '?' | '.' | ',' | '!'));
        if name.is_empty() {
            return Ok(Resolved::NotFound(Vec::new()));
        }
        // A reference with a kind: exact lookup.
        if name.contains(':')
            && let Ok(r) = parse_entity_ref(name, None, Some("default"))
        {
            if let Some(rec) = self.store().entity(&r.canonical()).await? {
                return Ok(Resolved::Found(Box::new(rec)));
            }
        }
        // `namespace/name` or a ref whose kind is unknown: match by name, namespace if given.
        let (namespace, bare) = match name.rsplit_once(':').map_or(name, |(_, n)| n).split_once('/') {
            Some((ns, n)) => (Some(ns.to_lowercase()), n.to_owned()),
            None => (None, name.rsplit_once(':').map_or(name, |(_, n)| n).to_owned()),
        };
        let kind_given = name.split_once(':').map(|(k, _)| k.to_lowercase());
        for (variant, team) in variants(&bare) {
            let mut hits = self.store().entities_named(&variant).await?;
            if let Some(ns) = &namespace {
                hits.retain(|h| h.namespace.eq_ignore_ascii_case(ns));
            }
            if let Some(k) = &kind_given {
                hits.retain(|h| h.kind.eq_ignore_ascii_case(k));
            }
            if team {
                let groups: Vec<EntityRecord> =
                    hits.iter().filter(|h| h.kind.eq_ignore_ascii_case("group")).cloned().collect();
                if !groups.is_empty() {
                    hits = groups;
                } else {
                    continue;
                }
            }
            match hits.len() {
                0 => continue,
                1 => return Ok(Resolved::Found(Box::new(hits.remove(0)))),
                _ => return Ok(pick_preferred(hits, prefer)),
            }
        }
        self.fuzzy_resolve(&bare, prefer).await
    }

    async fn fuzzy_resolve(&self, name: &str, prefer: &[&str]) -> Result<Resolved, IndexError> {
        self.maybe_sync_search().await?;
        let lc = name.to_lowercase();
        let dashed = lc.split_whitespace().collect::<Vec<_>>().join("-");
        let (hits, _) = self.search_index().search(&lc, 20)?;
        let refs: Vec<String> = hits.iter().map(|h| h.entity_ref.clone()).collect();
        let mut recs = self.store().entities(&refs).await?;
        let order: HashMap<&str, usize> = refs.iter().enumerate().map(|(i, r)| (r.as_str(), i)).collect();
        recs.sort_by_key(|r| order.get(r.entity_ref.as_str()).copied().unwrap_or(usize::MAX));
        if recs.is_empty() {
            return Ok(Resolved::NotFound(self.closest_names(&dashed).await?));
        }
        // Rank by how close the name is to what was typed.
        let mut scored: Vec<(f64, EntityRecord)> =
            recs.into_iter().map(|r| (similarity(&dashed, &r.name.to_lowercase()), r)).collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.entity_ref.cmp(&b.1.entity_ref)));
        let best = scored[0].0;
        let close: Vec<&(f64, EntityRecord)> = scored.iter().filter(|(s, _)| *s >= best - 0.05).collect();
        // A typo: one clearly closest name.
        if best >= 0.75 && close.len() == 1 {
            return Ok(Resolved::Found(Box::new(scored.swap_remove(0).1)));
        }
        if best >= 0.75 {
            let tied: Vec<EntityRecord> = close.into_iter().map(|(_, r)| r.clone()).collect();
            return Ok(pick_preferred(tied, prefer));
        }
        // The words match but no name is close: one match is the answer, several are choices.
        let text_hits: Vec<&str> =
            hits.iter().filter(|h| h.matched != MatchKind::Fuzzy).map(|h| h.entity_ref.as_str()).collect();
        if text_hits.len() == 1
            && let Some(pos) = scored.iter().position(|(_, r)| r.entity_ref == text_hits[0])
        {
            return Ok(Resolved::Found(Box::new(scored.swap_remove(pos).1)));
        }
        let candidates: Vec<EntityRecord> = scored.into_iter().map(|(_, r)| r).take(MAX_CANDIDATES).collect();
        if text_hits.is_empty() && best < 0.5 {
            return Ok(Resolved::NotFound(candidates));
        }
        Ok(Resolved::Ambiguous(order_by_preference(candidates, prefer)))
    }

    /// The closest names by edit similarity, when search finds nothing at all.
    async fn closest_names(&self, name: &str) -> Result<Vec<EntityRecord>, IndexError> {
        let mut all: Vec<(f64, String)> = self
            .store()
            .all_names()
            .await?
            .into_iter()
            .map(|(r, n)| (strsim::jaro_winkler(name, &n), r))
            .filter(|(s, _)| *s >= 0.7)
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        all.truncate(5);
        let refs: Vec<String> = all.iter().map(|(_, r)| r.clone()).collect();
        let mut recs = self.store().entities(&refs).await?;
        recs.sort_by_key(|r| refs.iter().position(|x| *x == r.entity_ref));
        Ok(recs)
    }

    /// Answers a structured query: resolves its name, runs it, and wraps the result.
    pub async fn answer(&self, query: &Query) -> Result<Answer, IndexError> {
        let body = self.answer_body(query).await?;
        self.wrap(String::new(), Some(query.clone()), body).await
    }

    pub(crate) async fn wrap(
        &self,
        question: String,
        query: Option<Query>,
        body: AnswerBody,
    ) -> Result<Answer, IndexError> {
        let summary = backline_answer::render::summary_line(&body);
        let stale_sources = self.stale_sources_for(&body).await?;
        Ok(Answer { question, query, summary, body, stale_sources })
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

    pub(crate) async fn answer_body(&self, query: &Query) -> Result<AnswerBody, IndexError> {
        let name = match query {
            Query::Describe { name }
            | Query::Owner { name }
            | Query::Contact { name }
            | Query::Dependencies { name, .. }
            | Query::Dependents { name, .. }
            | Query::Team { name } => name,
            Query::Search { text, limit } => return Ok(AnswerBody::Search(self.search(text, *limit).await?)),
            Query::Find { filters } => return Ok(AnswerBody::Find(self.find(filters).await?)),
            Query::Health => return Ok(AnswerBody::Health(self.health().await?)),
            Query::Help => return Ok(AnswerBody::Help(backline_answer::question::help(None))),
        };
        let rec = match self.resolve_record(name, preferred_kinds(query)).await? {
            Resolved::Found(rec) => rec,
            Resolved::Ambiguous(recs) => {
                return Ok(AnswerBody::Ambiguous(Ambiguous {
                    name: name.clone(),
                    candidates: recs.iter().map(|r| candidate(query, r)).collect(),
                }));
            }
            Resolved::NotFound(recs) => {
                return Ok(AnswerBody::NotFound(NotFound {
                    name: name.clone(),
                    closest: recs.iter().map(|r| candidate(query, r)).collect(),
                }));
            }
        };
        Ok(match query {
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
        })
    }

    async fn describe_record(&self, rec: &EntityRecord) -> Result<EntityAnswer, IndexError> {
        let relations = self.store().relations_of(&rec.entity_ref).await?;
        let targets: Vec<String> =
            relations.iter().map(|(_, t)| t.clone()).collect::<HashSet<_>>().into_iter().collect();
        let found: HashMap<String, EntityRecord> =
            self.store().entities(&targets).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        let findings = self.store().findings_of(rec.file_id, rec.doc_index).await?;
        let document = self
            .store()
            .document(rec.file_id, rec.doc_index)
            .await?
            .and_then(|d| serde_json::from_str(&d).ok())
            .unwrap_or(serde_json::Value::Null);
        let mut reach = Reach::default();
        reach_of(rec, &mut reach);
        Ok(EntityAnswer {
            entity: summary(rec),
            tags: rec.tags.clone(),
            labels: rec.labels.clone(),
            annotations: rec.annotations.clone(),
            links: reach.links,
            relations: relations
                .iter()
                .map(|(kind, t)| RelationInfo {
                    relation: RelationType::from(kind.as_str()),
                    target: found.get(t).map_or_else(|| missing(t), summary),
                })
                .collect(),
            findings: findings.iter().map(finding_summary).collect(),
            document,
        })
    }

    /// Parent groups, nearest first (following `childOf`), cycle-safe.
    async fn parents(&self, group_ref: &str) -> Result<Vec<EntityRecord>, IndexError> {
        self.store().closure(group_ref, "childOf").await
    }

    async fn members(&self, group_ref: &str) -> Result<Vec<Person>, IndexError> {
        Ok(self.store().related(group_ref, "hasMember").await?.iter().map(person).collect())
    }

    /// The owner record, or a summary of a missing owner.
    async fn owner_of(&self, rec: &EntityRecord) -> Result<(Option<EntityRecord>, Option<EntitySummary>), IndexError> {
        let Some(owner_ref) = &rec.owner_ref else { return Ok((None, None)) };
        Ok(match self.store().entity(owner_ref).await? {
            Some(o) => {
                let s = summary(&o);
                (Some(o), Some(s))
            }
            None => (None, Some(missing(owner_ref))),
        })
    }

    async fn ownership_record(&self, rec: &EntityRecord) -> Result<OwnershipAnswer, IndexError> {
        let mut reach = Reach::default();
        reach_of(rec, &mut reach);
        let mut parents = Vec::new();
        let mut members = Vec::new();
        // One query for the owner, its parents and its members: this is the hottest answer.
        let bundle = match &rec.owner_ref {
            Some(owner_ref) => self.store().owner_bundle(owner_ref).await?,
            None => None,
        };
        let owner_summary = match (&bundle, &rec.owner_ref) {
            (Some(b), _) => Some(summary(&b.owner)),
            (None, Some(owner_ref)) => Some(missing(owner_ref)),
            (None, None) => None,
        };
        if let Some(b) = &bundle {
            let o = &b.owner;
            reach_of(o, &mut reach);
            if o.kind.eq_ignore_ascii_case("group") {
                if reach.contacts.iter().all(|c| c.from == rec.entity_ref)
                    && let Some(p) = b.parents.first()
                {
                    reach_of(p, &mut reach);
                }
                parents = b.parents.iter().map(summary).collect();
                members = b.related.iter().map(person).collect();
            } else if o.kind.eq_ignore_ascii_case("user") {
                members = vec![person(o)];
                parents = b.related.iter().map(summary).collect();
            }
        }
        let findings = if rec.error_count + rec.warning_count > 0 || !rec.valid {
            self.store().findings_of(rec.file_id, rec.doc_index).await?.iter().map(finding_summary).collect()
        } else {
            Vec::new()
        };
        Ok(OwnershipAnswer { entity: summary(rec), owner: owner_summary, parents, members, reach, findings })
    }

    async fn contact_record(&self, rec: &EntityRecord) -> Result<ContactAnswer, IndexError> {
        let is_party = rec.kind.eq_ignore_ascii_case("group") || rec.kind.eq_ignore_ascii_case("user");
        let mut reach = Reach::default();
        let (team, team_summary) = if is_party {
            (Some(rec.clone()), Some(summary(rec)))
        } else {
            reach_of(rec, &mut reach);
            self.owner_of(rec).await?
        };
        let mut members = Vec::new();
        if let Some(t) = &team {
            reach_of(t, &mut reach);
            if t.kind.eq_ignore_ascii_case("group") {
                members = self.members(&t.entity_ref).await?;
                if reach.contacts.is_empty()
                    && let Some(p) = self.parents(&t.entity_ref).await?.first()
                {
                    reach_of(p, &mut reach);
                }
            }
        }
        Ok(ContactAnswer { subject: summary(rec), team: team_summary, members, reach })
    }

    /// Dependencies or dependents of `rec` to `depth`, each with one shortest path.
    async fn traverse(
        &self,
        rec: &EntityRecord,
        direction: Direction,
        depth: u32,
    ) -> Result<DependencyAnswer, IndexError> {
        let depth = depth.clamp(1, MAX_DEPTH);
        let relation = match direction {
            Direction::Dependencies => "dependsOn",
            Direction::Dependents => "dependencyOf",
        };
        let root = rec.entity_ref.clone();
        // One query for every edge within reach, then a breadth-first walk for shortest paths.
        let mut adjacency: HashMap<String, Vec<String>> = HashMap::new();
        for (from, to) in self.store().edges_within(&root, relation, i64::from(depth)).await? {
            adjacency.entry(from).or_default().push(to);
        }
        let mut paths: HashMap<String, Vec<String>> = HashMap::from([(root.clone(), vec![root.clone()])]);
        let mut order: Vec<(String, u32)> = Vec::new();
        let mut frontier = vec![root.clone()];
        for d in 1..=depth {
            if frontier.is_empty() {
                break;
            }
            let mut next = Vec::new();
            for from in &frontier {
                for to in adjacency.get(from).into_iter().flatten() {
                    if paths.contains_key(to) {
                        continue;
                    }
                    let mut p = paths.get(from).cloned().unwrap_or_default();
                    p.push(to.clone());
                    paths.insert(to.clone(), p);
                    order.push((to.clone(), d));
                    next.push(to.clone());
                }
            }
            frontier = next;
        }
        let truncated = frontier.iter().any(|f| adjacency.get(f).into_iter().flatten().any(|t| !paths.contains_key(t)));
        let refs: Vec<String> = order.iter().map(|(r, _)| r.clone()).collect();
        let found: HashMap<String, EntityRecord> =
            self.store().entities(&refs).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        let mut nodes: Vec<DependencyNode> = order
            .into_iter()
            .map(|(r, d)| DependencyNode {
                entity: found.get(&r).map_or_else(|| missing(&r), summary),
                depth: d,
                path: paths.remove(&r).unwrap_or_default(),
            })
            .collect();
        nodes.sort_by(|a, b| a.depth.cmp(&b.depth).then_with(|| a.entity.entity_ref.cmp(&b.entity.entity_ref)));
        Ok(DependencyAnswer { root: summary(rec), direction, max_depth: depth, nodes, truncated })
    }

    async fn team_record(&self, rec: &EntityRecord) -> Result<TeamAnswer, IndexError> {
        let mut reach = Reach::default();
        reach_of(rec, &mut reach);
        let is_group = rec.kind.eq_ignore_ascii_case("group");
        let (parents, children, members, owners) = if is_group {
            let parents = self.parents(&rec.entity_ref).await?;
            let children = self.store().related(&rec.entity_ref, "parentOf").await?;
            // The team itself, then every sub-group at any depth (what they own is "via" them).
            let mut owners: Vec<(String, Option<String>)> = vec![(rec.entity_ref.clone(), None)];
            for sub in self.store().closure_refs(&rec.entity_ref, "parentOf").await? {
                owners.push((sub.clone(), Some(sub)));
            }
            let members = self.members(&rec.entity_ref).await?;
            (parents, children, members, owners)
        } else {
            let parents = self.store().related(&rec.entity_ref, "memberOf").await?;
            (parents, Vec::new(), vec![person(rec)], vec![(rec.entity_ref.clone(), None)])
        };
        let via: HashMap<String, Option<String>> = owners.iter().cloned().collect();
        let owner_refs: Vec<String> = owners.into_iter().map(|(r, _)| r).collect();
        let mut owned = self.store().owned_by(&owner_refs).await?;
        owned.sort_by(|a, b| {
            a.kind.to_lowercase().cmp(&b.kind.to_lowercase()).then_with(|| a.entity_ref.cmp(&b.entity_ref))
        });
        let owns = owned
            .iter()
            .map(|e| OwnedEntity {
                entity: summary(e),
                via: e.owner_ref.as_ref().and_then(|o| via.get(o).cloned().flatten()),
            })
            .collect();
        Ok(TeamAnswer {
            team: summary(rec),
            email: rec.email.clone(),
            parents: parents.iter().map(summary).collect(),
            children: children.iter().map(summary).collect(),
            members,
            owns,
            reach,
        })
    }

    /// Full-text search; best first.
    pub async fn search(&self, text: &str, limit: u32) -> Result<SearchAnswer, IndexError> {
        self.maybe_sync_search().await?;
        let (hits, total) = self.search_index().search(text, limit.max(1) as usize)?;
        let refs: Vec<String> = hits.iter().map(|h| h.entity_ref.clone()).collect();
        let found: HashMap<String, EntityRecord> =
            self.store().entities(&refs).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        Ok(SearchAnswer {
            text: text.to_owned(),
            hits: hits
                .into_iter()
                .filter_map(|h| {
                    let rec = found.get(&h.entity_ref)?;
                    Some(SearchHit { entity: summary(rec), score: h.score, matched: h.matched })
                })
                .collect(),
            total: total as u32,
        })
    }

    /// Entities matching every filter, grouped by owner.
    pub async fn find(&self, filters: &[Filter]) -> Result<FindAnswer, IndexError> {
        let mut clauses: Vec<String> = Vec::new();
        let mut params: Vec<String> = Vec::new();
        for f in filters {
            let value = f.value.as_deref().map(str::trim).unwrap_or_default().to_lowercase();
            let mut p = |v: String| {
                params.push(v);
                format!("${}", params.len())
            };
            let clause = match f.field {
                FilterField::Kind => format!("e.kind_lc = {}", p(value)),
                FilterField::Type => format!("e.type_lc = {}", p(value)),
                FilterField::Lifecycle => format!("e.lifecycle_lc = {}", p(value)),
                FilterField::Namespace => format!("lower(e.namespace) = {}", p(value)),
                FilterField::Tag => format!(
                    "EXISTS (SELECT 1 FROM tags t WHERE t.file_id = e.file_id AND t.doc_index = e.doc_index AND t.tag = {})",
                    p(value)
                ),
                FilterField::Owner => {
                    let r = self.entity_value_ref(&value, "Group", &["group", "user"]).await?;
                    format!("e.owner_ref = {}", p(r))
                }
                FilterField::System => {
                    let r = self.entity_value_ref(&value, "System", &["system"]).await?;
                    format!("e.system_ref = {}", p(r))
                }
                FilterField::Domain => {
                    let r = self.entity_value_ref(&value, "Domain", &["domain"]).await?;
                    let a = p(r.clone());
                    let b = p(r);
                    format!(
                        "(e.domain_ref = {a} OR e.system_ref IN (SELECT s.ref FROM entities s WHERE s.kind_lc = 'system' AND s.active AND s.domain_ref = {b}))"
                    )
                }
                FilterField::Label | FilterField::Annotation => {
                    let scope = if f.field == FilterField::Label { "label" } else { "annotation" };
                    let key = f.key.clone().unwrap_or_default();
                    let k = p(key);
                    let value_clause = match &f.value {
                        Some(v) => format!(" AND lower(m.value) = {}", p(v.trim().to_lowercase())),
                        None => String::new(),
                    };
                    format!(
                        "EXISTS (SELECT 1 FROM metadata_values m WHERE m.file_id = e.file_id AND m.doc_index = e.doc_index \
                         AND m.scope = '{scope}' AND m.key = {k}{value_clause})"
                    )
                }
            };
            clauses.push(clause);
        }
        let where_sql = if clauses.is_empty() { "TRUE".to_owned() } else { clauses.join(" AND ") };
        let recs = self.store().find(&where_sql, &params, FIND_LIMIT).await?;
        let total = if recs.len() as i64 >= FIND_LIMIT {
            self.store().count_find(&where_sql, &params).await? as u32
        } else {
            recs.len() as u32
        };
        let mut groups: BTreeMap<Option<String>, Vec<EntitySummary>> = BTreeMap::new();
        for r in &recs {
            groups.entry(r.owner_ref.clone()).or_default().push(summary(r));
        }
        let owner_refs: Vec<String> = groups.keys().flatten().cloned().collect();
        let owners: HashMap<String, EntityRecord> =
            self.store().entities(&owner_refs).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        let mut out: Vec<OwnerGroup> = groups
            .into_iter()
            .map(|(owner, mut entities)| {
                entities.sort_by(|a, b| a.entity_ref.cmp(&b.entity_ref));
                OwnerGroup { owner: owner.map(|o| owners.get(&o).map_or_else(|| missing(&o), summary)), entities }
            })
            .collect();
        // Entities without an owner last.
        out.sort_by_key(|g| g.owner.is_none());
        Ok(FindAnswer { filters: filters.to_vec(), groups: out, total })
    }

    /// The canonical ref a filter value names: the entity it resolves to among `kinds`, else
    /// the value read as a reference with `default_kind`.
    async fn entity_value_ref(&self, value: &str, default_kind: &str, kinds: &[&str]) -> Result<String, IndexError> {
        if let Ok(r) = parse_entity_ref(value, Some(default_kind), Some("default")) {
            let canonical = r.canonical();
            if self.store().entity(&canonical).await?.is_some() {
                return Ok(canonical);
            }
        }
        if let Resolved::Found(rec) = self.resolve_record(value, kinds).await?
            && kinds.iter().any(|k| rec.kind.eq_ignore_ascii_case(k))
        {
            return Ok(rec.entity_ref);
        }
        Ok(parse_entity_ref(value, Some(default_kind), Some("default")).map(|r| r.canonical()).unwrap_or_default())
    }

    /// What needs attention in the catalog.
    pub async fn health(&self) -> Result<HealthAnswer, IndexError> {
        let store = self.store();
        let (entity_count, file_count) = store.counts().await?;
        let source_count = store.sources().await?.len() as u32;
        let missing_owners = store
            .missing_owners()
            .await?
            .iter()
            .map(|r| MissingOwner { entity: summary(r), owner_ref: r.owner_ref.clone().unwrap_or_default() })
            .collect();

        // Owners that are Groups without members (counting sub-groups) or Users in no Group.
        let owners: HashSet<String> = store.owner_refs().await?.into_iter().collect();
        let with_members: HashSet<String> =
            store.relations_of_type("hasMember").await?.into_iter().map(|(g, _)| g).collect();
        let child_of = store.relations_of_type("childOf").await?;
        let mut parents_of: HashMap<String, Vec<String>> = HashMap::new();
        for (c, p) in child_of {
            parents_of.entry(c).or_default().push(p);
        }
        let mut populated: HashSet<String> = HashSet::new();
        let mut queue: VecDeque<String> = with_members.iter().cloned().collect();
        while let Some(g) = queue.pop_front() {
            if populated.insert(g.clone()) {
                for p in parents_of.get(&g).into_iter().flatten() {
                    queue.push_back(p.clone());
                }
            }
        }
        let empty_groups: Vec<String> =
            owners.iter().filter(|o| o.starts_with("group:") && !populated.contains(*o)).cloned().collect();
        let mut groups_without_members: Vec<EntitySummary> =
            store.entities(&empty_groups).await?.iter().map(summary).collect();
        groups_without_members.sort_by(|a, b| a.entity_ref.cmp(&b.entity_ref));
        let grouped_users: HashSet<String> =
            store.relations_of_type("memberOf").await?.into_iter().map(|(u, _)| u).collect();
        let lonely: Vec<String> =
            owners.iter().filter(|o| o.starts_with("user:") && !grouped_users.contains(*o)).cloned().collect();
        let mut users_without_group: Vec<EntitySummary> = store.entities(&lonely).await?.iter().map(summary).collect();
        users_without_group.sort_by(|a, b| a.entity_ref.cmp(&b.entity_ref));

        let pairs = store.deprecated_in_use().await?;
        let refs: Vec<String> =
            pairs.iter().flat_map(|(d, p)| [d.clone(), p.clone()]).collect::<HashSet<_>>().into_iter().collect();
        let recs: HashMap<String, EntityRecord> =
            store.entities(&refs).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        let mut deprecated: BTreeMap<String, Vec<EntitySummary>> = BTreeMap::new();
        for (d, p) in &pairs {
            deprecated.entry(d.clone()).or_default().push(recs.get(p).map_or_else(|| missing(p), summary));
        }
        let deprecated_in_use = deprecated
            .into_iter()
            .map(|(d, dependents)| DeprecatedInUse {
                entity: recs.get(&d).map_or_else(|| missing(&d), summary),
                dependents,
            })
            .collect();

        let mut with_findings: BTreeMap<String, Vec<FindingSummary>> = BTreeMap::new();
        for (r, f) in store.entity_findings().await? {
            with_findings.entry(r).or_default().push(finding_summary(&f));
        }
        let mut invalid: HashMap<String, EntityRecord> =
            store.invalid_entities().await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        for (r, rec) in &invalid {
            if !with_findings.contains_key(r)
                && let Some(first) = summary(rec).first_error
            {
                with_findings.insert(r.clone(), vec![first]);
            }
        }
        let need: Vec<String> = with_findings.keys().filter(|r| !invalid.contains_key(*r)).cloned().collect();
        for rec in store.entities(&need).await? {
            invalid.insert(rec.entity_ref.clone(), rec);
        }
        let entities_with_findings = with_findings
            .into_iter()
            .filter_map(|(r, findings)| Some(EntityFindings { entity: summary(invalid.get(&r)?), findings }))
            .collect();
        let file_findings = store.file_findings().await?.iter().map(finding_summary).collect();
        Ok(HealthAnswer {
            entity_count: entity_count as u32,
            file_count: file_count as u32,
            source_count,
            missing_owners,
            groups_without_members,
            users_without_group,
            deprecated_in_use,
            entities_with_findings,
            file_findings,
        })
    }
}

fn unreachable_body() -> AnswerBody {
    AnswerBody::Help(backline_answer::question::help(Some("internal: query without a body".to_owned())))
}

/// Picks the one hit of the most preferred kind present; several of it are ambiguous.
fn pick_preferred(hits: Vec<EntityRecord>, prefer: &[&str]) -> Resolved {
    for kind in prefer {
        let of_kind: Vec<&EntityRecord> = hits.iter().filter(|h| h.kind.eq_ignore_ascii_case(kind)).collect();
        match of_kind.len() {
            0 => continue,
            1 => return Resolved::Found(Box::new(of_kind[0].clone())),
            _ => break,
        }
    }
    Resolved::Ambiguous(order_by_preference(hits, prefer))
}

fn order_by_preference(mut hits: Vec<EntityRecord>, prefer: &[&str]) -> Vec<EntityRecord> {
    let rank = |r: &EntityRecord| prefer.iter().position(|k| r.kind.eq_ignore_ascii_case(k)).unwrap_or(prefer.len());
    // Stable: keeps relevance order within a kind.
    hits.sort_by_key(rank);
    hits.truncate(MAX_CANDIDATES);
    hits
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

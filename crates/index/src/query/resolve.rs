//! Name resolution: a ref, a name (case-insensitively), the variants people type ("payments
//! team" → `team-payments`), then the search index and edit similarity. Ties are returned as
//! candidates, ordered by the kinds the question prefers, instead of guessed.

use std::collections::HashMap;

use backline_answer::*;
use backline_catalog::entity_ref::parse_entity_ref;

use super::summary::summary;
use super::{MAX_CANDIDATES, Resolution, Resolved};
use crate::store::EntityRecord;
use crate::{Index, IndexError};

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
            Resolved::Found(r) | Resolved::Fuzzy(r) => Resolution::Found(Box::new(summary(&r))),
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
            && let Some(rec) = self.store().entity(&r.canonical()).await?
        {
            return Ok(Resolved::Found(Box::new(rec)));
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
        // Whatever is found from here on is another name than the one asked: answers say so.
        Ok(match self.fuzzy_resolve(&bare, prefer).await? {
            Resolved::Found(rec) => Resolved::Fuzzy(rec),
            other => other,
        })
    }

    pub(super) async fn fuzzy_resolve(&self, name: &str, prefer: &[&str]) -> Result<Resolved, IndexError> {
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
    pub(super) async fn closest_names(&self, name: &str) -> Result<Vec<EntityRecord>, IndexError> {
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

//! Links to the organisation's Backstage: the page of every entity an answer names, so a chat
//! answer or a `--json` consumer can open "who owns it" in the portal in one click.
//!
//! The route is Backstage's entity page, `{frontend}/catalog/{namespace}/{kind}/{name}`, with the
//! kind and namespace lower-cased as Backstage's route builder writes them and each segment
//! percent-encoded. Whoever knows the frontend URLs (the index, from `backline.toml`) fills
//! [`EntitySummary::url`] through [`AnswerBody::entities_mut`], which visits every entity of
//! every kind of answer; renderers only read it.

use crate::model::{AnswerBody, EntitySummary};

/// `{frontend}/catalog/{namespace}/{kind}/{name}`: Backstage's entity page.
pub fn entity_page(frontend: &str, namespace: &str, kind: &str, name: &str) -> String {
    let namespace = if namespace.is_empty() { "default".to_owned() } else { namespace.to_lowercase() };
    format!(
        "{}/catalog/{}/{}/{}",
        frontend.trim_end_matches('/'),
        segment(&namespace),
        segment(&kind.to_lowercase()),
        segment(name)
    )
}

/// A path segment, percent-encoded: catalog names are restricted, but an invalid entity is
/// still answered about, and its name must not break out of the link.
fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl AnswerBody {
    /// Calls `f` on every entity the answer names (the subject, owners, parents, members,
    /// dependencies, hits, candidates, ...), in no particular order.
    pub fn entities_mut(&mut self, f: &mut dyn FnMut(&mut EntitySummary)) {
        match self {
            AnswerBody::Entity(a) => {
                f(&mut a.entity);
                a.relations.iter_mut().for_each(|r| f(&mut r.target));
            }
            AnswerBody::Ownership(a) => {
                f(&mut a.entity);
                a.owner.iter_mut().chain(&mut a.parents).for_each(&mut *f);
                a.members.iter_mut().for_each(|m| f(&mut m.entity));
            }
            AnswerBody::Contact(a) => {
                f(&mut a.subject);
                a.team.iter_mut().for_each(&mut *f);
                a.members.iter_mut().for_each(|m| f(&mut m.entity));
            }
            AnswerBody::Dependencies(a) => {
                f(&mut a.root);
                a.nodes.iter_mut().for_each(|n| f(&mut n.entity));
            }
            AnswerBody::Team(a) => {
                f(&mut a.team);
                a.parents.iter_mut().chain(&mut a.children).for_each(&mut *f);
                a.members.iter_mut().for_each(|m| f(&mut m.entity));
                a.owns.iter_mut().for_each(|o| f(&mut o.entity));
            }
            AnswerBody::Search(a) => a.hits.iter_mut().for_each(|h| f(&mut h.entity)),
            AnswerBody::Find(a) => {
                for g in &mut a.groups {
                    g.owner.iter_mut().chain(&mut g.entities).for_each(&mut *f);
                }
            }
            AnswerBody::Health(a) => {
                a.missing_owners.iter_mut().for_each(|m| f(&mut m.entity));
                a.groups_without_members.iter_mut().chain(&mut a.users_without_group).for_each(&mut *f);
                for d in &mut a.deprecated_in_use {
                    f(&mut d.entity);
                    d.dependents.iter_mut().for_each(&mut *f);
                }
                a.entities_with_findings.iter_mut().for_each(|e| f(&mut e.entity));
            }
            AnswerBody::Migration(a) => {
                a.team.iter_mut().for_each(&mut *f);
                for t in &mut a.teams {
                    t.owner.iter_mut().chain(&mut t.remaining).for_each(&mut *f);
                }
            }
            AnswerBody::Scorecard(a) => {
                a.team.iter_mut().for_each(&mut *f);
                a.teams.iter_mut().filter_map(|t| t.team.as_mut()).for_each(&mut *f);
                a.entities.iter_mut().for_each(|e| f(&mut e.entity));
            }
            AnswerBody::Ambiguous(a) => a.candidates.iter_mut().for_each(|c| f(&mut c.entity)),
            AnswerBody::NotFound(a) => a.closest.iter_mut().for_each(|c| f(&mut c.entity)),
            AnswerBody::Mine(a) => {
                f(&mut a.me.entity);
                a.teams.iter_mut().for_each(&mut *f);
                a.owns.iter_mut().for_each(|o| f(&mut o.entity));
            }
            AnswerBody::Migrations(_) | AnswerBody::Help(_) | AnswerBody::UnknownAsker(_) => {}
        }
    }

    /// Sets [`EntitySummary::url`] of every entity that exists and has none yet, from
    /// `frontend_of` (the Backstage frontend an entity's page is in, by entity).
    pub fn link_entities(&mut self, frontend_of: &dyn Fn(&EntitySummary) -> Option<String>) {
        self.entities_mut(&mut |e| {
            if e.url.is_none() && e.exists {
                e.url = frontend_of(e).map(|f| entity_page(&f, &e.namespace, &e.kind, &e.name));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entity_page_is_backstages_route() {
        assert_eq!(
            entity_page("https://backstage.example.com/", "default", "Component", "payments-api"),
            "https://backstage.example.com/catalog/default/component/payments-api"
        );
        assert_eq!(
            entity_page("https://portal.example.com/bs", "Ops", "Group", "team a/b"),
            "https://portal.example.com/bs/catalog/ops/group/team%20a%2Fb"
        );
        assert_eq!(entity_page("https://p.example", "", "User", "jo"), "https://p.example/catalog/default/user/jo");
    }
}

//! Cards about one entity: "who owns X", "how do I reach X", "what is X".

use std::collections::HashSet;

use super::reach::{ranked_links, reach};
use super::{PresentOptions, code_name, description, display, findings, footer_of, named, short_ref, title};
use crate::card::{Block, Card, Field, Icon, List, Sep, Text, cut};
use crate::model::{ContactAnswer, EntityAnswer, EntitySummary, OwnershipAnswer, RelationType};

/// "Owner: **Payments Team** (`team-payments`)", or why there is none.
fn owner_line(owner: Option<&EntitySummary>, opts: &PresentOptions) -> Text {
    match owner {
        None => Text::new().icon(Icon::Warning).plain(" ").bold("Owner:").plain(" none in the catalog"),
        Some(o) if !o.exists => Text::new()
            .icon(Icon::Warning)
            .plain(" ")
            .bold("Owner:")
            .plain(" ")
            .code(cut(&short_ref(&o.entity_ref), 200))
            .plain(", which is not defined in the catalog"),
        Some(o) => Text::new().bold("Owner:").plain(" ").then(named(o, opts)),
    }
}

/// "part of Commerce › Engineering", each linked to its page when it has one.
pub(super) fn parents_line(parents: &[EntitySummary], opts: &PresentOptions) -> Option<Text> {
    if parents.is_empty() {
        return None;
    }
    let mut line = Text::new().plain("part of ");
    for (i, p) in parents.iter().take(4).enumerate() {
        if i > 0 {
            line = line.plain(" › ");
        }
        let name = cut(display(p).trim(), 80);
        line = match super::catalog_link(p, opts) {
            Some(url) => line.link(url, name),
            None => line.plain(name),
        };
    }
    Some(line)
}

pub(super) fn ownership(c: &mut Card, a: &OwnershipAnswer, opts: &PresentOptions) {
    title(c, display(&a.entity), Some(&a.entity), opts);
    let mut head = owner_line(a.owner.as_ref(), opts);
    if let Some(parents) = parents_line(&a.parents, opts) {
        head = head.br().then(parents);
    }
    if !a.entity.valid {
        head = head.br().icon(Icon::Warning).plain(" Backstage would refuse this entity (see below).");
    }
    c.blocks.push(Block::Paragraph(head));
    c.blocks.extend(description(&a.entity).map(Block::Paragraph));
    reach(c, &a.reach, &a.members, &a.entity.entity_ref, opts);
    findings(c, &a.findings);
    footer_of(c, &a.entity);
}

pub(super) fn contact(c: &mut Card, a: &ContactAnswer, opts: &PresentOptions) {
    let whom = a.team.as_ref().unwrap_or(&a.subject);
    title(c, format!("Reach {}", display(whom)), Some(whom), opts);
    if a.team.as_ref().is_none_or(|t| t.entity_ref != a.subject.entity_ref) {
        let line = named(&a.subject, opts).plain(" — ").then(owner_line(a.team.as_ref(), opts));
        c.blocks.push(Block::Paragraph(line));
    }
    if a.reach.is_empty() && a.members.is_empty() {
        c.blocks.push(Block::Paragraph(
            Text::new().plain("No on-call, channel or people are recorded for it in the catalog."),
        ));
    }
    reach(c, &a.reach, &a.members, &a.subject.entity_ref, opts);
    footer_of(c, &a.subject);
}

pub(super) fn entity(c: &mut Card, a: &EntityAnswer, opts: &PresentOptions) {
    let e = &a.entity;
    title(c, display(e), Some(e), opts);
    c.blocks.extend(description(e).map(Block::Paragraph));
    let mut fields = vec![Field { label: "Kind".into(), value: Text::new().plain(super::facts(e)) }];
    if let Some(owner_ref) = &e.owner {
        let owner = a.relations.iter().find(|r| r.relation == RelationType::OwnedBy).map(|r| &r.target);
        let value = match owner {
            Some(o) if o.exists => named(o, opts),
            _ => Text::new().code(cut(&short_ref(owner_ref), 200)),
        };
        fields.push(Field { label: "Owner".into(), value });
    }
    for (relation, label) in [
        (RelationType::PartOf, "Part of"),
        (RelationType::ProvidesApi, "Provides"),
        (RelationType::ConsumesApi, "Consumes"),
        (RelationType::DependsOn, "Depends on"),
    ] {
        let targets: Vec<Text> =
            a.relations.iter().filter(|r| r.relation == relation).map(|r| code_name(&r.target, opts)).collect();
        if !targets.is_empty() {
            let list = List::new(targets, Sep::Comma, 5).max_chars(600);
            fields.push(Field { label: label.into(), value: Text::new().list(list) });
        }
    }
    if !a.tags.is_empty() {
        let tags: Vec<Text> = a.tags.iter().map(|t| Text::new().code(cut(t, 60))).collect();
        fields.push(Field {
            label: "Tags".into(),
            value: Text::new().list(List::new(tags, Sep::Space, 10).max_chars(600)),
        });
    }
    c.blocks.push(Block::Fields(fields));
    super::list_block(c, Some(Icon::Link), "Links", None, ranked_links(&a.links, &HashSet::new()));
    findings(c, &a.findings);
    c.footer = [super::where_defined(e)].into_iter().filter(|s| !s.is_empty()).collect();
}

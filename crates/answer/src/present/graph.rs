//! Cards about the graph around an entity: dependencies, blast radius, and what a team owns.

use std::collections::BTreeMap;

use super::reach::reach;
use super::{
    LIST_ITEMS, PresentOptions, code_name, compact, display, footer_of, list_block, named, plural, short_name,
    short_ref, title,
};
use crate::card::{Block, Card, Icon, List, Sep, Text, cut};
use crate::model::{DependencyAnswer, Direction, TeamAnswer};

pub(super) fn dependencies(c: &mut Card, a: &DependencyAnswer, opts: &PresentOptions) {
    let root = display(&a.root);
    let (head, verb) = match a.direction {
        Direction::Dependents => (format!("Blast radius of {root}"), "depend on it"),
        Direction::Dependencies => (format!("{root} depends on"), "it depends on"),
    };
    title(c, head, Some(&a.root), opts);
    if a.nodes.is_empty() {
        let text = match a.direction {
            Direction::Dependents => {
                Text::new().plain("Nothing in the catalog depends on ").then(named(&a.root, opts)).plain(".")
            }
            Direction::Dependencies => named(&a.root, opts).plain(" depends on nothing in the catalog."),
        };
        c.blocks.push(Block::Paragraph(text));
    } else {
        let direct = a.nodes.iter().filter(|n| n.depth == 1).count();
        c.blocks.push(Block::Paragraph(Text::new().bold(a.nodes.len().to_string()).plain(format!(
            " entit{} {verb} ({direct} directly), up to depth {}.",
            plural(a.nodes.len(), "y", "ies"),
            a.max_depth
        ))));
        if a.direction == Direction::Dependents {
            // Who to tell: the owners of everything that breaks, most affected first.
            let mut owners: BTreeMap<String, usize> = BTreeMap::new();
            for n in &a.nodes {
                *owners
                    .entry(n.entity.owner.as_deref().map(short_ref).unwrap_or_else(|| "no owner".into()))
                    .or_default() += 1;
            }
            let mut owners: Vec<(String, usize)> = owners.into_iter().collect();
            owners.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
            let items = owners.iter().map(|(o, n)| Text::new().code(cut(o, 80)).plain(format!(" ({n})"))).collect();
            list_block(c, Some(Icon::People), "Teams affected", None, List::new(items, Sep::Dot, LIST_ITEMS));
        }
        let max_depth = a.nodes.iter().map(|n| n.depth).max().unwrap_or(0);
        for depth in 1..=max_depth {
            let items: Vec<Text> = a.nodes.iter().filter(|n| n.depth == depth).map(|n| compact(&n.entity)).collect();
            if items.is_empty() {
                continue;
            }
            let label = if depth == 1 { "Directly".to_owned() } else { format!("Depth {depth}") };
            let n = items.len();
            list_block(c, None, &label, Some(n), List::new(items, Sep::Comma, 15));
        }
    }
    if a.truncated {
        c.blocks.push(Block::Note(Text::new().plain(format!(
            "More entities are reachable beyond depth {}; ask again with a larger depth.",
            a.max_depth
        ))));
    }
    footer_of(c, &a.root);
}

pub(super) fn team(c: &mut Card, a: &TeamAnswer, opts: &PresentOptions) {
    title(c, display(&a.team), Some(&a.team), opts);
    let mut head = named(&a.team, opts);
    if !a.parents.is_empty() {
        let chain: Vec<String> = a.parents.iter().take(4).map(|p| cut(display(p).trim(), 80)).collect();
        head = head.plain(format!(" — part of {}", chain.join(" › ")));
    }
    if let Some(email) = &a.email {
        head = head.br().icon(crate::card::Icon::Email).plain(" ").span(crate::card::Span::Email(cut(email, 200)));
    }
    c.blocks.push(Block::Paragraph(head));
    reach(c, &a.reach, &a.members, &a.team.entity_ref);
    let children: Vec<Text> = a.children.iter().map(code_name).collect();
    list_block(c, None, "Sub-teams", None, List::new(children, Sep::Comma, LIST_ITEMS));
    if a.owns.is_empty() {
        c.blocks.push(Block::Paragraph(Text::new().bold("Owns:").plain(" nothing in the catalog.")));
    } else {
        let mut by_kind: BTreeMap<String, Vec<Text>> = BTreeMap::new();
        for o in &a.owns {
            let mut item = Text::new().code(cut(&short_name(&o.entity), 80));
            if let Some(via) = &o.via {
                item = item.plain(format!(" (via {})", cut(&short_ref(via), 60)));
            }
            by_kind.entry(o.entity.kind.clone()).or_default().push(item);
        }
        let lines: Vec<Text> = by_kind
            .into_iter()
            .map(|(kind, items)| {
                let n = items.len();
                Text::new()
                    .bold(cut(&kind, 40))
                    .plain(format!(" ({n}): "))
                    .list(List::new(items, Sep::Comma, 12).max_chars(400))
            })
            .collect();
        let label = format!("Owns {} entit{}", a.owns.len(), plural(a.owns.len(), "y", "ies"));
        list_block(c, None, &label, None, List::new(lines, Sep::Line, 12));
    }
    c.footer = [super::where_defined(&a.team)].into_iter().filter(|s| !s.is_empty()).collect();
}

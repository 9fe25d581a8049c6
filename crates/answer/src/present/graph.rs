//! Cards about the graph around an entity: dependencies, blast radius, and what a team owns.

use std::collections::BTreeMap;

use super::reach::reach;
use super::{
    LIST_ITEMS, PresentOptions, code_name, compact, display, footer_of, list_block, named, plural, short_ref, title,
};
use crate::card::{Block, Card, Choice, Icon, List, Sep, Text, cut};
use crate::model::{DependencyAnswer, Direction, LiveOnCall, LiveState, TeamAnswer};
use crate::question::{IMPACT_DEPTH, whole_impact_question};

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
        if a.direction == Direction::Dependents {
            // Who to tell first: the owners of everything that breaks, most affected first, with
            // who is on call for each when a provider said.
            let mut owners: BTreeMap<Option<String>, usize> = BTreeMap::new();
            for n in &a.nodes {
                *owners.entry(n.entity.owner.clone()).or_default() += 1;
            }
            let mut owners: Vec<(Option<String>, usize)> = owners.into_iter().collect();
            owners.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
            let items: Vec<Text> = owners
                .iter()
                .map(|(o, n)| {
                    let name = o.as_deref().map(short_ref).unwrap_or_else(|| "no owner".into());
                    let mut t = Text::new().code(cut(&name, 80)).plain(format!(" ({n})"));
                    if let Some(on_call) = o.as_deref().and_then(|o| team_on_call(&a.team_on_call, o)) {
                        t = t.plain(" — on call: ").bold(cut(&on_call, 200));
                    }
                    t
                })
                .collect();
            let sep = if a.team_on_call.is_empty() { Sep::Dot } else { Sep::Line };
            list_block(c, Some(Icon::People), "Teams affected", None, List::new(items, sep, LIST_ITEMS));
        }
        let direct = a.nodes.iter().filter(|n| n.depth == 1).count();
        c.blocks.push(Block::Paragraph(Text::new().bold(a.nodes.len().to_string()).plain(format!(
            " entit{} {verb} ({direct} directly), up to depth {}.",
            plural(a.nodes.len(), "y", "ies"),
            a.max_depth
        ))));
        let max_depth = a.nodes.iter().map(|n| n.depth).max().unwrap_or(0);
        for depth in 1..=max_depth {
            let items: Vec<Text> =
                a.nodes.iter().filter(|n| n.depth == depth).map(|n| compact(&n.entity, opts)).collect();
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
        if a.direction == Direction::Dependents && a.max_depth < IMPACT_DEPTH {
            c.choices.push(Choice {
                label: format!("Whole blast radius (depth {IMPACT_DEPTH})"),
                question: whole_impact_question(&a.root.entity_ref),
            });
        }
    }
    footer_of(c, &a.root);
}

/// "Ada Lovelace (PagerDuty)", the level-1 people on call for `team`; `None` when none is known.
fn team_on_call(live: &[LiveOnCall], team: &str) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    for l in live.iter().filter(|l| l.from == team && l.state != LiveState::Unavailable) {
        for p in l.rosters.iter().flat_map(|r| &r.level1) {
            let name = format!("{} ({})", p.name.trim(), l.provider.label());
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    (!names.is_empty()).then(|| names.join(", "))
}

pub(super) fn team(c: &mut Card, a: &TeamAnswer, opts: &PresentOptions) {
    title(c, display(&a.team), Some(&a.team), opts);
    let mut head = named(&a.team, opts);
    if let Some(parents) = super::entity::parents_line(&a.parents, opts) {
        head = head.plain(" — ").then(parents);
    }
    if let Some(email) = &a.email {
        head = head.br().icon(crate::card::Icon::Email).plain(" ").span(crate::card::Span::Email(cut(email, 200)));
    }
    c.blocks.push(Block::Paragraph(head));
    reach(c, &a.reach, &a.members, &a.team.entity_ref, opts);
    let children: Vec<Text> = a.children.iter().map(|e| code_name(e, opts)).collect();
    list_block(c, None, "Sub-teams", None, List::new(children, Sep::Comma, LIST_ITEMS));
    if a.owns.is_empty() {
        c.blocks.push(Block::Paragraph(Text::new().bold("Owns:").plain(" nothing in the catalog.")));
    } else {
        let mut by_kind: BTreeMap<String, Vec<Text>> = BTreeMap::new();
        for o in &a.owns {
            let mut item = code_name(&o.entity, opts);
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

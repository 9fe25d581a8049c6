//! The scorecard card: where a team or entity stands (its level, the spread over levels), then
//! the owners furthest behind first, then each entity with what its next level needs, so a
//! team lead sees what to fix without opening the catalog.

use super::{LIST_ITEMS, PresentOptions, code_name, lines_block, list_block, named, plural, title};
use crate::card::{Block, Card, Field, List, Sep, Text, cut};
use crate::scorecard::ScorecardAnswer;

/// Failed rules shown per entity before "…and N more".
const FAILED_SHOWN: usize = 3;

pub(super) fn scorecard(c: &mut Card, a: &ScorecardAnswer, opts: &PresentOptions) {
    let s = &a.scorecard;
    let subject =
        a.team.as_ref().or_else(|| if a.teams.is_empty() { a.entities.first().map(|e| &e.entity) } else { None });
    let heading = match subject {
        Some(e) => format!("Scorecard {} · {}", s.name, e.name),
        None => format!("Scorecard {}", s.name),
    };
    title(c, heading, subject, opts);
    if let Some(d) = s.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        c.blocks.push(Block::Paragraph(Text::new().italic(cut(d, 300))));
    }
    if a.total == 0 {
        c.blocks.push(Block::Paragraph(Text::new().plain("Nothing here is scored by this scorecard.")));
        return;
    }
    let mut fields = vec![Field { label: "Spread".into(), value: Text::new().plain(cut(&a.distribution_text(), 300)) }];
    let levels: Vec<String> = s.levels.iter().map(|l| l.name.clone()).collect();
    fields.push(Field { label: "Levels".into(), value: Text::new().plain(cut(&levels.join(" → "), 300)) });
    if let Some(required) = &s.required {
        fields.push(Field { label: "Required in CI".into(), value: Text::new().code(cut(required, 60)) });
    }
    c.blocks.push(Block::Fields(fields));
    if !a.teams.is_empty() {
        let items: Vec<Text> = a
            .teams
            .iter()
            .map(|t| {
                let who = match &t.team {
                    Some(e) => named(e, opts),
                    None => Text::new().italic("no owner"),
                };
                Text::new().plain("• ").then(who).plain(format!(
                    " — {} ({} entit{})",
                    t.level.as_deref().unwrap_or("no level"),
                    t.entity_count,
                    plural(t.entity_count as usize, "y", "ies")
                ))
            })
            .collect();
        let n = items.len();
        list_block(c, None, "Teams, furthest behind first", Some(n), List::new(items, Sep::Line, LIST_ITEMS));
    }
    if !a.entities.is_empty() {
        let items: Vec<Text> = a
            .entities
            .iter()
            .map(|e| {
                let mut line = Text::new()
                    .plain("• ")
                    .then(code_name(&e.entity, opts))
                    .plain(format!(" — {}", e.level.as_deref().unwrap_or("no level")));
                if let Some(next) = &e.next_level {
                    let needs: Vec<Text> = e
                        .failed
                        .iter()
                        .filter(|f| &f.level == next)
                        .map(|f| Text::new().code(cut(&f.rule, 60)).plain(format!(" ({})", cut(&f.reason, 120))))
                        .collect();
                    if !needs.is_empty() {
                        line = line
                            .plain(format!("; for {}: ", cut(next, 40)))
                            .list(List::new(needs, Sep::Comma, FAILED_SHOWN).max_chars(400));
                    }
                }
                line
            })
            .collect();
        lines_block(c, List::new(items, Sep::Line, LIST_ITEMS * 2));
    }
    if !a.other_scorecards.is_empty() {
        let names: Vec<Text> = a.other_scorecards.iter().map(|n| Text::new().code(cut(n, 60))).collect();
        c.blocks.push(Block::Note(Text::new().plain("Other scorecards: ").list(List::new(names, Sep::Comma, 10))));
    }
}

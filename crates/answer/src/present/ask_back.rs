//! Cards that ask back or explain: an ambiguous name, a name not found, help.

use super::{MAX_CANDIDATES, PresentOptions, code_name, facts, lines_block, short_name, short_ref};
use crate::card::{Block, Card, Choice, List, Sep, Text, cut};
use crate::command::{COMMANDS, usage_line};
use crate::model::{Ambiguous, Candidate, Help, NotFound};

fn candidates(c: &mut Card, candidates: &[Candidate], opts: &PresentOptions) {
    let lines = candidates
        .iter()
        .take(MAX_CANDIDATES)
        .map(|cand| {
            let e = &cand.entity;
            let mut line = Text::new().plain("• ").then(code_name(e, opts)).plain(format!(" — {}", facts(e)));
            if let Some(owner) = &e.owner {
                line = line.plain(format!(" · {}", cut(&short_ref(owner), 60)));
            }
            if let Some(d) = e.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                line = line.plain(format!(" — {}", cut(d, 100)));
            }
            line
        })
        .collect();
    lines_block(c, List::new(lines, Sep::Line, MAX_CANDIDATES).max_chars(2000));
    let mut seen = std::collections::HashSet::new();
    c.choices = candidates
        .iter()
        .take(MAX_CANDIDATES)
        .filter(|cand| !cand.follow_up.is_empty() && seen.insert(cand.follow_up.clone()))
        .map(|cand| Choice {
            label: format!("{} ({})", short_name(&cand.entity), cand.entity.kind),
            question: cand.follow_up.clone(),
        })
        .collect();
}

pub(super) fn ambiguous(c: &mut Card, a: &Ambiguous, opts: &PresentOptions) {
    let name = cut(a.name.trim(), 200);
    c.blocks
        .push(Block::Paragraph(Text::new().plain(format!("Several entities match “{name}”. Which one do you mean?"))));
    candidates(c, &a.candidates, opts);
}

pub(super) fn not_found(c: &mut Card, a: &NotFound, opts: &PresentOptions) {
    let name = cut(a.name.trim(), 200);
    if a.closest.is_empty() {
        c.blocks.push(Block::Paragraph(
            Text::new()
                .plain(format!("Nothing in the catalog is called “{name}”. Try "))
                .code("/backline search")
                .plain(" with part of the name."),
        ));
        return;
    }
    c.blocks
        .push(Block::Paragraph(Text::new().plain(format!("Nothing in the catalog is called “{name}”. Did you mean:"))));
    candidates(c, &a.closest, opts);
}

pub(super) fn help(c: &mut Card, a: &Help) {
    if let Some(reason) = &a.reason {
        c.blocks.push(Block::Paragraph(Text::new().plain(cut(reason.trim(), 500))));
    }
    let commands = COMMANDS
        .iter()
        .map(|cmd| {
            Text::new().plain("• ").code(format!("/backline {}", usage_line(cmd))).plain(format!(" — {}", cmd.about))
        })
        .collect();
    super::list_block(c, None, "Ask me with /backline", None, List::new(commands, Sep::Line, COMMANDS.len()));
    let examples: Vec<Text> = a
        .examples
        .iter()
        .map(|e| Text::new().plain(format!("• “{}” — {}", cut(e.question.trim(), 200), cut(e.explanation.trim(), 200))))
        .collect();
    super::list_block(c, None, "Or ask in plain words", None, List::new(examples, Sep::Line, 12));
}

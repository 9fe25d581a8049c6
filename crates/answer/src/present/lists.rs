//! Cards listing many entities: search results, `find` matches by owner, catalog health.

use super::{LIST_ITEMS, PresentOptions, code_name, facts, lines_block, list_block, named, plural, short_ref};
use crate::card::{Block, Card, List, Sep, Text, Title, cut};
use crate::model::{FindAnswer, HealthAnswer, SearchAnswer};
use crate::question::filter_text;

pub(super) fn search(c: &mut Card, a: &SearchAnswer, opts: &PresentOptions) {
    let text = cut(a.text.trim(), 200);
    if a.hits.is_empty() {
        c.blocks.push(Block::Paragraph(Text::new().plain(format!("Nothing in the catalog matches “{text}”."))));
        return;
    }
    c.blocks.push(Block::Paragraph(
        Text::new()
            .bold(a.total.to_string())
            .plain(format!(" result{} for “{text}”", plural(a.total as usize, "", "s"))),
    ));
    let items = a
        .hits
        .iter()
        .map(|h| {
            let e = &h.entity;
            let mut line = Text::new().plain("• ").then(named(e, opts)).plain(format!(" — {}", facts(e)));
            if let Some(owner) = &e.owner {
                line = line.plain(format!(" · {}", cut(&short_ref(owner), 60)));
            }
            if let Some(d) = e.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                line = line.br().plain(format!("   {}", cut(d, 140)));
            }
            line
        })
        .collect();
    lines_block(c, List::new(items, Sep::Line, 10).total(a.total as usize));
}

pub(super) fn find(c: &mut Card, a: &FindAnswer, opts: &PresentOptions) {
    let filters = cut(&a.filters.iter().map(filter_text).collect::<Vec<_>>().join(" "), 300);
    if a.total == 0 {
        c.blocks.push(Block::Paragraph(Text::new().plain("Nothing in the catalog matches ").code(filters).plain(".")));
        return;
    }
    c.blocks.push(Block::Paragraph(
        Text::new()
            .bold(a.total.to_string())
            .plain(format!(" entit{} match ", plural(a.total as usize, "y", "ies")))
            .code(filters)
            .plain(format!(", owned by {} owner{}:", a.groups.len(), plural(a.groups.len(), "", "s"))),
    ));
    let lines = a
        .groups
        .iter()
        .map(|g| {
            let owner = match &g.owner {
                Some(o) if o.exists => named(o, opts),
                Some(o) => Text::new().code(cut(&short_ref(&o.entity_ref), 80)).plain(" ").italic("(not defined)"),
                None => Text::new().italic("no owner"),
            };
            let items: Vec<Text> = g.entities.iter().map(|e| code_name(e, opts)).collect();
            let n = items.len();
            Text::new()
                .plain("• ")
                .then(owner)
                .plain(format!(" ({n}): "))
                .list(List::new(items, Sep::Comma, 10).max_chars(500))
        })
        .collect();
    lines_block(c, List::new(lines, Sep::Line, 20));
}

pub(super) fn health(c: &mut Card, a: &HealthAnswer, opts: &PresentOptions) {
    c.title = Some(Title { text: "Catalog health".into(), url: None });
    c.blocks.push(Block::Paragraph(Text::new().plain(format!(
        "{} entities in {} files from {} source{}.",
        a.entity_count,
        a.file_count,
        a.source_count,
        plural(a.source_count as usize, "", "s")
    ))));
    let mut item = |label: &str, entries: Vec<Text>| {
        let n = entries.len();
        if n > 0 {
            list_block(c, None, label, Some(n), List::new(entries, Sep::Comma, LIST_ITEMS));
        }
    };
    item(
        "Owner not defined",
        a.missing_owners
            .iter()
            .map(|x| code_name(&x.entity, opts).plain(" → ").code(cut(&short_ref(&x.owner_ref), 80)))
            .collect(),
    );
    item(
        "Deprecated but still used in production",
        a.deprecated_in_use
            .iter()
            .map(|x| code_name(&x.entity, opts).plain(format!(" (used by {})", x.dependents.len())))
            .collect(),
    );
    item("Groups without members", a.groups_without_members.iter().map(|e| code_name(e, opts)).collect());
    item("Users in no group", a.users_without_group.iter().map(|e| code_name(e, opts)).collect());
    item(
        "Entities with findings",
        a.entities_with_findings
            .iter()
            .map(|x| code_name(&x.entity, opts).plain(format!(" ({})", x.findings.len())))
            .collect(),
    );
    item(
        "Files with errors",
        a.file_findings
            .iter()
            .map(|f| Text::new().code(cut(&f.location.display(), 120)).plain(" ").code(cut(&f.code, 12)))
            .collect(),
    );
}

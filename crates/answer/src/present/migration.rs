//! Migration answers as cards and plain text: overall progress with a text progress bar, the
//! change since the baseline (a week ago), then the teams furthest behind first, each with its
//! bar, how to reach it and what it still has to migrate. The wording (bar, change, team line)
//! is shared by the card and by [`crate::render`], so chat and the terminal say the same thing.

use std::fmt::Write as _;

use super::reach::{contact_group, merge_contacts};
use super::{PresentOptions, code_name, lines_block, named, plural, short_name, short_ref};
use crate::card::{Block, Card, Chart, ChartKind, Field, List, Sep, Text, Title, cut};
use crate::model::{
    MigrationAnswer, MigrationBaseline, MigrationInfo, MigrationList, MigrationProgress, NudgePlan, NudgePlatform,
    TeamProgress,
};
use crate::question::filter_text;

/// Cells of a progress bar.
pub const BAR_WIDTH: usize = 10;
/// Teams shown in a whole-migration card before "…and N more".
const TEAMS_SHOWN: usize = 12;
/// Remaining entities named per team in a card.
const ENTITIES_PER_TEAM: usize = 6;

/// `███████░░░ 70%`: done of done + remaining, rounded down so 100% means nothing is left.
pub fn progress_bar(p: &MigrationProgress) -> String {
    let total = u64::from(p.done) + u64::from(p.remaining);
    let filled = (u64::from(p.done) * BAR_WIDTH as u64).checked_div(total).map_or(BAR_WIDTH, |f| f as usize);
    format!("{}{} {}%", "█".repeat(filled), "░".repeat(BAR_WIDTH - filled), p.percent())
}

/// "3 fewer remaining since 2026-11-30 (12 → 9)", or "no change since …".
pub fn change_text(now: &MigrationProgress, baseline: &MigrationBaseline) -> String {
    let (before, after) = (baseline.progress.remaining, now.remaining);
    let since = format!("since {}", baseline.day);
    match after.cmp(&before) {
        std::cmp::Ordering::Less => format!("{} fewer remaining {since} ({before} → {after})", before - after),
        std::cmp::Ordering::Greater => format!("{} more remaining {since} ({before} → {after})", after - before),
        std::cmp::Ordering::Equal => format!("no change {since} ({after} remaining)"),
    }
}

/// "due 2027-03-31 (114 days left)", "due 2026-12-01 (6 days overdue)".
pub fn due_text(m: &MigrationInfo) -> Option<String> {
    let due = m.due.as_deref()?;
    Some(match m.days_left {
        Some(d) if d < 0 => format!("due {due} ({} day{} overdue)", -d, plural((-d) as usize, "", "s")),
        Some(0) => format!("due {due} (today)"),
        Some(d) => format!("due {due} ({d} day{} left)", plural(d as usize, "", "s")),
        None => format!("due {due}"),
    })
}

/// What the migration's filters say, e.g. "kind:component: tag:python2 → tag:python3".
pub fn definition_text(m: &MigrationInfo) -> String {
    let join = |fs: &[crate::model::Filter]| fs.iter().map(filter_text).collect::<Vec<_>>().join(" ");
    let todo = if m.todo.is_empty() { "not done".to_owned() } else { join(&m.todo) };
    let done = if m.done.is_empty() { format!("not {todo}") } else { join(&m.done) };
    let scope = if m.scope.is_empty() { "everything".to_owned() } else { join(&m.scope) };
    format!("{scope}: {todo} → {done}")
}

/// A team's name as text: its short ref, or "no owner".
pub fn team_name(t: &TeamProgress) -> String {
    t.owner.as_ref().map_or_else(|| "(no owner)".to_owned(), |o| short_ref(&o.entity_ref))
}

/// "4 left of 10 (was 6)".
pub fn team_counts(t: &TeamProgress) -> String {
    let mut s = format!("{} left, {} done", t.progress.remaining, t.progress.done);
    if let Some(b) = t.remaining_before
        && b != t.progress.remaining
    {
        let _ = write!(s, " (was {b} left)");
    }
    s
}

/// The one-sentence summary of a migration answer.
pub fn summary(a: &MigrationAnswer) -> String {
    let p = &a.progress;
    let who = a.team.as_ref().map(|t| format!(" for {}", short_name(t))).unwrap_or_default();
    if p.remaining == 0 {
        return format!("Migration {}{who}: done ({} of {} in scope).", a.migration.name, p.done, p.in_scope);
    }
    let teams = a.teams.iter().filter(|t| t.progress.remaining > 0).count();
    let teams =
        if a.team.is_some() { String::new() } else { format!(" across {teams} team{}", plural(teams, "", "s")) };
    format!("Migration {}{who}: {}% done, {} remaining{teams}.", a.migration.name, p.percent(), p.remaining)
}

/// The one-sentence summary of the list of migrations.
pub fn list_summary(l: &MigrationList) -> String {
    if l.migrations.is_empty() {
        return "No migrations are configured.".to_owned();
    }
    let parts: Vec<String> =
        l.migrations.iter().map(|m| format!("{} {}%", m.migration.name, m.progress.percent())).collect();
    format!("{} migration{}: {}.", l.migrations.len(), plural(l.migrations.len(), "", "s"), parts.join(", "))
}

fn head(c: &mut Card, m: &MigrationInfo, p: &MigrationProgress, baseline: Option<&MigrationBaseline>) {
    if let Some(d) = m.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        c.blocks.push(Block::Paragraph(Text::new().italic(cut(d, 300))));
    }
    let mut line = Text::new().code(progress_bar(p)).plain(format!(
        "  {} of {} done, {} remaining",
        p.done,
        p.done + p.remaining,
        p.remaining
    ));
    if let Some(b) = baseline {
        line = line.br().plain(change_text(p, b));
    }
    c.blocks.push(Block::Paragraph(line));
    let mut fields = vec![Field { label: "Definition".into(), value: Text::new().code(cut(&definition_text(m), 300)) }];
    if let Some(due) = due_text(m) {
        fields.push(Field { label: "Due".into(), value: Text::new().plain(due) });
    }
    if let Some(link) = m.link.as_deref().filter(|l| super::reach::linkable(l)) {
        fields.push(Field { label: "Guide".into(), value: Text::new().link(link, cut(link, 120)) });
    }
    c.blocks.push(Block::Fields(fields));
}

/// One migration.
pub(super) fn migration(c: &mut Card, a: &MigrationAnswer, opts: &PresentOptions) {
    let who = a.team.as_ref().map(|t| format!(" — {}", super::display(t))).unwrap_or_default();
    c.title = Some(Title { text: cut(&format!("Migration {}{who}", a.migration.name), 150), url: None });
    head(c, &a.migration, &a.progress, a.baseline.as_ref());
    let one_team = a.team.is_some();
    let lines: Vec<Text> = a
        .teams
        .iter()
        .map(|t| {
            let owner = match &t.owner {
                Some(o) if o.exists => named(o, opts),
                Some(o) => Text::new().code(cut(&short_ref(&o.entity_ref), 80)).plain(" ").italic("(not defined)"),
                None => Text::new().italic("no owner"),
            };
            let mut line = Text::new().code(progress_bar(&t.progress)).plain(" ").then(owner);
            line = line.plain(format!(" — {}", team_counts(t)));
            let places = merge_contacts(&t.contacts);
            if let Some(first) = places.first()
                && t.progress.remaining > 0
            {
                line = line.plain(" · ").then(contact_group(first));
            }
            if !t.remaining.is_empty() {
                let items: Vec<Text> = t.remaining.iter().map(|e| code_name(e, opts)).collect();
                let shown = if one_team { 50 } else { ENTITIES_PER_TEAM };
                line = line
                    .br()
                    .plain("   ")
                    .list(List::new(items, Sep::Comma, shown).total(t.progress.remaining as usize).max_chars(600));
            }
            line
        })
        .collect();
    if lines.is_empty() {
        c.blocks.push(Block::Paragraph(Text::new().plain("Nothing in the catalog is in this migration's scope.")));
    } else {
        let label = if one_team { "Still to migrate" } else { "Teams, furthest behind first" };
        c.blocks.push(Block::Paragraph(Text::new().bold(label)));
        lines_block(c, List::new(lines, Sep::Line, TEAMS_SHOWN));
    }
    c.footer = footer(&a.migration);
    c.chart = chart(a);
}

/// The burn-down of a whole migration, once its progress has been recorded (one team's part is
/// a line of the card, not a chart).
pub fn chart(a: &MigrationAnswer) -> Option<Chart> {
    if a.team.is_some() || a.migration.since.is_none() || a.teams.is_empty() {
        return None;
    }
    let m = &a.migration;
    let mut alt = format!(
        "Burn-down of migration {}: {} remaining of {} since {}",
        m.name,
        a.progress.remaining,
        a.progress.done + a.progress.remaining,
        m.since.as_deref().unwrap_or_default()
    );
    if let Some(due) = &m.due {
        let _ = write!(alt, ", due {due}");
    }
    Some(Chart { kind: ChartKind::BurnDown { migration: m.name.clone() }, alt_text: cut(&alt, 1000) })
}

/// Every migration.
pub(super) fn migrations(c: &mut Card, l: &MigrationList) {
    c.title = Some(Title { text: "Migrations".into(), url: None });
    if l.migrations.is_empty() {
        c.blocks.push(Block::Paragraph(
            Text::new().plain("No migrations are configured ([[migration]] in backline.toml)."),
        ));
        return;
    }
    let lines: Vec<Text> = l
        .migrations
        .iter()
        .map(|m| {
            let mut line =
                Text::new().code(progress_bar(&m.progress)).plain(" ").bold(cut(&m.migration.name, 80)).plain(format!(
                    " — {} remaining, {} team{} behind",
                    m.progress.remaining,
                    m.teams_behind,
                    plural(m.teams_behind as usize, "", "s")
                ));
            if let Some(due) = due_text(&m.migration) {
                line = line.plain(format!(" · {due}"));
            }
            if let Some(b) = &m.baseline {
                line = line.br().plain(format!("   {}", change_text(&m.progress, b)));
            }
            line
        })
        .collect();
    lines_block(c, List::new(lines, Sep::Line, 20));
}

fn footer(m: &MigrationInfo) -> Vec<String> {
    match &m.since {
        Some(since) => vec![format!("progress recorded since {since}")],
        None => vec!["no progress recorded yet: it starts with the next index run".to_owned()],
    }
}

/// The plain text of a migration answer, for `backline migration` and `backline ask`.
pub fn text(out: &mut String, a: &MigrationAnswer) {
    let m = &a.migration;
    if let Some(d) = &m.description {
        let _ = writeln!(out, "  {d}");
    }
    let _ = writeln!(
        out,
        "\n  {}  {} of {} done",
        progress_bar(&a.progress),
        a.progress.done,
        a.progress.done + a.progress.remaining
    );
    if let Some(b) = &a.baseline {
        let _ = writeln!(out, "  {}", change_text(&a.progress, b));
    }
    let _ = writeln!(out, "  {}", definition_text(m));
    if let Some(due) = due_text(m) {
        let _ = writeln!(out, "  {due}");
    }
    if let Some(link) = &m.link {
        let _ = writeln!(out, "  {link}");
    }
    let _ = writeln!(out, "  {}", footer(m).join(""));
    for t in &a.teams {
        let _ = writeln!(out, "\n{}  {}  {}", progress_bar(&t.progress), team_name(t), team_counts(t));
        let contacts: Vec<&str> = t.contacts.iter().map(|c| c.value.as_str()).collect();
        if !contacts.is_empty() && t.progress.remaining > 0 {
            let _ = writeln!(out, "  reach: {}", contacts.join(", "));
        }
        for e in &t.remaining {
            let _ = writeln!(out, "  - {}", e.entity_ref);
        }
        let more = t.progress.remaining as usize - t.remaining.len().min(t.progress.remaining as usize);
        if more > 0 {
            let _ = writeln!(out, "  … and {more} more");
        }
    }
}

/// The plain text of the list of migrations.
pub fn list_text(out: &mut String, l: &MigrationList) {
    for m in &l.migrations {
        let _ = write!(
            out,
            "\n{}  {}  {} remaining, {} teams behind",
            progress_bar(&m.progress),
            m.migration.name,
            m.progress.remaining,
            m.teams_behind
        );
        if let Some(due) = due_text(&m.migration) {
            let _ = write!(out, ", {due}");
        }
        let _ = writeln!(out);
        if let Some(b) = &m.baseline {
            let _ = writeln!(out, "  {}", change_text(&m.progress, b));
        }
    }
}

/// A nudge plan as text: each post's destination, then exactly the text it carries.
pub fn nudge_text(plan: &NudgePlan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Nudges for migration {}, period {}{}: {} post{}.",
        plan.migration,
        plan.period,
        if plan.scheduled { "" } else { " (no [migration.nudge]: not scheduled)" },
        plan.posts.len(),
        plural(plan.posts.len(), "", "s")
    );
    for p in &plan.posts {
        let platform = match p.platform {
            NudgePlatform::Slack => "Slack",
            NudgePlatform::Discord => "Discord",
        };
        let to = p.team.as_deref().map_or_else(|| "summary".to_owned(), short_ref);
        let _ = writeln!(out, "\n--- {platform} {} ({to}) ---", p.channel);
        out.push_str(&crate::render::render_text(&p.answer));
    }
    if !plan.unreachable.is_empty() {
        let names: Vec<String> = plan.unreachable.iter().map(|e| short_ref(&e.entity_ref)).collect();
        let _ = writeln!(out, "\nNo channel in the catalog (not nudged): {}", names.join(", "));
    }
    if !plan.already_nudged.is_empty() {
        let names: Vec<String> = plan.already_nudged.iter().map(|r| short_ref(r)).collect();
        let _ = writeln!(out, "\nAlready nudged in this period: {}", names.join(", "));
    }
    out
}

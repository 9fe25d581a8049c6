//! Plain-text rendering of answers: the one-line summary every answer carries, and the full
//! text `backline ask` prints. No colour, no markup: bots render the model themselves and can
//! fall back to these strings.

use std::fmt::Write as _;

use crate::model::*;
use crate::question::filter_text;

fn display(e: &EntitySummary) -> String {
    e.name.clone()
}

fn kind_phrase(e: &EntitySummary) -> String {
    let kind = e.kind.to_lowercase();
    let mut s = match (&e.spec_type, &e.lifecycle) {
        (Some(t), Some(l)) => format!("{l} {t} {kind}"),
        (Some(t), None) => format!("{t} {kind}"),
        (None, Some(l)) => format!("{l} {kind}"),
        (None, None) => kind,
    };
    if s.starts_with(['a', 'e', 'i', 'o', 'u']) {
        s.insert_str(0, "an ");
    } else {
        s.insert_str(0, "a ");
    }
    s
}

fn at(loc: &SourceLocation) -> String {
    loc.display()
}

/// " (its file has an error at x.yaml:12: ...)" for invalid entities.
fn error_note(e: &EntitySummary) -> String {
    match (&e.first_error, e.valid) {
        (Some(f), _) => {
            format!(
                " Note: {} exists but its file has an error at {}: {}",
                e.name,
                at(&f.location),
                f.message.trim_end_matches('.')
            ) + "."
        }
        (None, false) if e.exists => format!(" Note: Backstage would refuse {} (it is invalid).", e.name),
        _ => String::new(),
    }
}

fn list(names: &[String], max: usize) -> String {
    let shown: Vec<&str> = names.iter().take(max).map(String::as_str).collect();
    let mut s = shown.join(", ");
    if names.len() > max {
        let _ = write!(s, " and {} more", names.len() - max);
    }
    s
}

/// One sentence summing up an answer.
pub fn summary_line(body: &AnswerBody) -> String {
    match body {
        AnswerBody::Entity(a) => {
            let e = &a.entity;
            let owner = e.owner.as_deref().map(|o| format!(", owned by {}", crate::name_of_ref(o))).unwrap_or_default();
            format!("{} is {}{owner}.{}", display(e), kind_phrase(e), error_note(e))
        }
        AnswerBody::Ownership(a) => {
            let e = &a.entity;
            let s = match &a.owner {
                Some(o) if o.exists => format!("{} is owned by {}.", display(e), display(o)),
                Some(o) => format!("{} is owned by {}, which is not defined in the catalog.", display(e), o.entity_ref),
                None => format!("{} has no owner.", display(e)),
            };
            s + &error_note(e)
        }
        AnswerBody::Contact(a) => {
            let who = a.team.as_ref().map_or_else(|| display(&a.subject), display);
            match a.reach.contacts.first() {
                Some(c) => format!("Reach {who} at {}.", c.value),
                None if a.team.is_none() => format!("{} has no owner to contact.", display(&a.subject)),
                None => format!("No contact details are recorded for {who}."),
            }
        }
        AnswerBody::Dependencies(a) => {
            let n = a.nodes.len();
            let root = display(&a.root);
            let plural = if n == 1 { "entity" } else { "entities" };
            match a.direction {
                Direction::Dependents if n == 0 => format!("Nothing depends on {root}."),
                Direction::Dependents if a.max_depth > 1 => {
                    format!("If {root} goes down, {n} {plural} are affected (up to {} levels).", a.max_depth)
                }
                Direction::Dependents => format!("{n} {plural} depend directly on {root}."),
                Direction::Dependencies if n == 0 => format!("{root} depends on nothing in the catalog."),
                Direction::Dependencies => format!("{root} depends on {n} {plural}."),
            }
        }
        AnswerBody::Team(a) => format!(
            "{} owns {} {} and has {} {}.",
            display(&a.team),
            a.owns.len(),
            if a.owns.len() == 1 { "entity" } else { "entities" },
            a.members.len(),
            if a.members.len() == 1 { "member" } else { "members" }
        ),
        AnswerBody::Search(a) if a.hits.is_empty() => format!("Nothing matches \"{}\".", a.text),
        AnswerBody::Search(a) => format!(
            "{} {} for \"{}\"; best: {}.",
            a.total,
            if a.total == 1 { "result" } else { "results" },
            a.text,
            display(&a.hits[0].entity)
        ),
        AnswerBody::Find(a) => {
            let filters: Vec<String> = a.filters.iter().map(filter_text).collect();
            if a.total == 0 {
                format!("Nothing matches {}.", filters.join(" "))
            } else {
                format!(
                    "{} {} match {}, with {} {}.",
                    a.total,
                    if a.total == 1 { "entity" } else { "entities" },
                    filters.join(" "),
                    a.groups.len(),
                    if a.groups.len() == 1 { "owner" } else { "owners" }
                )
            }
        }
        AnswerBody::Health(h) => {
            let problems = h.missing_owners.len()
                + h.groups_without_members.len()
                + h.users_without_group.len()
                + h.deprecated_in_use.len()
                + h.entities_with_findings.len()
                + h.file_findings.len();
            if problems == 0 {
                format!("The catalog is healthy: {} entities in {} files.", h.entity_count, h.file_count)
            } else {
                format!(
                    "{problems} {} in {} entities: {} missing owners, {} owner groups without members, {} owner users in no group, {} deprecated entities in production use, {} entities and {} files with findings.",
                    if problems == 1 { "problem" } else { "problems" },
                    h.entity_count,
                    h.missing_owners.len(),
                    h.groups_without_members.len(),
                    h.users_without_group.len(),
                    h.deprecated_in_use.len(),
                    h.entities_with_findings.len(),
                    h.file_findings.len()
                )
            }
        }
        AnswerBody::Migration(a) => crate::present::migration::summary(a),
        AnswerBody::Migrations(l) => crate::present::migration::list_summary(l),
        AnswerBody::Scorecard(a) => a.summary(),
        AnswerBody::Ambiguous(a) => {
            let names: Vec<String> =
                a.candidates.iter().map(|c| format!("{} ({})", c.entity.name, c.entity.kind)).collect();
            format!("\"{}\" could be {}. Which one?", a.name, list(&names, 5))
        }
        AnswerBody::NotFound(a) => {
            let mut s = format!("Nothing in the catalog is called \"{}\".", a.name);
            if !a.closest.is_empty() {
                let names: Vec<String> = a.closest.iter().map(|c| c.entity.name.clone()).collect();
                let _ = write!(s, " Closest: {}.", list(&names, 5));
            }
            s
        }
        AnswerBody::Help(h) => match &h.reason {
            Some(r) => format!("{r} Try \"help\" for what I can answer."),
            None => "I answer questions about the catalog: owners, contacts, dependencies, teams, search and health."
                .to_owned(),
        },
        AnswerBody::Mine(a) => crate::present::mine::summary_text(a),
        AnswerBody::UnknownAsker(u) => {
            let (why, fix) = crate::present::mine::unknown_text(u);
            format!("I cannot tell who you are: {why} {fix}")
        }
    }
}

/// "Showing orders-db for \"ordrs-db\"." when the name asked matched only fuzzily.
pub fn fuzzy_line(f: &FuzzyMatch) -> String {
    format!("Showing {} for \"{}\".", crate::name_of_ref(&f.shown), f.asked.trim())
}

fn line_for(e: &EntitySummary) -> String {
    let mut s = format!("{} ({}", e.name, e.kind);
    if let Some(t) = &e.spec_type {
        let _ = write!(s, ", {t}");
    }
    if let Some(l) = &e.lifecycle {
        let _ = write!(s, ", {l}");
    }
    s.push(')');
    if !e.exists {
        s.push_str(" - not defined in the catalog");
    }
    if let Some(loc) = &e.defined_at {
        let _ = write!(s, "  [{}]", at(loc));
    }
    if let Some(f) = &e.first_error {
        let _ = write!(s, "  ! {} at {}", f.code, at(&f.location));
    }
    s
}

fn reach_lines(out: &mut String, reach: &Reach) {
    let label = |c: ContactChannel| match c {
        ContactChannel::Email => "e-mail",
        ContactChannel::SlackChannel => "Slack",
        ContactChannel::SlackNotify => "Slack id",
        ContactChannel::DiscordChannel => "Discord",
        ContactChannel::ChatLink => "chat",
    };
    for c in &reach.contacts {
        let _ = writeln!(out, "  {:<9} {}  (from {})", label(c.channel), c.value, c.from);
    }
    live_lines(out, &reach.live_on_call);
    for o in &reach.on_call {
        let looked_up = reach
            .live_on_call
            .iter()
            .any(|l| l.annotation == o.annotation && l.value.as_deref() == Some(o.value.as_str()) && l.from == o.from);
        if looked_up {
            continue;
        }
        let url = o.url.as_deref().map(|u| format!("  {u}")).unwrap_or_default();
        let _ = writeln!(out, "  on-call   {} {}{url}  (from {})", o.provider, o.value, o.from);
    }
    for l in &reach.links {
        let kind = l.link_type.as_deref().unwrap_or("link");
        let title = l.title.as_deref().map(|t| format!("{t}: ")).unwrap_or_default();
        let _ = writeln!(out, "  {kind:<9} {title}{}", l.url);
    }
}

/// Who is on call right now: level 1 in full, later levels on one line, how old the data is.
fn live_lines(out: &mut String, live: &[LiveOnCall]) {
    use crate::present::oncall::{freshness_text, gap_text, later_text, until_text};
    for l in live {
        let _ = writeln!(out, "  on call now  {}  (from {})", freshness_text(l), l.from);
        for r in &l.rosters {
            let name = r.name.as_deref().unwrap_or(l.provider.label());
            let url = r.url.as_deref().map(|u| format!("  {u}")).unwrap_or_default();
            let _ = writeln!(out, "    {name}{url}");
            if let Some(gap) = gap_text(r) {
                let _ = writeln!(out, "      {gap}");
            }
            for p in &r.level1 {
                let mut line = format!("      level 1  {}", p.name);
                if let Some(email) = &p.email {
                    let _ = write!(line, " <{email}>");
                }
                for c in p.contacts.iter().filter(|c| c.channel != ContactChannel::Email) {
                    let _ = write!(line, " {}", c.value);
                }
                if let Some(until) = until_text(p) {
                    let _ = write!(line, ", {until}");
                }
                let _ = writeln!(out, "{line}");
            }
            if let Some(later) = later_text(r) {
                let _ = writeln!(out, "      {later}");
            }
        }
    }
}

fn candidates(out: &mut String, cs: &[Candidate]) {
    for c in cs {
        let _ = writeln!(out, "  - {}\n      ask: {}", line_for(&c.entity), c.follow_up);
    }
}

/// The full plain-text answer, as `backline ask` prints it.
pub fn render_text(answer: &Answer) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", answer.summary);
    match &answer.body {
        AnswerBody::Entity(a) => {
            let _ = writeln!(out, "\n{}", line_for(&a.entity));
            if let Some(d) = &a.entity.description {
                let _ = writeln!(out, "  {d}");
            }
            if !a.tags.is_empty() {
                let _ = writeln!(out, "  tags: {}", a.tags.join(", "));
            }
            if !a.relations.is_empty() {
                let _ = writeln!(out, "\nRelations:");
                for r in &a.relations {
                    let _ = writeln!(out, "  {:<14} {}", r.relation, line_for(&r.target));
                }
            }
            if !a.links.is_empty() {
                let _ = writeln!(out, "\nLinks:");
                reach_lines(&mut out, &Reach { links: a.links.clone(), ..Reach::default() });
            }
            if !a.findings.is_empty() {
                let _ = writeln!(out, "\nFindings:");
                for f in &a.findings {
                    let _ = writeln!(out, "  {} {} {}: {}", at(&f.location), f.severity, f.code, f.message);
                }
            }
        }
        AnswerBody::Ownership(a) => {
            let _ = writeln!(out, "\n{}", line_for(&a.entity));
            if let Some(o) = &a.owner {
                let _ = writeln!(out, "owner: {}", line_for(o));
            }
            if !a.parents.is_empty() {
                let names: Vec<String> = a.parents.iter().map(|p| p.name.clone()).collect();
                let _ = writeln!(out, "part of: {}", names.join(" > "));
            }
            if !a.members.is_empty() {
                let _ = writeln!(out, "\nMembers:");
                for m in &a.members {
                    let name = m.display_name.clone().unwrap_or_else(|| m.entity.name.clone());
                    let email = m.email.as_deref().map(|e| format!(" <{e}>")).unwrap_or_default();
                    let _ = writeln!(out, "  {name}{email}  ({})", m.entity.name);
                }
            }
            if !a.reach.is_empty() {
                let _ = writeln!(out, "\nHow to reach them:");
                reach_lines(&mut out, &a.reach);
            }
            for f in &a.findings {
                let _ = writeln!(out, "! {} {} {}: {}", at(&f.location), f.severity, f.code, f.message);
            }
        }
        AnswerBody::Contact(a) => {
            if let Some(t) = &a.team {
                let _ = writeln!(out, "\n{}", line_for(t));
            }
            if !a.reach.is_empty() {
                reach_lines(&mut out, &a.reach);
            }
            if !a.members.is_empty() {
                let _ = writeln!(out, "\nMembers:");
                for m in &a.members {
                    let name = m.display_name.clone().unwrap_or_else(|| m.entity.name.clone());
                    let contacts: Vec<String> = m.contacts.iter().map(|c| c.value.clone()).collect();
                    let _ = writeln!(out, "  {name}: {}", contacts.join(", "));
                }
            }
        }
        AnswerBody::Dependencies(a) => {
            let arrow = match a.direction {
                Direction::Dependents => " <- ",
                Direction::Dependencies => " -> ",
            };
            let mut depth = 0;
            for n in &a.nodes {
                if n.depth != depth {
                    depth = n.depth;
                    let _ = writeln!(out, "\ndepth {depth}:");
                }
                let owner =
                    n.entity.owner.as_deref().map(|o| format!("  owner {}", crate::name_of_ref(o))).unwrap_or_default();
                let _ = writeln!(out, "  {}{owner}", line_for(&n.entity));
                if n.path.len() > 2 {
                    let names: Vec<&str> = n.path.iter().map(|p| crate::name_of_ref(p)).collect();
                    let _ = writeln!(out, "      via {}", names.join(arrow));
                }
            }
            if a.truncated {
                let _ = writeln!(out, "\n(more beyond depth {}; ask again with a larger depth)", a.max_depth);
            }
        }
        AnswerBody::Team(a) => {
            let _ = writeln!(out, "\n{}", line_for(&a.team));
            if !a.parents.is_empty() {
                let names: Vec<String> = a.parents.iter().map(|p| p.name.clone()).collect();
                let _ = writeln!(out, "part of: {}", names.join(" > "));
            }
            if !a.children.is_empty() {
                let names: Vec<String> = a.children.iter().map(|p| p.name.clone()).collect();
                let _ = writeln!(out, "sub-teams: {}", names.join(", "));
            }
            if !a.members.is_empty() {
                let _ = writeln!(out, "\nMembers:");
                for m in &a.members {
                    let name = m.display_name.clone().unwrap_or_else(|| m.entity.name.clone());
                    let email = m.email.as_deref().map(|e| format!(" <{e}>")).unwrap_or_default();
                    let _ = writeln!(out, "  {name}{email}");
                }
            }
            if !a.owns.is_empty() {
                let _ = writeln!(out, "\nOwns:");
                for o in &a.owns {
                    let via =
                        o.via.as_deref().map(|v| format!("  (via {})", crate::name_of_ref(v))).unwrap_or_default();
                    let _ = writeln!(out, "  {}{via}", line_for(&o.entity));
                }
            }
            if !a.reach.is_empty() {
                let _ = writeln!(out, "\nHow to reach them:");
                reach_lines(&mut out, &a.reach);
            }
        }
        AnswerBody::Search(a) => {
            for h in &a.hits {
                let _ = writeln!(out, "  {}", line_for(&h.entity));
            }
        }
        AnswerBody::Find(a) => {
            for g in &a.groups {
                let owner = g.owner.as_ref().map_or_else(|| "(no owner)".to_owned(), line_for);
                let _ = writeln!(out, "\n{owner}");
                for e in &g.entities {
                    let _ = writeln!(out, "  {}", line_for(e));
                }
            }
        }
        AnswerBody::Health(h) => {
            let section = |out: &mut String, title: &str, items: Vec<String>| {
                if !items.is_empty() {
                    let _ = writeln!(out, "\n{title} ({}):", items.len());
                    for i in items {
                        let _ = writeln!(out, "  {i}");
                    }
                }
            };
            section(
                &mut out,
                "Owner not in the catalog",
                h.missing_owners.iter().map(|m| format!("{}  owner {}", line_for(&m.entity), m.owner_ref)).collect(),
            );
            section(&mut out, "Owner groups without members", h.groups_without_members.iter().map(line_for).collect());
            section(&mut out, "Owner users in no group", h.users_without_group.iter().map(line_for).collect());
            section(
                &mut out,
                "Deprecated but production entities depend on it",
                h.deprecated_in_use
                    .iter()
                    .map(|d| {
                        let names: Vec<String> = d.dependents.iter().map(|e| e.name.clone()).collect();
                        format!("{}  used by {}", line_for(&d.entity), names.join(", "))
                    })
                    .collect(),
            );
            section(
                &mut out,
                "Entities with findings",
                h.entities_with_findings
                    .iter()
                    .map(|e| {
                        let first = e
                            .findings
                            .first()
                            .map(|f| format!("  {} {}: {}", f.code, at(&f.location), f.message))
                            .unwrap_or_default();
                        format!("{}{first}", e.entity.name)
                    })
                    .collect(),
            );
            section(
                &mut out,
                "Files with findings",
                h.file_findings
                    .iter()
                    .map(|f| format!("{} {} {}: {}", at(&f.location), f.severity, f.code, f.message))
                    .collect(),
            );
        }
        AnswerBody::Migration(a) => crate::present::migration::text(&mut out, a),
        AnswerBody::Migrations(l) => crate::present::migration::list_text(&mut out, l),
        AnswerBody::Scorecard(a) => out.push_str(&a.text()),
        AnswerBody::Ambiguous(a) => candidates(&mut out, &a.candidates),
        AnswerBody::NotFound(a) => candidates(&mut out, &a.closest),
        AnswerBody::Help(h) => {
            let _ = writeln!(out);
            for e in &h.examples {
                let _ = writeln!(out, "  {:<42} {}", e.question, e.explanation);
            }
        }
        AnswerBody::Mine(a) => {
            let _ = writeln!(out, "\nyou: {}", line_for(&a.me.entity));
            if !a.teams.is_empty() {
                let names: Vec<String> = a.teams.iter().map(|t| t.name.clone()).collect();
                let _ = writeln!(out, "teams: {}", names.join(", "));
            }
            if !a.owns.is_empty() {
                let _ = writeln!(out, "\nOwns:");
                for o in &a.owns {
                    let via =
                        o.via.as_deref().map(|v| format!("  (via {})", crate::name_of_ref(v))).unwrap_or_default();
                    let _ = writeln!(out, "  {}{via}", line_for(&o.entity));
                }
            }
            let shifts: Vec<_> = a.next_on_call.iter().flat_map(|n| n.shifts.iter().map(move |s| (n, s))).collect();
            if !shifts.is_empty() {
                let _ = writeln!(out, "\nYour on-call shifts:");
                for (n, s) in shifts {
                    let _ = writeln!(out, "  {}", crate::present::mine::shift_line(s, n));
                }
            }
            if matches!(a.about, AboutMe::OnCallNow | AboutMe::OnCallNext) && !a.reach.is_empty() {
                let _ = writeln!(out, "\nOn call:");
                reach_lines(&mut out, &a.reach);
            }
        }
        AnswerBody::UnknownAsker(u) => {
            let (_, fix) = crate::present::mine::unknown_text(u);
            let _ = writeln!(out, "\nTo fix: {fix}");
        }
    }
    if !answer.stale_sources.is_empty() {
        let _ = writeln!(out);
        for s in &answer.stale_sources {
            let since = s.last_success.as_deref().map(|t| format!(" (last good index {t})")).unwrap_or_default();
            let _ = writeln!(out, "warning: source {} is stale{since}: {}", s.name, s.error);
        }
    }
    out
}

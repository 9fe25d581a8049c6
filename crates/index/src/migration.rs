//! `[[migration]]` of `backline.toml`: a change the organisation is making across many entities
//! (Python 2 to 3, a logging library, a base image), as a typed section resolved to
//! [`Migration`]s.
//!
//! A migration is three filters in `find`'s language (`tag:python2 lifecycle:production`):
//! `scope` (which entities it concerns), `todo` (not done yet) and `done`. An entity in scope is
//! done when it matches `done`; it is remaining when it matches `todo` (or, without `todo`,
//! whenever it is not done); without `done`, an entity is done when it no longer matches `todo`.
//! Entities in scope that match neither count in scope only. Filters are resolved here, once:
//! entity-valued filters (`owner:`, `system:`, `domain:`) are read as references
//! (`owner:team-payments` is `group:default/team-payments`), since configuration is not a
//! question and should mean the same thing whatever the catalog holds.

use backline_answer::{Filter, FilterField, question::parse_filter};
use backline_catalog::entity_ref::parse_entity_ref;
use serde::Deserialize;

use crate::store::{EntityFilter, MetadataScope};

/// A `[[migration]]` that cannot be used, naming the migration and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid [[migration]] `{migration}`: {field}: {message}")]
pub struct MigrationError {
    /// The migration's name (or `#N` when it has none).
    pub migration: String,
    pub field: &'static str,
    pub message: String,
}

/// One `[[migration]]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationSection {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Which entities the migration concerns (all when absent).
    pub scope: Option<String>,
    /// What "not done yet" means.
    pub todo: Option<String>,
    /// What "done" means.
    pub done: Option<String>,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
    /// Where the migration is explained (a guide, a ticket).
    pub link: Option<String>,
    /// Opt-in reminders to the teams that still have work.
    pub nudge: Option<NudgeSection>,
}

/// `[migration.nudge]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NudgeSection {
    /// `daily` or `weekly`.
    pub every: Option<String>,
    /// Where the summary goes (a Slack channel such as `#platform-migrations`, or a Discord
    /// channel id).
    pub summary_channel: Option<String>,
}

/// A resolved migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Unique, as written (matched case-insensitively).
    pub name: String,
    pub description: Option<String>,
    pub scope: Vec<Filter>,
    pub todo: Vec<Filter>,
    pub done: Vec<Filter>,
    /// Days since the Unix epoch (UTC).
    pub due: Option<i64>,
    pub link: Option<String>,
    pub nudge: Option<Nudge>,
    pub(crate) scope_sql: Vec<EntityFilter>,
    pub(crate) todo_sql: Vec<EntityFilter>,
    pub(crate) done_sql: Vec<EntityFilter>,
}

/// How often a team is reminded at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NudgeEvery {
    Daily,
    Weekly,
}

impl NudgeEvery {
    /// The period `day` falls in, as remembered in the store: `2026-12-07` for a day, the
    /// Monday starting the week for a week.
    pub fn period(self, day: i64) -> String {
        match self {
            NudgeEvery::Daily => day_string(day),
            // Day 0 (1970-01-01) was a Thursday: Monday is 3 days earlier.
            NudgeEvery::Weekly => day_string(day - (day + 3).rem_euclid(7)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nudge {
    pub every: NudgeEvery,
    pub summary_channel: Option<String>,
}

impl Migration {
    /// Resolves the sections in order; names must be unique.
    pub fn from_sections(sections: &[MigrationSection]) -> Result<Vec<Migration>, MigrationError> {
        let mut out: Vec<Migration> = Vec::with_capacity(sections.len());
        for (i, s) in sections.iter().enumerate() {
            let m = Migration::from_section(i, s)?;
            if out.iter().any(|o| o.name.eq_ignore_ascii_case(&m.name)) {
                return Err(err(&m.name, "name", "two migrations have this name; names must be unique"));
            }
            out.push(m);
        }
        Ok(out)
    }

    fn from_section(index: usize, s: &MigrationSection) -> Result<Migration, MigrationError> {
        let name = s.name.as_deref().map(str::trim).unwrap_or_default().to_owned();
        if name.is_empty() {
            return Err(err(&format!("#{}", index + 1), "name", "missing; give the migration a name"));
        }
        if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err(&name, "name", "must be one word (letters, digits, `-`, `_`, `.`)"));
        }
        let scope = filters(&name, "scope", s.scope.as_deref())?;
        let todo = filters(&name, "todo", s.todo.as_deref())?;
        let done = filters(&name, "done", s.done.as_deref())?;
        if todo.is_empty() && done.is_empty() {
            return Err(err(&name, "todo", "give `todo`, `done` or both (e.g. todo = \"tag:python2\")"));
        }
        let due = match s.due.as_deref() {
            None => None,
            Some(d) => {
                Some(parse_day(d).ok_or_else(|| err(&name, "due", &format!("`{d}` is not a date (YYYY-MM-DD)")))?)
            }
        };
        let nudge = match &s.nudge {
            None => None,
            Some(n) => Some(Nudge {
                every: match n.every.as_deref().unwrap_or("weekly") {
                    "daily" => NudgeEvery::Daily,
                    "weekly" => NudgeEvery::Weekly,
                    other => return Err(err(&name, "nudge.every", &format!("`{other}`: use `daily` or `weekly`"))),
                },
                summary_channel: n.summary_channel.clone().filter(|c| !c.trim().is_empty()),
            }),
        };
        Ok(Migration {
            scope_sql: scope.iter().map(store_filter).collect(),
            todo_sql: todo.iter().map(store_filter).collect(),
            done_sql: done.iter().map(store_filter).collect(),
            name,
            description: s.description.clone(),
            scope,
            todo,
            done,
            due,
            link: s.link.clone(),
            nudge,
        })
    }
}

fn err(migration: &str, field: &'static str, message: &str) -> MigrationError {
    MigrationError { migration: migration.to_owned(), field, message: message.to_owned() }
}

/// `find`'s filters from their text, every word a `field:value`.
fn filters(name: &str, field: &'static str, text: Option<&str>) -> Result<Vec<Filter>, MigrationError> {
    let mut out = Vec::new();
    for word in text.unwrap_or_default().split_whitespace() {
        let f = parse_filter(word).ok_or_else(|| {
            err(name, field, &format!("`{word}` is not a filter (field:value, e.g. tag:python2 or label:tier=1)"))
        })?;
        out.push(f);
    }
    Ok(out)
}

/// The store's filter for a configured one (see the module doc for entity-valued fields).
fn store_filter(f: &Filter) -> EntityFilter {
    let value = f.value.as_deref().map(str::trim).unwrap_or_default().to_lowercase();
    let reference = |kind: &str| {
        parse_entity_ref(&value, Some(kind), Some("default")).map(|r| r.canonical()).unwrap_or_else(|_| value.clone())
    };
    match f.field {
        FilterField::Kind => EntityFilter::Kind(value),
        FilterField::Type => EntityFilter::Type(value),
        FilterField::Lifecycle => EntityFilter::Lifecycle(value),
        FilterField::Namespace => EntityFilter::Namespace(value),
        FilterField::Tag => EntityFilter::Tag(value),
        FilterField::Owner => EntityFilter::Owner(reference("Group")),
        FilterField::System => EntityFilter::System(reference("System")),
        FilterField::Domain => EntityFilter::Domain(reference("Domain")),
        FilterField::Label | FilterField::Annotation => EntityFilter::Metadata {
            scope: if f.field == FilterField::Label { MetadataScope::Label } else { MetadataScope::Annotation },
            key: f.key.clone().unwrap_or_default(),
            value: f.value.as_deref().map(|v| v.trim().to_lowercase()),
        },
    }
}

/// Days since the Unix epoch of a `YYYY-MM-DD` date.
pub fn parse_day(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1970..=9999).contains(&y) {
        return None;
    }
    // Days-from-civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let day = era * 146_097 + doe - 719_468;
    // 2026-02-31 is not a date: it must come back as written.
    (day_string(day) == format!("{y:04}-{m:02}-{d:02}")).then_some(day)
}

/// `YYYY-MM-DD` of a day since the Unix epoch.
pub fn day_string(day: i64) -> String {
    crate::rfc3339(day * 86_400)[..10].to_owned()
}

/// Today (UTC) as days since the Unix epoch.
pub fn today() -> i64 {
    crate::now().div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(toml_like: &[(&str, &str)]) -> MigrationSection {
        let mut s = MigrationSection::default();
        for (k, v) in toml_like {
            let v = Some((*v).to_owned());
            match *k {
                "name" => s.name = v,
                "scope" => s.scope = v,
                "todo" => s.todo = v,
                "done" => s.done = v,
                "due" => s.due = v,
                _ => unreachable!(),
            }
        }
        s
    }

    #[test]
    fn dates_round_trip() {
        for d in ["1970-01-01", "2000-02-29", "2026-12-07", "2027-03-31"] {
            assert_eq!(day_string(parse_day(d).unwrap()), d);
        }
        assert_eq!(parse_day("1970-01-02"), Some(1));
        for bad in ["2026-02-30", "2026-13-01", "tomorrow", "2026-1"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        // 2026-12-07 is a Monday; the whole week shares its period.
        let monday = parse_day("2026-12-07").unwrap();
        for d in monday..monday + 7 {
            assert_eq!(NudgeEvery::Weekly.period(d), "2026-12-07");
        }
        assert_eq!(NudgeEvery::Weekly.period(monday - 1), "2026-11-30");
    }

    #[test]
    fn sections_resolve_and_errors_name_migration_and_field() {
        let ok = Migration::from_sections(&[section(&[
            ("name", "python3"),
            ("scope", "kind:component owner:team-payments"),
            ("todo", "tag:Python2"),
            ("done", "tag:python3"),
            ("due", "2027-03-31"),
        ])])
        .unwrap();
        assert_eq!(ok[0].scope_sql[1], EntityFilter::Owner("group:default/team-payments".into()));
        assert_eq!(ok[0].todo_sql, [EntityFilter::Tag("python2".into())]);
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("todo", "tag:x")], "invalid [[migration]] `#1`: name: missing"),
            (&[("name", "a"), ("scope", "python2")], "invalid [[migration]] `a`: scope: `python2` is not a filter"),
            (&[("name", "a")], "invalid [[migration]] `a`: todo: give `todo`, `done` or both"),
            (
                &[("name", "a"), ("done", "tag:x"), ("due", "next week")],
                "invalid [[migration]] `a`: due: `next week` is not a date",
            ),
        ];
        for (fields, expected) in cases {
            let e = Migration::from_sections(&[section(fields)]).unwrap_err().to_string();
            assert!(e.starts_with(expected), "{e} vs {expected}");
        }
        let dup = Migration::from_sections(&[
            section(&[("name", "a"), ("done", "tag:x")]),
            section(&[("name", "A"), ("done", "tag:y")]),
        ])
        .unwrap_err();
        assert_eq!(dup.field, "name");
    }
}

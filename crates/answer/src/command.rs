//! The one command table: every structured question, its canonical name, aliases, argument,
//! defaults and help text.
//!
//! Slack's `/backline <subcommand>` parsing, Discord's registered `/backline` options and the
//! CLI's structured subcommands (`backline owner …`) are all built from [`COMMANDS`], so a
//! question has the same name, the same defaults and the same help everywhere. Free-form
//! phrasing ("who owns payments-api") is [`crate::question`]'s job, not this table's.

use crate::model::{AboutMe, Filter, Query};
use crate::question::{CHAT_IMPACT_DEPTH, IMPACT_DEPTH, SEARCH_LIMIT};

/// Depth of `deps`: direct dependencies unless asked otherwise.
pub const DEPS_DEPTH: u32 = 1;
/// The largest depth a chat command accepts (the engine's blast radius included).
pub const MAX_DEPTH: u32 = if IMPACT_DEPTH > 10 { IMPACT_DEPTH } else { 10 };

/// Which question a command asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    Owner,
    Contact,
    Impact,
    Deps,
    Team,
    Search,
    Find,
    Health,
    Migration,
    Scorecard,
    WhatIs,
    /// Questions about the asker: what they own, whether they are on call.
    Me,
    Help,
}

/// What a command takes after its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    None,
    /// An entity name or reference; `kinds` narrows suggestions (empty: any kind).
    Entity {
        kinds: &'static [&'static str],
    },
    /// Free text: `name` is the option's name where options are named (Discord).
    Text {
        name: &'static str,
        description: &'static str,
    },
    /// Free text that may be left out.
    OptionalText {
        name: &'static str,
        description: &'static str,
    },
}

/// One command of the table.
#[derive(Debug, PartialEq, Eq)]
pub struct Command {
    pub kind: CommandKind,
    /// The canonical name (a Discord subcommand name: lowercase, no spaces).
    pub name: &'static str,
    /// Other names typed for the same question (Slack text, CLI aliases).
    pub aliases: &'static [&'static str],
    pub arg: Arg,
    /// How the argument reads in usage lines (`<name> [depth]`).
    pub usage: &'static str,
    /// The default depth, for commands that take one.
    pub depth: Option<u32>,
    /// The default number of results, for commands that have a limit.
    pub limit: Option<u32>,
    /// One line of help.
    pub about: &'static str,
}

const ANY: Arg = Arg::Entity { kinds: &[] };

pub const OWNER: Command = Command {
    kind: CommandKind::Owner,
    name: "owner",
    aliases: &["owns"],
    arg: ANY,
    usage: "<name>",
    depth: None,
    limit: None,
    about: "Who owns it and how to reach them now",
};
pub const CONTACT: Command = Command {
    kind: CommandKind::Contact,
    name: "oncall",
    aliases: &["contact", "on-call", "pager", "reach"],
    arg: ANY,
    usage: "<name>",
    depth: None,
    limit: None,
    about: "On-call, channels and people for it or its owner",
};
pub const IMPACT: Command = Command {
    kind: CommandKind::Impact,
    name: "impact",
    aliases: &["blast", "dependents"],
    arg: ANY,
    usage: "<name> [depth]",
    depth: Some(IMPACT_DEPTH),
    limit: None,
    about: "What breaks if it goes down (blast radius)",
};
pub const DEPS: Command = Command {
    kind: CommandKind::Deps,
    name: "deps",
    aliases: &["dependencies", "depends"],
    arg: ANY,
    usage: "<name> [depth]",
    depth: Some(DEPS_DEPTH),
    limit: None,
    about: "What it depends on",
};
pub const TEAM: Command = Command {
    kind: CommandKind::Team,
    name: "team",
    aliases: &["group"],
    arg: Arg::Entity { kinds: &["group", "user"] },
    usage: "<team>",
    depth: None,
    limit: None,
    about: "What a team owns, its members and channels",
};
pub const SEARCH: Command = Command {
    kind: CommandKind::Search,
    name: "search",
    aliases: &["s"],
    arg: Arg::Text { name: "text", description: "Words to look for" },
    usage: "<words>",
    depth: None,
    limit: Some(SEARCH_LIMIT),
    about: "Search names, titles, descriptions, tags",
};
pub const FIND: Command = Command {
    kind: CommandKind::Find,
    name: "find",
    aliases: &[],
    arg: Arg::Text { name: "filters", description: "field:value filters, e.g. tag:python2 lifecycle:production" },
    usage: "<field:value>…",
    depth: None,
    limit: None,
    about: "Filter the catalog, e.g. tag:python2 lifecycle:production",
};
pub const HEALTH: Command = Command {
    kind: CommandKind::Health,
    name: "health",
    aliases: &[],
    arg: Arg::None,
    usage: "",
    depth: None,
    limit: None,
    about: "What needs attention in the catalog",
};
pub const MIGRATION: Command = Command {
    kind: CommandKind::Migration,
    name: "migration",
    aliases: &["migrations", "migrate"],
    arg: Arg::OptionalText { name: "migration", description: "A migration's name, then a team (optional)" },
    usage: "[name] [team]",
    depth: None,
    limit: None,
    about: "How a migration is going, per team, and what is left",
};

pub const SCORECARD: Command = Command {
    kind: CommandKind::Scorecard,
    name: "scorecard",
    aliases: &["scorecards", "score"],
    // Optional: without a team the answer is the whole catalog's, every team furthest behind first.
    arg: Arg::OptionalText {
        name: "team",
        description: "A team or entity, optionally after a scorecard's name; leave out for every team",
    },
    usage: "[scorecard] [team]",
    depth: None,
    limit: None,
    about: "Scorecard levels of a team or entity, and what the next level needs",
};
pub const WHAT_IS: Command = Command {
    kind: CommandKind::WhatIs,
    name: "what-is",
    aliases: &["describe", "whatis"],
    arg: ANY,
    usage: "<name>",
    depth: None,
    limit: None,
    about: "The entity itself: kind, owner, relations, links, errors in its file",
};
pub const ME: Command = Command {
    kind: CommandKind::Me,
    name: "me",
    aliases: &["mine"],
    arg: Arg::Text { name: "about", description: "own, team, oncall or next" },
    usage: "own|team|oncall|next",
    depth: None,
    limit: None,
    about: "What you or your teams own, whether you are on call",
};
pub const HELP: Command = Command {
    kind: CommandKind::Help,
    name: "help",
    aliases: &["?", "-h", "--help"],
    arg: Arg::None,
    usage: "",
    depth: None,
    limit: None,
    about: "What you can ask",
};

/// Every command, in the order help lists them.
pub const COMMANDS: &[Command] =
    &[OWNER, CONTACT, IMPACT, DEPS, TEAM, SEARCH, FIND, HEALTH, MIGRATION, SCORECARD, WHAT_IS, ME, HELP];

/// The command called `name` (canonical or alias, any case).
pub fn lookup(name: &str) -> Option<&'static Command> {
    let lower = name.to_ascii_lowercase();
    COMMANDS.iter().find(|c| c.name == lower || c.aliases.contains(&lower.as_str()))
}

/// The command of `kind`.
pub fn command(kind: CommandKind) -> &'static Command {
    match kind {
        CommandKind::Owner => &COMMANDS[0],
        CommandKind::Contact => &COMMANDS[1],
        CommandKind::Impact => &COMMANDS[2],
        CommandKind::Deps => &COMMANDS[3],
        CommandKind::Team => &COMMANDS[4],
        CommandKind::Search => &COMMANDS[5],
        CommandKind::Find => &COMMANDS[6],
        CommandKind::Health => &COMMANDS[7],
        CommandKind::Migration => &COMMANDS[8],
        CommandKind::Scorecard => &COMMANDS[9],
        CommandKind::WhatIs => &COMMANDS[10],
        CommandKind::Me => &COMMANDS[11],
        CommandKind::Help => &COMMANDS[12],
    }
}

/// What a command with its argument asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    Query(Query),
    /// `find`: its filters are the question parser's syntax, so the text goes to the engine as
    /// `find …`, the same path as `backline ask "find …"`.
    Question(String),
}

/// The query a chat command asks about `arg` (`depth` only for commands that take one; clamped to
/// `1..=MAX_DEPTH`; impact defaults to [`CHAT_IMPACT_DEPTH`] in chat, the CLI keeps its own
/// `--depth` default). `None` when the command needs an argument and `arg` is empty.
pub fn invoke(cmd: &Command, arg: &str, depth: Option<u32>) -> Option<Invocation> {
    let arg = arg.trim();
    let name = arg.to_owned();
    let depth = |default: u32| depth.map_or(default, |d| d.clamp(1, MAX_DEPTH));
    if arg.is_empty() && matches!(cmd.arg, Arg::Entity { .. } | Arg::Text { .. }) {
        return None;
    }
    let query = match cmd.kind {
        CommandKind::Owner => Query::Owner { name },
        CommandKind::Contact => Query::Contact { name },
        CommandKind::Impact => {
            Query::Dependents { name, depth: depth(CHAT_IMPACT_DEPTH.min(cmd.depth.unwrap_or(IMPACT_DEPTH))) }
        }
        CommandKind::Deps => Query::Dependencies { name, depth: depth(cmd.depth.unwrap_or(DEPS_DEPTH)) },
        CommandKind::Team => Query::Team { name },
        CommandKind::Search => Query::Search { text: name, limit: cmd.limit.unwrap_or(SEARCH_LIMIT) },
        CommandKind::Find => return Some(Invocation::Question(format!("find {arg}"))),
        CommandKind::Health => Query::Health,
        CommandKind::Migration => {
            let mut words = arg.split_whitespace();
            let name = words.next().map(str::to_owned);
            let team = words.collect::<Vec<_>>().join(" ");
            Query::Migration { name, team: (!team.is_empty()).then_some(team) }
        }
        CommandKind::WhatIs => Query::Describe { name },
        CommandKind::Me => Query::Mine { about: about_me(arg)?, asker: None },
        CommandKind::Help => Query::Help,
        // The first word may name a scorecard, which only the engine knows: the question path.
        CommandKind::Scorecard => return Some(Invocation::Question(format!("scorecard {arg}").trim_end().to_owned())),
    };
    Some(Invocation::Query(query))
}

/// `me own`, `me team`, `me oncall`, `me next`.
fn about_me(arg: &str) -> Option<AboutMe> {
    Some(match arg.to_ascii_lowercase().as_str() {
        "own" | "owns" | "owned" | "mine" => AboutMe::Own,
        "team" | "teams" | "team-owns" => AboutMe::TeamOwns,
        "oncall" | "on-call" | "now" => AboutMe::OnCallNow,
        "next" | "oncall-next" | "shift" => AboutMe::OnCallNext,
        _ => return None,
    })
}

/// `find` with parsed filters, for front ends that parse them themselves (the CLI).
pub fn find(filters: Vec<Filter>) -> Query {
    Query::Find { filters }
}

/// `/backline owner <name>`-style usage: the name and its argument.
pub fn usage_line(cmd: &Command) -> String {
    if cmd.usage.is_empty() { cmd.name.to_owned() } else { format!("{} {}", cmd.name, cmd.usage) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_unique_and_lowercase() {
        let mut seen = std::collections::HashSet::new();
        for c in COMMANDS {
            assert_eq!(command(c.kind), c);
            for n in std::iter::once(&c.name).chain(c.aliases) {
                assert_eq!(n.to_ascii_lowercase(), *n);
                assert!(seen.insert(*n), "{n} twice");
            }
            assert!((1..=32).contains(&c.name.len()) && (1..=100).contains(&c.about.len()), "{}", c.name);
        }
    }

    #[test]
    fn invocations() {
        let q = |name: &str, arg: &str, depth: Option<u32>| invoke(lookup(name).unwrap(), arg, depth);
        assert_eq!(q("contact", "x", None), Some(Invocation::Query(Query::Contact { name: "x".into() })));
        assert_eq!(q("oncall", "x", None), q("contact", "x", None));
        assert_eq!(
            q("impact", "db", None),
            Some(Invocation::Query(Query::Dependents { name: "db".into(), depth: CHAT_IMPACT_DEPTH }))
        );
        assert_eq!(
            q("impact", "db", Some(10)),
            Some(Invocation::Query(Query::Dependents { name: "db".into(), depth: 10 }))
        );
        assert_eq!(
            q("deps", "db", Some(0)),
            Some(Invocation::Query(Query::Dependencies { name: "db".into(), depth: 1 }))
        );
        assert_eq!(
            q("deps", "db", Some(99)),
            Some(Invocation::Query(Query::Dependencies { name: "db".into(), depth: MAX_DEPTH }))
        );
        assert_eq!(q("find", "tag:x", None), Some(Invocation::Question("find tag:x".into())));
        assert_eq!(q("scorecard", "team-a", None), Some(Invocation::Question("scorecard team-a".into())));
        assert_eq!(q("score", "", None), Some(Invocation::Question("scorecard".into())));
        assert_eq!(q("owner", " ", None), None);
        assert_eq!(q("health", "", None), Some(Invocation::Query(Query::Health)));
        assert_eq!(q("migrations", "", None), Some(Invocation::Query(Query::Migration { name: None, team: None })));
        assert_eq!(
            q("migration", "python3  team-payments", None),
            Some(Invocation::Query(Query::Migration {
                name: Some("python3".into()),
                team: Some("team-payments".into())
            }))
        );
        let mine = |about| Some(Invocation::Query(Query::Mine { about, asker: None }));
        assert_eq!(q("me", "own", None), mine(AboutMe::Own));
        assert_eq!(q("mine", "TEAM", None), mine(AboutMe::TeamOwns));
        assert_eq!(q("me", "oncall", None), mine(AboutMe::OnCallNow));
        assert_eq!(q("me", "next", None), mine(AboutMe::OnCallNext));
        assert_eq!(q("me", "everything", None), None);
        assert_eq!(q("WHAT-IS", "x", None), Some(Invocation::Query(Query::Describe { name: "x".into() })));
    }
}

//! `/backline <subcommand> <args>` to an [`Ask`] for the question engine.
//!
//! Subcommands whose meaning is exact (`owner X`, `deps X`) become structured queries, so a
//! service called `what` or `help-desk` is never misread as phrasing. Anything else (`who owns
//! payments-api`, `find tag:python2 lifecycle:production`) goes to the engine as a question, the
//! same path as mentions and DMs, so the slash command understands everything `backline ask`
//! does. Filter syntax for `find` belongs to the engine, not to us.

use backline_answer::Query;
use backline_answer::question;

use crate::engine::Ask;

/// Depth of `deps` (direct dependencies unless asked otherwise).
pub const DEPS_DEPTH: u32 = 1;
/// Depth of `impact`: the engine's own, so `/backline impact X` and "what breaks if X goes down"
/// give the same blast radius.
pub const IMPACT_DEPTH: u32 = question::IMPACT_DEPTH;
/// Hits asked of `search`, as the engine's own "search X".
pub const SEARCH_LIMIT: u32 = question::SEARCH_LIMIT;
const MAX_DEPTH: u32 = if IMPACT_DEPTH > 10 { IMPACT_DEPTH } else { 10 };

/// What a slash command's text asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Ask(Ask),
    /// A subcommand without its argument: show its usage instead of guessing.
    Usage(&'static Subcommand),
}

/// One documented subcommand (also the source of `help` and the manifest's usage hint).
#[derive(Debug, PartialEq, Eq)]
pub struct Subcommand {
    pub name: &'static str,
    pub args: &'static str,
    pub about: &'static str,
}

pub const SUBCOMMANDS: &[Subcommand] = &[
    Subcommand { name: "owner", args: "<name>", about: "who owns it and how to reach them now" },
    Subcommand { name: "oncall", args: "<name>", about: "on-call, channels and people for it or its owner" },
    Subcommand { name: "impact", args: "<name> [depth]", about: "what breaks if it goes down (blast radius)" },
    Subcommand { name: "deps", args: "<name> [depth]", about: "what it depends on" },
    Subcommand { name: "team", args: "<team>", about: "what a team owns, its members and channels" },
    Subcommand { name: "search", args: "<words>", about: "search names, titles, descriptions, tags" },
    Subcommand {
        name: "find", args: "<field:value>…", about: "filter, e.g. `find tag:python2 lifecycle:production`"
    },
    Subcommand { name: "health", args: "", about: "what needs attention in the catalog" },
    Subcommand { name: "help", args: "", about: "this list" },
];

fn subcommand(name: &str) -> Option<&'static Subcommand> {
    SUBCOMMANDS.iter().find(|s| s.name == name)
}

/// Parses the text after `/backline` (already stripped of Slack's escapes).
pub fn parse(text: &str) -> Parsed {
    let text = text.trim();
    let (head, rest) = match text.split_once(char::is_whitespace) {
        Some((h, r)) => (h, r.trim()),
        None => (text, ""),
    };
    let head_lower = head.to_ascii_lowercase();
    let verb = match head_lower.as_str() {
        "" | "help" | "?" | "-h" | "--help" => return Parsed::Ask(Ask::Query(Query::Help)),
        "health" if rest.is_empty() => return Parsed::Ask(Ask::Query(Query::Health)),
        "owner" | "owns" => "owner",
        "oncall" | "on-call" | "pager" | "contact" | "reach" => "oncall",
        "impact" | "blast" | "dependents" => "impact",
        "deps" | "dependencies" | "depends" => "deps",
        "team" | "group" => "team",
        "search" | "s" => "search",
        "find" => "find",
        // Free-form phrasing: the engine's job.
        _ => return Parsed::Ask(Ask::Question(text.to_owned())),
    };
    let Some(sub) = subcommand(verb) else {
        return Parsed::Ask(Ask::Question(text.to_owned()));
    };
    if rest.is_empty() {
        return Parsed::Usage(sub);
    }
    let query = match verb {
        "owner" => Query::Owner { name: rest.to_owned() },
        "oncall" => Query::Contact { name: rest.to_owned() },
        "team" => Query::Team { name: rest.to_owned() },
        "search" => Query::Search { text: rest.to_owned(), limit: SEARCH_LIMIT },
        "deps" | "impact" => {
            let default = if verb == "deps" { DEPS_DEPTH } else { IMPACT_DEPTH };
            let (name, depth) = split_depth(rest, default);
            if verb == "deps" { Query::Dependencies { name, depth } } else { Query::Dependents { name, depth } }
        }
        // `find` filters are parsed by the engine, like `backline ask "find ..."`.
        _ => return Parsed::Ask(Ask::Question(format!("find {rest}"))),
    };
    Parsed::Ask(Ask::Query(query))
}

/// `orders-db 3` or `orders-db depth=3` → (`orders-db`, 3).
fn split_depth(rest: &str, default: u32) -> (String, u32) {
    if let Some((name, last)) = rest.rsplit_once(char::is_whitespace) {
        let last = last.strip_prefix("depth=").or_else(|| last.strip_prefix("--depth=")).unwrap_or(last);
        if let Ok(depth) = last.parse::<u32>() {
            return (name.trim().to_owned(), depth.clamp(1, MAX_DEPTH));
        }
    }
    (rest.to_owned(), default)
}

/// The one-line usage hint of the slash command (also used in the manifest).
pub fn usage_hint() -> String {
    SUBCOMMANDS
        .iter()
        .filter(|s| !s.args.is_empty())
        .map(|s| format!("{} {}", s.name, s.args))
        .collect::<Vec<_>>()
        .join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(query: Query) -> Parsed {
        Parsed::Ask(Ask::Query(query))
    }
    fn text(t: &str) -> Parsed {
        Parsed::Ask(Ask::Question(t.to_owned()))
    }

    #[test]
    fn subcommands() {
        let cases = [
            ("", q(Query::Help)),
            ("help", q(Query::Help)),
            ("HELP", q(Query::Help)),
            ("health", q(Query::Health)),
            ("owner payments-api", q(Query::Owner { name: "payments-api".into() })),
            (
                "  owner   component:default/payments-api ",
                q(Query::Owner { name: "component:default/payments-api".into() }),
            ),
            ("oncall orders-service", q(Query::Contact { name: "orders-service".into() })),
            ("team team-payments", q(Query::Team { name: "team-payments".into() })),
            ("search fraud detection", q(Query::Search { text: "fraud detection".into(), limit: SEARCH_LIMIT })),
            ("deps checkout-api", q(Query::Dependencies { name: "checkout-api".into(), depth: DEPS_DEPTH })),
            ("deps checkout-api 3", q(Query::Dependencies { name: "checkout-api".into(), depth: 3 })),
            ("impact orders-db", q(Query::Dependents { name: "orders-db".into(), depth: IMPACT_DEPTH })),
            ("impact orders-db depth=2", q(Query::Dependents { name: "orders-db".into(), depth: 2 })),
            ("impact orders-db 99", q(Query::Dependents { name: "orders-db".into(), depth: MAX_DEPTH })),
            ("impact orders-db 0", q(Query::Dependents { name: "orders-db".into(), depth: 1 })),
            ("find tag:python2 lifecycle:production", text("find tag:python2 lifecycle:production")),
            ("who owns payments-api", text("who owns payments-api")),
            ("what breaks if orders-db goes down", text("what breaks if orders-db goes down")),
            ("health of payments", text("health of payments")),
            ("owner", Parsed::Usage(&SUBCOMMANDS[0])),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input), want, "{input:?}");
        }
    }

    #[test]
    fn usage_hint_lists_subcommands() {
        let hint = usage_hint();
        assert!(hint.starts_with("owner <name> | oncall <name>"), "{hint}");
        assert!(hint.len() < 200);
    }
}

//! `/backline <subcommand> <args>` to an [`Ask`] for the question engine.
//!
//! Subcommands come from the one command table ([`backline_answer::command`]), so their names,
//! aliases and defaults are the ones Discord registers and the CLI accepts. Subcommands whose
//! meaning is exact (`owner X`, `deps X`) become structured queries, so a service called `what`
//! or `help-desk` is never misread as phrasing. Anything else (`who owns payments-api`) goes to
//! the engine as a question, the same path as mentions and DMs, so the slash command understands
//! everything `backline ask` does. Filter syntax for `find` belongs to the engine, not to us.

use backline_answer::command::{self, Arg, COMMANDS, CommandKind, Invocation};

pub use backline_answer::command::{Command as Subcommand, DEPS_DEPTH, MAX_DEPTH};

use crate::engine::Ask;

/// Depth of `impact`: the engine's own, so `/backline impact X` and "what breaks if X goes down"
/// give the same blast radius.
pub const IMPACT_DEPTH: u32 = backline_answer::question::IMPACT_DEPTH;
/// Hits asked of `search`, as the engine's own "search X".
pub const SEARCH_LIMIT: u32 = backline_answer::question::SEARCH_LIMIT;

/// Every subcommand (also the source of `help` and the manifest's usage hint).
pub const SUBCOMMANDS: &[Subcommand] = COMMANDS;

/// What a slash command's text asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Ask(Ask),
    /// A subcommand without its argument: show its usage instead of guessing.
    Usage(&'static Subcommand),
}

/// Parses the text after `/backline` (already stripped of Slack's escapes).
pub fn parse(text: &str) -> Parsed {
    let text = text.trim();
    let (head, rest) = match text.split_once(char::is_whitespace) {
        Some((h, r)) => (h, r.trim()),
        None => (text, ""),
    };
    if head.is_empty() {
        return Parsed::Ask(Ask::Query(backline_answer::Query::Help));
    }
    let Some(cmd) = command::lookup(head) else {
        // Free-form phrasing: the engine's job.
        return Parsed::Ask(Ask::Question(text.to_owned()));
    };
    // `health of payments`, `help me`: commands without an argument given one are phrasing.
    if cmd.arg == Arg::None && !rest.is_empty() && cmd.kind != CommandKind::Help {
        return Parsed::Ask(Ask::Question(text.to_owned()));
    }
    let (arg, depth) = if cmd.depth.is_some() { split_depth(rest) } else { (rest.to_owned(), None) };
    match command::invoke(cmd, &arg, depth) {
        Some(Invocation::Query(q)) => Parsed::Ask(Ask::Query(q)),
        Some(Invocation::Question(q)) => Parsed::Ask(Ask::Question(q)),
        None => Parsed::Usage(cmd),
    }
}

/// `orders-db 3` or `orders-db depth=3` → (`orders-db`, 3).
fn split_depth(rest: &str) -> (String, Option<u32>) {
    if let Some((name, last)) = rest.rsplit_once(char::is_whitespace) {
        let last = last.strip_prefix("depth=").or_else(|| last.strip_prefix("--depth=")).unwrap_or(last);
        if let Ok(depth) = last.parse::<u32>() {
            return (name.trim().to_owned(), Some(depth));
        }
    }
    (rest.to_owned(), None)
}

/// The one-line usage hint of the slash command (also used in the manifest).
pub fn usage_hint() -> String {
    // Slack shows the hint on one line while the command is typed: commands whose argument may be
    // left out are named alone (`help` spells out their arguments).
    SUBCOMMANDS
        .iter()
        .filter(|s| !s.usage.is_empty())
        .map(|s| match s.arg {
            command::Arg::OptionalText { .. } => s.name.to_owned(),
            _ => command::usage_line(s),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[cfg(test)]
mod tests {
    use backline_answer::Query;

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
            ("contact orders-service", q(Query::Contact { name: "orders-service".into() })),
            ("team team-payments", q(Query::Team { name: "team-payments".into() })),
            ("search fraud detection", q(Query::Search { text: "fraud detection".into(), limit: SEARCH_LIMIT })),
            ("deps checkout-api", q(Query::Dependencies { name: "checkout-api".into(), depth: DEPS_DEPTH })),
            ("deps checkout-api 3", q(Query::Dependencies { name: "checkout-api".into(), depth: 3 })),
            (
                "impact orders-db",
                q(Query::Dependents { name: "orders-db".into(), depth: backline_answer::question::CHAT_IMPACT_DEPTH }),
            ),
            ("impact orders-db depth=2", q(Query::Dependents { name: "orders-db".into(), depth: 2 })),
            ("impact orders-db 99", q(Query::Dependents { name: "orders-db".into(), depth: MAX_DEPTH })),
            ("impact orders-db 0", q(Query::Dependents { name: "orders-db".into(), depth: 1 })),
            ("what-is orders-db", q(Query::Describe { name: "orders-db".into() })),
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
        assert!(hint.len() < 200, "{hint}");
    }
}

//! The `/backline` application command: its definition (registered with Discord) and what an
//! invocation asks of the question engine.
//!
//! Discord parses the options for us, so unlike Slack's free text there is no guessing: each
//! subcommand maps to one structured query, except `find`, whose filter syntax belongs to the
//! engine (the same path as `backline ask "find …"`). Entity arguments are autocompleted from the
//! catalog's search index and carry the canonical reference the user picked, so the engine
//! resolves exactly that entity.
//!
//! The command is guild-installed only (`integration_types: [GUILD_INSTALL]`), usable in guilds
//! (and in DMs with the bot only when configured), so nobody can user-install the app and query
//! the catalog from a server that is not allowlisted.

use backline_answer::Query;
use backline_answer::question;
use serenity::all::{
    CommandData, CommandDataOption, CommandDataOptionValue, CommandOptionType, CreateCommand, CreateCommandOption,
    InstallationContext, InteractionContext,
};

use crate::engine::Ask;

pub const COMMAND: &str = "backline";
pub const DEPS_DEPTH: u32 = 1;
pub const IMPACT_DEPTH: u32 = question::IMPACT_DEPTH;
pub const SEARCH_LIMIT: u32 = question::SEARCH_LIMIT;
pub const MAX_DEPTH: u32 = if IMPACT_DEPTH > 10 { IMPACT_DEPTH } else { 10 };

/// The kind of argument a subcommand takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    None,
    /// An entity, autocompleted; `kinds` narrows the suggestions (empty: any kind).
    Entity {
        kinds: &'static [&'static str],
    },
    /// Free text.
    Text {
        name: &'static str,
        description: &'static str,
    },
}

/// One subcommand (also the source of `help`).
#[derive(Debug, PartialEq, Eq)]
pub struct Subcommand {
    pub name: &'static str,
    pub about: &'static str,
    pub arg: Arg,
    /// Takes an optional `depth`.
    pub depth: bool,
}

/// The option name of entity arguments.
pub const ENTITY_OPTION: &str = "name";
pub const DEPTH_OPTION: &str = "depth";

pub const SUBCOMMANDS: &[Subcommand] = &[
    Subcommand {
        name: "owner",
        about: "Who owns it and how to reach them now",
        arg: Arg::Entity { kinds: &[] },
        depth: false,
    },
    Subcommand {
        name: "oncall",
        about: "On-call, channels and people for it or its owner",
        arg: Arg::Entity { kinds: &[] },
        depth: false,
    },
    Subcommand {
        name: "impact",
        about: "What breaks if it goes down (blast radius)",
        arg: Arg::Entity { kinds: &[] },
        depth: true,
    },
    Subcommand { name: "deps", about: "What it depends on", arg: Arg::Entity { kinds: &[] }, depth: true },
    Subcommand {
        name: "team",
        about: "What a team owns, its members and channels",
        arg: Arg::Entity { kinds: &["group", "user"] },
        depth: false,
    },
    Subcommand {
        name: "search",
        about: "Search names, titles, descriptions, tags",
        arg: Arg::Text { name: "text", description: "Words to look for" },
        depth: false,
    },
    Subcommand {
        name: "find",
        about: "Filter the catalog, e.g. tag:python2 lifecycle:production",
        arg: Arg::Text { name: "filters", description: "field:value filters, e.g. tag:python2 lifecycle:production" },
        depth: false,
    },
    Subcommand { name: "help", about: "What you can ask", arg: Arg::None, depth: false },
];

pub fn subcommand(name: &str) -> Option<&'static Subcommand> {
    SUBCOMMANDS.iter().find(|s| s.name == name)
}

/// The `/backline` command as registered with Discord. `allow_dms` adds the bot-DM context.
pub fn definition(allow_dms: bool) -> CreateCommand {
    let mut cmd = CreateCommand::new(COMMAND)
        .description("Who owns what: ask the Backstage software catalog")
        .integration_types(vec![InstallationContext::Guild])
        .contexts(if allow_dms {
            vec![InteractionContext::Guild, InteractionContext::BotDm]
        } else {
            vec![InteractionContext::Guild]
        });
    for sub in SUBCOMMANDS {
        let mut option = CreateCommandOption::new(CommandOptionType::SubCommand, sub.name, sub.about);
        match sub.arg {
            Arg::None => {}
            Arg::Entity { kinds } => {
                let what = if kinds.is_empty() {
                    "Service, API, system, team… (start typing)"
                } else {
                    "Team or person (start typing)"
                };
                option = option.add_sub_option(
                    CreateCommandOption::new(CommandOptionType::String, ENTITY_OPTION, what)
                        .required(true)
                        .set_autocomplete(true)
                        .max_length(200),
                );
            }
            Arg::Text { name, description } => {
                option = option.add_sub_option(
                    CreateCommandOption::new(CommandOptionType::String, name, description)
                        .required(true)
                        .max_length(200),
                );
            }
        }
        if sub.depth {
            option = option.add_sub_option(
                CreateCommandOption::new(CommandOptionType::Integer, DEPTH_OPTION, "How many hops to follow")
                    .min_int_value(1)
                    .max_int_value(u64::from(MAX_DEPTH)),
            );
        }
        cmd = cmd.add_option(option);
    }
    cmd
}

/// Every command Backline registers.
pub fn definitions(allow_dms: bool) -> Vec<CreateCommand> {
    vec![definition(allow_dms)]
}

/// What an invocation asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Ask(Ask),
    /// Not our command, or a subcommand we do not know (a stale registration): show help.
    Unknown,
}

/// The subcommand and its options.
pub fn subcommand_options(data: &CommandData) -> Option<(&str, &[CommandDataOption])> {
    if data.name != COMMAND {
        return None;
    }
    let first = data.options.first()?;
    match &first.value {
        CommandDataOptionValue::SubCommand(opts) => Some((first.name.as_str(), opts.as_slice())),
        _ => None,
    }
}

fn string_option<'a>(opts: &'a [CommandDataOption], name: &str) -> Option<&'a str> {
    opts.iter().find(|o| o.name == name).and_then(|o| match &o.value {
        CommandDataOptionValue::String(s) => Some(s.as_str()),
        CommandDataOptionValue::Autocomplete { value, .. } => Some(value.as_str()),
        _ => None,
    })
}

fn int_option(opts: &[CommandDataOption], name: &str) -> Option<i64> {
    opts.iter().find(|o| o.name == name).and_then(|o| match &o.value {
        CommandDataOptionValue::Integer(n) => Some(*n),
        _ => None,
    })
}

/// An invocation of `/backline <subcommand> …` to an [`Ask`].
pub fn parse(data: &CommandData) -> Parsed {
    let Some((sub, opts)) = subcommand_options(data) else { return Parsed::Unknown };
    let Some(sub) = subcommand(sub) else { return Parsed::Unknown };
    if sub.name == "help" {
        return Parsed::Ask(Ask::Query(Query::Help));
    }
    let arg_name = match sub.arg {
        Arg::Entity { .. } => ENTITY_OPTION,
        Arg::Text { name, .. } => name,
        Arg::None => return Parsed::Unknown,
    };
    let arg = string_option(opts, arg_name).map(str::trim).unwrap_or_default();
    if arg.is_empty() {
        return Parsed::Ask(Ask::Query(Query::Help));
    }
    let name = arg.to_owned();
    let depth =
        |default: u32| int_option(opts, DEPTH_OPTION).map_or(default, |d| (d.clamp(1, i64::from(MAX_DEPTH))) as u32);
    let query = match sub.name {
        "owner" => Query::Owner { name },
        "oncall" => Query::Contact { name },
        "team" => Query::Team { name },
        "search" => Query::Search { text: name, limit: SEARCH_LIMIT },
        "deps" => Query::Dependencies { name, depth: depth(DEPS_DEPTH) },
        "impact" => Query::Dependents { name, depth: depth(IMPACT_DEPTH) },
        // `find` filters are parsed by the engine, like `backline ask "find ..."`.
        _ => return Parsed::Ask(Ask::Question(format!("find {name}"))),
    };
    Parsed::Ask(Ask::Query(query))
}

/// The focused option of an autocomplete interaction: (subcommand, typed text), for entity
/// arguments only.
pub fn autocomplete_target(data: &CommandData) -> Option<(&'static Subcommand, String)> {
    let (sub, opts) = subcommand_options(data)?;
    let sub = subcommand(sub)?;
    let focused = opts.iter().find(|o| matches!(o.value, CommandDataOptionValue::Autocomplete { .. }))?;
    match (&focused.value, sub.arg) {
        (CommandDataOptionValue::Autocomplete { value, .. }, Arg::Entity { .. }) if focused.name == ENTITY_OPTION => {
            Some((sub, value.clone()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_is_within_discord_limits() {
        let json = serde_json::to_value(definition(false)).unwrap();
        assert_eq!(json["name"], COMMAND);
        assert_eq!(json["integration_types"], serde_json::json!([0]));
        assert_eq!(json["contexts"], serde_json::json!([0]));
        let subs = json["options"].as_array().unwrap();
        assert_eq!(subs.len(), SUBCOMMANDS.len());
        assert!(subs.len() <= 25);
        let mut total = COMMAND.len() + json["description"].as_str().unwrap().len();
        for s in subs {
            let name = s["name"].as_str().unwrap();
            let desc = s["description"].as_str().unwrap();
            assert!((1..=32).contains(&name.len()) && (1..=100).contains(&desc.len()), "{s}");
            total += name.len() + desc.len();
            for o in s["options"].as_array().into_iter().flatten() {
                let (n, d) = (o["name"].as_str().unwrap(), o["description"].as_str().unwrap());
                assert!((1..=32).contains(&n.len()) && (1..=100).contains(&d.len()), "{o}");
                total += n.len() + d.len();
            }
        }
        assert!(total <= 8000);
        let dms = serde_json::to_value(definition(true)).unwrap();
        assert_eq!(dms["contexts"], serde_json::json!([0, 1]));
    }
}

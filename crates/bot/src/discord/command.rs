//! The `/backline` application command: its definition (registered with Discord) and what an
//! invocation asks of the question engine.
//!
//! The subcommands, their options and defaults come from the one command table
//! ([`backline_answer::command`]), the same as Slack's subcommands and the CLI's.
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
use backline_answer::command::{self, COMMANDS, Invocation};
use serenity::all::{
    CommandData, CommandDataOption, CommandDataOptionValue, CommandOptionType, CreateCommand, CreateCommandOption,
    InstallationContext, InteractionContext,
};

pub use backline_answer::command::{Arg, Command as Subcommand, DEPS_DEPTH, MAX_DEPTH};

use crate::engine::Ask;

pub const COMMAND: &str = "backline";
pub const IMPACT_DEPTH: u32 = backline_answer::question::IMPACT_DEPTH;
pub const SEARCH_LIMIT: u32 = backline_answer::question::SEARCH_LIMIT;

/// The option name of entity arguments.
pub const ENTITY_OPTION: &str = "name";
pub const DEPTH_OPTION: &str = "depth";

/// Every subcommand, from the one command table (also the source of `help`).
pub const SUBCOMMANDS: &[Subcommand] = COMMANDS;

/// The subcommand registered as `name`; aliases too, so a command registered under an older name
/// still answers.
pub fn subcommand(name: &str) -> Option<&'static Subcommand> {
    command::lookup(name)
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
            Arg::OptionalText { name, description } => {
                option = option.add_sub_option(
                    CreateCommandOption::new(CommandOptionType::String, name, description).max_length(200),
                );
            }
        }
        if sub.depth.is_some() {
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
    let arg = match sub.arg {
        Arg::Entity { .. } => string_option(opts, ENTITY_OPTION),
        Arg::Text { name, .. } | Arg::OptionalText { name, .. } => string_option(opts, name),
        Arg::None => None,
    };
    let depth = int_option(opts, DEPTH_OPTION).map(|d| d.clamp(1, i64::from(MAX_DEPTH)) as u32);
    match command::invoke(sub, arg.unwrap_or_default(), depth) {
        Some(Invocation::Query(q)) => Parsed::Ask(Ask::Query(q)),
        Some(Invocation::Question(q)) => Parsed::Ask(Ask::Question(q)),
        // A required option missing (Discord enforces it; a stale registration might not).
        None => Parsed::Ask(Ask::Query(Query::Help)),
    }
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

//! Which chat platforms `backline serve` runs, from the configuration: one entry per platform.
//!
//! This is the only place that knows the list. A platform adds its module here (Discord: a
//! `crate::discord::from_config(...)` line next to Slack's) and nothing else in `serve` changes.

use std::sync::Arc;

use backline_core::config::Config;

use crate::serve::{ChatModule, ModuleContext, ModuleError};

/// Builds the module of every configured platform. `env` reads environment variables (a
/// parameter so tests do not depend on the process environment).
pub fn modules(
    config: &Config,
    ctx: &ModuleContext,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Arc<dyn ChatModule>>, ModuleError> {
    let mut modules: Vec<Arc<dyn ChatModule>> = Vec::new();
    if let Some(slack) = crate::slack::SlackModule::from_config(config.slack.as_ref(), ctx, env)? {
        modules.push(Arc::new(slack));
    }
    if let Some(discord) = crate::discord::DiscordModule::from_config(config.discord.as_ref(), ctx, env)? {
        modules.push(Arc::new(discord));
    }
    Ok(modules)
}

//! Which chat platforms `backline serve` runs, from the configuration: one entry per platform.
//!
//! This is the only place that knows the list. A platform adds its section to [`ChatSections`]
//! and its module here, and nothing else in `serve` changes.

use std::sync::Arc;

use crate::discord::DiscordSection;
use crate::serve::{ChatModule, ModuleContext, ModuleError};
use crate::slack::SlackSection;

/// The chat sections of `backline.toml`, as the binary read them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChatSections<'a> {
    pub slack: Option<&'a SlackSection>,
    pub discord: Option<&'a DiscordSection>,
}

/// Builds the module of every configured platform. `env` reads environment variables (a
/// parameter so tests do not depend on the process environment).
pub fn modules(
    sections: ChatSections<'_>,
    ctx: &ModuleContext,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Arc<dyn ChatModule>>, ModuleError> {
    let mut modules: Vec<Arc<dyn ChatModule>> = Vec::new();
    if let Some(slack) = crate::slack::SlackModule::from_config(sections.slack, ctx, env)? {
        modules.push(Arc::new(slack));
    }
    if let Some(discord) = crate::discord::DiscordModule::from_config(sections.discord, ctx, env)? {
        modules.push(Arc::new(discord));
    }
    Ok(modules)
}

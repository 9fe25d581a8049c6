//! Who is on call right now, from PagerDuty and Opsgenie, for the entities of a Backstage
//! catalog: the answer to "who do I page, now".
//!
//! - [`targets`] reads an entity's annotations (pure) into what to look up;
//! - [`OnCallSection`] is the `[oncall]` configuration, resolved with the environment into an
//!   [`OnCallConfig`] (accounts, regions, read-only keys held in [`Secret`]s);
//! - [`OnCall`] looks targets up: batched, cached until the first shift ends, single-flight,
//!   rate-limit aware, serving the last answer (marked stale, with its age) when a provider fails;
//! - [`OnCall::upcoming`] says when one person is on call next ([`Upcoming`]), from PagerDuty's
//!   on-calls of their user and Opsgenie's schedule timelines, cached and batched the same way;
//! - [`OnCallAnswer`] is the plain data every front end renders.
//!
//! **Invariant:** no API key and no `pagerduty.com/integration-key` value ever appears in an
//! error, a `Debug` output, an answer or a log line.

mod annotations;
mod cache;
mod caller;
mod client;
mod config;
mod error;
mod http;
mod model;
mod opsgenie;
mod pagerduty;
mod secret;
mod time;

pub use annotations::{
    Asked, OPSGENIE_ACCOUNT, OPSGENIE_TEAM, PAGERDUTY_ACCOUNT, PAGERDUTY_ESCALATION_POLICY_ID,
    PAGERDUTY_INTEGRATION_KEY, PAGERDUTY_SERVICE_ID, Target, targets,
};
pub use client::OnCall;
pub use config::{
    Account, ConfigError, ENV_OPSGENIE_KEY, ENV_PAGERDUTY_TOKEN, OPSGENIE_EU, OPSGENIE_US, OnCallConfig, OnCallSection,
    OpsgenieAccount, PAGERDUTY_EU, PAGERDUTY_US, PagerDutyAccount, Region, env_suffix,
};
pub use error::{OnCallError, Provider};
pub use model::{
    Gap, Level, Link, OnCallAnswer, Person, Roster, RosterKind, Shift, ShiftKind, Stale, Upcoming, UpcomingShift,
};
pub use secret::Secret;
pub use time::{Clock, SystemClock, Timestamp};

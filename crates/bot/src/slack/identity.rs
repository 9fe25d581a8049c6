//! Who is asking on Slack: a member id to what `users.info` says about them (e-mail, time zone),
//! cached, so the engine can match the asker to a catalog `User` and say "until when" in their
//! time zone.
//!
//! `users.info` is a Tier 4 method (100+ calls a minute), and the answer to a slash command has a
//! 3-second budget, so: answers are cached per member (an hour when Slack answered, a minute when
//! it failed, so a missing scope is retried but not hammered); only questions about the asker
//! wait for a lookup, and only up to [`LOOKUP_BUDGET`]; every other question uses what is cached
//! and, when nothing is, starts one background lookup (at most [`MAX_BACKGROUND`] at once) so the
//! asker's next answer has their time zone. E-mail addresses are never logged.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backline_answer::{Asker, AskerPlatform};
use tracing::debug;

use super::outbound::{Outbound, UserInfo};

/// How long a question about the asker waits for `users.info`.
pub const LOOKUP_BUDGET: Duration = Duration::from_millis(1200);
/// How long what Slack said about a member is trusted.
const TTL: Duration = Duration::from_secs(3600);
/// How long a failed lookup is remembered before it is tried again.
const FAILED_TTL: Duration = Duration::from_secs(60);
/// Members remembered; the cache is emptied when full (a workspace has far fewer active askers).
const MAX_ENTRIES: usize = 50_000;
/// Background lookups running at once; more are skipped (the asker's next question tries again).
const MAX_BACKGROUND: usize = 4;

#[derive(Default)]
struct State {
    known: HashMap<String, (Instant, Asker)>,
    in_flight: HashSet<String>,
}

/// The cache of askers, shared by every request of one Slack app.
#[derive(Default, Clone)]
pub struct Identities {
    state: Arc<Mutex<State>>,
}

impl Identities {
    /// What is known about `user_id` without asking Slack; `None` when nothing fresh is.
    pub fn cached(&self, user_id: &str) -> Option<Asker> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (at, asker) = state.known.get(user_id)?;
        let ttl = if asker.lookup_problem.is_some() { FAILED_TTL } else { TTL };
        (at.elapsed() < ttl).then(|| asker.clone())
    }

    fn store(&self, user_id: &str, asker: &Asker) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.known.len() >= MAX_ENTRIES {
            state.known.clear();
        }
        state.known.insert(user_id.to_owned(), (Instant::now(), asker.clone()));
        state.in_flight.remove(user_id);
    }

    /// The asker, asking Slack when nothing fresh is cached (up to [`LOOKUP_BUDGET`]): for
    /// questions about the asker.
    pub async fn asker(&self, out: &Outbound, user_id: &str) -> Asker {
        if let Some(a) = self.cached(user_id) {
            return a;
        }
        match tokio::time::timeout(LOOKUP_BUDGET, out.user_info(user_id)).await {
            Ok(result) => {
                let asker = asker_from(user_id, result);
                self.store(user_id, &asker);
                asker
            }
            // Not remembered: the lookup may well succeed next time.
            Err(_) => {
                Asker { lookup_problem: Some("Slack's users.info did not answer in time".to_owned()), ..bare(user_id) }
            }
        }
    }

    /// The asker as far as the cache knows, starting one background lookup when it knows
    /// nothing: for every other question, which must not wait for Slack.
    pub fn asker_now(&self, out: &Arc<Outbound>, user_id: &str) -> Asker {
        if let Some(a) = self.cached(user_id) {
            return a;
        }
        let start = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.in_flight.len() < MAX_BACKGROUND && state.in_flight.insert(user_id.to_owned())
        };
        if start {
            let (me, out, id) = (self.clone(), Arc::clone(out), user_id.to_owned());
            tokio::spawn(async move {
                match tokio::time::timeout(LOOKUP_BUDGET * 5, out.user_info(&id)).await {
                    Ok(result) => me.store(&id, &asker_from(&id, result)),
                    Err(_) => {
                        me.state.lock().unwrap_or_else(|e| e.into_inner()).in_flight.remove(&id);
                    }
                }
            });
        }
        bare(user_id)
    }
}

fn bare(user_id: &str) -> Asker {
    Asker { platform: AskerPlatform::Slack, user_id: Some(user_id.to_owned()), ..Asker::default() }
}

/// What `users.info` said, as an [`Asker`]. Deleted, bot and guest accounts are not matched by
/// e-mail (as Backstage's Slack user processors do): their e-mail is left out, with the reason.
fn asker_from(user_id: &str, result: Result<UserInfo, super::outbound::OutboundError>) -> Asker {
    match result {
        Ok(info) => {
            let problem = if info.deleted {
                Some("your Slack account is deactivated")
            } else if info.bot {
                Some("bots are not matched to catalog users")
            } else if info.guest {
                Some("guest accounts are not matched to catalog users")
            } else if info.email.is_none() {
                Some("users.info gave no e-mail address; the Slack app needs the users:read.email scope")
            } else {
                None
            };
            Asker {
                email: if problem.is_none() { info.email } else { None },
                tz: info.tz,
                tz_offset_secs: info.tz_offset_secs,
                lookup_problem: problem.map(str::to_owned),
                ..bare(user_id)
            }
        }
        Err(e) => {
            debug!(error = %e, "users.info failed; the asker is known by member id only");
            Asker { lookup_problem: Some(format!("users.info failed: {e}")), ..bare(user_id) }
        }
    }
}

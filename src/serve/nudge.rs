//! Migration nudges, posted by `backline serve` on their schedule.
//!
//! A `[[migration]]` with a `[migration.nudge]` reminds each owning team that still has work left
//! (in the team's own channel, from the catalog's channel annotations) and posts a summary to the
//! configured channel, at most once per period (`every = "daily"` or `"weekly"`, weeks starting
//! on Monday, UTC). What a period's posts are is the index's `nudge_plan`, the same plan
//! `backline migration --nudge --dry-run` prints; this module only posts it through the chat
//! platform of each post ([`backline_bot::serve::ChatModule::post`]).
//!
//! Every `check_every` (five minutes by default) the plan of today's period is made and each
//! post not yet made in the period is claimed in the store first (`Index::mark_nudged`: one row
//! per migration, team and period, written by whichever replica gets there first), then posted.
//! So a team is never nudged twice in a period, whatever the number of replicas or restarts; a
//! post that failed for a reason that may pass (rate limited, unreachable) is released and tried
//! again at the next check, a refused one (an unknown channel) is not. A post to a platform
//! `serve` does not run (a team's Discord channel with only Slack configured) is logged once and
//! left unclaimed. Teams with nothing left are never nudged; nor is the summary channel once the
//! migration is done.
//!
//! With `nudge_dry_run`, each post is logged once per period instead (destination and summary
//! line) and nothing is posted or remembered.
//!
//! `[serve]` in `backline.toml`:
//!
//! ```toml
//! [serve]
//! nudge_check_secs = 300   # how often the schedule is looked at
//! nudge_dry_run = false    # log what would be posted instead of posting
//! ```

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use backline_answer::card::ChatPlatform;
use backline_answer::{Answer, NudgePlatform};
use backline_bot::serve::{ChatModule, IndexHealth, PostError, Shutdown};
use backline_index::{Index, IndexError};
use futures_util::future::BoxFuture;
use tracing::{info, warn};

/// How often the schedule is checked when `[serve] nudge_check_secs` is not set.
pub const DEFAULT_CHECK: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct NudgeOptions {
    /// How often the schedule is looked at.
    pub check_every: Duration,
    /// Log what would be posted instead of posting.
    pub dry_run: bool,
}

impl Default for NudgeOptions {
    fn default() -> Self {
        NudgeOptions { check_every: DEFAULT_CHECK, dry_run: false }
    }
}

/// Where posts go: the chat platform of each.
pub trait Poster: Send + Sync {
    /// Whether posts to `platform` can go anywhere (its bot runs).
    fn supports(&self, platform: NudgePlatform) -> bool;

    fn post<'a>(
        &'a self,
        platform: NudgePlatform,
        channel: &'a str,
        answer: &'a Answer,
    ) -> BoxFuture<'a, Result<(), PostError>>;
}

/// The chat modules `serve` runs: a post goes to the module of its platform, if it runs.
pub struct Modules(pub Vec<Arc<dyn ChatModule>>);

impl Modules {
    fn module(&self, platform: NudgePlatform) -> Option<&Arc<dyn ChatModule>> {
        let wanted = match platform {
            NudgePlatform::Slack => ChatPlatform::Slack,
            NudgePlatform::Discord => ChatPlatform::Discord,
        };
        self.0.iter().find(|m| m.platform() == wanted)
    }
}

impl Poster for Modules {
    fn supports(&self, platform: NudgePlatform) -> bool {
        self.module(platform).is_some()
    }

    fn post<'a>(
        &'a self,
        platform: NudgePlatform,
        channel: &'a str,
        answer: &'a Answer,
    ) -> BoxFuture<'a, Result<(), PostError>> {
        match self.module(platform) {
            Some(module) => module.post(channel, answer),
            None => Box::pin(async { Err(PostError::Unsupported) }),
        }
    }
}

/// Today, as days since the Unix epoch (UTC); a parameter so tests can move time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The real clock.
pub fn system_clock() -> Clock {
    Arc::new(backline_index::migration::today)
}

/// What one check did, over every scheduled migration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub posted: usize,
    /// Posts another check (or replica) already made in the period.
    pub already: usize,
    /// Posts that did not go out.
    pub failed: usize,
    /// Posts logged instead of posted (`nudge_dry_run`).
    pub logged: usize,
    /// Posts to a platform `serve` does not run (a Discord channel with only Slack configured).
    pub unsupported: usize,
}

/// The nudge schedule of one `serve`.
pub struct Nudger {
    index: Arc<Index>,
    poster: Arc<dyn Poster>,
    opts: NudgeOptions,
    clock: Clock,
    /// `(migration, period, destination)` logged in a dry run, or as going to a platform that
    /// does not run: each is logged once.
    logged: HashSet<(String, String, String)>,
}

impl Nudger {
    pub fn new(index: Arc<Index>, poster: Arc<dyn Poster>, opts: NudgeOptions, clock: Clock) -> Nudger {
        Nudger { index, poster, opts, clock, logged: HashSet::new() }
    }

    /// Whether any migration has a schedule.
    pub fn has_work(&self) -> bool {
        self.index.migrations().iter().any(|m| m.nudge.is_some())
    }

    /// Checks the schedule every `check_every` until shutdown, once the index has been brought
    /// up to date at start (so teams are nudged about what is left now).
    pub async fn run(mut self, health: Arc<IndexHealth>, mut shutdown: Shutdown) {
        if !self.has_work() {
            return;
        }
        let mut tick = tokio::time::interval(self.opts.check_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = tick.tick() => {}
            }
            if !health.loaded() {
                continue;
            }
            if let Err(e) = self.check().await {
                warn!(error = %e, "cannot make the migration nudges; trying again at the next check");
            }
        }
    }

    /// One look at the schedule: every scheduled migration's posts of today's period that were
    /// not made yet.
    pub async fn check(&mut self) -> Result<CheckReport, IndexError> {
        let day = (self.clock)();
        let mut total = CheckReport::default();
        let scheduled: Vec<String> =
            self.index.migrations().iter().filter(|m| m.nudge.is_some()).map(|m| m.name.clone()).collect();
        for name in scheduled {
            let plan = self.index.nudge_plan(&name, day).await?;
            let mut report = CheckReport { already: plan.already_nudged.len(), ..CheckReport::default() };
            for post in &plan.posts {
                let to = post.team.clone().unwrap_or_else(|| "summary".to_owned());
                if self.opts.dry_run {
                    if self.logged.insert((plan.migration.clone(), plan.period.clone(), to.clone())) {
                        info!(migration = %plan.migration, period = %plan.period, platform = ?post.platform, channel = %post.channel, to = %to, summary = %post.answer.summary, "nudge dry run: would post");
                        report.logged += 1;
                    }
                    continue;
                }
                if !self.poster.supports(post.platform) {
                    if self.logged.insert((plan.migration.clone(), plan.period.clone(), to.clone())) {
                        warn!(migration = %plan.migration, platform = ?post.platform, channel = %post.channel, to = %to, "a migration nudge goes to a chat platform serve does not run; not posted");
                    }
                    report.unsupported += 1;
                    continue;
                }
                // Claimed first: a replica (or this one before a restart) may have posted it.
                if !self.index.mark_nudged(&plan, post, unix_now()).await? {
                    report.already += 1;
                    continue;
                }
                match self.poster.post(post.platform, &post.channel, &post.answer).await {
                    Ok(()) => report.posted += 1,
                    Err(e) => {
                        report.failed += 1;
                        let retry = matches!(e, PostError::Transient(_));
                        warn!(migration = %plan.migration, channel = %post.channel, to = %to, error = %e, retry, "a migration nudge was not posted");
                        if retry {
                            self.index.unmark_nudged(&plan, post).await?;
                        }
                    }
                }
            }
            info!(
                migration = %plan.migration,
                period = %plan.period,
                posted = report.posted,
                already = report.already,
                failed = report.failed,
                logged = report.logged,
                unsupported = report.unsupported,
                unreachable = plan.unreachable.len(),
                "migration nudges checked"
            );
            total.posted += report.posted;
            total.already += report.already;
            total.failed += report.failed;
            total.logged += report.logged;
            total.unsupported += report.unsupported;
        }
        Ok(total)
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;

    /// Records posts; refuses those to `#refused` and fails (for now) those to `#flaky`.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<(NudgePlatform, String, String)>>);

    impl Poster for Recorder {
        fn supports(&self, platform: NudgePlatform) -> bool {
            platform == NudgePlatform::Slack
        }

        fn post<'a>(
            &'a self,
            platform: NudgePlatform,
            channel: &'a str,
            answer: &'a Answer,
        ) -> BoxFuture<'a, Result<(), PostError>> {
            Box::pin(async move {
                match channel {
                    "#refused" => return Err(PostError::Failed("channel_not_found".into())),
                    "#flaky" => return Err(PostError::Transient("rate limited".into())),
                    _ => {}
                }
                self.0.lock().unwrap().push((platform, channel.to_owned(), answer.summary.clone()));
                Ok(())
            })
        }
    }

    async fn example_index(dir: &std::path::Path, summary_channel: &str) -> Arc<Index> {
        let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/catalog");
        let toml = format!(
            "[store]\nurl = \"sqlite://{}\"\n\n[[source]]\nname = \"example\"\npath = {:?}\n\n\
             [[migration]]\nname = \"python3\"\nscope = \"kind:component\"\ntodo = \"tag:python2\"\n\
             done = \"tag:python3\"\n[migration.nudge]\nevery = \"weekly\"\nsummary_channel = \"{summary_channel}\"\n",
            dir.join("index.db").display(),
            catalog.display().to_string(),
        );
        let config = crate::config::Config::parse(&toml).unwrap();
        struct NoEnv;
        impl backline_index::settings::Env for NoEnv {
            fn var(&self, _: &str) -> Option<String> {
                None
            }
        }
        let settings = config.index_settings(dir, &NoEnv).unwrap();
        let sources = settings.sources.clone();
        let index = Index::open(settings).await.unwrap();
        index.index_sources(&sources, &backline_index::RunOptions::default()).await.unwrap();
        Arc::new(index)
    }

    fn day(text: &str) -> i64 {
        backline_index::migration::parse_day(text).unwrap()
    }

    #[tokio::test]
    async fn once_per_team_per_period_and_again_in_the_next_period() {
        let dir = tempfile::tempdir().unwrap();
        let index = example_index(dir.path(), "#platform-migrations").await;
        let recorder = Arc::new(Recorder::default());
        let today = Arc::new(AtomicI64::new(day("2026-12-07"))); // a Monday
        let clock: Clock = {
            let today = Arc::clone(&today);
            Arc::new(move || today.load(Ordering::Relaxed))
        };
        let opts = NudgeOptions { check_every: Duration::from_secs(1), dry_run: false };
        let mut nudger = Nudger::new(Arc::clone(&index), recorder.clone(), opts.clone(), clock.clone());

        let first = nudger.check().await.unwrap();
        assert_eq!((first.posted, first.already), (5, 0));
        let channels: Vec<String> = recorder.0.lock().unwrap().iter().map(|p| p.1.clone()).collect();
        assert_eq!(channels, ["#payments-oncall", "#fulfilment", "#logistics", "#data-team", "#platform-migrations"]);

        // Later in the same week, and from a new instance (a restart, a replica): nothing.
        today.store(day("2026-12-13"), Ordering::Relaxed);
        let mut restarted = Nudger::new(Arc::clone(&index), recorder.clone(), opts.clone(), clock.clone());
        assert_eq!(restarted.check().await.unwrap(), CheckReport { already: 5, ..CheckReport::default() });
        assert_eq!(recorder.0.lock().unwrap().len(), 5);

        // The next week is a new period.
        today.store(day("2026-12-14"), Ordering::Relaxed);
        assert_eq!(nudger.check().await.unwrap().posted, 5);
        assert_eq!(recorder.0.lock().unwrap().len(), 10);
    }

    #[tokio::test]
    async fn refused_posts_are_not_retried_in_the_period_failed_ones_are() {
        for (channel, retried) in [("#refused", false), ("#flaky", true)] {
            let dir = tempfile::tempdir().unwrap();
            let index = example_index(dir.path(), channel).await;
            let recorder = Arc::new(Recorder::default());
            let clock: Clock = Arc::new(|| day("2026-12-07"));
            let mut nudger = Nudger::new(index, recorder.clone(), NudgeOptions::default(), clock);
            let first = nudger.check().await.unwrap();
            assert_eq!((first.posted, first.failed), (4, 1), "{channel}");
            let second = nudger.check().await.unwrap();
            assert_eq!(second.failed, usize::from(retried), "{channel}");
            assert_eq!(second.already, 4 + usize::from(!retried), "{channel}");
        }
    }

    #[tokio::test]
    async fn posts_to_a_platform_serve_does_not_run_are_neither_posted_nor_claimed() {
        let dir = tempfile::tempdir().unwrap();
        // A Discord channel id: only Slack runs here.
        let index = example_index(dir.path(), "123456789012345678").await;
        let recorder = Arc::new(Recorder::default());
        let clock: Clock = Arc::new(|| day("2026-12-07"));
        let mut nudger = Nudger::new(index, recorder.clone(), NudgeOptions::default(), clock);
        let first = nudger.check().await.unwrap();
        assert_eq!((first.posted, first.unsupported, first.failed), (4, 1, 0));
        let second = nudger.check().await.unwrap();
        assert_eq!((second.already, second.unsupported), (4, 1), "not claimed: still unsupported, not already posted");
    }

    #[tokio::test]
    async fn a_dry_run_logs_each_post_once_and_remembers_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let index = example_index(dir.path(), "#platform-migrations").await;
        let recorder = Arc::new(Recorder::default());
        let clock: Clock = Arc::new(|| day("2026-12-07"));
        let dry = NudgeOptions { dry_run: true, ..NudgeOptions::default() };
        let mut nudger = Nudger::new(Arc::clone(&index), recorder.clone(), dry, clock.clone());
        assert_eq!(nudger.check().await.unwrap().logged, 5);
        assert_eq!(nudger.check().await.unwrap().logged, 0, "logged once per period");
        assert!(recorder.0.lock().unwrap().is_empty());
        // Nothing was remembered: posting for real afterwards posts everything.
        let mut real = Nudger::new(index, recorder.clone(), NudgeOptions::default(), clock);
        assert_eq!(real.check().await.unwrap().posted, 5);
    }
}

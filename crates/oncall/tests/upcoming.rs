//! "When am I on call next" against the local fakes: PagerDuty's user found by e-mail and their
//! on-calls over the window (the next shift, a shift under way, nothing in the window, no such
//! user), Opsgenie's schedule timelines (back-to-back periods joined, other people and teams left
//! out), one call per key however many ask at once, and a provider fault answered with the last
//! good answer and its age, never a blank.

mod fake;

use std::sync::Arc;
use std::time::Duration;

use backline_oncall::{OnCallError, Provider, RosterKind, ShiftKind, Timestamp, Upcoming};
use fake::{Fake, Fault, NOW, TestClock, annotations, client};

const DAY: u64 = 24 * 3600;

fn at(text: &str) -> Option<Timestamp> {
    Some(Timestamp::parse_rfc3339(text).unwrap())
}

fn pd_service(id: &str) -> Vec<(String, String)> {
    annotations(&[("pagerduty.com/service-id", id)])
}

fn og_team(name: &str) -> Vec<(String, String)> {
    annotations(&[("opsgenie.com/team", name)])
}

/// The one answer of `provider`, which must have succeeded.
fn only(answers: Vec<(Provider, Result<Upcoming, OnCallError>)>, provider: Provider) -> Upcoming {
    assert_eq!(answers.len(), 1, "{answers:#?}");
    let (p, answer) = answers.into_iter().next().unwrap();
    assert_eq!(p, provider);
    answer.unwrap()
}

#[tokio::test]
async fn pagerduty_says_when_the_next_shift_starts() {
    let pd = Fake::pagerduty().await;
    let oncall = client(Some(&pd), None, TestClock::new(), "");
    let team = pd_service("PSVC002");
    let frank = only(oncall.upcoming("Frank.Li@example.com", &[&team]).await, Provider::PagerDuty);
    assert_eq!(frank.account, "acme");
    assert_eq!(frank.person.as_ref().map(|p| p.id.as_str()), Some("PUSR007"));
    // The earliest shift per policy and level, in the future: not on call now.
    assert_eq!(frank.shifts.len(), 1, "{frank:#?}");
    let next = &frank.shifts[0];
    assert_eq!((next.from, next.until), (at("2026-12-07T08:00:00Z"), at("2026-12-07T16:00:00Z")));
    assert_eq!(
        (next.roster_kind, next.roster.name.as_deref(), next.level),
        (RosterKind::EscalationPolicy, Some("Checkout"), Some(1))
    );
    assert_eq!(next.schedule.as_ref().and_then(|s| s.name.as_deref()), Some("Checkout primary"));
    assert!(!next.is_on_at(NOW));
    assert_eq!(frank.searched_until, NOW.plus_secs(30 * DAY));
    assert_eq!((frank.fetched_at, frank.stale.as_ref()), (NOW, None));

    // The calls: the user by address, then their on-calls over 30 days from now, in UTC.
    let calls = pd.calls();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    // Addresses are compared case-insensitively, and sent lower-cased.
    assert!(calls[0].starts_with("/users?query=frank.li%40example.com"), "{}", calls[0]);
    let oncalls = &calls[1];
    for part in [
        "user_ids%5B%5D=PUSR007",
        "since=2026-12-07T03%3A00%3A00Z",
        "until=2027-01-06T03%3A00%3A00Z",
        "earliest=true",
        "time_zone=UTC",
    ] {
        assert!(oncalls.contains(part), "{part} in {oncalls}");
    }
}

#[tokio::test]
async fn pagerduty_says_a_shift_under_way_first_and_permanent_on_calls_as_such() {
    let pd = Fake::pagerduty().await;
    let oncall = client(Some(&pd), None, TestClock::new(), "");
    let team = pd_service("PSVC001");
    let alice = only(oncall.upcoming("alice.ng@example.com", &[&team]).await, Provider::PagerDuty);
    let shifts: Vec<(Option<&str>, Option<Timestamp>, bool)> =
        alice.shifts.iter().map(|s| (s.roster.name.as_deref(), s.until, s.is_on_at(NOW))).collect();
    assert_eq!(
        shifts,
        [(Some("Payments"), at("2026-12-07T09:00:00Z"), true), (Some("Checkout"), at("2026-12-10T16:00:00Z"), false)]
    );
    let dan = only(oncall.upcoming("dan.wu@example.com", &[&team]).await, Provider::PagerDuty);
    assert_eq!(dan.shifts.len(), 1);
    assert_eq!((dan.shifts[0].kind, dan.shifts[0].from, dan.shifts[0].level), (ShiftKind::Permanent, None, Some(3)));
    assert!(dan.shifts[0].is_on_at(NOW));
}

#[tokio::test]
async fn pagerduty_says_when_nothing_is_in_the_window_and_when_it_has_no_such_user() {
    let pd = Fake::pagerduty().await;
    let oncall = client(Some(&pd), None, TestClock::new(), "next_window_days = 14");
    // Ivy's only shift starts in February, beyond the window.
    let ivy = only(oncall.upcoming("ivy.ito@example.com", &[]).await, Provider::PagerDuty);
    assert!(ivy.shifts.is_empty(), "{ivy:#?}");
    assert_eq!(ivy.searched_until, NOW.plus_secs(14 * DAY));
    assert!(pd.calls()[1].contains("until=2026-12-21T03%3A00%3A00Z"), "{:?}", pd.calls());

    let answers = oncall.upcoming("nobody@example.com", &[]).await;
    let error = answers[0].1.as_ref().unwrap_err();
    assert_eq!(error.to_string(), "PagerDuty account `acme` has no user with the asker's e-mail address");
    assert!(!error.to_string().contains("nobody@"), "an e-mail address is personal data");
    assert_eq!(pd.count("/oncalls"), 1, "no on-call call for nobody");
}

#[tokio::test]
async fn concurrent_askers_share_one_call_per_key() {
    let pd = Fake::pagerduty().await;
    pd.set_delay(Duration::from_millis(150));
    let oncall = client(Some(&pd), None, TestClock::new(), "");
    let team = pd_service("PSVC002");
    let mut asks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (oncall, team) = (oncall.clone(), team.clone());
        asks.spawn(async move { oncall.upcoming("frank.li@example.com", &[&team]).await });
    }
    let answers = asks.join_all().await;
    assert!(answers.iter().all(|a| a[0].1.as_ref().is_ok_and(|u| u.shifts.len() == 1)));
    assert_eq!((pd.count("/users"), pd.count("/oncalls")), (1, 1), "{:#?}", pd.calls());
}

#[tokio::test]
async fn a_provider_fault_serves_the_last_answer_with_its_age_never_a_blank() {
    let pd = Fake::pagerduty().await;
    let clock = TestClock::new();
    let oncall = client(Some(&pd), None, Arc::clone(&clock), "cache_secs = 60\nretry_secs = 30");
    let team = pd_service("PSVC002");

    // A fault before any answer: an error that says which account, never a guess.
    pd.set_fault(Fault::ServerError);
    let answers = oncall.upcoming("frank.li@example.com", &[&team]).await;
    let error = answers[0].1.as_ref().unwrap_err();
    assert!(error.to_string().contains("answered HTTP 500"), "{error}");
    assert!(error.is_transient());

    pd.set_fault(Fault::None);
    clock.advance(30);
    let fresh = only(oncall.upcoming("frank.li@example.com", &[&team]).await, Provider::PagerDuty);
    assert_eq!(fresh.shifts.len(), 1);

    // Past the cache period, PagerDuty fails: the last answer, marked stale, with its age.
    clock.advance(90);
    pd.set_fault(Fault::ServerErrorWhen("/oncalls"));
    let stale = only(oncall.upcoming("frank.li@example.com", &[&team]).await, Provider::PagerDuty);
    assert_eq!(stale.shifts, fresh.shifts);
    assert_eq!(stale.age_secs, 90);
    assert!(stale.stale.as_ref().is_some_and(|s| s.reason.contains("HTTP 500")), "{stale:#?}");

    // Rate limited: the gate stays closed for the time PagerDuty says; no call meanwhile.
    clock.advance(60);
    pd.set_fault(Fault::RateLimited { headers: true });
    let limited = only(oncall.upcoming("frank.li@example.com", &[&team]).await, Provider::PagerDuty);
    assert!(limited.stale.as_ref().is_some_and(|s| s.reason.contains("rate limited")), "{limited:#?}");
    let calls = pd.calls().len();
    clock.advance(10);
    let again = only(oncall.upcoming("frank.li@example.com", &[&team]).await, Provider::PagerDuty);
    assert!(again.stale.is_some());
    assert_eq!(pd.calls().len(), calls, "no call while rate limited");
}

#[tokio::test]
async fn a_shift_that_ends_drops_out_and_the_next_one_is_asked_for() {
    let pd = Fake::pagerduty().await;
    let clock = TestClock::new();
    let oncall = client(Some(&pd), None, Arc::clone(&clock), "");
    let team = pd_service("PSVC001");
    only(oncall.upcoming("alice.ng@example.com", &[&team]).await, Provider::PagerDuty);
    // At 09:00 Alice's Payments shift ends: the cached answer expires then, and is asked again.
    clock.set(Timestamp::parse_rfc3339("2026-12-07T09:00:00Z").unwrap());
    let alice = only(oncall.upcoming("alice.ng@example.com", &[&team]).await, Provider::PagerDuty);
    assert_eq!(alice.shifts.iter().map(|s| s.roster.name.as_deref()).collect::<Vec<_>>(), [Some("Checkout")]);
    assert_eq!(pd.count("/oncalls"), 2);
}

#[tokio::test]
async fn opsgenie_reads_the_timelines_of_the_teams_schedules() {
    let og = Fake::opsgenie().await;
    let oncall = client(None, Some(&og), TestClock::new(), "");
    let payments = og_team("Payments");

    // Ada: an override under way on the day schedule, then her next day shift.
    let ada = only(oncall.upcoming("ADA@example.com", &[&payments]).await, Provider::Opsgenie);
    let shifts: Vec<(Option<&str>, Option<Timestamp>, Option<Timestamp>)> =
        ada.shifts.iter().map(|s| (s.roster.name.as_deref(), s.from, s.until)).collect();
    assert_eq!(
        shifts,
        [
            (Some("payments_schedule"), at("2026-12-06T09:00:00Z"), at("2026-12-07T09:00:00Z")),
            (Some("payments_schedule"), at("2026-12-13T09:00:00Z"), at("2026-12-14T09:00:00Z")),
        ]
    );
    assert!(ada.shifts[0].is_on_at(NOW) && ada.shifts[0].level.is_none());
    assert_eq!(ada.shifts[0].roster.url.as_deref(), Some("https://acme.app.opsgenie.com/schedule/whoIsOnCall"));
    assert_eq!(ada.searched_until, NOW.plus_secs(30 * DAY));

    // Eve: two back-to-back periods of two rotations of the night schedule are one shift; the
    // historical one is over.
    let eve = only(oncall.upcoming("eve@example.com", &[&payments]).await, Provider::Opsgenie);
    assert_eq!(eve.shifts.len(), 1, "{eve:#?}");
    assert_eq!((eve.shifts[0].from, eve.shifts[0].until), (at("2026-12-07T20:00:00Z"), at("2026-12-08T08:00:00Z")));

    // Cy is on no schedule of the team in the window.
    let cy = only(oncall.upcoming("cy@example.com", &[&payments]).await, Provider::Opsgenie);
    assert!(cy.shifts.is_empty());

    // One schedules call, and one timeline per enabled schedule, shared by every asker.
    assert_eq!(og.count("/v2/schedules"), 1);
    let timelines: Vec<String> = og.calls().into_iter().filter(|c| c.contains("/timeline")).collect();
    assert_eq!(timelines.len(), 2, "{timelines:#?}");
    for t in &timelines {
        assert!(t.contains("interval=30&intervalUnit=days&date=2026-12-07T03%3A00%3A00Z"), "{t}");
    }
}

#[tokio::test]
async fn opsgenie_faults_serve_the_last_timeline_and_a_team_without_schedules_says_so() {
    let og = Fake::opsgenie().await;
    let clock = TestClock::new();
    let oncall = client(None, Some(&og), Arc::clone(&clock), "cache_secs = 60");
    let payments = og_team("Payments");
    let fresh = only(oncall.upcoming("eve@example.com", &[&payments]).await, Provider::Opsgenie);
    clock.advance(120);
    og.set_fault(Fault::ServerErrorWhen("/timeline"));
    let stale = only(oncall.upcoming("eve@example.com", &[&payments]).await, Provider::Opsgenie);
    assert_eq!(stale.shifts, fresh.shifts);
    assert_eq!(stale.age_secs, 120);
    assert!(stale.stale.as_ref().is_some_and(|s| s.reason.contains("HTTP 503")), "{stale:#?}");

    og.set_fault(Fault::None);
    let answers = oncall.upcoming("eve@example.com", &[&og_team("Platform")]).await;
    let error = answers[0].1.as_ref().unwrap_err();
    assert_eq!(error.to_string(), "Opsgenie account `ops` has no enabled schedule owned by team `Platform`");
}

#[tokio::test]
async fn each_provider_the_entities_name_answers_and_an_unconfigured_one_says_why() {
    let pd = Fake::pagerduty().await;
    let oncall = client(Some(&pd), None, TestClock::new(), "");
    let user = pd_service("PSVC002");
    let team = og_team("Payments");
    let answers = oncall.upcoming("frank.li@example.com", &[&user, &team, &team]).await;
    let providers: Vec<(Provider, bool)> = answers.iter().map(|(p, a)| (*p, a.is_ok())).collect();
    assert_eq!(providers, [(Provider::PagerDuty, true), (Provider::Opsgenie, false)]);
    assert_eq!(answers[1].1.as_ref().unwrap_err().to_string(), "no Opsgenie account is configured");
}

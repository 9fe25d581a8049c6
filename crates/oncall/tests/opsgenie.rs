//! Opsgenie lookups against a local fake: a team's schedules and who is on them (forwarding,
//! escalation participants, an empty schedule answered with who is next), two calls per account
//! whatever the number of teams, single-flight under a burst, and the faults.

mod fake;

use std::sync::Arc;
use std::time::Duration;

use backline_oncall::{OnCallAnswer, OnCallError, Provider, ShiftKind};
use fake::{Fake, Fault, NOW, TestClock, annotations, client, client_with_keys};

fn team(name: &str) -> Vec<(String, String)> {
    annotations(&[("opsgenie.com/team", name)])
}

fn one(mut answers: Vec<Result<OnCallAnswer, OnCallError>>) -> Result<OnCallAnswer, OnCallError> {
    assert_eq!(answers.len(), 1);
    answers.remove(0)
}

#[tokio::test]
async fn a_team_answers_with_each_of_its_enabled_schedules() {
    let og = Fake::opsgenie().await;
    let oncall = client(None, Some(&og), TestClock::new(), "");
    let answer = one(oncall.lookup_entity(&team("Payments")).await).unwrap();
    insta::assert_json_snapshot!("opsgenie_payments", answer);
    assert_eq!(answer.provider, Provider::Opsgenie);
    let names: Vec<&str> = answer.rosters.iter().filter_map(|r| r.name.as_deref()).collect();
    assert_eq!(names, ["payments_night", "payments_schedule"], "the disabled schedule is left out");
    let day = &answer.rosters[1];
    let people: Vec<&str> = day.levels[0].on_call.iter().map(|s| s.person.name.as_str()).collect();
    assert_eq!(people, ["ada@example.com", "cy@example.com"]);
    let ada = &day.levels[0].on_call[0];
    assert_eq!(ada.forwarded_from.as_ref().map(|p| p.name.as_str()), Some("bo@example.com"));
    assert_eq!((ada.kind, ada.person.email.as_deref()), (ShiftKind::Untimed, Some("ada@example.com")));
    let night = answer.rosters[0].gap.as_ref().expect("nobody on the night schedule");
    assert_eq!(night.next[0].person.name, "eve@example.com");
    assert_eq!(answer.fetched_at, NOW);
    assert_eq!(og.count("/v2/schedules"), 1);
    assert_eq!(og.count("/v2/schedules/on-calls"), 1);
    assert_eq!(og.count("/v2/schedules/e1a2b3c4-0000-4000-8000-00000000night/next-on-calls"), 1);
}

#[tokio::test]
async fn many_teams_share_one_schedules_call_and_one_on_calls_call() {
    let og = Fake::opsgenie().await;
    let clock = TestClock::new();
    let oncall = client(None, Some(&og), Arc::clone(&clock), "cache_secs = 120");
    let (payments, search) = (team("Payments"), team("Search"));
    let answers = oncall.lookup_entities(&[&payments, &search]).await;
    assert!(answers.iter().flatten().all(Result::is_ok));
    assert_eq!((og.count("/v2/schedules"), og.count("/v2/schedules/on-calls")), (1, 1));
    // Within the cache period nothing is asked again; after it, only the on-calls.
    clock.advance(119);
    one(oncall.lookup_entity(&search).await).unwrap();
    assert_eq!(og.calls().len(), 3);
    clock.advance(1);
    one(oncall.lookup_entity(&search).await).unwrap();
    assert_eq!((og.count("/v2/schedules"), og.count("/v2/schedules/on-calls")), (1, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_1000_lookups_makes_one_call_each() {
    let og = Fake::opsgenie().await;
    og.set_delay(Duration::from_millis(200));
    let oncall = client(None, Some(&og), TestClock::new(), "");
    let entity = Arc::new(team("Payments"));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let (oncall, entity) = (oncall.clone(), Arc::clone(&entity));
        tasks.spawn(async move { oncall.lookup_entity(&entity).await });
    }
    while let Some(done) = tasks.join_next().await {
        one(done.unwrap()).unwrap();
    }
    assert_eq!(og.calls().len(), 3, "schedules, on-calls, next on the empty schedule: {:#?}", og.calls());
}

#[tokio::test]
async fn failures_serve_the_last_answer_marked_stale() {
    for (fault, back_off, reason) in [
        (Fault::RateLimited { headers: true }, 60, "rate limited; next call in 60 s"),
        (Fault::RateLimited { headers: false }, 30, "rate limited; next call in 30 s"),
        (Fault::ServerError, 30, "answered HTTP 503: Service unavailable"),
        (Fault::Slow(Duration::from_secs(30)), 30, "did not answer within 300 ms"),
    ] {
        let og = Fake::opsgenie().await;
        let clock = TestClock::new();
        let oncall = client(None, Some(&og), Arc::clone(&clock), "cache_secs = 60\nretry_secs = 30\ntimeout_ms = 300");
        let first = one(oncall.lookup_entity(&team("Search")).await).unwrap();
        og.set_fault(fault);
        clock.advance(60);
        let stale = one(oncall.lookup_entity(&team("Search")).await).unwrap();
        assert_eq!((stale.rosters == first.rosters, stale.age_secs), (true, 60), "{fault:?}");
        let reason_given = &stale.stale.as_ref().expect("marked stale").reason;
        assert!(reason_given.contains(reason) && reason_given.contains("`ops`"), "{fault:?}: {reason_given}");
        let calls = og.calls().len();
        clock.advance(back_off - 1);
        one(oncall.lookup_entity(&team("Search")).await).unwrap();
        assert_eq!(og.calls().len(), calls, "{fault:?}: no call while backing off");
        og.set_fault(Fault::None);
        clock.advance(1);
        let fresh = one(oncall.lookup_entity(&team("Search")).await).unwrap();
        assert_eq!((fresh.stale, og.calls().len()), (None, calls + 1), "{fault:?}");
    }
}

#[tokio::test]
async fn a_wrong_key_names_the_account_not_the_key() {
    let og = Fake::opsgenie().await;
    let oncall = client_with_keys(None, Some(&og), TestClock::new(), "", fake::PD_KEY, "WRONG-GENIE-KEY");
    let err = one(oncall.lookup_entity(&team("Payments")).await).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Opsgenie rejected the API key of account `ops` (HTTP 401); check BACKLINE_OPSGENIE_KEY_OPS or the key in its configuration section"
    );
    assert!(!format!("{err:?}").contains("WRONG-GENIE-KEY"));
}

#[tokio::test]
async fn a_team_without_schedules_is_not_found() {
    let og = Fake::opsgenie().await;
    let oncall = client(None, Some(&og), TestClock::new(), "");
    let err = one(oncall.lookup_entity(&team("payments")).await).unwrap_err();
    assert_eq!(err.to_string(), "Opsgenie account `ops` has no enabled schedule owned by team `payments`");
}

//! PagerDuty lookups against a local fake: the answer's shape (levels, overrides, permanent
//! on-calls, gaps), batching, single-flight under a burst, caching until the first shift ends,
//! and every fault (429 with and without headers, 5xx, timeouts, a wrong key).

mod fake;

use std::sync::Arc;
use std::time::Duration;

use backline_oncall::{OnCallAnswer, OnCallError, ShiftKind, Target, Timestamp};
use fake::{Fake, Fault, INTEGRATION_KEY, NOW, TestClock, annotations, client, client_with_keys};

fn service(id: &str) -> Vec<(String, String)> {
    annotations(&[("pagerduty.com/service-id", id)])
}

fn one(mut answers: Vec<Result<OnCallAnswer, OnCallError>>) -> Result<OnCallAnswer, OnCallError> {
    assert_eq!(answers.len(), 1);
    answers.remove(0)
}

fn names(answer: &OnCallAnswer, level: u32) -> Vec<String> {
    answer.rosters[0]
        .levels
        .iter()
        .filter(|l| l.level == level)
        .flat_map(|l| l.on_call.iter().map(|s| s.person.name.clone()))
        .collect()
}

#[tokio::test]
async fn answers_every_level_with_overrides_permanent_on_calls_and_gaps() {
    let pd = Fake::pagerduty().await;
    let oncall = client(Some(&pd), None, TestClock::new(), "");
    let payments = service("PSVC001");
    let checkout = service("PSVC002");
    let search = annotations(&[("pagerduty.com/escalation-policy-id", "PEP0003")]);
    let legacy = service("PSVC004");
    let answers = oncall.lookup_entities(&[&payments, &checkout, &search, &legacy]).await;
    let answers: Vec<OnCallAnswer> = answers.into_iter().map(|mut a| a.remove(0).unwrap()).collect();
    insta::assert_json_snapshot!("pagerduty_answers", answers);

    let [payments, checkout, search, legacy] = &answers[..] else { unreachable!() };
    // Level 1 has the primary and the override (Bob, until 05:00); Alice's duplicate entry is one.
    assert_eq!(names(payments, 1), ["Alice Ng", "Bob Otieno"]);
    assert_eq!(names(payments, 2), ["Carla Díaz"]);
    assert_eq!(names(payments, 3), ["Dan Wu"]);
    let dan = &payments.rosters[0].levels[2].on_call[0];
    assert_eq!((dan.kind, dan.from, dan.until), (ShiftKind::Permanent, None, None));
    assert!(payments.rosters[0].gap.is_none());
    assert_eq!(payments.fetched_at, NOW);
    assert_eq!(payments.rosters[0].url.as_deref(), Some("https://acme.pagerduty.com/escalation_policies/PEP0001"));
    // Nobody at level 1: who is next there (the earliest only), and where a page goes instead.
    let gap = checkout.rosters[0].gap.as_ref().expect("level 1 is empty");
    assert_eq!(gap.escalates_to, Some(2));
    assert_eq!(gap.next.iter().map(|s| s.person.name.as_str()).collect::<Vec<_>>(), ["Frank Li"]);
    assert_eq!(gap.next[0].from, Timestamp::parse_rfc3339("2026-12-07T08:00:00Z"));
    assert_eq!(names(search, 1), ["Hana Sato"]);
    assert_eq!(search.rosters[0].levels[0].on_call[0].kind, ShiftKind::Permanent);
    // Nobody at all: still an answer, never a blank, with the policy's name from the service.
    let gap = legacy.rosters[0].gap.as_ref().expect("nobody on call");
    assert_eq!((gap.escalates_to, gap.next.len()), (None, 0));
    assert_eq!(legacy.rosters[0].name.as_deref(), Some("Legacy batch (business hours)"));
}

#[tokio::test]
async fn many_entities_asked_at_once_make_one_on_call_call() {
    let pd = Fake::pagerduty().await;
    let oncall = client(Some(&pd), None, TestClock::new(), "");
    let entities = [service("PSVC001"), service("PSVC002"), service("PSVC004")];
    let refs: Vec<&[(String, String)]> = entities.iter().map(Vec::as_slice).collect();
    let answers = oncall.lookup_entities(&refs).await;
    assert!(answers.iter().flatten().all(Result::is_ok));
    let oncalls: Vec<String> = pd.calls().into_iter().filter(|c| c.starts_with("/oncalls?")).collect();
    // One call for the current on-calls of all three policies, one for who is next on the two
    // policies with nobody at level 1.
    assert_eq!(oncalls.len(), 2, "{oncalls:#?}");
    for id in ["PEP0001", "PEP0002", "PEP0004"] {
        assert!(oncalls[0].contains(id), "{}", oncalls[0]);
    }
    assert!(oncalls[1].contains("earliest=true") && !oncalls[1].contains("PEP0001"), "{}", oncalls[1]);
    assert!(oncalls[1].contains("since=2026-12-07T03%3A00%3A00Z"), "explicit UTC: {}", oncalls[1]);
}

#[tokio::test]
async fn on_calls_are_read_page_by_page() {
    let entity = service("PSVC001");
    let whole = Fake::pagerduty().await;
    let expected = one(client(Some(&whole), None, TestClock::new(), "").lookup_entity(&entity).await).unwrap();
    let paged = Fake::pagerduty().await;
    paged.set_oncalls_page(2);
    let answer = one(client(Some(&paged), None, TestClock::new(), "").lookup_entity(&entity).await).unwrap();
    assert_eq!(answer, expected);
    // Five entries, two a page.
    let offsets: Vec<String> = paged
        .calls()
        .iter()
        .filter(|c| c.starts_with("/oncalls?"))
        .map(|c| c.rsplit("offset=").next().unwrap().to_owned())
        .collect();
    assert_eq!(offsets, ["0", "2", "4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_1000_lookups_makes_one_call_per_policy() {
    let pd = Fake::pagerduty().await;
    // Slow enough that the askers pile up behind the call in flight.
    pd.set_delay(Duration::from_millis(200));
    let oncall = client(Some(&pd), None, TestClock::new(), "");
    let entity = Arc::new(service("PSVC001"));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let (oncall, entity) = (oncall.clone(), Arc::clone(&entity));
        tasks.spawn(async move { oncall.lookup_entity(&entity).await });
    }
    let mut answers = Vec::new();
    while let Some(done) = tasks.join_next().await {
        answers.push(one(done.unwrap()).unwrap());
    }
    assert_eq!(answers.len(), 1000);
    assert!(answers.iter().all(|a| a == &answers[0]));
    assert_eq!(pd.count("/services/PSVC001"), 1);
    assert_eq!(pd.count("/oncalls"), 1, "{:#?}", pd.calls());
}

#[tokio::test]
async fn answers_are_cached_until_the_first_shift_ends() {
    let pd = Fake::pagerduty().await;
    let clock = TestClock::new();
    let oncall = client(Some(&pd), None, Arc::clone(&clock), "cache_secs = 86400\nmapping_cache_secs = 86400");
    let entity = service("PSVC001");
    one(oncall.lookup_entity(&entity).await).unwrap();
    // Bob's override ends at 05:00, the earliest end of the policy's shifts.
    clock.set(Timestamp::parse_rfc3339("2026-12-07T04:59:59Z").unwrap());
    let cached = one(oncall.lookup_entity(&entity).await).unwrap();
    assert_eq!((cached.fetched_at, cached.age_secs, pd.count("/oncalls")), (NOW, 7199, 1));
    clock.set(Timestamp::parse_rfc3339("2026-12-07T05:00:00Z").unwrap());
    let fresh = one(oncall.lookup_entity(&entity).await).unwrap();
    assert_eq!((fresh.age_secs, pd.count("/oncalls")), (0, 2));
    // The service → policy mapping is kept for `mapping_cache_secs`.
    assert_eq!(pd.count("/services/PSVC001"), 1);
}

#[tokio::test]
async fn cache_secs_bounds_answers_without_an_earlier_end() {
    let pd = Fake::pagerduty().await;
    let clock = TestClock::new();
    let oncall = client(Some(&pd), None, Arc::clone(&clock), "cache_secs = 300");
    let entity = annotations(&[("pagerduty.com/escalation-policy-id", "PEP0003")]);
    one(oncall.lookup_entity(&entity).await).unwrap();
    clock.advance(299);
    one(oncall.lookup_entity(&entity).await).unwrap();
    assert_eq!(pd.count("/oncalls"), 1);
    clock.advance(1);
    one(oncall.lookup_entity(&entity).await).unwrap();
    assert_eq!(pd.count("/oncalls"), 2);
}

/// After a first good answer, the provider fails: the last answer is served with its age and
/// marked stale, and the provider is not asked again before `back_off` seconds.
async fn serves_stale_through(fault: Fault, back_off: i64, reason: &str) {
    let pd = Fake::pagerduty().await;
    let clock = TestClock::new();
    let oncall = client(Some(&pd), None, Arc::clone(&clock), "cache_secs = 60\nretry_secs = 30\ntimeout_ms = 300");
    let entity = annotations(&[("pagerduty.com/escalation-policy-id", "PEP0003")]);
    let first = one(oncall.lookup_entity(&entity).await).unwrap();
    pd.set_fault(fault);
    clock.advance(60);
    let stale = one(oncall.lookup_entity(&entity).await).unwrap();
    assert_eq!(pd.count("/oncalls"), 2);
    assert_eq!(stale.rosters, first.rosters, "the last answer stays in place");
    assert_eq!((stale.fetched_at, stale.age_secs), (NOW, 60));
    let marked = stale.stale.as_ref().expect("marked stale");
    assert!(marked.reason.contains(reason) && marked.reason.contains("`acme`"), "{}", marked.reason);
    clock.advance(back_off - 1);
    let still = one(oncall.lookup_entity(&entity).await).unwrap();
    assert!(still.stale.is_some());
    assert_eq!(pd.count("/oncalls"), 2, "no call while backing off");
    pd.set_fault(Fault::None);
    clock.advance(1);
    let fresh = one(oncall.lookup_entity(&entity).await).unwrap();
    assert_eq!((pd.count("/oncalls"), fresh.stale, fresh.age_secs), (3, None, 0));
}

#[tokio::test]
async fn rate_limited_with_headers_backs_off_until_the_reset() {
    serves_stale_through(Fault::RateLimited { headers: true }, 42, "rate limited; next call in 42 s").await;
}

#[tokio::test]
async fn rate_limited_without_headers_backs_off_for_retry_secs() {
    serves_stale_through(Fault::RateLimited { headers: false }, 30, "rate limited; next call in 30 s").await;
}

#[tokio::test]
async fn a_server_error_serves_the_last_answer_marked_stale() {
    serves_stale_through(Fault::ServerError, 30, "answered HTTP 500: Internal Server Error").await;
}

#[tokio::test]
async fn a_slow_provider_times_out_and_the_last_answer_is_served() {
    serves_stale_through(Fault::Slow(Duration::from_secs(30)), 30, "did not answer within 300 ms").await;
}

#[tokio::test]
async fn failures_without_a_last_answer_are_typed_errors() {
    let pd = Fake::pagerduty().await;
    let oncall = client(Some(&pd), None, TestClock::new(), "timeout_ms = 300");
    let entity = annotations(&[("pagerduty.com/escalation-policy-id", "PEP0003")]);
    pd.set_fault(Fault::Slow(Duration::from_secs(30)));
    let err = one(oncall.lookup_entity(&entity).await).unwrap_err();
    assert!(matches!(err, OnCallError::Timeout { timeout_ms: 300, .. }), "{err:?}");
    assert!(err.is_transient());
    pd.set_fault(Fault::RateLimited { headers: true });
    let other = annotations(&[("pagerduty.com/escalation-policy-id", "PEP0001")]);
    let err = one(oncall.lookup_entity(&other).await).unwrap_err();
    assert_eq!(err.to_string(), "PagerDuty account `acme` is rate limited; next call in 42 s");
    let err = one(oncall.lookup_entity(&service("PNOPE00")).await).unwrap_err();
    assert!(matches!(err, OnCallError::RateLimited { .. }), "the gate is closed for the account: {err:?}");
}

#[tokio::test]
async fn when_who_is_next_fails_the_current_answer_stands() {
    let pd = Fake::pagerduty().await;
    let clock = TestClock::new();
    let oncall = client(Some(&pd), None, Arc::clone(&clock), "retry_secs = 30");
    pd.set_fault(Fault::ServerErrorWhen("earliest=true"));
    let answer = one(oncall.lookup_entity(&service("PSVC002")).await).unwrap();
    assert_eq!(answer.stale, None);
    assert_eq!(names(&answer, 2), ["Erin Park"]);
    let gap = answer.rosters[0].gap.as_ref().unwrap();
    assert_eq!((gap.escalates_to, gap.next.len(), gap.searched_until), (Some(2), 0, None));
    // Kept only for retry_secs, then who is next is asked again.
    pd.set_fault(Fault::None);
    clock.advance(30);
    let answer = one(oncall.lookup_entity(&service("PSVC002")).await).unwrap();
    assert_eq!(answer.rosters[0].gap.as_ref().unwrap().next[0].person.name, "Frank Li");
}

#[tokio::test]
async fn an_unknown_service_is_not_found() {
    let pd = Fake::pagerduty().await;
    let oncall = client(Some(&pd), None, TestClock::new(), "");
    let err = one(oncall.lookup_entity(&service("PNOPE00")).await).unwrap_err();
    assert_eq!(err.to_string(), "PagerDuty account `acme` has no service PNOPE00");
    assert!(!err.is_transient());
}

#[tokio::test]
async fn a_wrong_key_names_the_account_and_its_variable_not_the_key() {
    let pd = Fake::pagerduty().await;
    let wrong = "u+WRONGKEYWRONGKEY";
    let oncall = client_with_keys(Some(&pd), None, TestClock::new(), "", wrong, fake::OG_KEY);
    let err = one(oncall.lookup_entity(&service("PSVC001")).await).unwrap_err();
    assert_eq!(
        err.to_string(),
        "PagerDuty rejected the API key of account `acme` (HTTP 401); check BACKLINE_PAGERDUTY_TOKEN_ACME or the key in its configuration section"
    );
    assert!(!format!("{err:?}").contains("WRONGKEY"));
    assert!(!format!("{oncall:?}").contains("WRONGKEY"));
}

#[tokio::test]
async fn the_integration_key_fallback_finds_the_service_without_sending_or_showing_the_key() {
    let pd = Fake::pagerduty().await;
    let oncall = client(Some(&pd), None, TestClock::new(), "");
    let entity = annotations(&[("pagerduty.com/integration-key", INTEGRATION_KEY)]);
    let answer = one(oncall.lookup_entity(&entity).await).unwrap();
    assert_eq!(answer.rosters[0].id, "PEP0001");
    assert_eq!(answer.asked.value, None);
    let json = serde_json::to_string(&answer).unwrap();
    assert!(!json.contains(INTEGRATION_KEY));
    assert!(pd.calls().iter().all(|c| !c.contains(INTEGRATION_KEY)), "{:#?}", pd.calls());
    // An unknown key: a clear error that does not quote it.
    let unknown = annotations(&[("pagerduty.com/integration-key", "ffffffffffffffffffffffffffffffff")]);
    let err = one(oncall.lookup_entity(&unknown).await).unwrap_err();
    assert_eq!(err.to_string(), "PagerDuty account `acme` has no service with the integration key of this entity");
    assert!(!format!("{err:?}").contains("ffffffff"));
    // One scan (two pages of the three services) indexed every integration of the account: the
    // unknown key, and the other service's key, cost no further call.
    let other = annotations(&[("pagerduty.com/integration-key", "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f")]);
    assert_eq!(one(oncall.lookup_entity(&other).await).unwrap().rosters[0].id, "PEP0002");
    one(oncall.lookup_entity(&unknown).await).unwrap_err();
    assert_eq!(pd.count("/services"), 2, "{:#?}", pd.calls());
}

#[tokio::test]
async fn accounts_are_chosen_by_annotation() {
    let pd = Fake::pagerduty().await;
    let oncall = client(Some(&pd), None, TestClock::new(), "");
    let err = one(oncall
        .lookup_entity(&annotations(&[("pagerduty.com/service-id", "PSVC001"), ("pagerduty.com/account", "emea")]))
        .await)
    .unwrap_err();
    assert_eq!(err.to_string(), "no PagerDuty account named `emea` is configured (annotation pagerduty.com/account)");
    let named = annotations(&[("pagerduty.com/service-id", "PSVC001"), ("pagerduty.com/account", "acme")]);
    assert_eq!(one(oncall.lookup_entity(&named).await).unwrap().account, "acme");
    // No account for a provider at all.
    let err = one(oncall.lookup(&[Target::OpsgenieTeam { account: None, team: "Payments".into() }]).await).unwrap_err();
    assert_eq!(err.to_string(), "no Opsgenie account is configured");
}

#[test]
fn the_eu_region_selects_the_eu_host() {
    let section: backline_oncall::OnCallSection = toml::from_str(
        "[[pagerduty]]\nname = \"emea\"\nregion = \"eu\"\n[[pagerduty]]\nname = \"us\"\n[[opsgenie]]\nname = \"ops\"\nregion = \"eu\"\n",
    )
    .unwrap();
    let env = |k: &str| k.starts_with("BACKLINE_").then(|| "k".to_owned());
    let config = backline_oncall::OnCallConfig::resolve(&section, &env).unwrap();
    let base = |p, name| config.account(p, name).unwrap().base_url.clone();
    assert_eq!(base(backline_oncall::Provider::PagerDuty, None), "https://api.eu.pagerduty.com");
    assert_eq!(base(backline_oncall::Provider::PagerDuty, Some("us")), "https://api.pagerduty.com");
    assert_eq!(base(backline_oncall::Provider::Opsgenie, None), "https://api.eu.opsgenie.com");
}

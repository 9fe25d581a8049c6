//! `on-call`: an annotation that says who is paged. The integration key alone (a secret used to
//! send events) names no rota a person can look up, so it does not count.

use crate::scorecard::subject::Subject;

/// Annotations naming an on-call service, team or rota.
const ON_CALL_ANNOTATIONS: &[&str] =
    &["pagerduty.com/service-id", "pagerduty.com/escalation-policy-id", "opsgenie.com/team", "splunk.com/on-call-team"];

pub(super) fn check(subject: &Subject) -> Option<String> {
    let found =
        subject.annotations.iter().any(|(k, v)| ON_CALL_ANNOTATIONS.contains(&k.as_str()) && !v.trim().is_empty());
    (!found).then(|| "no on-call annotation".to_owned())
}

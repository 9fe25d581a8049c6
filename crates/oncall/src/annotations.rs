//! What to look up for an entity, from its annotations alone (pure, no I/O).
//!
//! The annotations are the ones the real Backstage plugins read, plus two of Backline's own:
//! - `pagerduty.com/service-id`: the PagerDuty service; its escalation policy is what is on call.
//! - `pagerduty.com/escalation-policy-id` (Backline's own; no plugin defines one): the policy
//!   directly, saving the service lookup.
//! - `pagerduty.com/integration-key`: an Events API routing key. A **secret**: anyone holding it
//!   can trigger incidents on the service. Used only when neither id above is set, held in a
//!   [`Secret`] from here on, and never shown, logged or put in an error; answers describe it as
//!   "integration key (hidden)". (PagerDuty's own plugin prefers it when both are set; Backline
//!   prefers the id, which is neither secret nor ambiguous.)
//! - `pagerduty.com/account`: which configured PagerDuty account; the default one otherwise.
//! - `opsgenie.com/team`: the Opsgenie team **name**; its schedules are what is on call.
//! - `opsgenie.com/account` (Backline's own): which configured Opsgenie account.
//!
//! `opsgenie.com/component-selector` is an alert search and says nothing about on-call.

use serde::{Deserialize, Serialize};

use crate::error::Provider;
use crate::secret::Secret;

pub const PAGERDUTY_SERVICE_ID: &str = "pagerduty.com/service-id";
pub const PAGERDUTY_ESCALATION_POLICY_ID: &str = "pagerduty.com/escalation-policy-id";
pub const PAGERDUTY_INTEGRATION_KEY: &str = "pagerduty.com/integration-key";
pub const PAGERDUTY_ACCOUNT: &str = "pagerduty.com/account";
pub const OPSGENIE_TEAM: &str = "opsgenie.com/team";
pub const OPSGENIE_ACCOUNT: &str = "opsgenie.com/account";

/// One thing to ask a provider about. `Debug` is safe: the integration key is a [`Secret`].
#[derive(Debug, Clone)]
pub enum Target {
    PagerDutyService { account: Option<String>, service_id: String },
    PagerDutyEscalationPolicy { account: Option<String>, policy_id: String },
    PagerDutyIntegrationKey { account: Option<String>, key: Secret },
    OpsgenieTeam { account: Option<String>, team: String },
}

/// What was asked, as an answer may show it: the annotation and its value, except for the
/// integration key, whose value is replaced by `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asked {
    pub annotation: String,
    /// `None` when the value is a secret (`pagerduty.com/integration-key`).
    pub value: Option<String>,
}

impl Target {
    pub fn provider(&self) -> Provider {
        match self {
            Target::PagerDutyService { .. }
            | Target::PagerDutyEscalationPolicy { .. }
            | Target::PagerDutyIntegrationKey { .. } => Provider::PagerDuty,
            Target::OpsgenieTeam { .. } => Provider::Opsgenie,
        }
    }

    /// The account named by the entity, `None` for the default.
    pub fn account(&self) -> Option<&str> {
        match self {
            Target::PagerDutyService { account, .. }
            | Target::PagerDutyEscalationPolicy { account, .. }
            | Target::PagerDutyIntegrationKey { account, .. }
            | Target::OpsgenieTeam { account, .. } => account.as_deref(),
        }
    }

    /// The annotation the account came from, for errors about unknown accounts.
    pub fn account_annotation(&self) -> &'static str {
        match self.provider() {
            Provider::PagerDuty => PAGERDUTY_ACCOUNT,
            Provider::Opsgenie => OPSGENIE_ACCOUNT,
        }
    }

    pub fn asked(&self) -> Asked {
        let (annotation, value) = match self {
            Target::PagerDutyService { service_id, .. } => (PAGERDUTY_SERVICE_ID, Some(service_id.clone())),
            Target::PagerDutyEscalationPolicy { policy_id, .. } => {
                (PAGERDUTY_ESCALATION_POLICY_ID, Some(policy_id.clone()))
            }
            Target::PagerDutyIntegrationKey { .. } => (PAGERDUTY_INTEGRATION_KEY, None),
            Target::OpsgenieTeam { team, .. } => (OPSGENIE_TEAM, Some(team.clone())),
        };
        Asked { annotation: annotation.to_owned(), value }
    }
}

/// The lookups an entity's annotations ask for: at most one PagerDuty and one Opsgenie target.
/// Blank values count as absent (a template left unfilled is not a service).
pub fn targets(annotations: &[(String, String)]) -> Vec<Target> {
    let get = |key: &str| annotations.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    let mut out = Vec::new();
    let pd_account = get(PAGERDUTY_ACCOUNT).map(str::to_owned);
    if let Some(policy_id) = get(PAGERDUTY_ESCALATION_POLICY_ID) {
        out.push(Target::PagerDutyEscalationPolicy { account: pd_account, policy_id: policy_id.to_owned() });
    } else if let Some(service_id) = get(PAGERDUTY_SERVICE_ID) {
        out.push(Target::PagerDutyService { account: pd_account, service_id: service_id.to_owned() });
    } else if let Some(key) = get(PAGERDUTY_INTEGRATION_KEY) {
        out.push(Target::PagerDutyIntegrationKey { account: pd_account, key: Secret::new(key) });
    }
    if let Some(team) = get(OPSGENIE_TEAM) {
        out.push(Target::OpsgenieTeam { account: get(OPSGENIE_ACCOUNT).map(str::to_owned), team: team.to_owned() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(annotations: &[(&str, &str)], expected: &str) {
        let owned: Vec<(String, String)> =
            annotations.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let got: Vec<String> = targets(&owned).iter().map(|t| format!("{t:?}")).collect();
        assert_eq!(got.join("; "), expected, "{annotations:?}");
    }

    #[test]
    fn annotations_to_targets() {
        check(&[], "");
        check(&[("backstage.io/techdocs-ref", "dir:.")], "");
        check(&[("pagerduty.com/service-id", "PSVC1")], r#"PagerDutyService { account: None, service_id: "PSVC1" }"#);
        check(
            &[("pagerduty.com/service-id", " PSVC1 "), ("pagerduty.com/account", "eu")],
            r#"PagerDutyService { account: Some("eu"), service_id: "PSVC1" }"#,
        );
        check(
            &[("pagerduty.com/service-id", "PSVC1"), ("pagerduty.com/escalation-policy-id", "PEP1")],
            r#"PagerDutyEscalationPolicy { account: None, policy_id: "PEP1" }"#,
        );
        // The service id wins over the integration key, which is held as a secret.
        check(
            &[("pagerduty.com/integration-key", "R0UT1NGKEY"), ("pagerduty.com/service-id", "PSVC1")],
            r#"PagerDutyService { account: None, service_id: "PSVC1" }"#,
        );
        check(
            &[("pagerduty.com/integration-key", "R0UT1NGKEY")],
            "PagerDutyIntegrationKey { account: None, key: Secret(***) }",
        );
        check(&[("pagerduty.com/service-id", "  ")], "");
        check(
            &[("opsgenie.com/team", "Payments"), ("opsgenie.com/component-selector", "tag:x")],
            r#"OpsgenieTeam { account: None, team: "Payments" }"#,
        );
        check(
            &[("opsgenie.com/team", "Payments"), ("opsgenie.com/account", "eu"), ("pagerduty.com/service-id", "P")],
            r#"PagerDutyService { account: None, service_id: "P" }; OpsgenieTeam { account: Some("eu"), team: "Payments" }"#,
        );
    }

    #[test]
    fn the_integration_key_is_never_asked_back() {
        let t = Target::PagerDutyIntegrationKey { account: None, key: Secret::new("R0UT1NGKEY") };
        assert_eq!(t.asked(), Asked { annotation: PAGERDUTY_INTEGRATION_KEY.into(), value: None });
    }
}

//! The built-in rules, one file each. A rule returns `None` when the entity passes and a few
//! words saying what is missing when it fails; the words end up in findings, hints and answers.

pub(super) mod custom;
mod description;
mod lifecycle;
mod no_deprecated_dependencies;
mod on_call;
mod owner_has_members;
mod runbook_or_dashboard;
mod techdocs;

use serde::Deserialize;

use super::subject::{Context, Subject};

/// The rules Backline knows, named in `backline.toml` by their kebab-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuiltinRule {
    /// The owner is defined and has members (a Group, directly or through sub-groups; a User).
    OwnerHasMembers,
    /// An on-call annotation: PagerDuty, Opsgenie or Splunk On-Call.
    OnCall,
    /// A link of type `runbook` or `dashboard` (or titled so).
    RunbookOrDashboard,
    /// `backstage.io/techdocs-ref`.
    Techdocs,
    /// `spec.lifecycle` is set.
    Lifecycle,
    /// `metadata.description` is set and not blank.
    Description,
    /// Nothing the entity depends on (`spec.dependsOn`) has lifecycle `deprecated`.
    NoDeprecatedDependencies,
}

impl BuiltinRule {
    pub const ALL: [BuiltinRule; 7] = [
        BuiltinRule::OwnerHasMembers,
        BuiltinRule::OnCall,
        BuiltinRule::RunbookOrDashboard,
        BuiltinRule::Techdocs,
        BuiltinRule::Lifecycle,
        BuiltinRule::Description,
        BuiltinRule::NoDeprecatedDependencies,
    ];

    /// The name written in `backline.toml`.
    pub fn name(self) -> &'static str {
        match self {
            BuiltinRule::OwnerHasMembers => "owner-has-members",
            BuiltinRule::OnCall => "on-call",
            BuiltinRule::RunbookOrDashboard => "runbook-or-dashboard",
            BuiltinRule::Techdocs => "techdocs",
            BuiltinRule::Lifecycle => "lifecycle",
            BuiltinRule::Description => "description",
            BuiltinRule::NoDeprecatedDependencies => "no-deprecated-dependencies",
        }
    }

    /// One line saying what the rule asks for.
    pub fn description(self) -> &'static str {
        match self {
            BuiltinRule::OwnerHasMembers => "An owner that exists and has members",
            BuiltinRule::OnCall => "An on-call annotation (PagerDuty, Opsgenie, Splunk On-Call)",
            BuiltinRule::RunbookOrDashboard => "A runbook or dashboard link",
            BuiltinRule::Techdocs => "TechDocs (backstage.io/techdocs-ref)",
            BuiltinRule::Lifecycle => "A lifecycle",
            BuiltinRule::Description => "A description",
            BuiltinRule::NoDeprecatedDependencies => "No dependency on a deprecated entity",
        }
    }

    pub fn from_name(name: &str) -> Option<BuiltinRule> {
        BuiltinRule::ALL.into_iter().find(|r| r.name() == name)
    }

    /// `None` when `subject` passes, else what is missing.
    pub fn check(self, subject: &Subject, ctx: &dyn Context) -> Option<String> {
        match self {
            BuiltinRule::OwnerHasMembers => owner_has_members::check(subject, ctx),
            BuiltinRule::OnCall => on_call::check(subject),
            BuiltinRule::RunbookOrDashboard => runbook_or_dashboard::check(subject),
            BuiltinRule::Techdocs => techdocs::check(subject),
            BuiltinRule::Lifecycle => lifecycle::check(subject),
            BuiltinRule::Description => description::check(subject),
            BuiltinRule::NoDeprecatedDependencies => no_deprecated_dependencies::check(subject, ctx),
        }
    }
}

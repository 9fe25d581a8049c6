//! Who the bot answers: allowlisted workspaces (and Enterprise Grid organisations) only, and by
//! default nobody from another organisation, even inside a shared channel.
//!
//! Why both checks: the signature proves a request came from Slack for *our app*, not that the
//! person asking may read our catalog. An app can be installed in other workspaces, and Slack
//! Connect channels carry messages from people of other companies. Read-only catalog answers
//! still leak team names, people and links, so the default is closed.

use std::collections::HashSet;

/// Where a request comes from, as far as the payload says.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin<'a> {
    /// The workspace the app received the request through.
    pub team_id: Option<&'a str>,
    pub enterprise_id: Option<&'a str>,
    /// The sender's own workspace, when the payload carries it.
    pub user_team: Option<&'a str>,
    /// The event came from a Slack Connect channel (other organisations may be in it).
    pub ext_shared: bool,
}

/// Why a request was not answered. Counted in metrics, logged at debug with ids only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The workspace (and its organisation) is not on the allowlist.
    Workspace,
    /// The sender belongs to another organisation (shared channel).
    ExternalUser,
}

impl Refusal {
    pub fn label(self) -> &'static str {
        match self {
            Refusal::Workspace => "foreign_workspace",
            Refusal::ExternalUser => "external_user",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    teams: HashSet<String>,
    enterprises: HashSet<String>,
    allow_external_users: bool,
}

impl Policy {
    pub fn new(
        teams: impl IntoIterator<Item = String>,
        enterprises: impl IntoIterator<Item = String>,
        allow_external_users: bool,
    ) -> Policy {
        Policy {
            teams: teams.into_iter().collect(),
            enterprises: enterprises.into_iter().collect(),
            allow_external_users,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.teams.is_empty() && self.enterprises.is_empty()
    }

    fn team_allowed(&self, team: &str) -> bool {
        self.teams.contains(team)
    }

    pub fn check(&self, origin: Origin<'_>) -> Result<(), Refusal> {
        let team_ok = origin.team_id.is_some_and(|t| self.team_allowed(t));
        let enterprise_ok = origin.enterprise_id.is_some_and(|e| self.enterprises.contains(e));
        if !team_ok && !enterprise_ok {
            return Err(Refusal::Workspace);
        }
        if self.allow_external_users {
            return Ok(());
        }
        match origin.user_team {
            // Someone from a workspace we do not know: another organisation.
            Some(user_team) if Some(user_team) != origin.team_id && !self.team_allowed(user_team) => {
                Err(Refusal::ExternalUser)
            }
            // A shared channel and Slack did not say whose user this is: fail closed.
            None if origin.ext_shared => Err(Refusal::ExternalUser),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let p = Policy::new(["T1".to_owned(), "T2".to_owned()], ["E1".to_owned()], false);
        let open = Policy::new(["T1".to_owned()], [], true);
        let o = |team: Option<&'static str>, ent: Option<&'static str>, user_team: Option<&'static str>, ext: bool| {
            Origin { team_id: team, enterprise_id: ent, user_team, ext_shared: ext }
        };
        let cases = [
            (&p, o(Some("T1"), None, None, false), Ok(())),
            (&p, o(Some("T1"), None, Some("T1"), true), Ok(())),
            (&p, o(Some("T1"), None, Some("T2"), true), Ok(())),
            (&p, o(Some("T9"), None, None, false), Err(Refusal::Workspace)),
            (&p, o(None, None, None, false), Err(Refusal::Workspace)),
            (&p, o(Some("T9"), Some("E1"), None, false), Ok(())),
            (&p, o(Some("T9"), Some("E2"), None, false), Err(Refusal::Workspace)),
            (&p, o(Some("T1"), None, Some("TX"), true), Err(Refusal::ExternalUser)),
            (&p, o(Some("T1"), None, Some("TX"), false), Err(Refusal::ExternalUser)),
            (&p, o(Some("T1"), None, None, true), Err(Refusal::ExternalUser)),
            (&open, o(Some("T1"), None, Some("TX"), true), Ok(())),
            (&open, o(Some("T1"), None, None, true), Ok(())),
            (&open, o(Some("TX"), None, None, false), Err(Refusal::Workspace)),
        ];
        for (i, (policy, origin, want)) in cases.into_iter().enumerate() {
            assert_eq!(policy.check(origin), want, "case {i}: {origin:?}");
        }
    }
}

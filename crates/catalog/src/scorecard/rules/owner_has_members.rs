//! `owner-has-members`: an owner that exists and that someone can be reached through. A Group
//! needs a member (directly or in a sub-group); a User is a person, so a defined User passes.

use crate::scorecard::subject::{Context, OwnerState, Subject};

pub(super) fn check(subject: &Subject, ctx: &dyn Context) -> Option<String> {
    let Some(owner) = &subject.owner else { return Some("no owner".to_owned()) };
    match ctx.owner_state(owner) {
        OwnerState::HasMembers => None,
        OwnerState::NoMembers => Some(format!("owner {owner} has no members")),
        OwnerState::Missing => Some(format!("owner {owner} is defined nowhere")),
    }
}

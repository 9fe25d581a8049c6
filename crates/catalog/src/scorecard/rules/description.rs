//! `description`: `metadata.description` says what the entity is; a blank one does not.

use crate::scorecard::subject::Subject;

pub(super) fn check(subject: &Subject) -> Option<String> {
    let set = subject.description.as_deref().is_some_and(|d| !d.trim().is_empty());
    (!set).then(|| "no description".to_owned())
}

//! `lifecycle`: `spec.lifecycle` is set (whether the value is a known one is `unknown-lifecycle`'s
//! business).

use crate::scorecard::subject::Subject;

pub(super) fn check(subject: &Subject) -> Option<String> {
    let set = subject.lifecycle.as_deref().is_some_and(|l| !l.trim().is_empty());
    (!set).then(|| "no lifecycle".to_owned())
}

//! Custom rules: a `find`-style filter the entity must match, every condition of it.

use crate::scorecard::condition::Condition;
use crate::scorecard::subject::{Context, Subject};

pub(crate) fn check(conditions: &[Condition], subject: &Subject, ctx: &dyn Context) -> Option<String> {
    let failed: Vec<String> =
        conditions.iter().filter(|c| !c.matches(subject, ctx)).map(Condition::to_string).collect();
    (!failed.is_empty()).then(|| format!("does not match {}", failed.join(" ")))
}

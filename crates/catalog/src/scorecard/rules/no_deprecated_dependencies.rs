//! `no-deprecated-dependencies`: nothing in `spec.dependsOn` has lifecycle `deprecated`. The
//! failure names the deprecated dependencies, sorted, so the message is stable.

use crate::scorecard::subject::{Context, Subject};

pub(super) fn check(subject: &Subject, ctx: &dyn Context) -> Option<String> {
    let mut deprecated: Vec<&str> =
        subject.depends_on.iter().filter(|d| ctx.is_deprecated(d)).map(String::as_str).collect();
    if deprecated.is_empty() {
        return None;
    }
    deprecated.sort_unstable();
    deprecated.dedup();
    Some(format!("depends on deprecated {}", deprecated.join(", ")))
}

//! `runbook-or-dashboard`: somewhere to look when it breaks. A link of type `runbook` or
//! `dashboard` counts, and so does an untyped link whose title says so (many catalogs predate
//! link types).

use crate::scorecard::subject::Subject;

pub(super) fn check(subject: &Subject) -> Option<String> {
    let wanted = |s: &str| {
        let s = s.to_lowercase();
        s.contains("runbook") || s.contains("dashboard")
    };
    let found = subject.links.iter().any(|l| {
        l.link_type.as_deref().is_some_and(wanted) || (l.link_type.is_none() && l.title.as_deref().is_some_and(wanted))
    });
    (!found).then(|| "no runbook or dashboard link".to_owned())
}

//! `techdocs`: `backstage.io/techdocs-ref` is set, so Backstage builds and shows the docs.

use crate::scorecard::subject::Subject;

pub(super) fn check(subject: &Subject) -> Option<String> {
    let found = subject.annotations.iter().any(|(k, v)| k == "backstage.io/techdocs-ref" && !v.trim().is_empty());
    (!found).then(|| "no backstage.io/techdocs-ref".to_owned())
}

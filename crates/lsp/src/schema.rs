//! What may be written where in a catalog file, with a sentence on what each thing means: the
//! keys of the envelope, of `metadata`, of links and Template steps, and the well-known
//! annotations. Completion offers these; hover shows their text.
//!
//! The keys of each kind's `spec`, the kinds' own documentation and their snippets come from the
//! catalog's kind table ([`backline_catalog::kinds`]), which validation reads too: a field added
//! there is validated, completed and explained.

pub(crate) use backline_catalog::kinds::Shape;
use backline_catalog::kinds::{Field, FieldType, Kind, PROFILE_FIELDS};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Key {
    pub name: &'static str,
    pub shape: Shape,
    pub required: bool,
    pub doc: &'static str,
}

const fn key(name: &'static str, shape: Shape, required: bool, doc: &'static str) -> Key {
    Key { name, shape, required, doc }
}

impl From<&Field> for Key {
    fn from(f: &Field) -> Key {
        Key { name: f.name, shape: f.ty.shape(), required: f.required, doc: f.doc }
    }
}

use Shape::*;

const ENVELOPE: &[Key] = &[
    key(
        "apiVersion",
        Scalar,
        true,
        "The version of the entity format: `backstage.io/v1alpha1` (or `v1beta1`) for built-in kinds, `scaffolder.backstage.io/v1beta3` for Templates.",
    ),
    key(
        "kind",
        Scalar,
        true,
        "What the entity is: Component, API, Resource, System, Domain, Group, User, Location or Template. Case-sensitive.",
    ),
    key(
        "metadata",
        Map,
        true,
        "Identity and descriptive data: `name` (required), `namespace`, `title`, `description`, `labels`, `annotations`, `tags`, `links`.",
    ),
    key(
        "spec",
        Map,
        true,
        "The kind-specific part: type, lifecycle, owner and relations. Required for every built-in kind.",
    ),
];

const METADATA: &[Key] = &[
    key(
        "name",
        Scalar,
        true,
        "The entity's name, unique per kind and namespace (case-insensitively): 1-63 letters, digits and `-_.`, starting and ending with a letter or digit. References use it.",
    ),
    key(
        "namespace",
        Scalar,
        false,
        "The namespace (default: `default`). A lowercase DNS label: letters, digits and single `-`.",
    ),
    key("title", Scalar, false, "A display name shown instead of `name` in Backstage. References never use it."),
    key("description", Scalar, false, "A human-readable description, shown in catalog listings and search."),
    key(
        "labels",
        Map,
        false,
        "Key/value pairs for selecting entities; values are short identifiers (the object-name format).",
    ),
    key(
        "annotations",
        Map,
        false,
        "Key/value pairs for tools and plugins (`github.com/project-slug`, `backstage.io/techdocs-ref`, `pagerduty.com/service-id`...). Values are any string.",
    ),
    key(
        "tags",
        List,
        false,
        "Lowercase single-word classifiers (`java`, `payments`): letters, digits, `:+#` and single `-`, at most 63 characters each.",
    ),
    key(
        "links",
        MapList,
        false,
        "External links shown on the entity page; each needs a `url`, and may have `title`, `icon` and `type`.",
    ),
];

const LINK: &[Key] = &[
    key("url", Scalar, true, "An absolute URL."),
    key("title", Scalar, false, "The link's text."),
    key("icon", Scalar, false, "A Backstage system icon name (e.g. `dashboard`, `docs`, `chat`)."),
    key(
        "type",
        Scalar,
        false,
        "Free text that says what the link is: `runbook`, `documentation`, `dashboard`, `chat`...",
    ),
];

const STEP: &[Key] = &[
    key("id", Scalar, false, "Identifier later steps and the output refer to (`${{ steps.<id>.output }}`)."),
    key("name", Scalar, false, "What the step is called in the scaffolder's progress view."),
    key(
        "action",
        Scalar,
        true,
        "The scaffolder action to run, e.g. `fetch:template`, `publish:github`, `catalog:register`.",
    ),
    key("input", Map, false, "The action's input."),
    key("if", Scalar, false, "Skip the step unless this expression (or boolean) is true."),
];

/// The keys that may be written in the mapping at `path`.
pub(crate) fn keys_at(path: &[String], kind: Option<Kind>) -> Vec<Key> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let fields = |fields: &[Field]| fields.iter().map(Key::from).collect();
    match (p.as_slice(), kind) {
        ([], _) => ENVELOPE.to_vec(),
        (["metadata"], _) => METADATA.to_vec(),
        (["metadata", "links", "-"], _) => LINK.to_vec(),
        (["spec"], Some(k)) => fields(k.fields()),
        (["spec", field], Some(k)) if k.field(field).is_some_and(|f| f.ty == FieldType::Profile) => {
            fields(PROFILE_FIELDS)
        }
        (["spec", "steps", "-"], Some(Kind::Template)) => STEP.to_vec(),
        _ => Vec::new(),
    }
}

/// The key named `name` in the mapping at `path`.
pub(crate) fn key_at(path: &[String], kind: Option<Kind>, name: &str) -> Option<Key> {
    keys_at(path, kind).into_iter().find(|k| k.name == name)
}

/// Well-known annotations: key and meaning.
pub(crate) const ANNOTATIONS: &[(&str, &str)] = &[
    (
        "backstage.io/techdocs-ref",
        "Where TechDocs finds the docs: `dir:.` (the folder with `mkdocs.yml`, relative to this file) or `url:<absolute url>`.",
    ),
    ("backstage.io/techdocs-entity", "Show another entity's TechDocs here (an entity reference)."),
    (
        "backstage.io/source-location",
        "Where the source code is: `url:<folder url>/` (a folder ends with `/`). Set by the catalog for url locations; a written value wins.",
    ),
    (
        "backstage.io/view-url",
        "URL to view the entity's file. Set by the catalog for url locations; a written value wins.",
    ),
    (
        "backstage.io/edit-url",
        "URL to edit the entity's file. Set by the catalog for url locations; a written value wins.",
    ),
    (
        "backstage.io/source-template",
        "The Template that created this entity (e.g. `template:default/react-ssr-template`).",
    ),
    (
        "backstage.io/time-saved",
        "On Templates: time saved per run as an ISO-8601 duration (`PT4H`), for scaffolder analytics.",
    ),
    ("backstage.io/kubernetes-id", "Matched against the `backstage.io/kubernetes-id` label of Kubernetes objects."),
    (
        "backstage.io/kubernetes-label-selector",
        "A Kubernetes label selector (`app=my-app,component=front-end`); overrides kubernetes-id.",
    ),
    ("backstage.io/kubernetes-namespace", "Restrict the Kubernetes plugin to a namespace."),
    ("backstage.io/kubernetes-cluster", "Restrict the Kubernetes plugin to one configured cluster."),
    ("backstage.io/code-coverage", "`scm-only` or `enabled`: turns on the code-coverage plugin."),
    ("backstage.io/managed-by-location", "Set by the catalog (the file the entity was read from); do not write it."),
    (
        "backstage.io/managed-by-origin-location",
        "Set by the catalog (the registered location that led here); do not write it.",
    ),
    ("backstage.io/orphan", "Set by the catalog when nothing emits the entity any more; do not write it."),
    (
        "github.com/project-slug",
        "The GitHub repository as `<org>/<repo>`: GitHub Actions, pull requests, insights, security plugins.",
    ),
    ("github.com/team-slug", "On Groups: the GitHub team as `<org>/<team>`."),
    ("github.com/user-login", "On Users: the GitHub login."),
    ("gitlab.com/project-slug", "The GitLab project as `<group>/<project>`."),
    ("gitlab.com/project-id", "The GitLab project's numeric id."),
    ("dev.azure.com/project-repo", "Azure DevOps `<project>/<repo>`."),
    ("dev.azure.com/build-definition", "Azure DevOps build definition name."),
    ("bitbucket.org/repo-url", "The Bitbucket repository URL."),
    ("jenkins.io/job-full-name", "The Jenkins job: `folder/job` or `<instance>:folder/job`."),
    ("circleci.com/project-slug", "The CircleCI project: `[scm/]org/project`."),
    ("sentry.io/project-slug", "The Sentry project."),
    ("rollbar.com/project-slug", "The Rollbar project: `[org/]slug`."),
    ("sonarqube.org/project-key", "The SonarQube / SonarCloud project key."),
    ("vault.io/secrets-path", "The Vault path of the entity's secrets."),
    ("lighthouse.com/website-url", "The URL Lighthouse audits."),
    (
        "pagerduty.com/service-id",
        "The PagerDuty service id (`PXXXXXX`): who is on call. Backline shows it when asked who owns something.",
    ),
    ("pagerduty.com/integration-key", "The PagerDuty Events API integration key (needed to trigger incidents)."),
    ("opsgenie.com/component-selector", "An Opsgenie alert query, e.g. `tag:\"service:my-service\"`."),
    ("opsgenie.com/team", "The Opsgenie team (enables the on-call list)."),
    ("splunk.com/on-call-team", "The Splunk On-Call (VictorOps) team."),
    (
        "slack.com/bot-notify",
        "Slack user (`U…`) or channel (`C…`) id that Backstage notifications go to; Backline shows it as the owner's chat.",
    ),
    ("argocd/app-name", "The Argo CD application."),
    ("datadoghq.com/dashboard-url", "A Datadog dashboard URL."),
    ("grafana/dashboard-selector", "Grafana dashboards to show (a selector)."),
    ("prometheus.io/rule", "Prometheus rules to show."),
    ("snyk.io/org-name", "The Snyk organisation."),
    ("jira/project-key", "The Jira project key."),
];

pub(crate) fn annotation_doc(key: &str) -> Option<&'static str> {
    ANNOTATIONS.iter().find(|(k, _)| *k == key).map(|(_, d)| *d)
}

/// The apiVersions a kind is recognised with; every one Backstage knows when the kind is not.
pub(crate) fn api_versions(kind: Option<Kind>) -> Vec<&'static str> {
    match kind {
        Some(k) => k.api_versions().to_vec(),
        None => {
            let mut all: Vec<&str> = Vec::new();
            for v in Kind::ALL.iter().flat_map(|k| k.api_versions()) {
                if !all.contains(v) {
                    all.push(v);
                }
            }
            all
        }
    }
}

/// A new entity of `kind`, as an LSP snippet (`${1:name}` tab stops, `${2|a,b|}` choices).
pub(crate) fn snippet(kind: Kind) -> String {
    let spec = kind.spec();
    format!(
        "apiVersion: {}\nkind: {kind}\nmetadata:\n  name: ${{1:name}}\n  description: ${{2:What it is}}\n{}$0",
        spec.api_versions[0], spec.snippet
    )
}

/// A snippet as plain text, for clients without snippet support: placeholders become their
/// default text (the first choice of a choice).
pub(crate) fn snippet_to_plain(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len());
    let mut chars = snippet.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '$' if chars.peek() == Some(&'{') => {
                chars.next();
                let mut body = String::new();
                let mut depth = 1;
                for n in chars.by_ref() {
                    match n {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    body.push(n);
                }
                let after_number = body.trim_start_matches(|ch: char| ch.is_ascii_digit());
                if let Some(default) = after_number.strip_prefix(':') {
                    out.push_str(default);
                } else if let Some(choices) = after_number.strip_prefix('|') {
                    out.push_str(choices.trim_end_matches('|').split(',').next().unwrap_or(""));
                }
            }
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_snippet_that_validates() {
        for kind in Kind::ALL {
            let plain = snippet_to_plain(&snippet(kind));
            let file = backline_catalog::parse_file("s.yaml".into(), &plain);
            let errors: Vec<_> = file
                .findings
                .iter()
                .filter(|f| f.severity == backline_catalog::Severity::Error)
                .map(|f| f.message.clone())
                .collect();
            assert!(errors.is_empty(), "{kind}: {errors:?}\n{plain}");
        }
    }

    #[test]
    fn every_field_of_the_kind_table_is_offered_with_its_doc() {
        let spec = vec!["spec".to_owned()];
        for kind in Kind::ALL {
            for field in kind.fields() {
                let key = key_at(&spec, Some(kind), field.name).expect("offered");
                assert_eq!((key.doc, key.required), (field.doc, field.required), "{kind}.{}", field.name);
            }
        }
        assert!(keys_at(&spec, None).is_empty());
        let profile = ["spec".to_owned(), "profile".to_owned()];
        assert_eq!(keys_at(&profile, Some(Kind::User)).len(), PROFILE_FIELDS.len());
        assert!(keys_at(&profile, Some(Kind::Component)).is_empty());
    }

    #[test]
    fn plain_snippets_keep_defaults() {
        assert_eq!(snippet_to_plain("a: ${1:x}\nb: ${2|p,q|}\nc: \\$text $0"), "a: x\nb: p\nc: $text ");
    }
}

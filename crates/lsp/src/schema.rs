//! What may be written where in a catalog file, with a sentence on what each thing means: the
//! keys of the envelope, of `metadata` and of each kind's `spec`, the well-known annotations
//! (`catalog-format.md` §2, §3, §7, §11) and a snippet per kind. Completion offers these; hover
//! shows their text.
//!
//! The core validates against its own copy of the kind schemas; this table adds what an editor
//! needs and a validator does not (prose, shapes for inserting, snippets).

use backline_catalog::model::{BACKSTAGE_API_VERSIONS, TEMPLATE_API_VERSION};

/// What a key holds, which decides how completing it continues the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Scalar,
    Map,
    /// A list of scalars (tags, references).
    List,
    /// A list of mappings (links, steps).
    MapList,
}

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

const PROFILE: &[Key] = &[
    key("displayName", Scalar, false, "The name people see."),
    key("email", Scalar, false, "Contact email: Backline shows it when asked who owns something."),
    key("picture", Scalar, false, "URL of an avatar image."),
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

const OWNER_DOC: &str = "Who owns the entity: a Group (a bare name means a Group) or a User (`user:name`). Backline reports owners defined nowhere.";
const SYSTEM_DOC: &str = "The System the entity belongs to (a bare name means a System).";

const COMPONENT: &[Key] = &[
    key(
        "type",
        Scalar,
        true,
        "What kind of component: `service`, `website`, `library`, `documentation`, `tool`... Any value is accepted.",
    ),
    key(
        "lifecycle",
        Scalar,
        true,
        "Where it is in its life: `experimental`, `production` or `deprecated`. Any value is accepted; Backline flags others.",
    ),
    key("owner", Scalar, true, OWNER_DOC),
    key("system", Scalar, false, SYSTEM_DOC),
    key("subcomponentOf", Scalar, false, "The Component this one is part of (a bare name means a Component)."),
    key("providesApis", List, false, "APIs this component provides (bare names mean APIs)."),
    key("consumesApis", List, false, "APIs this component consumes (bare names mean APIs)."),
    key(
        "dependsOn",
        List,
        false,
        "Components and Resources this one depends on. The kind must be written: `component:orders`, `resource:orders-db`.",
    ),
    key(
        "dependencyOf",
        List,
        false,
        "Entities that depend on this one (the reverse of `dependsOn`). The kind must be written.",
    ),
];

const API: &[Key] = &[
    key("type", Scalar, true, "The API's format: `openapi`, `asyncapi`, `graphql`, `grpc`, `trpc`..."),
    key("lifecycle", Scalar, true, "`experimental`, `production` or `deprecated`."),
    key("owner", Scalar, true, OWNER_DOC),
    key("system", Scalar, false, SYSTEM_DOC),
    key(
        "definition",
        Scalar,
        true,
        "The API's definition as text: a block scalar (`|`) or a placeholder such as `$text: ./openapi.yaml`.",
    ),
];

const RESOURCE: &[Key] = &[
    key("type", Scalar, true, "What kind of resource: `database`, `s3-bucket`, `kubernetes-cluster`, `queue`..."),
    key("owner", Scalar, true, OWNER_DOC),
    key("system", Scalar, false, SYSTEM_DOC),
    key("dependsOn", List, false, "Entities this resource depends on; the kind must be written."),
    key("dependencyOf", List, false, "Entities that depend on this resource; the kind must be written."),
];

const SYSTEM: &[Key] = &[
    key("owner", Scalar, true, OWNER_DOC),
    key("domain", Scalar, false, "The Domain the system belongs to (a bare name means a Domain)."),
    key("type", Scalar, false, "e.g. `product`, `service`, `feature-set`."),
];

const DOMAIN: &[Key] = &[
    key("owner", Scalar, true, OWNER_DOC),
    key("subdomainOf", Scalar, false, "The parent Domain (a bare name means a Domain)."),
    key("type", Scalar, false, "e.g. `product-area`, `product-group`, `bundle`."),
];

const GROUP: &[Key] = &[
    key("type", Scalar, true, "What kind of group: `team`, `business-unit`, `product-area`, `root`..."),
    key("profile", Map, false, "`displayName`, `email` and `picture` of the group."),
    key("parent", Scalar, false, "The parent Group (at most one)."),
    key("children", List, true, "Sub-groups. Required, but may be `[]`."),
    key("members", List, false, "Users who are direct members (bare names mean Users)."),
];

const USER: &[Key] = &[
    key("profile", Map, false, "`displayName`, `email` and `picture` of the person."),
    key("memberOf", List, true, "Groups the user belongs to. Required, but may be `[]`."),
];

const LOCATION: &[Key] = &[
    key(
        "type",
        Scalar,
        false,
        "How targets are read: `url` or `file` (default: the type of the location this entity came from).",
    ),
    key("target", Scalar, false, "One path (relative to this file when it starts with `.`) or URL, globs allowed."),
    key("targets", List, false, "Several paths or URLs."),
    key("presence", Scalar, false, "`required` (default: a missing target is an error) or `optional`."),
];

const TEMPLATE: &[Key] = &[
    key("type", Scalar, true, "What the template creates: `service`, `website`, `library`..."),
    key("owner", Scalar, false, OWNER_DOC),
    key("parameters", MapList, false, "The form: JSON Schema objects, one page each."),
    key("steps", MapList, true, "The actions to run, in order."),
    key("output", Map, false, "Links and text shown when the template has run."),
    key("presentation", Map, false, "How the template's buttons are labelled."),
];

/// The keys of each kind's `spec`.
pub(crate) fn spec_keys(kind: &str) -> &'static [Key] {
    match kind {
        "Component" => COMPONENT,
        "API" => API,
        "Resource" => RESOURCE,
        "System" => SYSTEM,
        "Domain" => DOMAIN,
        "Group" => GROUP,
        "User" => USER,
        "Location" => LOCATION,
        "Template" => TEMPLATE,
        _ => &[],
    }
}

/// The keys that may be written in the mapping at `path`.
pub(crate) fn keys_at(path: &[String], kind: Option<&str>) -> &'static [Key] {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match (p.as_slice(), kind) {
        ([], _) => ENVELOPE,
        (["metadata"], _) => METADATA,
        (["metadata", "links", "-"], _) => LINK,
        (["spec"], Some(k)) => spec_keys(k),
        (["spec", "profile"], Some("Group" | "User")) => PROFILE,
        (["spec", "steps", "-"], Some("Template")) => STEP,
        _ => &[],
    }
}

/// The key named `name` in the mapping at `path`.
pub(crate) fn key_at(path: &[String], kind: Option<&str>, name: &str) -> Option<&'static Key> {
    keys_at(path, kind).iter().find(|k| k.name == name)
}

/// Well-known annotations (`catalog-format.md` §11): key and meaning.
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

/// One line on each built-in kind.
pub(crate) fn kind_doc(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Component" => {
            "A unit of software: a service, website, library... Needs `spec.type`, `spec.lifecycle` and `spec.owner`."
        }
        "API" => "An interface a component provides or consumes. Needs `type`, `lifecycle`, `owner` and `definition`.",
        "Resource" => "Infrastructure a system needs: a database, bucket, cluster... Needs `type` and `owner`.",
        "System" => {
            "A collection of components, APIs and resources that together expose some functionality. Needs `owner`."
        }
        "Domain" => "A bounded context grouping systems. Needs `owner`.",
        "Group" => "A team or other organisational unit. Needs `type` and `children` (may be `[]`).",
        "User" => "A person. Needs `memberOf` (may be `[]`).",
        "Location" => "A pointer to more catalog files (`target`, `targets`).",
        "Template" => "A scaffolder template (`scaffolder.backstage.io/v1beta3`). Needs `type` and `steps`.",
        _ => return None,
    })
}

/// The apiVersions a kind is recognised with.
pub(crate) fn api_versions(kind: Option<&str>) -> Vec<&'static str> {
    match kind {
        Some("Template") => vec![TEMPLATE_API_VERSION],
        Some(_) => BACKSTAGE_API_VERSIONS.to_vec(),
        None => {
            let mut v = BACKSTAGE_API_VERSIONS.to_vec();
            v.push(TEMPLATE_API_VERSION);
            v
        }
    }
}

/// A new entity of `kind`, as an LSP snippet (`${1:name}` tab stops, `${2|a,b|}` choices).
pub(crate) fn snippet(kind: &str) -> Option<String> {
    let api = if kind == "Template" { TEMPLATE_API_VERSION } else { "backstage.io/v1alpha1" };
    let head =
        format!("apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: ${{1:name}}\n  description: ${{2:What it is}}\n");
    let spec = match kind {
        "Component" => {
            "spec:\n  type: ${3|service,website,library,documentation,tool|}\n  lifecycle: ${4|production,experimental,deprecated|}\n  owner: ${5:team}\n  system: ${6:system}\n"
        }
        "API" => {
            "spec:\n  type: ${3|openapi,asyncapi,graphql,grpc,trpc|}\n  lifecycle: ${4|production,experimental,deprecated|}\n  owner: ${5:team}\n  system: ${6:system}\n  definition:\n    \\$text: ${7:./openapi.yaml}\n"
        }
        "Resource" => {
            "spec:\n  type: ${3|database,s3-bucket,kubernetes-cluster,queue,cache|}\n  owner: ${4:team}\n  system: ${5:system}\n"
        }
        "System" => "spec:\n  owner: ${3:team}\n  domain: ${4:domain}\n",
        "Domain" => "spec:\n  owner: ${3:team}\n",
        "Group" => {
            "spec:\n  type: ${3|team,business-unit,product-area,root|}\n  profile:\n    displayName: ${4:Display Name}\n    email: ${5:team@example.com}\n  parent: ${6:parent}\n  children: []\n  members: []\n"
        }
        "User" => {
            "spec:\n  profile:\n    displayName: ${3:Full Name}\n    email: ${4:person@example.com}\n  memberOf: [${5:team}]\n"
        }
        "Location" => "spec:\n  targets:\n    - ${3:./*/catalog-info.yaml}\n",
        "Template" => {
            "spec:\n  owner: ${3:team}\n  type: ${4:service}\n  parameters: []\n  steps:\n    - id: ${5:fetch}\n      name: ${6:Fetch skeleton}\n      action: ${7:fetch:template}\n      input:\n        url: ${8:./skeleton}\n"
        }
        _ => return None,
    };
    Some(format!("{head}{spec}$0"))
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
    use backline_catalog::model::BUILTIN_KINDS;

    use super::*;

    #[test]
    fn every_kind_has_a_snippet_that_validates() {
        for kind in BUILTIN_KINDS {
            let plain = snippet_to_plain(&snippet(kind).unwrap());
            let file = backline_catalog::parse_file("s.yaml".into(), &plain);
            let errors: Vec<_> = file
                .findings
                .iter()
                .filter(|f| f.severity == backline_catalog::Severity::Error)
                .map(|f| f.message.clone())
                .collect();
            assert!(errors.is_empty(), "{kind}: {errors:?}\n{plain}");
            assert!(kind_doc(kind).is_some());
        }
    }

    #[test]
    fn plain_snippets_keep_defaults() {
        assert_eq!(snippet_to_plain("a: ${1:x}\nb: ${2|p,q|}\nc: \\$text $0"), "a: x\nb: p\nc: $text ");
    }
}

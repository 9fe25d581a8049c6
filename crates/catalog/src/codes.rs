//! The registry of finding codes: one row per code with its name, default severity, the Backstage
//! stage it belongs to (if any) and the `--explain` text.
//!
//! Codes are stable: `BS` codes are rules Backstage itself enforces (an error means Backstage would
//! refuse the entity), `BL` codes are Backline's own lints (Backstage accepts what they flag, so
//! they are warnings or hints and can be reconfigured in `backline.toml`).

use serde::{Serialize, Serializer};

use crate::finding::Severity;

/// The Backstage processing stage a rule belongs to, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The npm `yaml` parser refused the document.
    Yaml,
    /// The document is not a mapping ("Expected object at root").
    Root,
    /// The envelope schema (apiVersion, kind, metadata.name), checked when the parent Location
    /// emits the entity, with the location annotations merged in.
    Envelope,
    /// Placeholder substitution (`$text`, `$json`, ...) during pre-processing.
    Placeholder,
    /// `SchemaValidEntityPolicy`: the Entity and EntityMeta JSON schemas.
    Schema,
    /// `NoForeignRootFieldsEntityPolicy`.
    ForeignRootField,
    /// `FieldFormatEntityPolicy`: names, namespaces, tags, labels, annotations, links.
    FieldFormat,
    /// No kind validator claimed the entity (foreign kind or apiVersion).
    KindUnrecognized,
    /// A kind validator refused the entity (its JSON schema).
    KindSchema,
    /// Relation emission: a reference that cannot be parsed.
    Relations,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Yaml => "yaml",
            Stage::Root => "root",
            Stage::Envelope => "envelope",
            Stage::Placeholder => "placeholder",
            Stage::Schema => "schema",
            Stage::ForeignRootField => "foreign-root-field",
            Stage::FieldFormat => "field-format",
            Stage::KindUnrecognized => "kind-unrecognized",
            Stage::KindSchema => "kind-schema",
            Stage::Relations => "relations",
        }
    }
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $name:literal, $severity:ident, $stage:expr, $summary:literal, $explain:literal; )*) => {
        /// A stable finding code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The code as written in output and configuration, e.g. `BS0301`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// A readable alias accepted wherever a code is (`unknown-reference`).
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// The Backstage stage this rule belongs to; `None` for Backline's own lints.
            pub fn stage(self) -> Option<Stage> {
                match self { $( Code::$variant => $stage, )* }
            }

            /// One line for listings.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// The `backline explain` text: what it checks, why, an example and the fix.
            pub fn explanation(self) -> &'static str {
                match self { $( Code::$variant => $explain, )* }
            }
        }
    };
}

impl Code {
    /// Looks a code up by its code (`BS0301`, any case) or its name (`unknown-reference`).
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(s) || c.name().eq_ignore_ascii_case(s))
    }

    /// True for Backline's own lints (as opposed to Backstage's rules).
    pub fn is_lint(self) -> bool {
        self.as_str().starts_with("BL")
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

codes! {
    YamlSyntax = "BS0001", "yaml-syntax", Error, Some(Stage::Yaml),
        "The document is not valid YAML",
"## What it checks
The YAML syntax of every document in a catalog file (YAML 1.2, as Backstage's parser reads it).

## Why
Backstage records a YAML error on the Location that read the file, and then stores nothing that
this Location emitted in that round: one broken document freezes every entity of the file.

## Example
```yaml
metadata:
  name: payments-api
   description: wrong indentation
```

## Fix
Correct the syntax at the reported position. Quote values that contain `: ` or start with `#`,
`*`, `&`, `!`, `%`, `@` or a backtick.";

    DuplicateKey = "BS0002", "duplicate-key", Error, Some(Stage::Yaml),
        "The same key appears twice in one mapping",
"## What it checks
That no mapping repeats a key.

## Why
Backstage's YAML parser refuses such a document (\"Map keys must be unique\"). Many other YAML
tools silently keep the last value, so the mistake often survives until Backstage reads it.

## Example
```yaml
spec:
  owner: team-a
  owner: team-b
```

## Fix
Delete one of the two entries; the related location shows the first one.";

    RootNotObject = "BS0003", "root-not-object", Error, Some(Stage::Root),
        "A document is not a mapping",
"## What it checks
That every non-empty document is a mapping (an object).

## Why
Backstage reports `Expected object at root, got <type>` on the Location and refuses the file's
entities in that round.

## Example
```yaml
- apiVersion: backstage.io/v1alpha1
  kind: Component
```

## Fix
Write each entity as its own document (separated by `---`), not as a list.";

    Envelope = "BS0101", "invalid-envelope", Error, Some(Stage::Envelope),
        "apiVersion, kind, metadata or metadata.name is missing or not a string",
"## What it checks
The entity envelope: `apiVersion` and `kind` are non-empty strings, `metadata` is a mapping with a
non-empty string `name`, and `metadata.namespace`, if present, is a non-empty string.

## Why
Backstage drops a document that fails the envelope before it becomes an entity, and records the
error on the Location, which blocks the file's other entities too.

## Example
```yaml
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: 7   # a number, not a string
```

## Fix
Add the missing field or quote the value (`name: \"7\"` is still not a valid name; pick a real one).";

    Placeholder = "BS0102", "invalid-placeholder", Error, Some(Stage::Placeholder),
        "A placeholder ($text, $json, $yaml, $openapi, $asyncapi) has a value that is not a string",
"## What it checks
Placeholders: a mapping whose only key is `$text`, `$json`, `$yaml`, `$openapi` or `$asyncapi` is
replaced by the content of the file or URL its value names; the value must be a string.

## Why
Backstage's placeholder processor throws (\"Placeholder $text expected a string value parameter\")
and the entity is refused.

## Example
```yaml
spec:
  definition:
    $text: 7
```

## Fix
Give the path or URL as a string: `$text: ./openapi.yaml`.";

    Schema = "BS0201", "invalid-schema", Error, Some(Stage::Schema),
        "A field has the wrong type or an unknown root key is present",
"## What it checks
Backstage's `Entity` and `EntityMeta` JSON schemas: only `apiVersion`, `kind`, `metadata`, `spec`
(and the output-only `relations`, `status`) at the root; `spec` is a mapping; labels and annotations
are strings; `title`, `uid`, `etag`, tags and link fields are non-empty strings; every link has `url`.

## Why
`SchemaValidEntityPolicy` refuses the entity: it does not appear in the catalog.

## Example
```yaml
metadata:
  name: payments-api
  annotations:
    pagerduty.com/service-id: 1234567   # a number
```

## Fix
Quote values that YAML reads as numbers or booleans, remove unknown root keys, fill empty strings.";

    ForeignRootField = "BS0301", "foreign-root-field", Error, Some(Stage::ForeignRootField),
        "`relations` or `status` written in the file",
"## What it checks
That the root has only `apiVersion`, `kind`, `metadata` and `spec`.

## Why
`relations` and `status` are produced by the catalog; `NoForeignRootFieldsEntityPolicy` refuses
entities that set them (`Unknown field relations`).

## Example
```yaml
relations:
  - type: ownedBy
    targetRef: group:default/team-a
```

## Fix
Delete the key. Relations come from `spec` fields such as `owner` and `dependsOn`.";

    InvalidName = "BS0401", "invalid-name", Error, Some(Stage::FieldFormat),
        "metadata.name does not follow the naming rules",
"## What it checks
`metadata.name`: 1 to 63 characters, `[a-zA-Z0-9]` in runs separated by `-`, `_` or `.`.

## Why
`FieldFormatEntityPolicy` refuses the entity.

## Example
```yaml
metadata:
  name: payments api
```

## Fix
Use `payments-api`. Put human-friendly text in `metadata.title`.";

    InvalidNamespace = "BS0402", "invalid-namespace", Error, Some(Stage::FieldFormat),
        "metadata.namespace is not a lowercase DNS label",
"## What it checks
`metadata.namespace`: 1 to 63 characters of `[a-z0-9]` separated by `-`. Uppercase is refused,
although Backstage's documentation suggests otherwise.

## Why
`FieldFormatEntityPolicy` refuses the entity.

## Example
```yaml
metadata:
  namespace: Payments
```

## Fix
Use lowercase: `payments`.";

    InvalidKindFormat = "BS0403", "invalid-kind-format", Error, Some(Stage::FieldFormat),
        "kind or apiVersion has characters Backstage does not allow",
"## What it checks
`kind`: a letter then letters and digits, at most 63. `apiVersion`: `[prefix/]version` where the
prefix is a DNS subdomain and the version is alphanumeric.

## Why
`FieldFormatEntityPolicy` refuses the entity.

## Example
```yaml
apiVersion: backstage.io/v1-alpha1
kind: Web-Site
```

## Fix
Use a built-in kind with `backstage.io/v1alpha1`, or `scaffolder.backstage.io/v1beta3` for Templates.";

    InvalidLabel = "BS0404", "invalid-label", Error, Some(Stage::FieldFormat),
        "A label key or value does not follow the label rules",
"## What it checks
Label keys are `[prefix/]name` (prefix a DNS subdomain, name 1 to 63 characters of `[a-zA-Z0-9]`
separated by `-_.`); label values are empty or follow the name rule.

## Why
`FieldFormatEntityPolicy` refuses the entity.

## Example
```yaml
labels:
  tier: gold standard
```

## Fix
`tier: gold-standard`. Use annotations for free text.";

    InvalidAnnotation = "BS0405", "invalid-annotation", Error, Some(Stage::FieldFormat),
        "An annotation key does not follow the key rules",
"## What it checks
Annotation keys are `[prefix/]name` like label keys. Values may be any string.

## Why
`FieldFormatEntityPolicy` refuses the entity.

## Example
```yaml
annotations:
  github.com/project slug: org/repo
```

## Fix
`github.com/project-slug: org/repo`.";

    InvalidTag = "BS0406", "invalid-tag", Error, Some(Stage::FieldFormat),
        "A tag does not follow the tag rules",
"## What it checks
Each tag: 1 to 63 characters, runs of `[a-z0-9:+#]` separated by single `-`. No uppercase, dots,
spaces, underscores or `--`.

## Why
`FieldFormatEntityPolicy` refuses the entity.

## Example
```yaml
tags: [Python 2.7]
```

## Fix
`tags: [python2]` or `[python-2-7]`. Quote tags that start with `#`.";

    InvalidLink = "BS0407", "invalid-link", Error, Some(Stage::FieldFormat),
        "A link's url, title or icon is invalid",
"## What it checks
`links[].url` is an absolute URL with a scheme; `title` and `icon`, when present, are not blank.

## Why
`FieldFormatEntityPolicy` refuses the entity.

## Example
```yaml
links:
  - url: runbooks/payments
    title: Runbook
```

## Fix
Write the full URL: `https://runbooks.example.com/payments`.";

    UnknownKind = "BS0501", "unrecognized-kind", Error, Some(Stage::KindUnrecognized),
        "No processor recognizes the kind/apiVersion pair",
"## What it checks
That `kind` is a built-in kind (Component, API, Resource, System, Domain, Group, User, Location)
with `apiVersion` `backstage.io/v1alpha1` or `backstage.io/v1beta1`, or a `Template` with
`scaffolder.backstage.io/v1beta3`. Kinds are case-sensitive here.

## Why
Backstage says \"No processor recognized the entity ... possibly caused by a foreign kind or
apiVersion\" and refuses it. Custom kinds need a custom processor installed in Backstage.

## Example
```yaml
apiVersion: backstage.io/v1alpha1
kind: component
```

## Fix
`kind: Component`. The quick fix offers the closest built-in kind or apiVersion.";

    KindSchema = "BS0502", "invalid-spec", Error, Some(Stage::KindSchema),
        "The kind's schema refuses the entity (a required spec field is missing or mistyped)",
"## What it checks
The per-kind JSON schema: required `spec` fields (Component: type, lifecycle, owner; API: type,
lifecycle, owner, definition; Resource: type, owner; System and Domain: owner; Group: type,
children; User: memberOf; Template: type, steps) and their types.

## Why
The kind's processor throws and Backstage refuses the entity.

## Example
```yaml
kind: Group
spec:
  type: team        # children is required, even if empty
```

## Fix
Add the field (`children: []`), or correct its type. `definition` must be a string: use a block
scalar or `$text: ./openapi.yaml`.";

    InvalidReference = "BS0601", "invalid-reference", Error, Some(Stage::Relations),
        "An entity reference cannot be parsed",
"## What it checks
Every reference in a relation field parses as `[kind:][namespace/]name` with the field's default
kind. `dependsOn` and `dependencyOf` have no default kind.

## Why
Backstage throws while emitting relations and refuses the entity.

## Example
```yaml
spec:
  dependsOn: [orders-db]
```

## Fix
Say what it is: `resource:orders-db` or `component:orders-db`.";

    LocationTarget = "BS0701", "missing-location-target", Error, None,
        "A Location target does not exist",
"## What it checks
Every `target`/`targets` of a Location with `presence: required` (the default) resolves to at least
one file.

## Why
Backstage records \"not found\" on the Location and refuses everything it emitted in that round.

## Example
```yaml
kind: Location
spec:
  targets: [./services/payments/catalog-info.yaml]
```

## Fix
Correct the path, or set `presence: optional` if the target may legitimately be absent.";

    BackstageProcessing = "BS0801", "backstage-processing-error", Error, None,
        "A running Backstage reports a processing error for this entity",
"## What it checks
Nothing in a file: this is what a running Backstage (a `backstage` source) says about an entity
it serves, from the entity's `status.items`.

## Why
Backstage keeps serving the last good version of an entity whose processing now fails (a
Location target that disappeared, a file that no longer parses), and says so only in its status.
Answers built on that entity may be out of date.

## Example
`NotFoundError: file /srv/catalog/extra.yaml does not exist` on a component whose file was moved.

## Fix
Fix what Backstage names (usually the entity's file or its Location), then let Backstage
re-process it (`POST /api/catalog/refresh`, or wait for its processing interval).";

    UnknownReference = "BL0101", "unknown-reference", Warning, None,
        "A reference points at an entity that exists nowhere in the catalog",
"## What it checks
Every `owner`, `system`, `domain`, `dependsOn`, `providesApis`, `memberOf`, ... resolves to an
entity defined somewhere in the checked catalog.

## Why
Backstage stores dangling relations silently; the owner column in the portal is then empty and
chat answers cannot say who to call. This is Backline's lint, not a Backstage rule.

## Example
```yaml
spec:
  owner: team-paymnets
```

## Fix
Correct the name (the quick fix offers the closest existing entity), or add the missing entity.";

    DuplicateEntity = "BL0102", "duplicate-entity", Warning, None,
        "The same entity is defined in two files",
"## What it checks
That every `kind:namespace/name` (compared case-insensitively) is defined once.

## Why
Backstage keeps the entity from the location that claimed it first and refuses the other with only
a log line; edits to the second copy then silently do nothing. Within one file, the last document
wins.

## Example
Two files both defining `component:default/payments-api`.

## Fix
Delete one definition, or rename one entity.";

    UnknownLifecycle = "BL0103", "unknown-lifecycle", Warning, None,
        "A lifecycle or type value looks like a misspelling of a well-known one",
"## What it checks
`spec.lifecycle` against experimental, production, deprecated, and `spec.type` against the
well-known types of the kind (service, website, library; openapi, asyncapi, graphql, grpc, trpc; ...).

## Why
Backstage accepts any value, so `prodution` passes and then breaks every filter and query that looks
for production entities.

## Example
```yaml
spec:
  lifecycle: prodution
```

## Fix
The quick fix replaces it with the closest well-known value.";

    BlocksSiblings = "BL0104", "blocks-siblings", Warning, None,
        "An error that in Backstage blocks the other entities of the file",
"## What it checks
Errors Backstage records on the parent Location (YAML errors, non-mapping documents, envelope
failures, missing required targets).

## Why
Backstage then stores nothing the Location emitted in that round: the other, valid entities of the
same file are not added or updated until the error is fixed.

## Example
A multi-document file whose second document has a YAML syntax error.

## Fix
Fix the error this finding points at.";

    UserWithoutGroup = "BL0105", "owner-user-without-group", Warning, None,
        "An owner is a User who belongs to no Group",
"## What it checks
Entities owned by a User whose `memberOf` is empty and who is a member of no Group.

## Why
When that person leaves or is away, nobody can be found through the org chart. Ownership by a team
is sturdier.

## Example
```yaml
spec:
  owner: user:jdoe
```

## Fix
Make a Group the owner, or add the user to a Group.";

    GroupWithoutMembers = "BL0106", "group-without-members", Warning, None,
        "A Group has no members, directly or through sub-groups",
"## What it checks
Groups with no members, counting members of their child groups.

## Why
Whatever such a group owns has nobody to contact.

## Example
```yaml
kind: Group
spec:
  type: team
  children: []
```

## Fix
Add `members`, or have users list the group in `memberOf`.";

    UnexpectedTargetKind = "BL0107", "unexpected-target-kind", Warning, None,
        "A reference points at a kind the field does not expect",
"## What it checks
Backstage's newer model declares which kinds a field may point at: `owner` at Group or User,
Group `parent`/`children` at Group, `members` at User, `memberOf` at Group.

## Why
The classic processor stores such relations anyway, but the newer model drops them, and no portal
view shows them sensibly.

## Example
```yaml
spec:
  owner: component:payments-api
```

## Fix
Point the field at an entity of the expected kind.";

    NotUtf8 = "BL0201", "not-utf8", Warning, None,
        "The file is not valid UTF-8",
"## What it checks
That the file decodes as UTF-8.

## Why
Backstage replaces invalid bytes with U+FFFD and carries on, so names and descriptions may be
silently corrupted.

## Example
A file saved as Latin-1 with `description: Größe` (the `ö` and `ß` are single bytes, not UTF-8).

## Fix
Re-save the file as UTF-8.";

    ScorecardLevel = "BL0701", "scorecard-level", Warning, None,
        "An entity does not reach the level a scorecard requires",
"## What it checks
Entities a `[[scorecard]]` of `backline.toml` applies to, against the level it requires
(`require = \"silver\"`). Off unless a scorecard sets `require`, or `[lints]` turns this code on
(then the scorecard's top level is required where it sets none).

## Why
A scorecard is a team's own definition of ready (an owner with members, an on-call annotation, a
runbook, docs...). Making it a finding lets CI hold a repository to it.

## Example
```toml
[[scorecard]]
name = \"production-readiness\"
require = \"silver\"
levels = [
  { name = \"bronze\", rules = [\"owner-has-members\", \"description\"] },
  { name = \"silver\", rules = [\"on-call\", \"runbook-or-dashboard\"] },
]
```
A Component without a `pagerduty.com/service-id` annotation reaches bronze, not silver.

## Fix
Add what the message lists as missing. To fail CI on it, set `[lints] scorecard-level = \"error\"`
or run `check --deny warnings`.";

    ScorecardProgress = "BL0702", "scorecard-progress", Hint, None,
        "What an entity needs for its next scorecard level",
"## What it checks
For every `[[scorecard]]` that applies to an entity: the level it reaches and the rules the next
level still needs. Shown by the language server as a hint on the entity's name; in `check` only
when `[lints]` turns it on.

## Why
The editor is where the missing annotation or link is added; saying so there costs nothing.

## Example
`production-readiness: bronze; for silver: on-call (no on-call annotation)`

## Fix
Add what the hint lists, or ignore it: it never fails a check.";

    Unreadable = "BL0901", "unreadable-file", Error, None,
        "The file could not be read or is too large to check",
"## What it checks
That every catalog file can be read, and is within Backline's limits (size, nesting depth).

## Why
What cannot be read cannot be checked; Backstage would fail on it too.

## Example
A Location target that is a directory without read permission, or a generated 100 MB file.

## Fix
Check the path and permissions, or split the file.";
}

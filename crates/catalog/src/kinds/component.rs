//! `Component`: a unit of software (`@backstage/catalog-model`, `Component.v1alpha1.schema.json`).

use super::{
    BACKSTAGE_API_VERSIONS, Field, FieldType, Kind, KindSpec, dependency_of, depends_on, lifecycle, owner, system,
};

pub(super) const SPEC: KindSpec = KindSpec {
    kind: Kind::Component,
    api_versions: BACKSTAGE_API_VERSIONS,
    doc: "A unit of software: a service, website, library... Needs `spec.type`, `spec.lifecycle` and `spec.owner`.",
    snippet: "spec:\n  type: ${3|service,website,library,documentation,tool|}\n  lifecycle: ${4|production,experimental,deprecated|}\n  owner: ${5:team}\n  system: ${6:system}\n",
    fields: &[
        Field::new(
            "type",
            FieldType::String,
            "What kind of component: `service`, `website`, `library`, `documentation`, `tool`... Any value is accepted.",
        )
        .required("service")
        .values(&["service", "website", "library", "documentation", "tool"]),
        lifecycle(
            "Where it is in its life: `experimental`, `production` or `deprecated`. Any value is accepted; Backline flags others.",
        )
        .required("production"),
        owner().required("TODO"),
        system(),
        Field::new(
            "subcomponentOf",
            FieldType::String,
            "The Component this one is part of (a bare name means a Component).",
        )
        .emits("partOf", "hasPart", Some(Kind::Component), &[]),
        Field::new("providesApis", FieldType::StringList, "APIs this component provides (bare names mean APIs).")
            .emits("providesApi", "apiProvidedBy", Some(Kind::Api), &[]),
        Field::new("consumesApis", FieldType::StringList, "APIs this component consumes (bare names mean APIs).")
            .emits("consumesApi", "apiConsumedBy", Some(Kind::Api), &[]),
        depends_on(
            "Components and Resources this one depends on. The kind must be written: `component:orders`, `resource:orders-db`.",
        ),
        dependency_of("Entities that depend on this one (the reverse of `dependsOn`). The kind must be written."),
    ],
};

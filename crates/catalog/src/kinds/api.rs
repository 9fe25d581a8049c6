//! `API`: an interface components provide or consume (`API.v1alpha1.schema.json`).

use super::{BACKSTAGE_API_VERSIONS, Field, FieldType, Kind, KindSpec, lifecycle, owner, system};

pub(super) const SPEC: KindSpec = KindSpec {
    kind: Kind::Api,
    api_versions: BACKSTAGE_API_VERSIONS,
    doc: "An interface a component provides or consumes. Needs `type`, `lifecycle`, `owner` and `definition`.",
    snippet: "spec:\n  type: ${3|openapi,asyncapi,graphql,grpc,trpc|}\n  lifecycle: ${4|production,experimental,deprecated|}\n  owner: ${5:team}\n  system: ${6:system}\n  definition:\n    \\$text: ${7:./openapi.yaml}\n",
    fields: &[
        Field::new("type", FieldType::String, "The API's format: `openapi`, `asyncapi`, `graphql`, `grpc`, `trpc`...")
            .required("openapi")
            .values(&["openapi", "asyncapi", "graphql", "grpc", "trpc"]),
        lifecycle("`experimental`, `production` or `deprecated`.").required("production"),
        owner().required("TODO"),
        system(),
        Field::new(
            "definition",
            FieldType::String,
            "The API's definition as text: a block scalar (`|`) or a placeholder such as `$text: ./openapi.yaml`.",
        )
        .required("|\n  openapi: 3.0.0"),
    ],
};

//! `System`: components, APIs and resources that together expose some functionality
//! (`System.v1alpha1.schema.json`).

use super::{BACKSTAGE_API_VERSIONS, Field, FieldType, Kind, KindSpec, owner};

pub(super) const SPEC: KindSpec = KindSpec {
    kind: Kind::System,
    api_versions: BACKSTAGE_API_VERSIONS,
    doc: "A collection of components, APIs and resources that together expose some functionality. Needs `owner`.",
    snippet: "spec:\n  owner: ${3:team}\n  domain: ${4:domain}\n",
    fields: &[
        owner().required("TODO"),
        Field::new("domain", FieldType::String, "The Domain the system belongs to (a bare name means a Domain).")
            .emits("partOf", "hasPart", Some(Kind::Domain), &[]),
        Field::new("type", FieldType::String, "e.g. `product`, `service`, `feature-set`.").values(&[
            "product",
            "service",
            "feature-set",
        ]),
    ],
};

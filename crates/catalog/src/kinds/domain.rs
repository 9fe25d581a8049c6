//! `Domain`: a bounded context grouping systems (`Domain.v1alpha1.schema.json`).

use super::{BACKSTAGE_API_VERSIONS, Field, FieldType, Kind, KindSpec, owner};

pub(super) const SPEC: KindSpec = KindSpec {
    kind: Kind::Domain,
    api_versions: BACKSTAGE_API_VERSIONS,
    doc: "A bounded context grouping systems. Needs `owner`.",
    snippet: "spec:\n  owner: ${3:team}\n",
    fields: &[
        owner().required("TODO"),
        Field::new("subdomainOf", FieldType::String, "The parent Domain (a bare name means a Domain).").emits(
            "partOf",
            "hasPart",
            Some(Kind::Domain),
            &[],
        ),
        Field::new("type", FieldType::String, "e.g. `product-area`, `product-group`, `bundle`.").values(&[
            "product-area",
            "product-group",
            "bundle",
        ]),
    ],
};

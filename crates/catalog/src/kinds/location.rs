//! `Location`: a pointer to more catalog files (`Location.v1alpha1.schema.json`).

use super::{BACKSTAGE_API_VERSIONS, Field, FieldType, Kind, KindSpec};

const PRESENCE: &[&str] = &["required", "optional"];

pub(super) const SPEC: KindSpec = KindSpec {
    kind: Kind::Location,
    api_versions: BACKSTAGE_API_VERSIONS,
    doc: "A pointer to more catalog files (`target`, `targets`).",
    snippet: "spec:\n  targets:\n    - ${3:./*/catalog-info.yaml}\n",
    fields: &[
        Field::new(
            "type",
            FieldType::String,
            "How targets are read: `url` or `file` (default: the type of the location this entity came from).",
        ),
        Field::new(
            "target",
            FieldType::String,
            "One path (relative to this file when it starts with `.`) or URL, globs allowed.",
        ),
        Field::new("targets", FieldType::StringList, "Several paths or URLs."),
        Field::new(
            "presence",
            FieldType::Enum(PRESENCE),
            "`required` (default: a missing target is an error) or `optional`.",
        )
        .values(PRESENCE),
    ],
};

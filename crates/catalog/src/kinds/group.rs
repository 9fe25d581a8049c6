//! `Group`: a team or other organisational unit (`Group.v1alpha1.schema.json`).

use super::{BACKSTAGE_API_VERSIONS, Field, FieldType, Kind, KindName, KindSpec};

pub(super) const SPEC: KindSpec = KindSpec {
    kind: Kind::Group,
    api_versions: BACKSTAGE_API_VERSIONS,
    doc: "A team or other organisational unit. Needs `type` and `children` (may be `[]`).",
    snippet: "spec:\n  type: ${3|team,business-unit,product-area,root|}\n  profile:\n    displayName: ${4:Display Name}\n    email: ${5:team@example.com}\n  parent: ${6:parent}\n  children: []\n  members: []\n",
    fields: &[
        Field::new("type", FieldType::String, "What kind of group: `team`, `business-unit`, `product-area`, `root`...")
            .required("team")
            .values(&["team", "business-unit", "product-area", "root", "department", "organization", "sub-department"]),
        Field::new("profile", FieldType::Profile, "`displayName`, `email` and `picture` of the group."),
        Field::new("parent", FieldType::String, "The parent Group (at most one).").emits(
            "childOf",
            "parentOf",
            Some(Kind::Group),
            &[KindName::Builtin(Kind::Group)],
        ),
        Field::new("children", FieldType::StringList, "Sub-groups. Required, but may be `[]`.").required("[]").emits(
            "parentOf",
            "childOf",
            Some(Kind::Group),
            &[KindName::Builtin(Kind::Group)],
        ),
        Field::new("members", FieldType::StringList, "Users who are direct members (bare names mean Users).").emits(
            "hasMember",
            "memberOf",
            Some(Kind::User),
            &[KindName::Builtin(Kind::User)],
        ),
    ],
};

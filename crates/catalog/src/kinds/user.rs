//! `User`: a person (`User.v1alpha1.schema.json`).

use super::{BACKSTAGE_API_VERSIONS, Field, FieldType, Kind, KindName, KindSpec};

pub(super) const SPEC: KindSpec = KindSpec {
    kind: Kind::User,
    api_versions: BACKSTAGE_API_VERSIONS,
    doc: "A person. Needs `memberOf` (may be `[]`).",
    snippet: "spec:\n  profile:\n    displayName: ${3:Full Name}\n    email: ${4:person@example.com}\n  memberOf: [${5:team}]\n",
    fields: &[
        Field::new("profile", FieldType::Profile, "`displayName`, `email` and `picture` of the person."),
        Field::new("memberOf", FieldType::StringList, "Groups the user belongs to. Required, but may be `[]`.")
            .required("[]")
            .emits("memberOf", "hasMember", Some(Kind::Group), &[KindName::Builtin(Kind::Group)]),
    ],
};

//! `Resource`: infrastructure a system needs (`Resource.v1alpha1.schema.json`).

use super::{BACKSTAGE_API_VERSIONS, Field, FieldType, Kind, KindSpec, dependency_of, depends_on, owner, system};

pub(super) const SPEC: KindSpec = KindSpec {
    kind: Kind::Resource,
    api_versions: BACKSTAGE_API_VERSIONS,
    doc: "Infrastructure a system needs: a database, bucket, cluster... Needs `type` and `owner`.",
    snippet: "spec:\n  type: ${3|database,s3-bucket,kubernetes-cluster,queue,cache|}\n  owner: ${4:team}\n  system: ${5:system}\n",
    fields: &[
        Field::new(
            "type",
            FieldType::String,
            "What kind of resource: `database`, `s3-bucket`, `kubernetes-cluster`, `queue`...",
        )
        .required("database")
        .values(&[
            "database",
            "s3-bucket",
            "cluster",
            "kubernetes-cluster",
            "queue",
            "topic",
            "cache",
            "bucket",
        ]),
        owner().required("TODO"),
        system(),
        depends_on("Entities this resource depends on; the kind must be written."),
        dependency_of("Entities that depend on this resource; the kind must be written."),
    ],
};

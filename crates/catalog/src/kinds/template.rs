//! `Template`: a scaffolder template (`@backstage/plugin-scaffolder-common`,
//! `Template.v1beta3.schema.json`). Only the top-level fields are here; the structure of `steps`,
//! `parameters` and `output` is checked by the kind schema stage's Template rules.

use super::{Field, FieldType, Kind, KindSpec, Shape, TEMPLATE_API_VERSION, lifecycle, owner};

pub(super) const SPEC: KindSpec = KindSpec {
    kind: Kind::Template,
    api_versions: &[TEMPLATE_API_VERSION],
    doc: "A scaffolder template (`scaffolder.backstage.io/v1beta3`). Needs `type` and `steps`.",
    snippet: "spec:\n  owner: ${3:team}\n  type: ${4:service}\n  parameters: []\n  steps:\n    - id: ${5:fetch}\n      name: ${6:Fetch skeleton}\n      action: ${7:fetch:template}\n      input:\n        url: ${8:./skeleton}\n",
    fields: &[
        Field::new("type", FieldType::String, "What the template creates: `service`, `website`, `library`...")
            .required("service")
            .values(&["service", "website", "library", "documentation", "resource"]),
        owner(),
        lifecycle("The lifecycle of what the template creates: `experimental`, `production` or `deprecated`."),
        Field::new(
            "parameters",
            FieldType::Structured(Shape::MapList),
            "The form: JSON Schema objects, one page each.",
        ),
        Field::new("presentation", FieldType::Object, "How the template's buttons are labelled."),
        Field::new("secrets", FieldType::Object, "A JSON Schema for secrets the user enters, kept out of the logs."),
        Field::new(
            "EXPERIMENTAL_recovery",
            FieldType::Object,
            "What the scaffolder does with a task interrupted by a restart (`EXPERIMENTAL_strategy`).",
        ),
        Field::new("steps", FieldType::Structured(Shape::MapList), "The actions to run, in order.").required("[]"),
        Field::new("output", FieldType::Structured(Shape::Map), "Links and text shown when the template has run."),
    ],
};

//! The built-in kinds and what each one's `spec` may hold: one table that validation (the kind
//! schemas), relation emission and the language server (completion, hover, snippets) all read.
//!
//! A kind's row is its file in this folder: its apiVersions, a sentence on what it is, the
//! snippet that writes a new one, and its [`Field`]s. A field says where it is written under
//! `spec`, its schema type, whether it is required, whether Backstage's JSON schema for the kind
//! has it at all, the relation it emits (with the kind a bare name means and the kinds it may
//! point at), its documentation, the values editors offer, and what a fix writes when it is
//! missing. Adding a field to a kind is one edit, in that kind's file.
//!
//! The kinds are those Backstage's `BuiltinKindsEntityProcessor` validates: Component, API,
//! Resource, System, Domain, Group, User and Location from `@backstage/catalog-model`, and Template
//! from `@backstage/plugin-scaffolder-common`.

use std::fmt;

use serde::{Serialize, Serializer};

mod api;
mod component;
pub mod custom;
mod domain;
mod group;
mod location;
mod resource;
mod system;
mod template;
mod user;

/// A built-in kind. Parse the `kind:` of an entity with [`Kind::from_name`] (case-sensitive, as
/// Backstage's kind schemas validate it) and the kind part of a reference with
/// [`Kind::from_ref_kind`] (case-insensitive, as Backstage compares references).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Component,
    Api,
    Resource,
    System,
    Domain,
    Group,
    User,
    Location,
    Template,
}

impl Kind {
    /// Every built-in kind, in the order Backstage's documentation lists them.
    pub const ALL: [Kind; 9] = [
        Kind::Component,
        Kind::Api,
        Kind::Resource,
        Kind::System,
        Kind::Domain,
        Kind::Group,
        Kind::User,
        Kind::Location,
        Kind::Template,
    ];

    /// The kind as Backstage spells it in `kind:` (`API`, not `Api`).
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Component => "Component",
            Kind::Api => "API",
            Kind::Resource => "Resource",
            Kind::System => "System",
            Kind::Domain => "Domain",
            Kind::Group => "Group",
            Kind::User => "User",
            Kind::Location => "Location",
            Kind::Template => "Template",
        }
    }

    /// The kind an entity's `kind:` names. Case-sensitive: Backstage's kind schemas accept
    /// `Component` and refuse `component` as a kind no processor recognises.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind a reference's kind part (`group:team-a`) or a canonical ref names.
    /// Case-insensitive: Backstage lowercases every part of a reference before comparing.
    pub fn from_ref_kind(kind: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(kind))
    }

    /// The kind's row of the table.
    pub fn spec(self) -> &'static KindSpec {
        match self {
            Kind::Component => &component::SPEC,
            Kind::Api => &api::SPEC,
            Kind::Resource => &resource::SPEC,
            Kind::System => &system::SPEC,
            Kind::Domain => &domain::SPEC,
            Kind::Group => &group::SPEC,
            Kind::User => &user::SPEC,
            Kind::Location => &location::SPEC,
            Kind::Template => &template::SPEC,
        }
    }

    /// The fields of the kind's `spec`.
    pub fn fields(self) -> &'static [Field] {
        self.spec().fields
    }

    /// The field `name` of the kind's `spec`.
    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// The apiVersions the kind is recognised with; the first is the one to write.
    pub fn api_versions(self) -> &'static [&'static str] {
        self.spec().api_versions
    }

    /// The fields that hold references, as relation emission reads them, in table order.
    pub fn relation_fields(self) -> impl Iterator<Item = RelationField> {
        self.fields().iter().filter_map(Field::relation_field)
    }

    /// Well-known `spec.type` values, for completion and did-you-mean hints only: Backstage
    /// accepts any type.
    pub fn well_known_types(self) -> &'static [&'static str] {
        self.field("type").map_or(&[], |f| f.values)
    }

    /// The lowercase form references and canonical refs use.
    pub fn ref_name(self) -> String {
        self.name().to_ascii_lowercase()
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// The built-in kinds as Backstage spells them.
pub const BUILTIN_KINDS: &[&str] = &{
    let mut names = [""; Kind::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = Kind::ALL[i].name();
        i += 1;
    }
    names
};

/// apiVersions every built-in kind except Template accepts.
pub const BACKSTAGE_API_VERSIONS: &[&str] = &["backstage.io/v1alpha1", "backstage.io/v1beta1"];
/// The only apiVersion Templates are recognised with.
pub const TEMPLATE_API_VERSION: &str = "scaffolder.backstage.io/v1beta3";

/// The lifecycles Backstage's documentation names. Backstage accepts any string; these are what
/// filters and questions look for.
pub const WELL_KNOWN_LIFECYCLES: &[&str] = &["experimental", "production", "deprecated"];

/// One kind's row.
#[derive(Debug)]
pub struct KindSpec {
    pub kind: Kind,
    /// apiVersions the kind is recognised with; the first is the one snippets and fixes write.
    pub api_versions: &'static [&'static str],
    /// One sentence on what the kind is and what it needs, for hover and completion.
    pub doc: &'static str,
    /// The `spec:` block of a new entity, as an LSP snippet body (tab stops from `$3`: the
    /// envelope takes `$1` and `$2`).
    pub snippet: &'static str,
    pub fields: &'static [Field],
}

/// What an editor inserts after a key, and what a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Scalar,
    Map,
    /// A list of scalars (tags, references).
    List,
    /// A list of mappings (links, steps).
    MapList,
}

/// A field's type in the kind's JSON schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `type: string, minLength: 1`.
    String,
    /// `type: array, items: {type: string, minLength: 1}`.
    StringList,
    /// `type: object`.
    Object,
    /// `type: object` whose [`PROFILE_FIELDS`] are non-empty strings (Users and Groups).
    Profile,
    /// `type: string, enum: [...]`.
    Enum(&'static [&'static str]),
    /// A structure the kind's own rules check (Template steps, parameters, output): the field
    /// table only requires its presence. The shape is what editors insert.
    Structured(Shape),
}

impl FieldType {
    pub fn shape(self) -> Shape {
        match self {
            FieldType::String | FieldType::Enum(_) => Shape::Scalar,
            FieldType::StringList => Shape::List,
            FieldType::Object | FieldType::Profile => Shape::Map,
            FieldType::Structured(shape) => shape,
        }
    }
}

/// The relation a reference field emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Emits {
    /// The relation from this entity to the target.
    pub forward: &'static str,
    /// The relation from the target back to this entity.
    pub reverse: &'static str,
    /// The kind a bare name means (`None`: the kind must be written).
    pub default_kind: Option<Kind>,
    /// Kinds Backstage's newer model allows as targets (empty: any).
    pub allowed_kinds: &'static [KindName],
}

/// One field of a kind's `spec`.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key under `spec`, e.g. `owner`.
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
    /// Whether the kind's JSON schema has the field. Fields it lacks are not type-checked (the
    /// schemas allow additional properties); relation emission still reads them.
    pub in_schema: bool,
    pub relation: Option<Emits>,
    /// What the field means, for hover and completion.
    pub doc: &'static str,
    /// Well-known values: completion offers them, and the per-file lints suggest the closest one
    /// for a misspelling. Backstage accepts others unless the type is an enum.
    pub values: &'static [&'static str],
    /// The value a fix writes when the field is required and missing.
    pub stub: &'static str,
}

impl Field {
    /// An optional field in the kind's schema that emits no relation.
    pub const fn new(name: &'static str, ty: FieldType, doc: &'static str) -> Field {
        Field { name, ty, required: false, in_schema: true, relation: None, doc, values: &[], stub: "TODO" }
    }

    /// Required; a fix that adds it writes `stub`.
    pub const fn required(mut self, stub: &'static str) -> Field {
        self.required = true;
        self.stub = stub;
        self
    }

    /// Absent from the kind's JSON schema (read only by relation emission).
    pub const fn not_in_schema(mut self) -> Field {
        self.in_schema = false;
        self
    }

    pub const fn values(mut self, values: &'static [&'static str]) -> Field {
        self.values = values;
        self
    }

    /// Emits `forward` (and `reverse` from the target); a bare name means `default_kind`.
    pub const fn emits(
        mut self,
        forward: &'static str,
        reverse: &'static str,
        default_kind: Option<Kind>,
        allowed_kinds: &'static [KindName],
    ) -> Field {
        self.relation = Some(Emits { forward, reverse, default_kind, allowed_kinds });
        self
    }

    /// The field as relation emission reads it, when it holds references.
    pub fn relation_field(&self) -> Option<RelationField> {
        let emits = self.relation?;
        Some(RelationField {
            field: self.name,
            many: self.ty.shape() == Shape::List,
            default_kind: emits.default_kind.map(KindName::Builtin),
            forward: emits.forward,
            reverse: emits.reverse,
            allowed_kinds: emits.allowed_kinds,
        })
    }
}

/// A relation field: where a reference is written and what it means. A view of a [`Field`] with
/// a relation, carried by every [`crate::model::Reference`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct RelationField {
    /// The field under `spec`, e.g. `owner`.
    pub field: &'static str,
    /// Whether the field holds one reference or a list.
    pub many: bool,
    /// The kind a bare name means (`None`: the kind must be written).
    pub default_kind: Option<KindName>,
    /// The relation emitted from this entity to the target.
    pub forward: &'static str,
    /// The relation emitted from the target back to this entity.
    pub reverse: &'static str,
    /// Kinds the field may point at (empty: any): for built-in kinds, what Backstage's newer
    /// model allows; for custom kinds, what their declaration says.
    pub allowed_kinds: &'static [KindName],
}

impl RelationField {
    /// The one `'static` copy of this field, shared by every [`crate::model::Reference`] written
    /// in it: a reference carries 8 bytes for its field instead of ~90, which is tens of MB over
    /// a 100,000-entity catalog. Each distinct field (a few dozen, plus custom kinds' fields) is
    /// allocated once per process and never freed.
    pub fn interned(self) -> &'static RelationField {
        static FIELDS: std::sync::OnceLock<std::sync::RwLock<std::collections::HashSet<&'static RelationField>>> =
            std::sync::OnceLock::new();
        let fields = FIELDS.get_or_init(Default::default);
        if let Some(found) = fields.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(&self) {
            return found;
        }
        let mut fields = fields.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = fields.get(&self) {
            return found;
        }
        let leaked: &'static RelationField = Box::leak(Box::new(self));
        fields.insert(leaked);
        leaked
    }

    /// Whether a reference whose kind part is `ref_kind` may be written in this field.
    pub fn allows(&self, ref_kind: &str) -> bool {
        self.allowed_kinds.is_empty() || self.allowed_kinds.iter().any(|k| k.is_ref_kind(ref_kind))
    }
}

/// A kind a reference field may name: a built-in one or a custom kind declared in the
/// configuration ([`custom`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KindName {
    Builtin(Kind),
    /// A custom kind, as its declaration spells it (`Environment`).
    Custom(&'static str),
}

impl KindName {
    /// The kind as written in `kind:`.
    pub fn name(self) -> &'static str {
        match self {
            KindName::Builtin(k) => k.name(),
            KindName::Custom(name) => name,
        }
    }

    /// The lowercase form references use.
    pub fn ref_name(self) -> String {
        self.name().to_ascii_lowercase()
    }

    /// Whether a reference's kind part names this kind (case-insensitive, as Backstage compares).
    pub fn is_ref_kind(self, ref_kind: &str) -> bool {
        self.name().eq_ignore_ascii_case(ref_kind)
    }

    pub fn builtin(self) -> Option<Kind> {
        match self {
            KindName::Builtin(k) => Some(k),
            KindName::Custom(_) => None,
        }
    }
}

impl fmt::Display for KindName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for KindName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// The keys of `spec.profile` (Users and Groups): each a non-empty string when written.
pub const PROFILE_FIELDS: &[Field] = &[
    Field::new("displayName", FieldType::String, "The name people see."),
    Field::new("email", FieldType::String, "Contact email: Backline shows it when asked who owns something."),
    Field::new("picture", FieldType::String, "URL of an avatar image."),
];

/// `spec.owner`, the same on every kind that has it except for whether it is required.
const fn owner() -> Field {
    Field::new(
        "owner",
        FieldType::String,
        "Who owns the entity: a Group (a bare name means a Group) or a User (`user:name`). Backline reports owners defined nowhere.",
    )
    .emits("ownedBy", "ownerOf", Some(Kind::Group), &[KindName::Builtin(Kind::Group), KindName::Builtin(Kind::User)])
}

/// `spec.system` of Components, APIs and Resources.
const fn system() -> Field {
    Field::new("system", FieldType::String, "The System the entity belongs to (a bare name means a System).").emits(
        "partOf",
        "hasPart",
        Some(Kind::System),
        &[],
    )
}

/// `spec.lifecycle` of Components and APIs (required) and Templates (optional).
const fn lifecycle(doc: &'static str) -> Field {
    Field::new("lifecycle", FieldType::String, doc).values(WELL_KNOWN_LIFECYCLES)
}

/// `spec.dependsOn` of Components and Resources: any kind, written out.
const fn depends_on(doc: &'static str) -> Field {
    Field::new("dependsOn", FieldType::StringList, doc).emits("dependsOn", "dependencyOf", None, &[])
}

/// `spec.dependencyOf`: the reverse of `dependsOn`. Relation emission reads it; the kind
/// schemas do not list it.
const fn dependency_of(doc: &'static str) -> Field {
    Field::new("dependencyOf", FieldType::StringList, doc).not_in_schema().emits("dependencyOf", "dependsOn", None, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_case_sensitively_and_references_ignore_case() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
            assert_eq!(Kind::from_ref_kind(&kind.ref_name()), Some(kind));
            assert_eq!(kind.spec().kind, kind, "{kind}'s row is in the wrong place");
        }
        assert_eq!(Kind::from_name("component"), None);
        assert_eq!(Kind::from_name("Api"), None);
        assert_eq!(Kind::from_ref_kind("aPi"), Some(Kind::Api));
        assert_eq!(BUILTIN_KINDS, Kind::ALL.map(Kind::name));
    }

    #[test]
    fn every_field_is_written_once_and_required_fields_have_a_stub() {
        for kind in Kind::ALL {
            let fields = kind.fields();
            for (i, f) in fields.iter().enumerate() {
                assert!(!fields[..i].iter().any(|g| g.name == f.name), "{kind}.{} twice", f.name);
                assert!(!f.doc.is_empty(), "{kind}.{} has no doc", f.name);
                assert!(!f.required || f.stub != "TODO" || f.name == "owner", "{kind}.{} has no stub", f.name);
                if let Some(emits) = f.relation {
                    assert!(matches!(f.ty, FieldType::String | FieldType::StringList), "{kind}.{}", f.name);
                    if let Some(default) = emits.default_kind {
                        assert!(
                            emits.allowed_kinds.is_empty() || emits.allowed_kinds.contains(&KindName::Builtin(default)),
                            "{kind}.{}: a bare name must mean an allowed kind",
                            f.name
                        );
                    }
                }
                if let FieldType::Enum(allowed) = f.ty {
                    assert_eq!(f.values, allowed, "{kind}.{}: completion offers the enum", f.name);
                }
            }
        }
    }
}

//! Entity references, parsed exactly as Backstage's `parseEntityRef` (`@backstage/catalog-model`'s `entity/ref.ts`).

use std::fmt;

use serde::Serialize;

/// A parsed reference. Parts keep the spelling of the file; identity is the lowercased
/// [`canonical`](EntityRef::canonical) form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct EntityRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl EntityRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        EntityRef { kind: kind.to_owned(), namespace: namespace.to_owned(), name: name.to_owned() }
    }

    /// `kind:namespace/name`, all lowercase: the catalog's identity of an entity.
    pub fn canonical(&self) -> String {
        format!("{}:{}/{}", self.kind.to_lowercase(), self.namespace.to_lowercase(), self.name.to_lowercase())
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{}", self.kind, self.namespace, self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("Entity reference must not be empty")]
    Empty,
    #[error("Entity reference \"{0}\" was not on the form [<kind>:][<namespace>/]<name>")]
    Malformed(String),
    #[error("Entity reference \"{0}\" had missing or empty kind (e.g. did not start with \"component:\" or similar)")]
    MissingKind(String),
}

/// Parses `[<kind>:][<namespace>/]<name>` with a context default kind and namespace.
pub fn parse_entity_ref(
    reference: &str,
    default_kind: Option<&str>,
    default_namespace: Option<&str>,
) -> Result<EntityRef, RefError> {
    if reference.is_empty() {
        return Err(RefError::Empty);
    }
    let colon = reference.find(':');
    let slash = reference.find('/');
    // A `/` before the first `:` means there is no kind: the colon belongs to the name.
    let colon = match (colon, slash) {
        (Some(c), Some(s)) if s < c => None,
        (c, _) => c,
    };
    let kind = colon.map(|c| &reference[..c]);
    let after_kind = colon.map_or(0, |c| c + 1);
    let slash = reference[after_kind..].find('/').map(|s| s + after_kind);
    let namespace = slash.map(|s| &reference[after_kind..s]);
    let name = &reference[slash.map_or(after_kind, |s| s + 1)..];

    if kind == Some("") || namespace == Some("") || name.is_empty() {
        return Err(RefError::Malformed(reference.to_owned()));
    }
    let kind = kind.or(default_kind).ok_or_else(|| RefError::MissingKind(reference.to_owned()))?;
    Ok(EntityRef::new(kind, namespace.or(default_namespace).unwrap_or("default"), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Backstage's own table of references and how `parseEntityRef` reads each.
    #[test]
    fn backstage_parse_table() {
        let ok = |r: &str, k: Option<&str>, ns: Option<&str>, want: (&str, &str, &str)| {
            assert_eq!(parse_entity_ref(r, k, ns).unwrap(), EntityRef::new(want.0, want.1, want.2), "{r}");
        };
        ok("a:b/c", Some("k"), Some("ns"), ("a", "b", "c"));
        ok("a:c", None, None, ("a", "default", "c"));
        ok("a:b:c", Some("k"), Some("ns"), ("a", "ns", "b:c"));
        ok("a/b/c", Some("k"), Some("ns"), ("k", "a", "b/c"));
        ok("a/b:c", Some("k"), Some("ns"), ("k", "a", "b:c"));
        ok("a:b/c/d", Some("k"), Some("ns"), ("a", "b", "c/d"));
        ok("a:b/c:d", Some("k"), Some("ns"), ("a", "b", "c:d"));
        ok("b/c", Some("x"), Some("y"), ("x", "b", "c"));
        ok("a:c", Some("x"), Some("y"), ("a", "y", "c"));
        ok("c", Some("x"), Some("y"), ("x", "y", "c"));
        assert_eq!(parse_entity_ref("c", None, None), Err(RefError::MissingKind("c".into())));
        for bad in [":b/c", "a:/c", "a:b/", "a:/", ":b/", ":/c", ":/", "/c", "b/", ":c", "a:"] {
            assert!(matches!(parse_entity_ref(bad, Some("k"), None), Err(RefError::Malformed(_))), "{bad}");
        }
        assert_eq!(parse_entity_ref("", Some("k"), None), Err(RefError::Empty));
    }

    #[test]
    fn canonical_is_lowercase() {
        let r = parse_entity_ref("Component:Default/Foo", None, None).unwrap();
        assert_eq!(r.canonical(), "component:default/foo");
    }
}

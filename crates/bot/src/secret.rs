//! A string that must never reach a log: bot and app tokens, signing secrets.
//!
//! Why a type of our own: `#[derive(Debug)]` on any struct that holds a secret would print it, and
//! config structs are exactly the kind of thing that ends up in a `{:?}`. [`Secret`] prints as
//! `Secret(***)` under both `Debug` and `Display`, has no `Serialize`, and is only readable through
//! [`Secret::expose`], which is easy to grep for.

use std::fmt;

/// A secret string. Compare with [`Secret::expose`]; there is deliberately no `PartialEq`, so a
/// secret is never compared with `==` (not constant-time) by accident.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself. Call sites are the only places the value leaves this type.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("xoxb-1234-secret");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{:#?}", Some(s.clone())), "Some(\n    Secret(***),\n)");
        assert_eq!(s.expose(), "xoxb-1234-secret");
    }
}

//! The static token Backline presents to Backstage (`Authorization: Bearer <token>`), in a type
//! that never prints.
//!
//! Why a type of our own: a derived `Debug` on the configuration or on an error would print a
//! `String` field, and those are exactly the values that end up in logs. [`Token`] prints as
//! `Token(***)` and `***`, is not `Serialize`, and is read only through [`Token::expose`], which
//! is easy to find in a review.

use std::fmt;

/// A Backstage static token. No `PartialEq`: comparisons go through [`Token::expose`].
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(value: impl Into<String>) -> Token {
        Token(value.into())
    }

    /// The token itself: the only way out of this type.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let t = Token::new("0FoFiu5bofLVgnFYv");
        assert_eq!(format!("{t:?}"), "Token(***)");
        assert_eq!(format!("{t}"), "***");
        assert_eq!(format!("{:#?}", Some(t.clone())), "Some(\n    Token(***),\n)");
        assert_eq!(t.expose(), "0FoFiu5bofLVgnFYv");
    }
}

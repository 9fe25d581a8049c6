//! An authentic interaction body to serenity's `Interaction`, without letting a panic inside
//! serenity's deserialisers reach the request task.
//!
//! serenity 0.12.5 panics on some values it does not expect (an avatar or banner hash of 32 bytes
//! holding a multi-byte character: `ImageHash::from_str` slices the string by bytes). Discord
//! makes those hashes itself, so only a signed body could carry one, but the endpoint answers 400
//! to any body it cannot read, whatever the reason.

use std::panic::{AssertUnwindSafe, catch_unwind};

use serenity::all::Interaction;

/// Why a body is not an interaction. Carries no text from the body: serde's messages can quote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InteractionParseError {
    #[error("the interaction did not parse at line {line}, column {column} ({category})")]
    Invalid { line: usize, column: usize, category: &'static str },
    #[error("the interaction parser panicked on the body")]
    Panicked,
}

/// Parses an interaction body (already verified).
pub fn parse_interaction(body: &[u8]) -> Result<Interaction, InteractionParseError> {
    // Deserialising into a fresh value mutates nothing shared, so unwinding leaves no broken state.
    match catch_unwind(AssertUnwindSafe(|| serde_json::from_slice::<Interaction>(body))) {
        Ok(Ok(interaction)) => Ok(interaction),
        Ok(Err(e)) => Err(InteractionParseError::Invalid {
            line: e.line(),
            column: e.column(),
            category: match e.classify() {
                serde_json::error::Category::Io => "io",
                serde_json::error::Category::Syntax => "syntax",
                serde_json::error::Category::Data => "data",
                serde_json::error::Category::Eof => "eof",
            },
        }),
        Err(_) => Err(InteractionParseError::Panicked),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body the fuzzer found (`discord_interaction` target): serenity panics on it.
    const NON_ASCII_AVATAR: &[u8] = include_bytes!("../../tests/fixtures/discord/non-ascii-avatar.json");

    #[test]
    fn a_body_that_makes_serenity_panic_is_an_error() {
        assert_eq!(parse_interaction(NON_ASCII_AVATAR).unwrap_err(), InteractionParseError::Panicked);
    }

    #[test]
    fn malformed_bodies_are_errors_without_their_text() {
        let err = parse_interaction(br#"{"type": 2, "secret": "#).unwrap_err();
        assert!(matches!(err, InteractionParseError::Invalid { category: "eof", .. }), "{err:?}");
        assert!(!err.to_string().contains("secret"));
    }
}

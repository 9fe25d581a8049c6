//! Checks that an interaction really comes from Discord for our application: the Ed25519
//! signature (`X-Signature-Ed25519`) over `X-Signature-Timestamp` followed by the raw body,
//! against the application's public key, and that the timestamp is recent.
//!
//! Why both: the signature proves origin; serenity's `Verifier` does not look at the time, so a
//! captured request could be replayed forever. Discord does not specify a window; five minutes
//! (as Slack uses) is the default. Discord also probes endpoints with deliberately bad signatures
//! and removes those that accept one, so every failure here must become a 401.

use serenity::interactions_endpoint::Verifier;

pub const SIGNATURE_HEADER: &str = "x-signature-ed25519";
pub const TIMESTAMP_HEADER: &str = "x-signature-timestamp";

/// Why a request was refused; the label is a metrics outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("signature or timestamp header missing")]
    Unsigned,
    #[error("timestamp missing, malformed or outside the allowed window")]
    Stale,
    #[error("signature does not match")]
    BadSignature,
}

impl VerifyError {
    pub fn label(self) -> &'static str {
        match self {
            VerifyError::Unsigned => "unsigned",
            VerifyError::Stale => "stale",
            VerifyError::BadSignature => "bad_signature",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "the Discord public key is not a valid Ed25519 key (expected 64 hex digits from the application's General Information page)"
)]
pub struct InvalidPublicKey;

/// The application's public key, parsed once.
#[derive(Clone)]
pub struct InteractionVerifier {
    inner: Verifier,
}

impl std::fmt::Debug for InteractionVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InteractionVerifier")
    }
}

impl InteractionVerifier {
    /// `hex` is the 64-digit public key. Never panics (serenity's `Verifier::new` would).
    pub fn new(hex_key: &str) -> Result<InteractionVerifier, InvalidPublicKey> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| InvalidPublicKey)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| InvalidPublicKey)?;
        Ok(InteractionVerifier { inner: Verifier::try_new(bytes).map_err(|_| InvalidPublicKey)? })
    }

    /// Checks headers and body; `now` is Unix seconds (a parameter so tests control the clock).
    pub fn verify(
        &self,
        signature: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
        now: i64,
        max_age_secs: u64,
    ) -> Result<(), VerifyError> {
        let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
            return Err(VerifyError::Unsigned);
        };
        let ts: i64 = timestamp.trim().parse().map_err(|_| VerifyError::Stale)?;
        if now.abs_diff(ts) > max_age_secs {
            return Err(VerifyError::Stale);
        }
        // Signatures are 64 bytes (128 hex digits); anything else is refused without work.
        if signature.len() != 128 {
            return Err(VerifyError::BadSignature);
        }
        self.inner.verify(signature, timestamp, body).map_err(|()| VerifyError::BadSignature)
    }
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

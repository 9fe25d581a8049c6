//! A string that must never reach a log, an error or an answer: provider API keys and
//! `pagerduty.com/integration-key` values.
//!
//! Why a type of our own: `#[derive(Debug)]` on a config struct or an error would print the key,
//! and those are exactly the values that end up in a `{:?}`. [`Secret`] prints as `Secret(***)`
//! under `Debug` and `***` under `Display`, has no `Serialize`, and is readable only through
//! [`Secret::expose`], which is easy to grep for. An integration key is worse than an API key:
//! anyone holding it can trigger incidents on the service.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A secret string. There is deliberately no `PartialEq`: comparisons go through
/// [`Secret::expose`] where they are visible.
#[derive(Clone)]
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
        self.0.trim().is_empty()
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

/// Keys may be written in the configuration section (for set-ups that mount a secret file); a
/// parse error must not quote them, so anything but a string is refused without echoing it.
impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("u+abcdefg-secret");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{:#?}", Some(s.clone())), "Some(\n    Secret(***),\n)");
        assert_eq!(s.expose(), "u+abcdefg-secret");
    }
}

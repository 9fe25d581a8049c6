//! Backstage's field-format rules (`FieldFormatEntityPolicy` and its
//! `KubernetesValidatorFunctions`), written as small hand-rolled matchers: each of Backstage's
//! regexes is simple enough that a loop is clearer and faster than a regex engine, and keeps the
//! crate free of one.

/// `^[a-z0-9]+(?:\-+[a-z0-9]+)*$`, 1–63 characters.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// 1–253 characters, every `.`-separated part a DNS label.
pub fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`, 1–63 characters.
pub fn is_object_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `<suffix>` or `<prefix>/<suffix>` with a DNS-subdomain prefix and a suffix checked by `suffix`.
fn is_prefixed(s: &str, suffix: impl Fn(&str) -> bool) -> bool {
    let mut parts = s.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(only), None, None) => suffix(only),
        (Some(prefix), Some(rest), None) => is_dns_subdomain(prefix) && suffix(rest),
        _ => false,
    }
}

/// `apiVersion`: `[prefix/]suffix`, suffix `^[a-z0-9A-Z]+$` of 1–63 characters.
pub fn is_valid_api_version(s: &str) -> bool {
    is_prefixed(s, |v| !v.is_empty() && v.len() <= 63 && v.bytes().all(|c| c.is_ascii_alphanumeric()))
}

/// `kind`: `^[a-zA-Z][a-z0-9A-Z]*$`, 1–63 characters.
pub fn is_valid_kind(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && b.len() <= 63 && b[0].is_ascii_alphabetic() && b.iter().all(|c| c.is_ascii_alphanumeric())
}

/// Label and annotation keys: `[prefix/]name`.
pub fn is_valid_key(s: &str) -> bool {
    is_prefixed(s, is_object_name)
}

/// Label values: empty or an object name.
pub fn is_valid_label_value(s: &str) -> bool {
    s.is_empty() || is_object_name(s)
}

/// Tags: `^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$`, 1–63 characters.
pub fn is_valid_tag(s: &str) -> bool {
    let b = s.as_bytes();
    let word = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b':' | b'+' | b'#');
    !b.is_empty() && b.len() <= 63 && b.split(|&c| c == b'-').all(|run| !run.is_empty() && run.iter().all(|&c| word(c)))
}

/// What the WHATWG `URL` constructor accepts without a base: an absolute URL with a scheme.
pub fn is_valid_url(s: &str) -> bool {
    // JavaScript's URL parser strips leading and trailing C0 controls and spaces first; the
    // `url` crate implements the same WHATWG algorithm.
    url::Url::parse(s).is_ok()
}

/// JavaScript `isNonEmptyString`: a string with at least one non-whitespace character.
pub fn is_non_blank(s: &str) -> bool {
    !s.trim().is_empty()
}

/// Suggests a replacement for an invalid name, tag or namespace so the quick fix has something to
/// offer. Returns `None` when nothing sensible comes out.
pub fn suggest_slug(s: &str, lowercase: bool, separators: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if lowercase { c.to_ascii_lowercase() } else { c };
        if c.is_ascii_alphanumeric() || (c as u32) < 128 && separators.contains(&(c as u8)) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_owned();
    let mut collapsed = String::with_capacity(out.len());
    for c in out.chars() {
        if c == '-' && collapsed.ends_with('-') {
            continue;
        }
        collapsed.push(c);
    }
    (!collapsed.is_empty() && collapsed.len() <= 63 && collapsed != s).then_some(collapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(n: usize) -> String {
        "a".repeat(n)
    }

    fn l(n: usize) -> String {
        "b".repeat(n)
    }

    /// Backstage's validator tests for each field format, row by row.
    #[test]
    fn conformance_tables() {
        let long253 = format!("{}.{}.{}.{}", l(63), l(63), l(63), l(61));
        let long254 = format!("{}.{}.{}.{}", l(63), l(63), l(63), l(62));
        // 5.1 apiVersion
        for ok in [
            "a",
            "AZ09",
            &a(63),
            "a/a",
            "a/aAb5C",
            "a-b.c/v1",
            "a--b.c/v1",
            &format!("{long253}/v1"),
            &format!("a/{}", a(63)),
        ] {
            assert!(is_valid_api_version(ok), "{ok}");
        }
        for bad in ["", &a(64), "a-b", "a_b", "a.b", &format!("{long254}/v1"), &format!("a/{}", a(64))] {
            assert!(!is_valid_api_version(bad), "{bad}");
        }
        // 5.2 kind
        for ok in ["a", "AZ09", &a(63)] {
            assert!(is_valid_kind(ok), "{ok}");
        }
        for bad in ["", "9AZ", &a(64), "a-b"] {
            assert!(!is_valid_kind(bad), "{bad}");
        }
        // 5.3 object name
        for ok in [
            "a",
            "AZ09",
            &a(63),
            "a-b",
            "a--b",
            "a_b",
            "a.b",
            "a..b",
            "visits-tracking-service",
            "CircleciBuildsDumpV2_avro_gcs",
        ] {
            assert!(is_object_name(ok), "{ok}");
        }
        for bad in ["", &a(64), "a/b", "-a-b", "a-b-", "invalid component"] {
            assert!(!is_object_name(bad), "{bad}");
        }
        // 5.4 namespace
        for ok in ["a", &a(63), "a-b", "a--b"] {
            assert!(is_dns_label(ok), "{ok}");
        }
        for bad in ["", "AZ09", &a(64), "a/b", "-a-b", "a-b-", "a_b", "a.b"] {
            assert!(!is_dns_label(bad), "{bad}");
        }
        // 5.5 label and annotation keys
        for ok in [
            "a",
            "AZ09",
            &a(63),
            "a/b",
            "a-b",
            "a--b",
            "a_b",
            "a.b",
            "a..b",
            "a/a",
            "a-b.c/a",
            "a--b.c/a",
            &format!("{long253}/a"),
            &format!("a/{}", a(63)),
        ] {
            assert!(is_valid_key(ok), "{ok}");
        }
        for bad in ["", &a(64), "-a-b", "a-b-", &format!("{long254}/a"), &format!("a/{}", a(64)), "a/b/c"] {
            assert!(!is_valid_key(bad), "{bad}");
        }
        // 5.6 label values
        for ok in ["", "a", "AZ09", &a(63), "a-b", "a--b", "a_b", "a.b", "a..b"] {
            assert!(is_valid_label_value(ok), "{ok}");
        }
        for bad in [&a(64), "a/b", "-a-b", "a-b-"] {
            assert!(!is_valid_label_value(bad), "{bad}");
        }
        // 5.8 subdomain
        for ok in ["a", "a-b", "a--b", "adam.bertil.caesar", "adam.ber-til.caesar", &format!("a.{}.c", l(63)), &long253]
        {
            assert!(is_dns_subdomain(ok), "{ok}");
        }
        for bad in [
            "",
            "-a-b",
            "a-b-",
            "a_b",
            "adam.-bertil.caesar",
            "adam.bertil-.caesar",
            "adam/bertil.caesar",
            &format!("a.{}.c", l(64)),
            &long254,
        ] {
            assert!(!is_dns_subdomain(bad), "{bad}");
        }
        assert!(is_dns_label("xn--c6h"));
        // 5.9 tags
        for ok in
            ["a", "a-b", &a(63), "a+b", "+a+b", "a+b+", "a++b", "c++", "c#", "#c++", "java", "data-service", "a:b"]
        {
            assert!(is_valid_tag(ok), "{ok}");
        }
        for bad in ["", "-a-b", "a-b-", "a--b", "a_b", &a(64), "Hello World", "Java", "go1.15.3", "go 1.15.3", "AI/ML"]
        {
            assert!(!is_valid_tag(bad), "{bad}");
        }
        // 5.10 urls and titles
        for bad in ["", "abc", "   abc", " ", "    ", " abc ", "abc xyz"] {
            assert!(!is_valid_url(bad), "{bad}");
        }
        for ok in [
            "http://foo",
            "https://www.foo.com/",
            "https://foo.com:8080",
            "https://foo:8080/sub/page?query",
            "https://foo:8080/sub/page/?query=value&another=val",
            "https://foo.com/page#fragment",
            "ftp://ftp.some.domain.com/path",
            "xyz://custom-protocol:4444/path",
        ] {
            assert!(is_valid_url(ok), "{ok}");
        }
        for ok in ["abc", "   abc", " abc ", "abc xyz"] {
            assert!(is_non_blank(ok), "{ok}");
        }
        for bad in ["", " ", "    "] {
            assert!(!is_non_blank(bad), "{bad}");
        }
    }

    #[test]
    fn slug_suggestions() {
        assert_eq!(suggest_slug("payments api", false, b"-_."), Some("payments-api".into()));
        assert_eq!(suggest_slug("Python 2.7", true, b"-"), Some("python-2-7".into()));
    }
}

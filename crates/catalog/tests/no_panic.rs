//! Arbitrary input never panics the parser or the validator, and every finding points inside
//! the text. (The `fuzz/` directory has a cargo-fuzz target for longer campaigns.)

use backline_catalog::parse_file;
use proptest::prelude::*;

fn check(text: &str) {
    let parsed = parse_file("fuzz.yaml".into(), text);
    for f in &parsed.findings {
        assert!(f.range.start <= f.range.end && f.range.end as usize <= text.len(), "{f:?}");
        assert!(text.is_char_boundary(f.range.start as usize) && text.is_char_boundary(f.range.end as usize), "{f:?}");
        if let Some(fix) = &f.fix {
            for e in &fix.edits {
                assert!(e.range.end as usize <= text.len() && text.is_char_boundary(e.range.start as usize));
            }
        }
    }
}

/// Fragments that make YAML and catalog entities interesting when mixed at random.
const PIECES: &[&str] = &[
    "apiVersion: backstage.io/v1alpha1\n",
    "kind: Component\n",
    "kind: Group\n",
    "metadata:\n",
    "  name: a\n",
    "  name: 7\n",
    "  namespace: X\n",
    "spec:\n",
    "  owner: x\n",
    "  dependsOn: [a]\n",
    "  children: []\n",
    "---\n",
    "...\n",
    "- a\n",
    "  - b\n",
    "{a: [",
    "]}\n",
    "&x a: *x\n",
    "*y\n",
    "'unterminated\n",
    "\"é😀\"\n",
    "\t",
    ":\n",
    "? complex\n",
    ": key\n",
    "|\n  block\n",
    ">-\n folded\n",
    "!!str 7\n",
    "%YAML 1.2\n",
    "#c\n",
    "  tags: [Java, 'a--b']\n",
    "  links: [{url: x}]\n",
    "relations: []\n",
    "\u{feff}",
    "\r\n",
    "\0",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings(text in "\\PC{0,300}") {
        check(&text);
    }

    #[test]
    fn arbitrary_yaml_shaped_text(pieces in proptest::collection::vec(0..PIECES.len(), 0..40)) {
        let text: String = pieces.into_iter().map(|i| PIECES[i]).collect();
        check(&text);
    }

    #[test]
    fn arbitrary_bytes_decoded_lossily(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn pathological_inputs() {
    check(&"[".repeat(200_000));
    check(&"a:\n".repeat(50_000));
    check(&"- ".repeat(10_000));
    check(&format!("a: &a [{}]\nb: [{}]\n", "x,".repeat(1000), "*a,".repeat(1000)));
    check("");
    check("---\n---\n---\n");
}

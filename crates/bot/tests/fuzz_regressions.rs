//! Replays every input that once made the `discord_interaction` fuzz target fail
//! (`fuzz/regressions/discord_interaction/`) through the function the target calls: the
//! interaction parser must answer each with a value or an error, never a panic that escapes.

use backline_bot::discord::payload::parse_interaction;

#[test]
fn discord_interaction_regressions_parse_or_fail_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/discord_interaction");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("the regression folder exists") {
        let path = entry.expect("readable folder").path();
        let input = std::fs::read(&path).expect("readable input");
        // Ok or Err are both fine; a panic escaping the parser fails the test.
        let _ = parse_interaction(&input);
        replayed += 1;
    }
    assert!(replayed > 0, "no inputs in {}", dir.display());
}

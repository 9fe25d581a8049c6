//! Arbitrary text through the question parser, as a chat message or `ask` would send it: nothing
//! may panic, long input is refused by its length alone, and what a parsed query says it asks
//! (the follow-up buttons send it back) is itself a question the parser accepts.
#![no_main]

use backline_answer::question::{MAX_QUESTION_CHARS, Parsed, check_length, parse_question, question_for};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = parse_question(&text);
    if text.chars().count() > MAX_QUESTION_CHARS {
        assert!(matches!(parsed, Parsed::Help(Some(_))));
    }
    if let Parsed::Query(query) = parsed {
        assert!(check_length(&text).is_ok());
        let _ = parse_question(&question_for(&query));
    }
});

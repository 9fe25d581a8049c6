//! Arbitrary Slack requests: the signature check over any headers and body, then the body parsed
//! as each endpoint parses it (events as JSON, slash commands as a form, interactions as a form
//! holding one JSON field). The body is also signed correctly, so parsing is reached for every
//! input, as it is for a request Slack really sent. Nothing may panic.
#![no_main]

use backline_bot::Secret;
use backline_bot::slack::payload::{Interaction, InteractionForm, PushPayload, SlashCommand};
use backline_bot::slack::verify::{Verifier, sign};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "fuzz-signing-secret";
const NOW: i64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let verifier = Verifier::new(&Secret::new(SECRET.to_owned()));
    // Headers from the input: up to the first two newlines, then the body.
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let (ts, sig, body) = (parts.next().unwrap_or_default(), parts.next(), parts.next());
    let ts = String::from_utf8_lossy(ts);
    let sig = sig.map(String::from_utf8_lossy);
    let _ = verifier.verify(Some(&ts), sig.as_deref(), body.unwrap_or_default(), NOW);

    let body = data;
    let ts = NOW.to_string();
    let signature = sign(SECRET, &ts, body);
    assert!(verifier.verify(Some(&ts), Some(&signature), body, NOW).is_ok());
    if let Ok(payload) = serde_json::from_slice::<PushPayload>(body) {
        if let PushPayload::EventCallback(callback) = &payload {
            let _ = callback.event.sender_team();
        }
        let _ = format!("{payload:?}");
    }
    if let Ok(command) = serde_urlencoded::from_bytes::<SlashCommand>(body) {
        let _ = format!("{command:?}");
    }
    if let Ok(form) = serde_urlencoded::from_bytes::<InteractionForm>(body)
        && let Ok(interaction) = serde_json::from_str::<Interaction>(&form.payload)
    {
        let _ = format!("{interaction:?}");
    }
});

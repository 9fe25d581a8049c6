//! Arbitrary Discord interactions: the Ed25519 check over any headers and body, then the body
//! parsed as the interactions endpoint does (`parse_interaction`, serenity's `Interaction`) and, for slash commands and
//! autocompletion, read as a question. No panic may escape.
//!
//! `parse_interaction` catches the panics serenity's deserialisers are known to raise (a
//! non-ASCII avatar hash), so the fuzzer's panic hook, which aborts at the panic before any
//! `catch_unwind` can see it, is replaced by one that only prints: a panic that escapes the
//! target still aborts the run (libfuzzer-sys catches it around the target and aborts).
#![no_main]

use backline_bot::discord::command::{autocomplete_target, parse, subcommand_options};
use backline_bot::discord::verify::InteractionVerifier;
use libfuzzer_sys::fuzz_target;
use backline_bot::discord::payload::parse_interaction;
use serenity::all::Interaction;

/// A valid Ed25519 public key (the RFC 8032 test vector 1).
const PUBLIC_KEY: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const NOW: i64 = 1_700_000_000;

fuzz_target!(init: std::panic::set_hook(Box::new(|info| eprintln!("caught or not: {info}"))), |data: &[u8]| {
    let verifier = InteractionVerifier::new(PUBLIC_KEY).expect("valid key");
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let (sig, ts, body) = (parts.next().unwrap_or_default(), parts.next(), parts.next());
    let sig = String::from_utf8_lossy(sig);
    let ts = ts.map(String::from_utf8_lossy);
    let _ = verifier.verify(Some(&sig), ts.as_deref(), body.unwrap_or_default(), NOW, 5);

    match parse_interaction(data) {
        Ok(Interaction::Command(command)) => {
            let _ = parse(&command.data);
            let _ = subcommand_options(&command.data);
        }
        Ok(Interaction::Autocomplete(auto)) => {
            let _ = autocomplete_target(&auto.data);
        }
        Ok(_) | Err(_) => {}
    }
});

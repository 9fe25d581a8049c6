//! The language server's incremental edits: a document, a position encoding and `didChange`
//! edits decoded from the bytes, applied as the server applies them and checked against the
//! protocol's rules; every version parsed, diagnosed, and asked for completion, hover and
//! definition (see `backline_lsp::fuzzing`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backline_lsp::fuzzing::replay(data);
});

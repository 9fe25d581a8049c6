//! `code_action`.

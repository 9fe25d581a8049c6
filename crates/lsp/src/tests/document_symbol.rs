//! `document_symbol`.

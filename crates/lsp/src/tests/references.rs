//! `references`.

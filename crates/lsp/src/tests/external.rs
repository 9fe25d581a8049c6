//! `external`.

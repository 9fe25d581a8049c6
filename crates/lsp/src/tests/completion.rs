//! `completion`.

//! `diagnostics`.

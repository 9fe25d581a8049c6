//! `definition`.

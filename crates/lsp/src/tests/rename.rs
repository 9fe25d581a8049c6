//! `rename`.

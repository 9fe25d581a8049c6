//! `backline-catalog`: the Backstage catalog model, its validation, and (behind the `index` feature)
//! the index and question engine that everything else adapts.
//!
//! Layers, bottom up:
//! - [`text`]: byte ranges and line/column conversions (UTF-8, UTF-16, UTF-32).
//! - [`yaml`]: YAML 1.2 streams to trees with a range on every node, errors per document.
//! - [`format`], [`entity_ref`]: Backstage's field-format rules and reference parsing.
//! - [`kinds`]: the built-in kinds and their fields, one table for validation, relations and editors.
//! - [`validate`]: one file in, a [`model::ParsedFile`] out (documents, entities, findings).
//! - [`facts`]: what cross-file lints and reports read of a file, its strings interned.
//! - [`catalog`]: cross-file lints over many parsed files' facts; [`origin`]: where an org catalog
//!   defines an entity, to tell the files' own definition from a duplicate.
//! - [`scorecard`]: scorecard rules and levels, evaluated on one entity at a time.
//! - [`discover`]: the only I/O of the checking path: walking trees and following Locations.
//!
//! Invariant: everything above `discover` is pure (no I/O, no async, no global state), so it can
//! be tested on strings and called from any thread.

pub mod catalog;
pub mod codes;
pub mod cursor;
pub mod discover;
pub mod entity_ref;
pub mod facts;
pub mod finding;
pub mod format;
pub mod generate;
pub mod kinds;
pub mod lint_level;
pub mod model;
pub mod origin;
pub mod scorecard;
pub mod text;
pub mod validate;
pub mod yaml;

pub use codes::{Code, Stage};
pub use entity_ref::{EntityRef, parse_entity_ref};
pub use finding::{Finding, Fix, Related, Severity, TextEdit};
pub use kinds::Kind;
pub use kinds::custom::CustomKinds;
pub use model::{CatalogDocument, Entity, ParsedFile};
pub use text::{Encoding, LineCol, LineIndex, TextRange};
pub use validate::{parse_file, parse_file_with};

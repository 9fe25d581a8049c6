//! Org-wide catalogs: entities defined outside the workspace (other repositories, the org's
//! index), so that owners, systems and APIs defined elsewhere are known to the editor.
//!
//! Reading an index needs the `org-catalog` feature (the store and search crates); without it the
//! server still runs and says so when a settings entry asks for an index.

use std::collections::HashSet;

use backline_catalog::ParsedFile;

use crate::settings::CatalogSource;

#[cfg(feature = "org-catalog")]
mod from_index;

/// Reads every entity of an org catalog. Errors are messages for the user's log.
pub(crate) async fn load(source: &CatalogSource, known: &HashSet<String>) -> Result<Vec<ParsedFile>, String> {
    #[cfg(feature = "org-catalog")]
    {
        from_index::load(source, known).await
    }
    #[cfg(not(feature = "org-catalog"))]
    {
        let _ = known;
        match source {
            CatalogSource::Directory(_) => Ok(Vec::new()),
            CatalogSource::IndexFile(_) | CatalogSource::Postgres(_) => Err(
                "this build of the language server reads no catalog index (built without the `org-catalog` feature)"
                    .to_owned(),
            ),
        }
    }
}

/// Whether a file key names a synthetic file with no local counterpart.
pub(crate) fn is_remote(path: &str) -> bool {
    path.starts_with("backline-index:")
}

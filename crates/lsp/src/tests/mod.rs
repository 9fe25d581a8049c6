//! In-process tests of the language server's features: each one builds a workspace from a
//! fixture, calls one handler the way `server.rs` dispatches to it, and compares a plain-text
//! rendering of the answer with an inline snapshot. No process is spawned and no event loop runs,
//! so hundreds of these take well under a second; `tests/lsp.rs` drives the real binary over
//! stdio for what only a running server shows (ordering, cancellation, the scan, the index).
//!
//! A fixture is catalog YAML with one `$0` cursor marker. It may hold several files, each
//! starting with a `//- /ws/path.yaml` line; without one the text is `/ws/catalog-info.yaml`.
//! The file holding the cursor is open in the editor, the others are on disk as the workspace
//! scan reads them (slimmed the same way). A `//- org` line stands for the standard organisation
//! ([`ORG`]), and a header `//- /org/path.yaml index` makes that file's entities arrive through
//! the org-catalog seam ([`crate::external`]) instead of as workspace files, at the line and
//! column of their names in it (the file is written to a temporary directory, where go to
//! definition reads it); `//- /org/path.yaml remote` does the same for a file on another machine.
//!
//! Renderings show positions as `file:line:column` (one-based, like an editor's status bar) and
//! the text a range covers, so a snapshot reads without counting characters.

mod fixture;

mod code_action;
mod completion;
mod definition;
mod diagnostics;
mod document_symbol;
mod external;
mod hover;
mod locations;
mod references;
mod rename;
mod scan_window;
mod scorecard;

/// The organisation most fixtures refer to: Groups `team-a` (title, member alice) and `team-b`
/// (no members), Users `alice` (in team-a) and `bob` (in no group).
pub(crate) const ORG: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
  title: Team A
spec:
  type: team
  children: []
  members: [alice]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-b
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: alice
spec:
  profile:
    email: alice@example.com
  memberOf: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: bob
spec:
  memberOf: []
";

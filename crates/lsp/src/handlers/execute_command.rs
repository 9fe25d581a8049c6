//! `workspace/executeCommand`: the commands the editor clients call.
//!
//! - `backline.ownerAt` `[{"uri", "position"}]` → `null` or `{"entity", "owner", "markdown"}`:
//!   who owns the entity at the cursor, with the owner's contacts and members.
//! - `backline.checkWorkspace` → `{"files", "errors", "warnings"}`, publishing diagnostics for
//!   every catalog file of the workspace.

use std::sync::Arc;

use backline_catalog::cursor;
use backline_catalog::{EntityRef, Kind, Severity};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Diagnostic, Position, Uri};

use crate::analysis;
use crate::convert;
use crate::handlers::{Cancel, invalid_params};
use crate::lookup;
use crate::state::{Shared, Snapshot};
use crate::workspace::Origin;

pub(crate) const OWNER_AT: &str = "backline.ownerAt";
pub(crate) const CHECK_WORKSPACE: &str = "backline.checkWorkspace";
/// Panics on purpose, to prove a panicking request becomes an error response. Only with
/// `BACKLINE_LSP_TEST_HOOKS=1` in the server's environment; never advertised.
pub(crate) const TEST_PANIC: &str = "backline.test.panic";
/// Blocks for the given milliseconds (honouring cancellation), to test `$/cancelRequest`. Same
/// condition as [`TEST_PANIC`].
pub(crate) const TEST_SLEEP: &str = "backline.test.sleep";

pub(crate) const COMMANDS: &[&str] = &[OWNER_AT, CHECK_WORKSPACE];

pub(crate) fn test_hooks() -> bool {
    std::env::var_os("BACKLINE_LSP_TEST_HOOKS").is_some_and(|v| v == "1")
}

#[derive(Deserialize)]
struct OwnerAtArgs {
    uri: Uri,
    position: Position,
}

pub(crate) fn parse_owner_at(arguments: &[Value]) -> Result<(Uri, Position)> {
    let first =
        arguments.first().ok_or_else(|| invalid_params("backline.ownerAt expects [{\"uri\", \"position\"}]"))?;
    let args: OwnerAtArgs = serde_json::from_value(first.clone())
        .map_err(|e| invalid_params(format!("backline.ownerAt expects [{{\"uri\", \"position\"}}]: {e}")))?;
    Ok((args.uri, args.position))
}

pub(crate) fn owner_at(snap: &Snapshot, uri: &Uri, position: Position) -> Option<Value> {
    let key = convert::uri_key(uri);
    let parsed = snap.parsed(&key)?;
    let text_len = parsed.documents.last().map_or(0, |d| d.range.end);
    let offset = parsed.line_index.offset(position.line, position.character, snap.encoding).min(text_len);
    let entity = cursor::document_at(&parsed, offset).and_then(|d| d.entity.as_ref())?;
    let owner = entity.owner()?.clone();
    let markdown = owner_markdown(snap, &entity.entity_ref, &owner);
    Some(json!({
        "entity": entity.entity_ref.canonical(),
        "owner": owner.canonical(),
        "markdown": markdown,
    }))
}

fn owner_markdown(snap: &Snapshot, entity: &EntityRef, owner: &EntityRef) -> String {
    let mut md = format!("## Owner of `{}`\n\n", entity.canonical());
    let found = lookup::definitions(snap, owner);
    let def = match found.first() {
        Some(lookup::Found::Local(def)) => def,
        Some(lookup::Found::External(x)) => {
            // An org catalog says who the owner is, not how to reach them.
            let display = x.title.as_deref().unwrap_or(&x.entity_ref.name);
            md.push_str(&format!("**{display}** (`{}`) — {}", owner.canonical(), x.entity_ref.kind));
            if let Some(t) = &x.spec_type {
                md.push_str(&format!(", {t}"));
            }
            md.push_str("\n\n");
            if let Some(d) = x.description.as_deref().filter(|d| !d.trim().is_empty()) {
                md.push_str(&format!("{}\n\n", d.trim()));
            }
            md.push_str(&format!("Defined in `{}` (org catalog)\n", x.location.describe()));
            return md;
        }
        None => {
            md.push_str(&format!("`{}` is defined nowhere in the catalog.\n", owner.canonical()));
            return md;
        }
    };
    let o = def.entity();
    let display = o
        .profile
        .as_ref()
        .and_then(|p| p.display_name.clone())
        .or_else(|| o.title.clone())
        .unwrap_or_else(|| o.name().to_owned());
    md.push_str(&format!("**{display}** (`{}`) — {}", owner.canonical(), o.kind()));
    if let Some(t) = &o.spec_type {
        md.push_str(&format!(", {}", t.value));
    }
    md.push_str("\n\n");
    if let Some(d) = o.description.as_deref().filter(|d| !d.trim().is_empty()) {
        md.push_str(&format!("{}\n\n", d.trim()));
    }
    if let Some(email) = o.profile.as_ref().and_then(|p| p.email.as_ref()) {
        md.push_str(&format!("- Email: {email}\n"));
    }
    for (key, label) in [
        ("slack.com/bot-notify", "Slack"),
        ("pagerduty.com/service-id", "PagerDuty"),
        ("opsgenie.com/team", "Opsgenie"),
    ] {
        if let Some(v) = o.annotation(key) {
            md.push_str(&format!("- {label}: `{v}` ({key})\n"));
        }
    }
    for link in &o.links {
        if matches!(link.link_type.as_deref(), Some("chat" | "slack" | "runbook" | "oncall")) {
            md.push_str(&format!("- {}: {}\n", link.title.as_deref().unwrap_or("Link"), link.url));
        }
    }
    if Kind::from_ref_kind(o.kind()) == Some(Kind::Group) {
        let mut members: Vec<EntityRef> =
            o.references.iter().filter(|r| r.field.field == "members").filter_map(|r| r.target.clone()).collect();
        for &at in snap.catalog.sorted_by_kind.get(&Kind::User.ref_name()).map_or(&[][..], Vec::as_slice) {
            let Some((_, u)) = snap.catalog.entity(at) else { continue };
            let belongs = u.references.iter().any(|r| {
                r.field.field == "memberOf" && r.target.as_ref().is_some_and(|t| lookup::same_entity(t, owner))
            });
            if belongs && !members.iter().any(|m| lookup::same_entity(m, &u.entity_ref)) {
                members.push(u.entity_ref.clone());
            }
        }
        if members.is_empty() {
            md.push_str("- Members: none (nobody to contact through the org chart)\n");
        } else {
            md.push_str(&format!("- Members ({}):\n", members.len()));
            for m in members.iter().take(25) {
                let user = lookup::definitions(snap, m);
                let detail = user.first().map(|u| {
                    let lookup::Found::Local(u) = u else {
                        return u.summary().lines().next().unwrap_or_default().to_owned();
                    };
                    let e = u.entity();
                    let name =
                        e.profile.as_ref().and_then(|p| p.display_name.clone()).unwrap_or_else(|| e.name().to_owned());
                    match e.profile.as_ref().and_then(|p| p.email.clone()) {
                        Some(email) => format!("{name}, {email}"),
                        None => name,
                    }
                });
                match detail {
                    Some(d) => md.push_str(&format!("  - {d} (`{}`)\n", m.canonical())),
                    None => md.push_str(&format!("  - `{}` (not in the catalog)\n", m.canonical())),
                }
            }
            if members.len() > 25 {
                md.push_str(&format!("  - … and {} more\n", members.len() - 25));
            }
        }
    }
    md.push_str(&format!("\nDefined in `{}:{}`\n", def.file.path, def.line()));
    md
}

/// One file's diagnostics to publish: its key, URI, diagnostics, document version (for open
/// files) and the hash of its findings.
pub(crate) type Publish = (Arc<str>, Uri, Vec<Diagnostic>, Option<i32>, u64);

/// The workspace check's result and what to publish.
pub(crate) struct Check {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub publish: Vec<Publish>,
}

pub(crate) fn check_workspace(snap: &Snapshot, cancel: &Cancel) -> Check {
    let mut check = Check { files: 0, errors: 0, warnings: 0, publish: Vec::new() };
    let catalog = &snap.catalog;
    for (i, file) in catalog.files.iter().enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        if catalog.origins[i] != Origin::Workspace {
            continue;
        }
        let open = snap.docs.get(&file.path);
        let parsed = open.map_or_else(|| file.clone(), |d| d.parsed());
        let findings = analysis::findings_for(&parsed, catalog, &snap.settings, open.is_some());
        check.files += 1;
        check.errors += findings.iter().filter(|f| f.severity == Severity::Error).count();
        check.warnings += findings.iter().filter(|f| f.severity == Severity::Warning).count();
        let Some(uri) = snap.uri(&file.path) else { continue };
        let hash = analysis::findings_hash(&findings);
        check.publish.push((
            file.path.clone(),
            uri,
            analysis::diagnostics(snap, &parsed, &findings),
            open.map(|d| d.version),
            hash,
        ));
    }
    // Files discovery could not read at all.
    for (path, findings) in &catalog.discovery_findings {
        if catalog.by_path.contains_key(path) {
            continue;
        }
        check.files += 1;
        check.errors += findings.iter().filter(|f| f.severity == Severity::Error).count();
        check.warnings += findings.iter().filter(|f| f.severity == Severity::Warning).count();
        if let Some(uri) = snap.uri(path) {
            let index = backline_catalog::LineIndex::new("");
            let diags = findings
                .iter()
                .map(|f| convert::diagnostic(f, &index, snap.encoding, snap, snap.caps.related_information))
                .collect();
            check.publish.push((path.clone(), uri, diags, None, analysis::findings_hash(findings)));
        }
    }
    check
}

pub(crate) async fn run_check(shared: &Arc<Shared>) -> Result<Value> {
    let mut scanned = shared.scanned.subscribe();
    // Waits for our own background scan, not for the client: no deadlock risk.
    let _ = scanned.wait_for(|done| *done).await;
    let s = shared.clone();
    let check =
        crate::handlers::blocking(CHECK_WORKSPACE, move |cancel| Ok(check_workspace(&s.snapshot(), cancel))).await?;
    for (path, uri, diags, version, hash) in check.publish {
        if version.is_none() {
            shared.lock().published.insert(path, hash);
        }
        shared.client.publish_diagnostics(uri, diags, version).await;
    }
    Ok(json!({ "files": check.files, "errors": check.errors, "warnings": check.warnings }))
}

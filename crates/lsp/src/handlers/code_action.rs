//! `textDocument/codeAction`: the fixes the core attaches to findings, as quick fixes.

use std::collections::HashMap;

use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, NumberOrString, TextEdit, WorkspaceEdit,
};

use crate::analysis;
use crate::convert;
use crate::document::Document;
use crate::state::Snapshot;

pub(crate) fn code_action(
    snap: &Snapshot,
    doc: &Document,
    params: &CodeActionParams,
) -> Option<Vec<CodeActionOrCommand>> {
    if let Some(only) = &params.context.only
        && !only
            .iter()
            .any(|k| k == &CodeActionKind::QUICKFIX || CodeActionKind::QUICKFIX.as_str().starts_with(k.as_str()))
    {
        return Some(Vec::new());
    }
    let parsed = doc.parsed();
    let index = &parsed.line_index;
    let start = convert::offset(index, &doc.text, params.range.start, snap.encoding);
    let end = convert::offset(index, &doc.text, params.range.end, snap.encoding).max(start);
    let findings = analysis::findings_for(&parsed, &snap.catalog, &snap.settings, true);
    let mut out = Vec::new();
    for f in &findings {
        let Some(fix) = f.fix.as_ref().filter(|fix| !fix.edits.is_empty()) else { continue };
        let overlaps = f.range.start <= end && start <= f.range.end;
        let named = params.context.diagnostics.iter().any(|d| {
            d.code == Some(NumberOrString::String(f.code.as_str().to_owned()))
                && d.range == convert::range(index, f.range, snap.encoding)
        });
        if !overlaps && !named {
            continue;
        }
        let diagnostic = convert::diagnostic(f, index, snap.encoding, snap, snap.caps.related_information);
        let edits = fix
            .edits
            .iter()
            .map(|e| TextEdit { range: convert::range(index, e.range, snap.encoding), new_text: e.new_text.clone() })
            .collect();
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: fix.title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic]),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(doc.uri.clone(), edits)])),
                document_changes: None,
                change_annotations: None,
            }),
            command: None,
            is_preferred: Some(true),
            disabled: None,
            data: None,
        }));
    }
    Some(out)
}

//! `initialize`: position encoding, what the client can do, settings, workspace folders; and the
//! capabilities we announce.

use std::path::PathBuf;

use backline_catalog::Encoding;
use tower_lsp_server::ls_types::{
    ClientCapabilities, CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    ExecuteCommandOptions, HoverProviderCapability, InitializeParams, InitializeResult, MarkupKind, OneOf,
    PositionEncodingKind, RenameOptions, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, WorkDoneProgressOptions,
    WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};

use crate::convert;
use crate::handlers::execute_command::COMMANDS;
use crate::settings::Settings;
use crate::state::ClientCaps;

/// UTF-8 when the client offers it (no conversion at all), else UTF-16, which every client
/// speaks (VS Code, Zed and Neovim 0.7 speak nothing else). UTF-32 is never preferred: a client
/// that offers it also offers one of the others.
pub(crate) fn negotiate_encoding(caps: &ClientCapabilities) -> Encoding {
    let offered = caps.general.as_ref().and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(list) if list.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

pub(crate) fn encoding_kind(e: Encoding) -> PositionEncodingKind {
    match e {
        Encoding::Utf8 => PositionEncodingKind::UTF8,
        Encoding::Utf16 => PositionEncodingKind::UTF16,
        Encoding::Utf32 => PositionEncodingKind::UTF32,
    }
}

pub(crate) fn client_caps(caps: &ClientCapabilities) -> ClientCaps {
    let td = caps.text_document.as_ref();
    ClientCaps {
        snippets: td
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false),
        label_details: td
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.label_details_support)
            .unwrap_or(false),
        resolve_documentation: td
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.resolve_support.as_ref())
            .is_some_and(|r| r.properties.iter().any(|p| p == "documentation")),
        hierarchical_symbols: td
            .and_then(|t| t.document_symbol.as_ref())
            .and_then(|d| d.hierarchical_document_symbol_support)
            .unwrap_or(false),
        watch_registration: caps
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false),
        related_information: td
            .and_then(|t| t.publish_diagnostics.as_ref())
            .and_then(|p| p.related_information)
            .unwrap_or(true),
        markdown_hover: td
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
            .is_none_or(|f| f.is_empty() || f.contains(&MarkupKind::Markdown)),
    }
}

/// Workspace folders as local paths: `workspaceFolders`, else the deprecated `rootUri`.
#[allow(deprecated, reason = "rootUri is what single-folder clients (Neovim 0.7) still send")]
pub(crate) fn roots(params: &InitializeParams) -> Vec<PathBuf> {
    if let Some(folders) = &params.workspace_folders {
        let roots: Vec<PathBuf> = folders.iter().filter_map(|f| convert::file_path(&f.uri)).collect();
        if !roots.is_empty() {
            return roots;
        }
    }
    params.root_uri.as_ref().and_then(convert::file_path).into_iter().collect()
}

/// The settings of `initializationOptions` over the project's (`backline.toml`).
pub(crate) fn settings(
    params: &InitializeParams,
    project: Option<&serde_json::Value>,
    base: Option<&std::path::Path>,
) -> (Settings, Vec<String>) {
    match (&params.initialization_options, project) {
        (Some(v), _) => Settings::from_json(&crate::settings::merge(project, v), base),
        (None, Some(p)) => Settings::from_json(p, base),
        (None, None) => (Settings::default(), Vec::new()),
    }
}

pub(crate) fn result(encoding: Encoding) -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(encoding_kind(encoding)),
            text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                will_save: None,
                will_save_wait_until: None,
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
            })),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec![":".into(), " ".into(), "/".into(), "-".into()]),
                resolve_provider: Some(true),
                ..CompletionOptions::default()
            }),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })),
            document_symbol_provider: Some(OneOf::Left(true)),
            workspace_symbol_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                resolve_provider: Some(false),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: COMMANDS.iter().map(|c| (*c).to_owned()).collect(),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            }),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo { name: "backline".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
        offset_encoding: None,
    }
}

/**
 * The VS Code side of Backline: starts `backline lsp` on stdio next to Red Hat's YAML extension,
 * feeds it only catalog documents, keeps its settings in sync and adds three commands.
 *
 * Everything that can be decided without VS Code (which files are catalog files, how settings
 * become the server's options, where the binary is, how results read) lives in plain modules with
 * their own tests; this file is the glue.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  DidOpenTextDocumentNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type ResponseError,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
  State,
} from 'vscode-languageclient/node';

import { CATALOG_FILE_GLOBS, DocumentGate, HEAD_CHARS } from './catalogFile';
import {
  CLIENT_COMMANDS,
  checkSummary,
  checkWorkspaceRequest,
  ownerAtRequest,
  ownerMarkdown,
  ownerSummary,
  parseCheckResult,
  parseOwnerResult,
} from './protocol';
import { isExecutableFile, resolveServerBinary, SERVER_ARGS } from './serverBinary';
import { didChangeConfigurationParams, type ServerSettings, toServerSettings } from './settings';

const SECTION = 'backline';
const OWNER_SCHEME = 'backline-owner';
/** Lines read for the content check; HEAD_CHARS caps the characters. */
const HEAD_LINES = 200;

/**
 * Which documents go to the server.
 *
 * The two file-name patterns are static and could be a plain document selector. Files that are
 * catalog files only by content (`apiVersion: backstage.io/...` in any .yaml) cannot: a selector
 * is fixed when the client starts, VS Code copies it when providers are registered, and the only
 * way to widen it later is to restart the client for every such file. So the selector also
 * admits every YAML file on disk, and this middleware is the real filter: a document is
 * forwarded (didOpen, changes, saves, and every language feature request) only if it is a catalog
 * file by name or by the head of its content. A YAML file that becomes a catalog file while being
 * edited is opened on the server at that moment. Non-catalog YAML costs one regex on open and a
 * set lookup per event; it never reaches the server, so the server does not even see documents it
 * would ignore, and Red Hat's YAML extension keeps serving all YAML as before.
 */
const DOCUMENT_SELECTOR = [
  ...CATALOG_FILE_GLOBS.map((pattern) => ({ scheme: 'file', language: 'yaml', pattern })),
  { scheme: 'file', language: 'yaml' },
];

/** Feature requests gated by the catalog filter; each receives the document (or its URI) first. */
const GATED_PROVIDERS = [
  'provideCompletionItem',
  'provideHover',
  'provideDefinition',
  'provideDeclaration',
  'provideTypeDefinition',
  'provideImplementation',
  'provideReferences',
  'provideDocumentHighlights',
  'provideDocumentSymbols',
  'provideCodeActions',
  'provideCodeLenses',
  'provideDocumentLinks',
  'provideDocumentFormattingEdits',
  'provideDocumentRangeFormattingEdits',
  'provideOnTypeFormattingEdits',
  'provideRenameEdits',
  'prepareRename',
  'provideSignatureHelp',
  'provideFoldingRanges',
  'provideSelectionRanges',
  'provideInlayHints',
  'provideLinkedEditingRange',
  'provideDocumentSemanticTokens',
  'provideDocumentSemanticTokensEdits',
  'provideDocumentRangeSemanticTokens',
  'provideDiagnostics',
] as const;

function headOf(document: vscode.TextDocument): string {
  const end = Math.min(document.lineCount, HEAD_LINES);
  return document.getText(new vscode.Range(0, 0, end, 0)).slice(0, HEAD_CHARS);
}

/** Applies the pure DocumentGate to VS Code documents and builds the client middleware from it. */
class CatalogGate {
  private readonly gate = new DocumentGate();

  tracks(target: vscode.TextDocument | vscode.Uri): boolean {
    const uri = target instanceof vscode.Uri ? target : target.uri;
    return this.gate.allows(uri.toString());
  }

  reset(): void {
    this.gate.reset();
  }

  middleware(client: () => LanguageClient | undefined): Middleware {
    const middleware: Middleware = {
      didOpen: (document, next) => {
        const file = document.uri.scheme === 'file';
        return file && this.gate.opened(document.uri.toString(), document.uri.fsPath, headOf(document))
          ? next(document)
          : Promise.resolve();
      },
      didChange: async (event, next) => {
        const { document } = event;
        if (document.uri.scheme !== 'file') {
          return;
        }
        const decision = this.gate.changed(document.uri.toString(), document.uri.fsPath, headOf(document));
        if (decision === 'forward') {
          return next(event);
        }
        const current = client();
        if (decision === 'drop' || current === undefined) {
          return;
        }
        // It just became a catalog file (someone typed the apiVersion line): the document already
        // holds the edited text, so opening it now supersedes this change event.
        await current.sendNotification(
          DidOpenTextDocumentNotification.type,
          current.code2ProtocolConverter.asOpenTextDocumentParams(event.document),
        );
      },
      didSave: (document, next) => (this.tracks(document) ? next(document) : Promise.resolve()),
      willSave: (event, next) => (this.tracks(event.document) ? next(event) : Promise.resolve()),
      willSaveWaitUntil: (event, next) => (this.tracks(event.document) ? next(event) : Promise.resolve([])),
      didClose: (document, next) => (this.gate.closed(document.uri.toString()) ? next(document) : Promise.resolve()),
    };
    // Every provider has the shape (documentOrUri, ...args, next); a non-catalog document gets
    // "no answer" (undefined), which VS Code treats like a server returning null.
    // resolveCompletionItem receives a completion item instead and is never gated.
    const dynamic = middleware as Record<string, unknown>;
    for (const name of GATED_PROVIDERS) {
      dynamic[name] = (...args: unknown[]): unknown => {
        const target = args[0];
        const next = args[args.length - 1] as (...rest: unknown[]) => unknown;
        const isDocumentLike =
          target instanceof vscode.Uri || (typeof target === 'object' && target !== null && 'uri' in target);
        if (isDocumentLike && !this.tracks(target as vscode.TextDocument | vscode.Uri)) {
          return undefined;
        }
        return next(...args.slice(0, -1));
      };
    }
    return middleware;
  }
}

/** Read-only markdown documents for "Show Details" on an owner answer (no webview needed). */
class OwnerDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  show(entity: string, markdown: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: OWNER_SCHEME, path: `/${entity.replace(/[:/]/g, '_')}.md` });
    this.contents.set(uri.toString(), markdown);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** Owns the language client: start, stop, restart, settings pushes. */
class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private lastProblems = '';

  constructor(
    private readonly output: vscode.OutputChannel,
    private readonly gate: CatalogGate,
  ) {}

  get running(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /** The contract object for a scope (the first folder when none is given). */
  settings(scope?: vscode.Uri): ServerSettings {
    const config = vscode.workspace.getConfiguration(SECTION, scope ?? vscode.workspace.workspaceFolders?.[0]?.uri);
    const { settings, problems } = toServerSettings(
      { catalogs: config.get('catalogs'), lints: config.get('lints'), trace: config.get('trace.server') },
      { workspaceRoot: workspaceRoot(), homeDir: os.homedir() },
    );
    const joined = problems.join('\n');
    if (joined !== this.lastProblems) {
      this.lastProblems = joined;
      for (const problem of problems) {
        this.output.appendLine(`[settings] ${problem}`);
      }
      if (problems.length > 0) {
        void vscode.window.showWarningMessage(`Backline: ${problems[0]}${problems.length > 1 ? ' (more in the Backline output)' : ''}`);
      }
    }
    return settings;
  }

  async start(): Promise<void> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const binary = resolveServerBinary({
      configuredPath: config.get<string>('path') ?? '',
      envPath: process.env.PATH,
      pathExt: process.env.PATHEXT,
      platform: process.platform,
      workspaceRoot: workspaceRoot(),
      homeDir: os.homedir(),
      isExecutable: isExecutableFile,
    });
    if (binary.kind === 'missing') {
      this.output.appendLine(`[start] ${binary.message}`);
      const choice = await vscode.window.showErrorMessage(`Backline: ${binary.message}`, 'Open Settings');
      if (choice === 'Open Settings') {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'backline.path');
      }
      return;
    }
    this.output.appendLine(`[start] ${binary.path} ${SERVER_ARGS.join(' ')} (found via ${binary.source})`);

    const serverOptions: ServerOptions = {
      command: binary.path,
      args: [...SERVER_ARGS],
      options: { cwd: workspaceRoot() },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      diagnosticCollectionName: 'backline',
      outputChannel: this.output,
      initializationOptions: () => this.settings(),
      middleware: {
        ...this.gate.middleware(() => this.client),
        workspace: {
          // Servers may also pull settings; answer the `backline` section in the contract's shape
          // rather than VS Code's raw one (`trace.server`, unresolved paths).
          configuration: async (params, token, next) => {
            const answer: unknown = await next(params, token);
            if (!Array.isArray(answer)) {
              return answer as ResponseError<void>;
            }
            const values: unknown[] = answer;
            return params.items.map((item, index): unknown =>
              item.section === SECTION
                ? this.settings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
                : values[index],
            );
          },
        },
      },
    };
    this.gate.reset();
    // The id "backline" makes vscode-languageclient read `backline.trace.server` for its own log.
    const client = new LanguageClient(SECTION, 'Backline', serverOptions, clientOptions);
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.output.appendLine(`[start] failed: ${String(error)}`);
      void vscode.window.showErrorMessage(`Backline: the server did not start (${String(error)}). See the Backline output.`);
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) {
      return;
    }
    try {
      if (client.needsStop()) {
        await client.stop(5000);
      }
    } catch (error) {
      this.output.appendLine(`[stop] ${String(error)}`);
    }
    await client.dispose().catch(() => undefined);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Sends the current settings as `workspace/didChangeConfiguration`. */
  async pushSettings(): Promise<void> {
    const client = this.running;
    if (client !== undefined) {
      await client.sendNotification(DidChangeConfigurationNotification.type, didChangeConfigurationParams(this.settings()));
    }
  }

  dispose(): void {
    void this.stop();
  }
}

function serverOrComplain(controller: ServerController): LanguageClient | undefined {
  const client = controller.running;
  if (client === undefined) {
    void vscode.window.showErrorMessage('Backline: the server is not running. Run "Backline: Restart Server" or check the Backline output.');
  }
  return client;
}

async function showOwner(controller: ServerController, gate: CatalogGate, documents: OwnerDocuments): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || !gate.tracks(editor.document)) {
    void vscode.window.showInformationMessage(
      'Backline: put the cursor on an entity in a catalog file (catalog-info.yaml, *.catalog-info.yaml, or YAML with apiVersion: backstage.io/...).',
    );
    return;
  }
  const client = serverOrComplain(controller);
  if (client === undefined) {
    return;
  }
  const position = editor.selection.active;
  const request = ownerAtRequest(client.code2ProtocolConverter.asUri(editor.document.uri), position.line, position.character);
  const result = parseOwnerResult(await client.sendRequest(ExecuteCommandRequest.type, request));
  switch (result.kind) {
    case 'none':
      void vscode.window.showInformationMessage('Backline: no entity or entity reference under the cursor.');
      return;
    case 'invalid':
      void vscode.window.showErrorMessage(`Backline: unexpected answer from the server (${result.reason}).`);
      return;
    case 'owner': {
      const choice = await vscode.window.showInformationMessage(`Backline: ${ownerSummary(result.answer)}`, 'Show Details');
      if (choice === 'Show Details') {
        const uri = documents.show(result.answer.entity, ownerMarkdown(result.answer));
        try {
          await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
        } catch {
          // The built-in Markdown extension can be disabled; the source is still readable.
          await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preview: true });
        }
      }
      return;
    }
  }
}

async function checkWorkspace(controller: ServerController): Promise<void> {
  const client = serverOrComplain(controller);
  if (client === undefined) {
    return;
  }
  const raw: unknown = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Backline: checking the workspace…' },
    () => client.sendRequest(ExecuteCommandRequest.type, checkWorkspaceRequest()),
  );
  const result = parseCheckResult(raw);
  if (result.kind === 'invalid') {
    void vscode.window.showErrorMessage(`Backline: unexpected answer from the server (${result.reason}).`);
    return;
  }
  const message = checkSummary(result.counts);
  if (result.counts.errors + result.counts.warnings === 0) {
    void vscode.window.showInformationMessage(message);
    return;
  }
  const show = result.counts.errors > 0 ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
  if ((await show(message, 'Show Problems')) === 'Show Problems') {
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }
}

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Backline');
  const gate = new CatalogGate();
  const ownerDocuments = new OwnerDocuments();
  controller = new ServerController(output, gate);
  const current = controller;

  context.subscriptions.push(
    output,
    ownerDocuments,
    current,
    vscode.workspace.registerTextDocumentContentProvider(OWNER_SCHEME, ownerDocuments),
    vscode.commands.registerCommand(CLIENT_COMMANDS.restartServer, async () => {
      await current.restart();
      if (current.running) {
        void vscode.window.setStatusBarMessage('Backline: server restarted', 3000);
      }
    }),
    vscode.commands.registerCommand(CLIENT_COMMANDS.showOwner, () => showOwner(current, gate, ownerDocuments)),
    vscode.commands.registerCommand(CLIENT_COMMANDS.checkWorkspace, () => checkWorkspace(current)),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('backline.path')) {
        await current.restart();
      } else if (event.affectsConfiguration(SECTION)) {
        await current.pushSettings();
      }
    }),
  );

  await current.start();
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}

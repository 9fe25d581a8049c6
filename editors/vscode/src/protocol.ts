/**
 * The client's half of the server contract: command identifiers, the exact request payloads for
 * `backline.ownerAt` and `backline.checkWorkspace`, and defensive parsing of their results into the
 * sentences users see.
 *
 * Results are parsed, not cast: a server from a different release may answer with another shape,
 * and the user should get "unexpected answer" rather than "undefined is owned by undefined".
 *
 * Kept free of `vscode` imports so it runs under `node --test`.
 */

/** Commands the server executes (`workspace/executeCommand`). */
export const SERVER_COMMANDS = {
  ownerAt: 'backline.ownerAt',
  checkWorkspace: 'backline.checkWorkspace',
} as const;

/**
 * Commands the extension contributes. They must differ from SERVER_COMMANDS: vscode-languageclient
 * registers every command the server advertises under its own id, and a second registration of
 * the same id would fail.
 */
export const CLIENT_COMMANDS = {
  restartServer: 'backline.restartServer',
  showOwner: 'backline.showOwner',
  checkWorkspace: 'backline.runWorkspaceCheck',
} as const;

export interface ExecuteCommandPayload {
  command: string;
  arguments?: unknown[];
}

/** `backline.ownerAt` for a document URI and a zero-based UTF-16 position (what VS Code positions are). */
export function ownerAtRequest(uri: string, line: number, character: number): ExecuteCommandPayload {
  return { command: SERVER_COMMANDS.ownerAt, arguments: [{ uri, position: { line, character } }] };
}

/** `backline.checkWorkspace` takes no arguments. */
export function checkWorkspaceRequest(): ExecuteCommandPayload {
  return { command: SERVER_COMMANDS.checkWorkspace };
}

export interface OwnerAnswer {
  entity: string;
  owner: string;
  markdown: string;
}

export type OwnerResult =
  | { kind: 'none' }
  | { kind: 'owner'; answer: OwnerAnswer }
  | { kind: 'invalid'; reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseOwnerResult(value: unknown): OwnerResult {
  if (value === null || value === undefined) {
    return { kind: 'none' };
  }
  if (!isObject(value)) {
    return { kind: 'invalid', reason: `expected an object, got ${JSON.stringify(value)}` };
  }
  const { entity, owner, markdown } = value;
  if (typeof entity !== 'string' || typeof owner !== 'string') {
    return { kind: 'invalid', reason: 'the answer lacks "entity" or "owner"' };
  }
  return {
    kind: 'owner',
    answer: { entity, owner, markdown: typeof markdown === 'string' ? markdown : '' },
  };
}

/** One line for a notification: "component:default/payments-api is owned by group:default/team-payments." */
export function ownerSummary(answer: OwnerAnswer): string {
  return `${answer.entity} is owned by ${answer.owner}.`;
}

/** The markdown document shown on "Show Details", with a heading when the server sent none. */
export function ownerMarkdown(answer: OwnerAnswer): string {
  const body = answer.markdown.trim();
  if (body === '') {
    return `# ${answer.entity}\n\nOwner: \`${answer.owner}\`\n`;
  }
  return body.startsWith('#') ? `${body}\n` : `# ${answer.entity}\n\n${body}\n`;
}

export interface CheckCounts {
  files: number;
  errors: number;
  warnings: number;
}

export type CheckResult = { kind: 'counts'; counts: CheckCounts } | { kind: 'invalid'; reason: string };

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

export function parseCheckResult(value: unknown): CheckResult {
  if (!isObject(value)) {
    return { kind: 'invalid', reason: `expected an object, got ${JSON.stringify(value)}` };
  }
  const { files, errors, warnings } = value;
  if (!isCount(files) || !isCount(errors) || !isCount(warnings)) {
    return { kind: 'invalid', reason: 'expected non-negative integer "files", "errors" and "warnings"' };
  }
  return { kind: 'counts', counts: { files, errors, warnings } };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Backline checked 12 catalog files: 2 errors, 1 warning." */
export function checkSummary(counts: CheckCounts): string {
  const files = plural(counts.files, 'catalog file', 'catalog files');
  if (counts.errors === 0 && counts.warnings === 0) {
    return `Backline checked ${files}: no errors or warnings.`;
  }
  return `Backline checked ${files}: ${plural(counts.errors, 'error', 'errors')}, ${plural(counts.warnings, 'warning', 'warnings')}.`;
}

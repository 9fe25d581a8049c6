/**
 * Turns the user's `backline.*` settings into the object the server contract expects, both as
 * `initializationOptions` and as `settings.backline` in `workspace/didChangeConfiguration`.
 *
 * The server receives only normalised values: absolute catalog paths (a relative path means
 * nothing to a process whose working directory we do not control), known lint levels, a valid
 * trace level. Whatever is dropped is reported back as a problem so the user learns why.
 *
 * Kept free of `vscode` imports so it runs under `node --test`.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LINT_LEVELS = ['off', 'hint', 'warning', 'error'] as const;
export type LintLevel = (typeof LINT_LEVELS)[number];

export const TRACE_LEVELS = ['off', 'messages', 'verbose'] as const;
export type TraceLevel = (typeof TRACE_LEVELS)[number];

/** Exactly the object of the server contract. */
export interface ServerSettings {
  catalogs: string[];
  lints: Record<string, LintLevel>;
  trace: TraceLevel;
}

/** The settings as VS Code hands them over: anything the user typed into settings.json. */
export interface RawSettings {
  catalogs?: unknown;
  lints?: unknown;
  trace?: unknown;
}

export interface SettingsContext {
  /** First workspace folder, used to resolve relative paths; undefined when no folder is open. */
  workspaceRoot?: string;
  homeDir: string;
  /** Defaults to the host's path flavour; tests pass `path.win32` or `path.posix`. */
  pathApi?: path.PlatformPath;
}

export interface NormalisedSettings {
  settings: ServerSettings;
  /** One human-readable sentence per ignored or adjusted value. */
  problems: string[];
}

const DATABASE_URL = /^postgres(?:ql)?:\/\//i;
const ANY_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Finding codes look like BS0301 or BL0101 (any case). */
const FINDING_CODE = /^[a-z]{2}\d{4}$/i;
/** Lints also go by their readable names, e.g. unknown-reference for BL0101. */
const LINT_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/i;

/** `~`, `~/x`, `${workspaceFolder}/x` and relative paths become absolute; URLs stay as they are. */
export function resolveCatalogEntry(
  entry: string,
  ctx: SettingsContext,
): { value?: string; problem?: string } {
  const p = ctx.pathApi ?? path;
  const trimmed = entry.trim();
  if (trimmed === '') {
    return { problem: 'backline.catalogs: an empty entry was ignored.' };
  }
  if (DATABASE_URL.test(trimmed)) {
    return { value: trimmed };
  }
  if (/^file:\/\//i.test(trimmed)) {
    try {
      return { value: fileURLToPath(trimmed) };
    } catch {
      return { problem: `backline.catalogs: "${trimmed}" is not a valid file URL and was ignored.` };
    }
  }
  if (ANY_URL.test(trimmed)) {
    return {
      problem: `backline.catalogs: "${trimmed}" is neither a path nor a postgres:// URL and was ignored.`,
    };
  }
  let candidate = trimmed;
  const folderVar = '${workspaceFolder}';
  if (candidate.startsWith(folderVar)) {
    if (ctx.workspaceRoot === undefined) {
      return { problem: `backline.catalogs: "${trimmed}" uses \${workspaceFolder} but no folder is open; ignored.` };
    }
    candidate = p.join(ctx.workspaceRoot, candidate.slice(folderVar.length));
  } else if (candidate === '~') {
    candidate = ctx.homeDir;
  } else if (candidate.startsWith('~/') || candidate.startsWith('~\\')) {
    candidate = p.join(ctx.homeDir, candidate.slice(2));
  }
  if (p.isAbsolute(candidate)) {
    return { value: p.normalize(candidate) };
  }
  if (ctx.workspaceRoot === undefined) {
    return {
      problem: `backline.catalogs: "${trimmed}" is relative and no folder is open to resolve it against; ignored.`,
    };
  }
  return { value: p.resolve(ctx.workspaceRoot, candidate) };
}

function normaliseCatalogs(raw: unknown, ctx: SettingsContext, problems: string[]): string[] {
  if (raw === undefined || raw === null) {
    return [];
  }
  const entries = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(entries)) {
    problems.push('backline.catalogs must be a list of strings; the value was ignored.');
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string') {
      problems.push(`backline.catalogs: ${JSON.stringify(entry)} is not a string and was ignored.`);
      continue;
    }
    const { value, problem } = resolveCatalogEntry(entry, ctx);
    if (problem !== undefined) {
      problems.push(problem);
    }
    if (value !== undefined && !out.includes(value)) {
      out.push(value);
    }
  }
  return out;
}

/** Accepts the common spelling `warn` for `warning`; everything else must be one of the four levels. */
function lintLevel(value: unknown): LintLevel | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const lower = value.trim().toLowerCase();
  const level = lower === 'warn' ? 'warning' : lower;
  return (LINT_LEVELS as readonly string[]).includes(level) ? (level as LintLevel) : undefined;
}

function normaliseLints(raw: unknown, problems: string[]): Record<string, LintLevel> {
  if (raw === undefined || raw === null) {
    return {};
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push('backline.lints must be an object like { "BL0101": "error" }; the value was ignored.');
    return {};
  }
  const out: Record<string, LintLevel> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const trimmed = key.trim();
    let id: string;
    if (FINDING_CODE.test(trimmed)) {
      id = trimmed.toUpperCase();
      if (id.startsWith('BS')) {
        problems.push(`backline.lints: ${id} is a Backstage rule (Backstage refuses such entities) and stays an error; ignored.`);
        continue;
      }
    } else if (LINT_NAME.test(trimmed)) {
      id = trimmed.toLowerCase();
    } else {
      problems.push(`backline.lints: "${key}" is neither a lint code (like BL0101) nor a lint name (like unknown-reference); ignored.`);
      continue;
    }
    const level = lintLevel(value);
    if (level === undefined) {
      problems.push(
        `backline.lints: ${id} has level ${JSON.stringify(value)}; use one of ${LINT_LEVELS.join(', ')}. Ignored.`,
      );
      continue;
    }
    out[id] = level;
  }
  return out;
}

function normaliseTrace(raw: unknown, problems: string[]): TraceLevel {
  if (raw === undefined || raw === null) {
    return 'off';
  }
  if (typeof raw === 'string' && (TRACE_LEVELS as readonly string[]).includes(raw)) {
    return raw as TraceLevel;
  }
  problems.push(`backline.trace.server: ${JSON.stringify(raw)} is not one of ${TRACE_LEVELS.join(', ')}; using "off".`);
  return 'off';
}

/** The settings → server-contract conversion. Never throws; bad values become `problems`. */
export function toServerSettings(raw: RawSettings, ctx: SettingsContext): NormalisedSettings {
  const problems: string[] = [];
  const settings: ServerSettings = {
    catalogs: normaliseCatalogs(raw.catalogs, ctx, problems),
    lints: normaliseLints(raw.lints, problems),
    trace: normaliseTrace(raw.trace, problems),
  };
  return { settings, problems };
}

/** The `workspace/didChangeConfiguration` payload of the contract. */
export function didChangeConfigurationParams(settings: ServerSettings): { settings: { backline: ServerSettings } } {
  return { settings: { backline: settings } };
}

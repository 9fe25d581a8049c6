/**
 * Finds the `backline` executable: the `backline.path` setting when set, otherwise a search of
 * `PATH` that honours the platform's executable extensions (`PATHEXT` on Windows).
 *
 * Node's `child_process.spawn` would search PATH itself, but only at spawn time and with an
 * unhelpful `ENOENT`; resolving first lets the extension say exactly what it looked for and offer
 * the setting. Everything platform-specific is a parameter so the Windows rules are tested on Linux.
 *
 * Kept free of `vscode` imports so it runs under `node --test`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The server is always started as `<binary> lsp` on stdio. */
export const SERVER_ARGS: readonly string[] = ['lsp'];
export const DEFAULT_BINARY_NAME = 'backline';
const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD';

export interface BinaryLookup {
  /** The `backline.path` setting; empty means "search PATH for backline". */
  configuredPath: string;
  envPath: string | undefined;
  /** Windows only; ignored elsewhere. */
  pathExt: string | undefined;
  platform: NodeJS.Platform;
  workspaceRoot?: string;
  homeDir: string;
  isExecutable: (candidate: string) => boolean;
}

export type BinaryResolution =
  | { kind: 'found'; path: string; source: 'setting' | 'PATH' }
  | { kind: 'missing'; message: string };

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/**
 * The file names to try for `name`: on Windows `name` plus each PATHEXT extension unless `name`
 * already carries one of them; elsewhere just `name`.
 */
export function executableCandidates(name: string, platform: NodeJS.Platform, pathExt: string | undefined): string[] {
  if (platform !== 'win32') {
    return [name];
  }
  const exts = (pathExt && pathExt.trim() !== '' ? pathExt : DEFAULT_PATHEXT)
    .split(';')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const lower = name.toLowerCase();
  if (exts.some((e) => lower.endsWith(e.toLowerCase()))) {
    return [name];
  }
  return [...exts.map((e) => name + e.toLowerCase()), name];
}

/** PATH entries in order, without empty entries (an empty entry means "current directory", which we never search). */
export function pathEntries(envPath: string | undefined, platform: NodeJS.Platform): string[] {
  if (!envPath) {
    return [];
  }
  const delimiter = platform === 'win32' ? ';' : ':';
  return envPath
    .split(delimiter)
    .map((entry) => (platform === 'win32' ? entry.trim().replace(/^"(.*)"$/, '$1') : entry))
    .filter((entry) => entry !== '');
}

/** Searches PATH for `name` and returns the first executable candidate. */
export function findOnPath(name: string, lookup: BinaryLookup): string | undefined {
  const p = pathApi(lookup.platform);
  for (const dir of pathEntries(lookup.envPath, lookup.platform)) {
    for (const file of executableCandidates(name, lookup.platform, lookup.pathExt)) {
      const candidate = p.join(dir, file);
      if (lookup.isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

function expandHome(value: string, lookup: BinaryLookup): string {
  const p = pathApi(lookup.platform);
  if (value === '~') {
    return lookup.homeDir;
  }
  if (value.startsWith('~/') || value.startsWith('~\\')) {
    return p.join(lookup.homeDir, value.slice(2));
  }
  return value;
}

/** The whole rule, without touching the file system except through `isExecutable`. */
export function resolveServerBinary(lookup: BinaryLookup): BinaryResolution {
  const p = pathApi(lookup.platform);
  const configured = lookup.configuredPath.trim();
  if (configured === '') {
    const found = findOnPath(DEFAULT_BINARY_NAME, lookup);
    return found
      ? { kind: 'found', path: found, source: 'PATH' }
      : {
          kind: 'missing',
          message:
            'Could not find "backline" on PATH. Install it (cargo install --path . in the Backline repository) or set "backline.path".',
        };
  }

  const expanded = expandHome(configured, lookup);
  const hasSeparator = expanded.includes('/') || (lookup.platform === 'win32' && expanded.includes('\\'));
  if (!hasSeparator && !p.isAbsolute(expanded)) {
    // A bare command name such as "backline-nightly": look it up like a shell would.
    const found = findOnPath(expanded, lookup);
    return found
      ? { kind: 'found', path: found, source: 'PATH' }
      : { kind: 'missing', message: `"backline.path" is "${configured}", which is not on PATH.` };
  }

  let absolute = expanded;
  if (!p.isAbsolute(absolute)) {
    if (lookup.workspaceRoot === undefined) {
      return {
        kind: 'missing',
        message: `"backline.path" is the relative path "${configured}" but no folder is open to resolve it against.`,
      };
    }
    absolute = p.resolve(lookup.workspaceRoot, absolute);
  }
  for (const candidate of executableCandidates(absolute, lookup.platform, lookup.pathExt)) {
    if (lookup.isExecutable(candidate)) {
      return { kind: 'found', path: candidate, source: 'setting' };
    }
  }
  return {
    kind: 'missing',
    message: `"backline.path" points to ${absolute}, which does not exist or is not executable.`,
  };
}

/** The real check: a regular file, and on POSIX executable by us. */
export function isExecutableFile(candidate: string): boolean {
  try {
    if (!fs.statSync(candidate).isFile()) {
      return false;
    }
    if (process.platform !== 'win32') {
      fs.accessSync(candidate, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

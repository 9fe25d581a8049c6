/**
 * Binary resolution against a fake file system: PATH order, Windows PATHEXT, the setting's
 * absolute, relative, `~` and bare-name forms, and the messages when nothing is found.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import {
  type BinaryLookup,
  executableCandidates,
  isExecutableFile,
  pathEntries,
  resolveServerBinary,
} from '../serverBinary';

function lookup(executables: string[], overrides: Partial<BinaryLookup> = {}): BinaryLookup {
  const set = new Set(executables);
  return {
    configuredPath: '',
    envPath: '/usr/local/bin:/usr/bin',
    pathExt: undefined,
    platform: 'linux',
    workspaceRoot: '/work/repo',
    homeDir: '/home/ana',
    isExecutable: (candidate) => set.has(candidate),
    ...overrides,
  };
}

describe('executableCandidates', () => {
  it('is the name itself on POSIX', () => {
    assert.deepEqual(executableCandidates('backline', 'linux', '.EXE'), ['backline']);
    assert.deepEqual(executableCandidates('backline', 'darwin', undefined), ['backline']);
  });
  it('tries every PATHEXT extension on Windows', () => {
    assert.deepEqual(executableCandidates('backline', 'win32', '.EXE;.CMD'), ['backline.exe', 'backline.cmd', 'backline']);
  });
  it('uses a default PATHEXT when the variable is missing', () => {
    assert.ok(executableCandidates('backline', 'win32', undefined).includes('backline.exe'));
  });
  it('keeps a name that already has an executable extension', () => {
    assert.deepEqual(executableCandidates('backline.EXE', 'win32', '.EXE;.CMD'), ['backline.EXE']);
  });
});

describe('pathEntries', () => {
  it('skips empty entries (the current directory) on POSIX', () => {
    assert.deepEqual(pathEntries('/a::/b:', 'linux'), ['/a', '/b']);
  });
  it('splits on semicolons and unquotes on Windows', () => {
    assert.deepEqual(pathEntries('C:\\a;"C:\\Program Files\\b";;', 'win32'), ['C:\\a', 'C:\\Program Files\\b']);
  });
  it('handles a missing PATH', () => {
    assert.deepEqual(pathEntries(undefined, 'linux'), []);
  });
});

describe('resolveServerBinary', () => {
  it('finds backline on PATH, first match wins', () => {
    const found = resolveServerBinary(lookup(['/usr/bin/backline', '/usr/local/bin/backline']));
    assert.deepEqual(found, { kind: 'found', path: '/usr/local/bin/backline', source: 'PATH' });
  });

  it('finds backline.exe through PATHEXT on Windows', () => {
    const found = resolveServerBinary(
      lookup(['C:\\tools\\backline.exe'], {
        platform: 'win32',
        envPath: 'C:\\Windows;C:\\tools',
        pathExt: '.COM;.EXE',
        workspaceRoot: 'C:\\repo',
        homeDir: 'C:\\Users\\ana',
      }),
    );
    assert.deepEqual(found, { kind: 'found', path: 'C:\\tools\\backline.exe', source: 'PATH' });
  });

  it('reports a missing binary with a way out', () => {
    const missing = resolveServerBinary(lookup([]));
    assert.equal(missing.kind, 'missing');
    assert.match(missing.kind === 'missing' ? missing.message : '', /backline\.path/);
  });

  it('uses an absolute setting as is', () => {
    assert.deepEqual(resolveServerBinary(lookup(['/opt/backline/bin/backline'], { configuredPath: '/opt/backline/bin/backline' })), {
      kind: 'found',
      path: '/opt/backline/bin/backline',
      source: 'setting',
    });
  });

  it('does not fall back to PATH when the configured file is missing', () => {
    const result = resolveServerBinary(lookup(['/usr/bin/backline'], { configuredPath: '/opt/none/backline' }));
    assert.equal(result.kind, 'missing');
    assert.match(result.kind === 'missing' ? result.message : '', /\/opt\/none\/backline/);
  });

  it('resolves a relative setting against the workspace folder', () => {
    assert.deepEqual(resolveServerBinary(lookup(['/work/repo/target/debug/backline'], { configuredPath: './target/debug/backline' })), {
      kind: 'found',
      path: '/work/repo/target/debug/backline',
      source: 'setting',
    });
  });

  it('refuses a relative setting without a folder', () => {
    const result = resolveServerBinary(lookup([], { configuredPath: 'target/debug/backline', workspaceRoot: undefined }));
    assert.equal(result.kind, 'missing');
  });

  it('expands ~ in the setting', () => {
    assert.deepEqual(resolveServerBinary(lookup(['/home/ana/.cargo/bin/backline'], { configuredPath: '~/.cargo/bin/backline' })), {
      kind: 'found',
      path: '/home/ana/.cargo/bin/backline',
      source: 'setting',
    });
  });

  it('looks up a bare command name on PATH', () => {
    assert.deepEqual(resolveServerBinary(lookup(['/usr/bin/backline-nightly'], { configuredPath: 'backline-nightly' })), {
      kind: 'found',
      path: '/usr/bin/backline-nightly',
      source: 'PATH',
    });
  });

  it('adds PATHEXT to a configured Windows path without extension', () => {
    const found = resolveServerBinary(
      lookup(['D:\\bin\\backline.exe'], {
        platform: 'win32',
        configuredPath: 'D:\\bin\\backline',
        pathExt: '.EXE',
        envPath: '',
        workspaceRoot: 'C:\\repo',
        homeDir: 'C:\\Users\\ana',
      }),
    );
    assert.deepEqual(found, { kind: 'found', path: 'D:\\bin\\backline.exe', source: 'setting' });
  });
});

describe('isExecutableFile (real file system)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backline-bin-'));
  const script = path.join(dir, 'backline');
  const plain = path.join(dir, 'notes.txt');
  fs.writeFileSync(script, '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(plain, 'x', { mode: 0o644 });

  it('accepts an executable file', () => assert.equal(isExecutableFile(script), true));
  it('rejects a directory', () => assert.equal(isExecutableFile(dir), false));
  it('rejects a missing file', () => assert.equal(isExecutableFile(path.join(dir, 'none')), false));
  it('rejects a non-executable file on POSIX', { skip: process.platform === 'win32' }, () =>
    assert.equal(isExecutableFile(plain), false));
  it('finds the script through a real PATH', () => {
    const found = resolveServerBinary({
      configuredPath: '',
      envPath: `${path.join(dir, 'missing')}${path.delimiter}${dir}`,
      pathExt: process.env.PATHEXT,
      platform: process.platform,
      homeDir: os.homedir(),
      isExecutable: isExecutableFile,
    });
    assert.deepEqual(found, { kind: 'found', path: script, source: 'PATH' });
  });
});

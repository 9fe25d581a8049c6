/**
 * Settings → the server contract's object: path resolution, URLs, lint levels, trace levels, and
 * that every value the server will not see is reported as a problem.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { didChangeConfigurationParams, resolveCatalogEntry, toServerSettings } from '../settings';

const posix = { workspaceRoot: '/work/repo', homeDir: '/home/ana', pathApi: path.posix };

describe('resolveCatalogEntry', () => {
  const cases: [string, string | undefined][] = [
    ['/abs/catalog', '/abs/catalog'],
    ['/abs/catalog/../other/', '/abs/other/'],
    ['catalogs/org', '/work/repo/catalogs/org'],
    ['./index.db', '/work/repo/index.db'],
    ['../shared/backline.db', '/work/shared/backline.db'],
    ['~', '/home/ana'],
    ['~/catalogs', '/home/ana/catalogs'],
    ['${workspaceFolder}/org', '/work/repo/org'],
    ['  /padded  ', '/padded'],
    ['postgres://backline@db:5432/catalog', 'postgres://backline@db:5432/catalog'],
    ['postgresql://db/catalog?sslmode=require', 'postgresql://db/catalog?sslmode=require'],
    ['file:///srv/catalog', '/srv/catalog'],
    ['https://backstage.example.com', undefined],
    ['mysql://db/catalog', undefined],
    ['', undefined],
  ];
  for (const [entry, expected] of cases) {
    it(`${JSON.stringify(entry)} → ${expected ?? '(ignored)'}`, () => {
      const { value, problem } = resolveCatalogEntry(entry, posix);
      assert.equal(value, expected);
      assert.equal(problem === undefined, expected !== undefined);
    });
  }

  it('cannot resolve a relative path without a folder', () => {
    const { value, problem } = resolveCatalogEntry('catalogs', { homeDir: '/home/ana', pathApi: path.posix });
    assert.equal(value, undefined);
    assert.match(problem ?? '', /relative/);
  });

  it('resolves Windows paths with the Windows rules', () => {
    const win = { workspaceRoot: 'C:\\repo', homeDir: 'C:\\Users\\ana', pathApi: path.win32 };
    assert.equal(resolveCatalogEntry('catalogs\\org', win).value, 'C:\\repo\\catalogs\\org');
    assert.equal(resolveCatalogEntry('D:\\index.db', win).value, 'D:\\index.db');
    assert.equal(resolveCatalogEntry('~\\cat', win).value, 'C:\\Users\\ana\\cat');
  });
});

describe('toServerSettings', () => {
  it('gives the contract defaults for empty settings', () => {
    assert.deepEqual(toServerSettings({}, posix), {
      settings: { catalogs: [], lints: {}, trace: 'off' },
      problems: [],
    });
  });

  it('normalises a full, valid configuration', () => {
    const { settings, problems } = toServerSettings(
      {
        catalogs: ['catalogs', '/srv/index.db', 'postgres://db/catalog', 'catalogs'],
        lints: { BL0101: 'error', bl0103: 'Warning', BL0104: 'warn', 'Duplicate-Entity': 'off', 'owner-user-without-group': 'hint' },
        trace: 'verbose',
      },
      posix,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      catalogs: ['/work/repo/catalogs', '/srv/index.db', 'postgres://db/catalog'],
      lints: { BL0101: 'error', BL0103: 'warning', BL0104: 'warning', 'duplicate-entity': 'off', 'owner-user-without-group': 'hint' },
      trace: 'verbose',
    });
  });

  it('accepts a single string where a list is expected', () => {
    assert.deepEqual(toServerSettings({ catalogs: '/one' }, posix).settings.catalogs, ['/one']);
  });

  it('drops what the server would not understand and says why', () => {
    const { settings, problems } = toServerSettings(
      {
        catalogs: ['/ok', 42, 'https://example.com'],
        lints: { BL0101: 'fatal', 'no such rule': 'error', BL0102: 3, BS0301: 'warning', BL0103: 'error' },
        trace: 'loud',
      },
      posix,
    );
    assert.deepEqual(settings, { catalogs: ['/ok'], lints: { BL0103: 'error' }, trace: 'off' });
    assert.equal(problems.length, 7);
    assert.ok(problems.some((p) => p.includes('42')));
    assert.ok(problems.some((p) => p.includes('https://example.com')));
    assert.ok(problems.some((p) => p.includes('BL0101') && p.includes('fatal')));
    assert.ok(problems.some((p) => p.includes('no such rule')));
    assert.ok(problems.some((p) => p.includes('BS0301') && p.includes('Backstage rule')));
    assert.ok(problems.some((p) => p.includes('loud')));
  });

  it('rejects wrongly shaped values as a whole', () => {
    const { settings, problems } = toServerSettings({ catalogs: { a: 1 }, lints: ['BL0101'] }, posix);
    assert.deepEqual(settings, { catalogs: [], lints: {}, trace: 'off' });
    assert.equal(problems.length, 2);
  });
});

describe('didChangeConfigurationParams', () => {
  it('nests the object under settings.backline', () => {
    const settings = { catalogs: ['/c'], lints: { BL0101: 'error' as const }, trace: 'off' as const };
    assert.deepEqual(didChangeConfigurationParams(settings), { settings: { backline: settings } });
  });
});

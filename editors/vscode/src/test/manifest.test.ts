/**
 * package.json against the code: every contributed command is one the extension registers (and
 * the reverse), every setting the code reads is contributed with the contract's values, and the
 * activation events cover the catalog files. A drift here would ship commands that do nothing.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { CLIENT_COMMANDS } from '../protocol';
import { LINT_LEVELS, TRACE_LEVELS } from '../settings';

interface Manifest {
  name: string;
  publisher: string;
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  dependencies: Record<string, string>;
  contributes: {
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, { type: string; enum?: string[]; default?: unknown; additionalProperties?: { enum?: string[] } }> };
  };
}

// Compiled to out/test/, so the package root is two levels up.
const root = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;

describe('package.json', () => {
  it('identifies the extension', () => {
    assert.equal(manifest.name, 'backline');
    assert.equal(manifest.publisher, 'backline');
    assert.equal(manifest.engines.vscode, '^1.85.0');
    assert.match(manifest.dependencies['vscode-languageclient'] ?? '', /^\^9\./);
    // The esbuild bundle (npm run bundle): the extension and vscode-languageclient in one file.
    assert.equal(manifest.main, './dist/extension.js');
  });

  it('activates on YAML and on workspaces with catalog files', () => {
    assert.ok(manifest.activationEvents.includes('onLanguage:yaml'));
    assert.ok(manifest.activationEvents.includes('workspaceContains:**/catalog-info.yaml'));
  });

  it('contributes exactly the commands the extension registers', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, Object.values(CLIENT_COMMANDS).sort());
    const titles = manifest.contributes.commands.map((c) => `${c.category}: ${c.title}`).sort();
    assert.deepEqual(titles, [
      'Backline: Check Workspace',
      'Backline: Restart Server',
      'Backline: Show Owner of Entity Under Cursor',
    ]);
  });

  it('contributes the settings the extension reads', () => {
    const props = manifest.contributes.configuration.properties;
    assert.deepEqual(Object.keys(props).sort(), ['backline.catalogs', 'backline.lints', 'backline.path', 'backline.trace.server']);
    assert.equal(props['backline.path']?.type, 'string');
    assert.equal(props['backline.path']?.default, '');
    assert.equal(props['backline.catalogs']?.type, 'array');
    assert.equal(props['backline.lints']?.type, 'object');
    assert.deepEqual(props['backline.lints']?.additionalProperties?.enum, [...LINT_LEVELS]);
    assert.deepEqual(props['backline.trace.server']?.enum, [...TRACE_LEVELS]);
  });

  it('bundles the entry point the manifest names into one self-contained file', () => {
    const bundle = path.join(root, manifest.main);
    assert.ok(fs.existsSync(bundle), `${manifest.main} is missing; run npm run bundle`);
    // The .vsix ships no node_modules: the bundle may require only VS Code's API and Node's own
    // modules, never a package (vscode-languageclient must be inside it).
    const text = fs.readFileSync(bundle, 'utf8');
    const required = [...text.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1] ?? '');
    const builtins = new Set(builtinModules);
    const packages = required.filter((name) => name !== 'vscode' && !builtins.has(name.replace(/^node:/, '')));
    assert.deepEqual([...new Set(packages)], []);
    assert.ok(required.includes('vscode'));
    assert.match(text, /vscode-languageclient|LanguageClient/);
  });
});

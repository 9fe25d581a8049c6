/**
 * The "is this a catalog file" rule, by name and by content, including the near misses that must
 * stay with the YAML extension alone (Kubernetes manifests, indented apiVersion keys, other names).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { declaresBackstageApiVersion, DocumentGate, HEAD_CHARS, isCatalogDocument, isCatalogFileName } from '../catalogFile';

describe('isCatalogFileName', () => {
  const cases: [string, boolean][] = [
    ['/repo/catalog-info.yaml', true],
    ['catalog-info.yaml', true],
    ['C:\\repo\\svc\\catalog-info.yaml', true],
    ['/repo/payments.catalog-info.yaml', true],
    ['/repo/.catalog-info.yaml', false],
    ['/repo/catalog-info.yml', false],
    ['/repo/catalog-info.yaml.bak', false],
    ['/repo/my-catalog-info.yaml', false],
    ['/repo/catalog-info.yaml/other.yaml', false],
    ['/repo/Catalog-Info.yaml', false],
  ];
  for (const [name, expected] of cases) {
    it(`${name} → ${expected}`, () => assert.equal(isCatalogFileName(name), expected));
  }
});

describe('declaresBackstageApiVersion', () => {
  const cases: [string, string, boolean][] = [
    ['component', 'apiVersion: backstage.io/v1alpha1\nkind: Component\n', true],
    ['template', 'apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\n', true],
    ['quoted value', 'apiVersion: "backstage.io/v1alpha1"\n', true],
    ['single-quoted value', "apiVersion: 'backstage.io/v1beta1'\n", true],
    ['quoted key', '"apiVersion": backstage.io/v1alpha1\n', true],
    ['after comments and a document marker', '# owned by team-a\n---\napiVersion: backstage.io/v1alpha1\n', true],
    ['second document', 'apiVersion: v1\nkind: ConfigMap\n---\napiVersion: backstage.io/v1alpha1\n', true],
    ['BOM', '\uFEFFapiVersion: backstage.io/v1alpha1\n', true],
    ['CRLF', 'kind: Group\r\napiVersion: backstage.io/v1alpha1\r\n', true],
    ['kubernetes', 'apiVersion: apps/v1\nkind: Deployment\n', false],
    ['indented (embedded, not an entity)', 'items:\n  apiVersion: backstage.io/v1alpha1\n', false],
    ['look-alike domain', 'apiVersion: notbackstage.io/v1\n', false],
    ['in a comment', '# apiVersion: backstage.io/v1alpha1\napiVersion: v1\n', false],
    ['other key', 'version: backstage.io/v1alpha1\n', false],
    ['empty', '', false],
  ];
  for (const [label, text, expected] of cases) {
    it(`${label} → ${expected}`, () => assert.equal(declaresBackstageApiVersion(text), expected));
  }

  it('reads only the head of the text', () => {
    const padding = `# ${'x'.repeat(HEAD_CHARS)}\n`;
    assert.equal(declaresBackstageApiVersion(`${padding}apiVersion: backstage.io/v1alpha1\n`), false);
    assert.equal(declaresBackstageApiVersion(`apiVersion: backstage.io/v1alpha1\n${padding}`), true);
  });
});

describe('isCatalogDocument', () => {
  const entity = 'apiVersion: backstage.io/v1alpha1\nkind: Group\n';
  const cases: [string, string, boolean][] = [
    ['/r/catalog-info.yaml', '', true],
    ['/r/catalog-info.yaml', 'not: backstage\n', true],
    ['/r/org.yaml', entity, true],
    ['/r/org.yml', entity, true],
    ['/r/ORG.YAML', entity, true],
    ['/r/org.yaml', 'apiVersion: v1\n', false],
    ['/r/org.json', entity, false],
    ['/r/README.md', entity, false],
  ];
  for (const [name, text, expected] of cases) {
    it(`${name} with ${JSON.stringify(text.slice(0, 20))} → ${expected}`, () =>
      assert.equal(isCatalogDocument(name, text), expected));
  }
});

describe('DocumentGate', () => {
  const entity = 'apiVersion: backstage.io/v1alpha1\nkind: Component\n';

  it('opens catalog documents and drops the rest, with every later event following suit', () => {
    const gate = new DocumentGate();
    assert.equal(gate.opened('file:///r/catalog-info.yaml', '/r/catalog-info.yaml', ''), true);
    assert.equal(gate.opened('file:///r/values.yaml', '/r/values.yaml', 'replicas: 2\n'), false);
    assert.equal(gate.allows('file:///r/catalog-info.yaml'), true);
    assert.equal(gate.allows('file:///r/values.yaml'), false);
    assert.equal(gate.changed('file:///r/catalog-info.yaml', '/r/catalog-info.yaml', 'x'), 'forward');
    assert.equal(gate.changed('file:///r/values.yaml', '/r/values.yaml', 'replicas: 3\n'), 'drop');
    assert.equal(gate.closed('file:///r/values.yaml'), false);
    assert.equal(gate.closed('file:///r/catalog-info.yaml'), true);
    assert.equal(gate.allows('file:///r/catalog-info.yaml'), false);
  });

  it('opens a YAML file on the server when an edit makes it a catalog file, once', () => {
    const gate = new DocumentGate();
    const uri = 'file:///r/org.yaml';
    assert.equal(gate.opened(uri, '/r/org.yaml', ''), false);
    assert.equal(gate.changed(uri, '/r/org.yaml', 'apiVersion: backst'), 'drop');
    assert.equal(gate.changed(uri, '/r/org.yaml', entity), 'open-now');
    assert.equal(gate.changed(uri, '/r/org.yaml', `${entity}metadata:\n`), 'forward');
    // Removing the line again keeps the document open on the server until it is closed.
    assert.equal(gate.changed(uri, '/r/org.yaml', 'kind: Component\n'), 'forward');
    assert.equal(gate.closed(uri), true);
  });

  it('forgets everything on reset (a new client re-opens documents itself)', () => {
    const gate = new DocumentGate();
    gate.opened('file:///r/catalog-info.yaml', '/r/catalog-info.yaml', '');
    gate.reset();
    assert.equal(gate.allows('file:///r/catalog-info.yaml'), false);
    assert.equal(gate.closed('file:///r/catalog-info.yaml'), false);
  });
});

/**
 * The contract's request payloads and the parsing of their results into what users read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  CLIENT_COMMANDS,
  checkSummary,
  checkWorkspaceRequest,
  ownerAtRequest,
  ownerMarkdown,
  ownerSummary,
  parseCheckResult,
  parseOwnerResult,
  SERVER_COMMANDS,
} from '../protocol';

describe('requests', () => {
  it('ownerAt carries one {uri, position} argument', () => {
    assert.deepEqual(ownerAtRequest('file:///r/catalog-info.yaml', 7, 9), {
      command: 'backline.ownerAt',
      arguments: [{ uri: 'file:///r/catalog-info.yaml', position: { line: 7, character: 9 } }],
    });
  });
  it('checkWorkspace carries no arguments', () => {
    assert.deepEqual(checkWorkspaceRequest(), { command: 'backline.checkWorkspace' });
  });
  it('client command ids never collide with server command ids', () => {
    const server = new Set<string>(Object.values(SERVER_COMMANDS));
    for (const id of Object.values(CLIENT_COMMANDS)) {
      assert.ok(!server.has(id), id);
    }
  });
});

describe('parseOwnerResult', () => {
  const answer = {
    entity: 'component:default/payments-api',
    owner: 'group:default/team-payments',
    markdown: '**Team Payments** — #payments on Slack',
  };
  it('null means nothing under the cursor', () => {
    assert.deepEqual(parseOwnerResult(null), { kind: 'none' });
    assert.deepEqual(parseOwnerResult(undefined), { kind: 'none' });
  });
  it('reads a full answer', () => {
    assert.deepEqual(parseOwnerResult(answer), { kind: 'owner', answer });
  });
  it('tolerates a missing markdown field', () => {
    assert.deepEqual(parseOwnerResult({ entity: 'a', owner: 'b' }), {
      kind: 'owner',
      answer: { entity: 'a', owner: 'b', markdown: '' },
    });
  });
  for (const bad of [42, 'team-a', [answer], { entity: 'a' }, { owner: 'b' }, { entity: 1, owner: 'b' }]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseOwnerResult(bad).kind, 'invalid'));
  }
  it('summarises in one sentence', () => {
    assert.equal(ownerSummary(answer), 'component:default/payments-api is owned by group:default/team-payments.');
  });
  it('gives the markdown a heading', () => {
    assert.equal(ownerMarkdown(answer), '# component:default/payments-api\n\n**Team Payments** — #payments on Slack\n');
    assert.equal(ownerMarkdown({ ...answer, markdown: '# Team Payments\nx' }), '# Team Payments\nx\n');
    assert.match(ownerMarkdown({ ...answer, markdown: '  ' }), /Owner: `group:default\/team-payments`/);
  });
});

describe('parseCheckResult', () => {
  it('reads the counts', () => {
    assert.deepEqual(parseCheckResult({ files: 3, errors: 1, warnings: 0 }), {
      kind: 'counts',
      counts: { files: 3, errors: 1, warnings: 0 },
    });
  });
  for (const bad of [null, [], { files: 3 }, { files: -1, errors: 0, warnings: 0 }, { files: 1.5, errors: 0, warnings: 0 }, { files: '3', errors: 0, warnings: 0 }]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseCheckResult(bad).kind, 'invalid'));
  }
  const summaries: [number, number, number, string][] = [
    [0, 0, 0, 'Backline checked 0 catalog files: no errors or warnings.'],
    [1, 0, 0, 'Backline checked 1 catalog file: no errors or warnings.'],
    [12, 2, 1, 'Backline checked 12 catalog files: 2 errors, 1 warning.'],
    [5, 1, 3, 'Backline checked 5 catalog files: 1 error, 3 warnings.'],
  ];
  for (const [files, errors, warnings, text] of summaries) {
    it(text, () => assert.equal(checkSummary({ files, errors, warnings }), text));
  }
});

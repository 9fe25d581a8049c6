#!/usr/bin/env node
// mutate.mjs: deterministic generator of mutated catalog files for the differential test.
//
// Why: real files (the corpus) are mostly valid and exercise few failure paths. Small, targeted
// edits of valid entities reach every stage of Backstage's pipeline (YAML syntax, envelope,
// schema, policies, field formats, kind schemas, reference parsing), and the edge cases in each.
// Backstage's verdict on these files is computed separately by verdict.mjs; this script only
// writes files, it does not judge the mutations.
//
// Usage:
//   node mutate.mjs --seed S --count N --out DIR --base FILE...
//
// Bases: every document of the --base files that Backstage accepts (judged with verdict.mjs's
// pipeline), so callers may pass whole directories' worth of files without pre-filtering.
// Output: DIR/m00000.yaml ... and DIR/manifest.json ({seed, count, bases, files: [{file, base,
// family, mutations}]}). The same seed, count and base files always give byte-identical output:
// the PRNG is our own (no dependency) and every file gets its own stream derived from (seed, i).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { RELATION_FIELDS, judgeEntity, parseDocuments } from './verdict.mjs';

// ---------------------------------------------------------------------------------------------
// Seeded PRNG

/** FNV-1a: turns the seed text and file index into a 32-bit PRNG seed. */
function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: tiny, fast, good enough to spread mutations; deterministic across platforms. */
function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: n => Math.floor(next() * n),
    chance: p => next() < p,
    pick(array) {
      return array[Math.floor(next() * array.length)];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Value pools. Each mixes valid and invalid values on purpose: agreeing on "valid" matters as much
// as agreeing on the failing stage.

const long = (ch, n) => ch.repeat(n);
// DNS subdomains of exactly 253 (valid) and 254 (invalid) characters.
const SUBDOMAIN_253 = [long('a', 63), long('b', 63), long('c', 63), long('d', 61)].join('.');
const SUBDOMAIN_254 = [long('a', 63), long('b', 63), long('c', 63), long('d', 62)].join('.');

const NAME_VALUES = [
  'invalid component', 'UPPER', 'MixedCase', 'a', '9', long('a', 63), long('a', 64),
  `A${long('b', 62)}`, '-lead', 'trail-', '_under', 'under_', '.dot', 'dot.', 'a..b', 'a--b',
  'a__b', 'a_b.c-d', 'a/b', 'a:b', 'a b', '', ' ', 'x ', ' x', 'naïve', 'a\tb', 'a\nb', 'a+b',
  'a#b', 'a@b', 7, 0, 1.5, -1, true, false, null, [], {}, ['x'],
];
const NAMESPACE_VALUES = [
  'default', 'Default', 'UPPER', 'my_ns', 'my.ns', '', ' ', '-a', 'a-', 'a--b', 'xn--c6h',
  long('a', 63), long('a', 64), 'prod-1', '1', 'a b', 'ns/x', 7, null, true, [], {},
];
const TAG_VALUES = [
  'java', 'Java', 'a-b', 'a--b', 'a:b', 'c++', 'c#', '+#', '#c++', 'a+b+', 'hello world',
  'go1.15.3', 'go 1.15.3', 'AI/ML', 'data_service', 'a-b-', '-a', '', ' ', long('a', 63),
  long('a', 64), 'ünicode', 'a.b', 'k8s', 'web:frontend', '::', '-', 2024, 1.5, true, null,
  ['x'], { a: 'b' },
];
const KEY_VALUES = [
  'app', 'backstage.io/custom', 'example.com/team', 'a/b/c', '-a', 'a-', 'Example.COM/x',
  'ex_ample.com/x', long('a', 63), long('a', 64), `x/${long('a', 63)}`, `x/${long('a', 64)}`,
  `${SUBDOMAIN_253}/a`, `${SUBDOMAIN_254}/a`, '', ' ', 'a b', 'a.b', 'a..b', 'a_b', '/x', 'x/',
  'a:b', '-x.com/y', 'x.-y.com/z', 'x.com/-y', 'UPPER/x', 'ü', '$text', '$x',
];
const LABEL_VALUES = [
  '', 'v1', 'V1.2_3', 'a b', long('a', 63), long('a', 64), '-x', 'x-', 'a/b', 'ü', 7, 1.5, true,
  null, [], {},
];
const ANNOTATION_VALUES = [
  '', 'anything: goes / here', long('/', 300), 'multi\nline', ' ', 7, 0, true, false, null, [],
  ['x'], {}, { a: 'b' },
];
const URL_VALUES = [
  'https://example.com', 'http://foo', 'https://foo:8080/sub/page?query', 'ftp://a.b/c',
  'xyz://custom-protocol:4444/path', 'mailto:a@b.c', 'file:///etc/hosts', 'http://[::1]:80/',
  'https://例え.jp', 'javascript:alert(1)', 'relative/path', '/abs/path', 'example.com',
  'not a url', ' https://x.com', 'https://x y.com', 'https://', 'http:', 'abc', '', ' ', 7, null,
  [], {},
];
const TITLE_VALUES = ['Docs', 'abc xyz', '   abc', '', ' ', '   ', 7, true, null, [], {}];
const ICON_VALUES = ['dashboard', 'docs', 'not good', 'abc xyz', '', ' ', long('a', 64), 7, null, {}];
const KIND_VALUES = [
  'component', 'COMPONENT', 'Componet', 'Wizard', 'Api', 'API', 'Template', 'Location', 'Group',
  'User', 'System', 'Domain', 'Resource', 'AiResource', '', ' ', 7, null, true, 'a-b', '9AZ',
  long('a', 63), long('a', 64), 'Component ', 'Com ponent', 'Component_', [], {},
];
const API_VERSION_VALUES = [
  'backstage.io/v1alpha1', 'backstage.io/v1beta1', 'backstage.io/v1beta0', 'backstage.io/v1beta2',
  'backstage.io/v1', 'backstage.io/v2', 'v1', 'v1alpha1', 'scaffolder.backstage.io/v1beta3',
  'scaffolder.backstage.io/v1beta2', 'Backstage.io/v1alpha1', 'backstage.io/V1alpha1',
  'backstage.io/v1_alpha1', 'backstage.io/', '/v1', 'a/b/c', 'a-b', `a/${long('a', 63)}`,
  `a/${long('a', 64)}`, `${SUBDOMAIN_254}/v1`, 'my-company.net/v1', '', ' ', 7, 1.0, null, true,
  'backstage.io/v1alpha1 ', [], {},
];
const REF_VALUES = [
  'team-a', 'group:team-a', 'user:jdoe', 'user:default/jdoe', 'Group:Default/Team-A',
  'artists-db', 'resource:artists-db', 'component:artists-db', 'component:other/x', 'ns/x',
  'group:', ':x', ':b/c', 'a:/c', 'a:b/', 'a:', '/c', 'b/', ':/', ':', '/', 'a/b:c', 'a:b:c',
  'a/b/c', 'a:b/c/d', 'a:b/c:d', 'x y', 'component:Default/Foo Bar', 'ünï:cödé/x', '', ' ', 7,
  0, true, false, null, { kind: 'group', name: 'x' }, { name: 'x' },
  { kind: 'group', namespace: '', name: 'x' }, { kind: '', name: 'x' }, {}, [], ['x'], [['x']],
  [null], [''], [7],
];
const SPEC_VALUES = ['', ' ', 'x', 7, 0, true, null, [], {}, [''], [null], [7], ['x'], { a: 1 }];
const EXTRA_ROOT_KEYS = [
  ['spec2', {}], ['relations', []], ['status', {}], ['Status', {}], ['metadata2', {}],
  ['relations', [{ type: 'ownedBy', targetRef: 'group:default/x' }]],
  ['relations', [{ type: 'owned by', targetRef: 'group:default/x' }]],
  ['status', { items: [{ type: 'x', level: 'error', message: 'm' }] }],
  ['status', { items: [{ type: 'x', level: 'fatal', message: 'm' }] }], ['status', 7],
  ['apiversion', 'backstage.io/v1alpha1'], ['$schema', 'x'], ['', 1], ['Spec', {}],
];
const METADATA_EXTRAS = [
  ['uid', ''], ['uid', 'abc'], ['uid', 7], ['etag', ''], ['etag', 'e'], ['generation', 3],
  ['title', ''], ['title', 'Nice Title'], ['title', 7], ['description', ''], ['description', 7],
  ['description', null], ['description', ['x']], ['custom', { a: 1 }], ['links', null],
  ['tags', null], ['labels', null], ['annotations', null], ['annotations', ''],
  ['annotations', []], ['annotations', 'x'], ['labels', []], ['labels', 'x'], ['tags', 'java'],
  ['tags', {}], ['links', {}], ['links', 'https://x'], ['namespace', undefined],
];
const PLACEHOLDERS = [
  { $text: './README.md' }, { $openapi: './openapi.yaml' }, { $asyncapi: 'https://x/a.yaml' },
  { $json: './x.json' }, { $yaml: './x.yaml' }, { $text: 7 }, { $json: null }, { $unknown: 'x' },
  { $text: './a', other: 1 }, { $ref: '#/definitions/x' }, [{ $text: './a' }],
  { nested: { $text: './a' } }, { $text: '' },
];

// Template-specific spec edits (Template v1beta3 schema in scaffolder-common).
const TEMPLATE_EDITS = [
  ['steps', []], ['steps', {}], ['steps', [{}]], ['steps', [{ action: 'fetch:plain' }]],
  ['steps', [{ id: null, action: 'x' }]], ['steps', [{ id: 'a', action: 7 }]],
  ['steps', [{ id: 'a', action: 'x', if: true }]], ['steps', [{ id: 'a', action: 'x', if: 7 }]],
  ['steps', [{ id: 'a', action: 'x', input: 'x' }]], ['parameters', []], ['parameters', 'x'],
  ['parameters', [7]], ['parameters', { properties: {} }], ['output', 'x'],
  ['output', { links: [{ url: 7 }] }], ['output', { links: 'x' }], ['type', 7], ['owner', 7],
  ['owner', ''], ['presentation', 'x'], ['EXPERIMENTAL_recovery', 7],
];
// Location-specific spec edits.
const LOCATION_EDITS = [
  ['presence', 'required'], ['presence', 'optional'], ['presence', 'nope'], ['presence', ''],
  ['presence', 7], ['target', ''], ['target', 7], ['target', './a.yaml'], ['targets', 7],
  ['targets', []], ['targets', ['']], ['targets', 'a.yaml'], ['type', 7], ['type', ''],
  ['type', 'url'],
];
// Group/User profile edits.
const PROFILE_VALUES = [
  {}, { displayName: '' }, { email: 7 }, { picture: 'x', extra: 1 }, 'x', null, [],
  { displayName: 'A', email: 'a@b.c', picture: 'https://x/p.png' },
];

// ---------------------------------------------------------------------------------------------
// Structured mutations: each takes (entity, rng), edits the entity in place and returns a short
// description, or null when it does not apply to this entity (another one is then tried).

const describe = value => (value === undefined ? 'deleted' : JSON.stringify(value));

function ensureMetadata(entity) {
  if (!entity.metadata || typeof entity.metadata !== 'object') entity.metadata = {};
  return entity.metadata;
}

function setOrDelete(object, key, value) {
  if (value === undefined) delete object[key];
  else object[key] = value;
}

function mutateName(entity, rng) {
  const value = rng.chance(0.05) ? undefined : rng.pick(NAME_VALUES);
  setOrDelete(ensureMetadata(entity), 'name', value);
  return `metadata.name = ${describe(value)}`;
}

function mutateNamespace(entity, rng) {
  const value = rng.pick(NAMESPACE_VALUES);
  ensureMetadata(entity).namespace = value;
  return `metadata.namespace = ${describe(value)}`;
}

function mutateTags(entity, rng) {
  const metadata = ensureMetadata(entity);
  const tags = Array.isArray(metadata.tags) ? [...metadata.tags] : [];
  const value = rng.pick(TAG_VALUES);
  if (rng.chance(0.5)) tags.push(value);
  else tags.splice(0, tags.length, value);
  metadata.tags = tags;
  return `metadata.tags = ${describe(tags)}`;
}

function mutateLabels(entity, rng) {
  const metadata = ensureMetadata(entity);
  const key = rng.chance(0.5) ? rng.pick(KEY_VALUES) : 'app';
  const value = rng.chance(0.5) ? rng.pick(LABEL_VALUES) : 'v1';
  metadata.labels = { ...(isObject(metadata.labels) ? metadata.labels : {}), [key]: value };
  return `metadata.labels[${JSON.stringify(key)}] = ${describe(value)}`;
}

function mutateAnnotations(entity, rng) {
  const metadata = ensureMetadata(entity);
  const key = rng.chance(0.6)
    ? rng.pick(KEY_VALUES)
    : rng.pick(['example.com/x', 'backstage.io/managed-by-location', 'backstage.io/techdocs-ref']);
  const value = rng.chance(0.6) ? rng.pick(ANNOTATION_VALUES) : 'value';
  metadata.annotations = {
    ...(isObject(metadata.annotations) ? metadata.annotations : {}),
    [key]: value,
  };
  return `metadata.annotations[${JSON.stringify(key)}] = ${describe(value)}`;
}

function mutateLinks(entity, rng) {
  const metadata = ensureMetadata(entity);
  const link = {};
  if (rng.chance(0.9)) link.url = rng.pick(URL_VALUES);
  if (rng.chance(0.6)) link.title = rng.pick(TITLE_VALUES);
  if (rng.chance(0.4)) link.icon = rng.pick(ICON_VALUES);
  if (rng.chance(0.2)) link.type = rng.pick(['runbook', '', 7]);
  if (rng.chance(0.1)) link.extra = 'x';
  const item = rng.chance(0.08) ? rng.pick(['https://x.com', null, 7, []]) : link;
  metadata.links = [...(Array.isArray(metadata.links) ? metadata.links : []), item];
  return `metadata.links += ${describe(item)}`;
}

function mutateKind(entity, rng) {
  const value = rng.chance(0.04) ? undefined : rng.pick(KIND_VALUES);
  setOrDelete(entity, 'kind', value);
  return `kind = ${describe(value)}`;
}

function mutateApiVersion(entity, rng) {
  const value = rng.chance(0.04) ? undefined : rng.pick(API_VERSION_VALUES);
  setOrDelete(entity, 'apiVersion', value);
  return `apiVersion = ${describe(value)}`;
}

function mutateMetadataWhole(entity, rng) {
  const value = rng.pick([undefined, null, 7, 'x', [], {}, { name: 7 }, { namespace: 'a' }]);
  setOrDelete(entity, 'metadata', value);
  return `metadata = ${describe(value)}`;
}

function mutateMetadataExtra(entity, rng) {
  const [key, value] = rng.pick(METADATA_EXTRAS);
  setOrDelete(ensureMetadata(entity), key, value);
  return `metadata.${key} = ${describe(value)}`;
}

function mutateSpecWhole(entity, rng) {
  const value = rng.pick([undefined, null, 7, 'x', [], {}, [{}]]);
  setOrDelete(entity, 'spec', value);
  return `spec = ${describe(value)}`;
}

/** Remove, empty or retype one spec field (required ones are the interesting targets). */
function mutateSpecField(entity, rng) {
  if (!isObject(entity.spec)) return null;
  const keys = Object.keys(entity.spec);
  const candidates = [...keys, 'type', 'lifecycle', 'owner', 'definition', 'children', 'memberOf'];
  const key = rng.pick(candidates);
  const value = rng.chance(0.3) ? undefined : rng.pick(SPEC_VALUES);
  setOrDelete(entity.spec, key, value);
  return `spec.${key} = ${describe(value)}`;
}

/** Edit a reference field of this kind with a weird or valid reference. */
function mutateReference(entity, rng) {
  if (!isObject(entity.spec)) return null;
  const fields = (RELATION_FIELDS[entity.kind] ?? []).map(([field]) => field);
  if (entity.kind === 'Template') fields.push('owner');
  if (fields.length === 0) return null;
  const field = rng.pick(fields);
  let value = rng.pick(REF_VALUES);
  const current = entity.spec[field];
  // Array-valued fields usually stay arrays, sometimes keep their valid entries too.
  if (Array.isArray(current) && rng.chance(0.7) && !Array.isArray(value)) {
    value = rng.chance(0.5) ? [...current, value] : [value];
  } else if (current === undefined && /s$|Of$|On$/.test(field) && rng.chance(0.6)) {
    value = Array.isArray(value) ? value : [value];
  }
  entity.spec[field] = value;
  return `spec.${field} = ${describe(value)}`;
}

function mutateExtraRootKey(entity, rng) {
  const [key, value] = rng.pick(EXTRA_ROOT_KEYS);
  entity[key] = value;
  return `${JSON.stringify(key)} = ${describe(value)} (root)`;
}

function mutatePlaceholder(entity, rng) {
  const value = structuredClone(rng.pick(PLACEHOLDERS));
  const where = rng.int(4);
  if (where === 0 && isObject(entity.spec)) {
    const key = entity.kind === 'API' ? 'definition' : rng.pick(Object.keys(entity.spec).concat('x'));
    entity.spec[key] = value;
    return `spec.${key} = ${describe(value)}`;
  }
  if (where === 1) {
    ensureMetadata(entity).description = value;
    return `metadata.description = ${describe(value)}`;
  }
  if (where === 2) {
    ensureMetadata(entity).annotations = value;
    return `metadata.annotations = ${describe(value)}`;
  }
  entity.spec = isObject(entity.spec) ? { ...entity.spec, extra: value } : { extra: value };
  return `spec.extra = ${describe(value)}`;
}

function mutateKindSpecific(entity, rng) {
  if (!isObject(entity.spec)) return null;
  let edits;
  if (entity.kind === 'Template') edits = TEMPLATE_EDITS;
  else if (entity.kind === 'Location') edits = LOCATION_EDITS;
  else if (entity.kind === 'Group' || entity.kind === 'User') {
    edits = PROFILE_VALUES.map(v => ['profile', v]);
  } else if (entity.kind === 'System' || entity.kind === 'Domain') {
    edits = [['type', 7], ['type', ''], ['type', 'product'], ['owner', undefined]];
  } else return null;
  const [key, value] = rng.pick(edits);
  setOrDelete(entity.spec, key, structuredClone(value));
  return `spec.${key} = ${describe(value)}`;
}

// Weighted: the formats with the most rules get the most samples.
const STRUCTURED_MUTATIONS = [
  [mutateName, 10], [mutateNamespace, 5], [mutateTags, 8], [mutateLabels, 6],
  [mutateAnnotations, 6], [mutateLinks, 7], [mutateKind, 5], [mutateApiVersion, 5],
  [mutateMetadataWhole, 1], [mutateMetadataExtra, 4], [mutateSpecWhole, 2], [mutateSpecField, 8],
  [mutateReference, 10], [mutateExtraRootKey, 3], [mutatePlaceholder, 3], [mutateKindSpecific, 5],
];

function pickWeighted(rng, weighted) {
  const total = weighted.reduce((sum, [, w]) => sum + w, 0);
  let roll = rng.next() * total;
  for (const [item, weight] of weighted) {
    roll -= weight;
    if (roll < 0) return item;
  }
  return weighted[weighted.length - 1][0];
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Apply 1 (mostly) to 3 applicable structured mutations to a copy of the base entity. */
function structuredMutation(base, rng) {
  const entity = structuredClone(base);
  const mutations = [];
  const wanted = rng.chance(0.75) ? 1 : 2 + rng.int(2);
  for (let tries = 0; mutations.length < wanted && tries < 20; tries++) {
    const described = pickWeighted(rng, STRUCTURED_MUTATIONS)(entity, rng);
    if (described) mutations.push(described);
  }
  return { entity, mutations };
}

// ---------------------------------------------------------------------------------------------
// Serialization: several YAML styles, so Backline's parser sees more than one emitter's output.

function serialize(entity, rng) {
  const style = rng.int(20);
  if (style === 0) return { text: `${JSON.stringify(entity, null, 2)}\n`, how: 'json' };
  if (style === 1) return { text: `${JSON.stringify(entity)}\n`, how: 'json-compact' };
  if (style === 2) return { text: stringify(entity, { collectionStyle: 'flow' }), how: 'flow' };
  if (style === 3) {
    return { text: stringify(entity, { defaultStringType: 'QUOTE_DOUBLE' }), how: 'double-quoted' };
  }
  if (style === 4) {
    return { text: stringify(entity, { defaultStringType: 'QUOTE_SINGLE' }), how: 'single-quoted' };
  }
  if (style === 5) return { text: stringify(entity, { indentSeq: false, indent: 4 }), how: 'indent4' };
  return { text: stringify(entity), how: 'block' };
}

// ---------------------------------------------------------------------------------------------
// Raw-text mutations: edits of the serialized text that structured edits cannot express (syntax
// errors, YAML 1.1 vs 1.2 scalars, tags, anchors, directives, indentation, encodings).

// Replacement tokens for a scalar value, written verbatim after "key: ".
const RAW_SCALARS = [
  '7', '007', '0x1F', '0o17', '1e3', '1.0', '-0', '+12', '.inf', '-.Inf', '.nan', '1_000',
  '12:30', '2024-01-01', 'true', 'True', 'TRUE', 'false', 'yes', 'no', 'on', 'off', 'y', 'n',
  'Yes', '~', 'null', 'Null', 'NULL', '', '"quoted"', "'single'", '"7"', "'true'", '!!str 7',
  '!!int "7"', '!!bool yes', '!!null x', '!custom x', '!<tag:yaml.org,2002:str> 7', '&anc x',
  '*nope', '"unterminated', "'unterminated", '[unclosed', '{unclosed', '[a, b]', '{a: b}', '[]',
  '{}', 'a: b', 'a #comment', 'a#b', '#c++', '- item', '@at', '`tick', '%pct', '"esc \\x41"',
  '"bad \\q escape"', '"tab\\there"', 'a\tb', '? x', '|', '>', '|-', 'a: b: c', '"a" b', ': x',
  'x:', 'x :y', '- - x', '*', '&', '!', '"\\u00e9"', '"\\uD800"', 'é', '\u200bzero-width',
];

const KEY_LINE = /^(\s*)(- )?([^\s#:'"][^:#]*?|"[^"]*"|'[^']*'):(?: (.*))?$/;

/** Lines that are "key: value" (optionally inside a list item), with their parts. */
function keyLines(lines) {
  const found = [];
  lines.forEach((line, index) => {
    const match = KEY_LINE.exec(line);
    if (match) found.push({ index, indent: match[1], dash: match[2] ?? '', key: match[3], value: match[4] });
  });
  return found;
}

function rawScalarSwap(lines, rng) {
  const candidates = keyLines(lines).filter(l => l.value !== undefined && l.value !== '');
  if (candidates.length === 0) return null;
  // Prefer the fields whose types and formats matter.
  const preferred = candidates.filter(l => /^(name|namespace|kind|apiVersion|owner|type|lifecycle|title)$/.test(l.key));
  const line = preferred.length > 0 && rng.chance(0.7) ? rng.pick(preferred) : rng.pick(candidates);
  let token = rng.pick(RAW_SCALARS);
  if (/^[|>]/.test(token)) token = `${token}\n${line.indent}${line.dash ? '  ' : ''}  block text`;
  lines[line.index] = `${line.indent}${line.dash}${line.key}: ${token}`;
  return `${line.key}: ${JSON.stringify(token)} (raw)`;
}

function rawTagItem(lines, rng) {
  const token = rng.pick(['2024', '1.5', 'true', 'yes', '~', '#c++', '"#c++"', 'c#', 'C++', '', '[]', 'a: b']);
  const metadata = lines.findIndex(l => l === 'metadata:');
  if (metadata === -1) return null;
  lines.splice(metadata + 1, 0, '  tags:', `    - ${token}`);
  return `metadata.tags: - ${JSON.stringify(token)} (raw)`;
}

function rawTab(lines, rng) {
  const candidates = lines.map((l, i) => [l, i]).filter(([l]) => /^ +\S/.test(l));
  if (candidates.length === 0) return null;
  const [line, index] = rng.pick(candidates);
  lines[index] = rng.chance(0.5) ? line.replace(/^ +/, '\t') : line.replace(/^( *)/, '$1\t');
  return `tab in indentation at line ${index + 1}`;
}

function rawDuplicateKey(lines, rng) {
  const candidates = keyLines(lines).filter(l => !l.dash);
  if (candidates.length === 0) return null;
  const line = rng.pick(candidates);
  const copy = rng.chance(0.5) ? lines[line.index] : `${line.indent}${line.key}: other`;
  lines.splice(line.index + 1, 0, copy);
  return `duplicate key ${JSON.stringify(line.key)} (raw)`;
}

function rawIndentShift(lines, rng) {
  if (lines.length < 2) return null;
  const index = 1 + rng.int(lines.length - 1);
  const delta = rng.pick([-2, -1, 1, 2]);
  lines[index] = delta > 0 ? ' '.repeat(delta) + lines[index] : lines[index].replace(new RegExp(`^ {1,${-delta}}`), '');
  return `indent ${delta > 0 ? '+' : ''}${delta} at line ${index + 1}`;
}

function rawDirective(lines, rng) {
  const directive = rng.pick(['%YAML 1.1', '%YAML 1.2', '%YAML 1.3', '%YAML 2.0', '%TAG !e! tag:example.com,2024:', '%FOO bar']);
  lines.unshift(directive, '---');
  return `directive ${directive}`;
}

function rawDocumentMarkers(lines, rng) {
  const variant = rng.int(5);
  if (variant === 0) lines.unshift('---');
  else if (variant === 1) lines.push('---');
  else if (variant === 2) lines.push('...');
  else if (variant === 3) lines.splice(1 + rng.int(Math.max(1, lines.length - 1)), 0, '---');
  else lines.unshift('--- # start', '');
  return `document marker variant ${variant}`;
}

function rawComment(lines, rng) {
  const index = rng.int(lines.length);
  const variant = rng.int(3);
  if (variant === 0) lines.splice(index, 0, '# a comment line');
  else if (variant === 1) lines[index] = `${lines[index]} # trailing comment`;
  else lines[index] = `${lines[index]}#not-a-comment`;
  return `comment variant ${variant} at line ${index + 1}`;
}

function rawAnchors(lines, rng) {
  const metadata = lines.findIndex(l => l === 'metadata:');
  const spec = lines.findIndex(l => l === 'spec:');
  if (metadata === -1) return null;
  const variant = rng.int(4);
  if (variant === 0 && spec !== -1) {
    lines[metadata] = 'metadata: &meta';
    lines.splice(spec + 1, 0, '  copy: *meta');
  } else if (variant === 1) {
    lines.splice(metadata + 1, 0, '  title: *undefined-anchor');
  } else if (variant === 2 && spec !== -1) {
    lines[metadata] = 'metadata: &meta';
    lines.splice(spec + 1, 0, '  <<: *meta');
  } else {
    lines.push('<<: {extra: 1}');
  }
  return `anchors/aliases variant ${variant}`;
}

function rawGarbage(lines, rng) {
  const junk = rng.pick([': :', ']', '}', '- -', '?', '!', '&', '*', '|', '>', '"', "'", '@', '`', '%', 'plain text line', '  - orphan item', 'key without colon', '\u0000', '\u0007bell', '\ufeff']);
  const index = rng.int(lines.length + 1);
  lines.splice(index, 0, junk);
  return `junk line ${JSON.stringify(junk)} at line ${index + 1}`;
}

function rawKeySpelling(lines, rng) {
  const root = ['apiVersion', 'kind', 'metadata', 'spec'];
  const key = rng.pick(root);
  const index = lines.findIndex(l => l.startsWith(`${key}:`));
  if (index === -1) return null;
  const replacement = rng.pick([key.toUpperCase(), `"${key}"`, `'${key}'`, `${key} `, `? ${key}\n`, key[0].toUpperCase() + key.slice(1)]);
  const rest = lines[index].slice(key.length + 1);
  lines[index] = replacement.startsWith('? ') ? `? ${key}\n:${rest}` : `${replacement}:${rest}`;
  return `root key spelled ${JSON.stringify(replacement)}`;
}

function rawTruncate(lines, rng) {
  const text = lines.join('\n');
  const cut = rng.int(text.length);
  lines.splice(0, lines.length, ...text.slice(0, cut).split('\n'));
  return `truncated at ${cut} chars`;
}

function rawUnicode(lines, rng) {
  const nameLine = lines.findIndex(l => /^ {2}name: /.test(l));
  if (nameLine === -1) return null;
  const variant = rng.int(4);
  if (variant === 0) lines[nameLine] = `${lines[nameLine]}\u200b`;
  else if (variant === 1) lines[nameLine] = lines[nameLine].replace(/^ {2}/, '\u00a0\u00a0');
  else if (variant === 2) lines[nameLine] = `${lines[nameLine]}é`;
  else lines[nameLine] = `${lines[nameLine]}\u0000`;
  return `unicode variant ${variant} in metadata.name line`;
}

const RAW_MUTATIONS = [
  [rawScalarSwap, 12], [rawTagItem, 4], [rawTab, 4], [rawDuplicateKey, 4], [rawIndentShift, 4],
  [rawDirective, 3], [rawDocumentMarkers, 2], [rawComment, 2], [rawAnchors, 3], [rawGarbage, 3],
  [rawKeySpelling, 2], [rawTruncate, 2], [rawUnicode, 2],
];

/** Whole-file encodings: line endings, BOM, trailing newline. */
function encodeText(text, rng) {
  const variant = rng.int(12);
  if (variant === 0) return { text: text.replace(/\n/g, '\r\n'), how: 'crlf' };
  if (variant === 1) return { text: `\ufeff${text}`, how: 'bom' };
  if (variant === 2) return { text: text.replace(/\n$/, ''), how: 'no-final-newline' };
  if (variant === 3) return { text: text.replace(/\n/g, '  \n'), how: 'trailing-spaces' };
  return { text, how: null };
}

function rawMutation(base, rng) {
  const lines = stringify(base).replace(/\n$/, '').split('\n');
  const mutations = [];
  const wanted = rng.chance(0.8) ? 1 : 2;
  for (let tries = 0; mutations.length < wanted && tries < 20; tries++) {
    const described = pickWeighted(rng, RAW_MUTATIONS)(lines, rng);
    if (described) mutations.push(described);
  }
  const encoded = encodeText(`${lines.join('\n')}\n`, rng);
  if (encoded.how) mutations.push(encoded.how);
  return { text: encoded.text, mutations };
}

// ---------------------------------------------------------------------------------------------
// Special whole files and multi-document combinations.

const SPECIAL_FILES = [
  ['', 'empty file'], ['\n\n', 'blank lines'], ['# only a comment\n', 'comment only'],
  ['---\n', 'lone marker'], ['---\n---\n', 'two empty documents'], ['~\n', 'null document'],
  ['hello\n', 'scalar root'], ['7\n', 'number root'], ['- a\n- b\n', 'list root'],
  ['{}\n', 'empty mapping'], ['[]\n', 'empty list'], ['"quoted"\n', 'quoted scalar root'],
  ['apiVersion: backstage.io/v1alpha1\n', 'only apiVersion'], ['key: [\n', 'broken flow'],
  ['a: 1\na: 2\n', 'duplicate root keys'], ['\t- tab\n', 'tab start'], ['...\n', 'document end only'],
];

/** One part of a multi-document file: a valid base, a mutation, or an odd document. */
function documentPart(bases, rng) {
  const roll = rng.int(10);
  if (roll < 3) {
    const base = rng.pick(bases);
    return { text: stringify(base.entity), what: `valid ${base.id}` };
  }
  if (roll < 6) {
    const base = rng.pick(bases);
    const { entity, mutations } = structuredMutation(base.entity, rng);
    return { text: stringify(entity), what: `${base.id}: ${mutations.join('; ')}` };
  }
  if (roll < 8) {
    const base = rng.pick(bases);
    const { text, mutations } = rawMutation(base.entity, rng);
    return { text, what: `${base.id}: ${mutations.join('; ')}` };
  }
  const [text, what] = rng.pick([
    ['', 'empty document'], ['# comment\n', 'comment-only document'], ['~\n', 'null document'],
    ['- a\n', 'list document'], ['hello\n', 'scalar document'], ['{}\n', 'empty mapping'],
  ]);
  return { text, what };
}

function multiDocument(bases, rng) {
  const count = 2 + rng.int(3);
  const parts = Array.from({ length: count }, () => documentPart(bases, rng));
  const separator = rng.chance(0.8) ? '---\n' : '--- \n';
  let text = parts.map(p => (p.text === '' || p.text.endsWith('\n') ? p.text : `${p.text}\n`)).join(separator);
  if (rng.chance(0.25)) text = `---\n${text}`;
  if (rng.chance(0.25)) text = `${text}---\n`;
  return { text, mutations: parts.map((p, i) => `doc ${i}: ${p.what}`) };
}

// ---------------------------------------------------------------------------------------------
// Driver

function parseArgs(argv) {
  const options = { seed: '1', count: 100, out: null, base: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--seed') options.seed = argv[++i];
    else if (arg === '--count') options.count = Number.parseInt(argv[++i], 10);
    else if (arg === '--out') options.out = argv[++i];
    else if (arg === '--base') {
      while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) options.base.push(argv[++i]);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!options.out || !Number.isInteger(options.count) || options.count < 0) {
    throw new Error('usage: node mutate.mjs --seed S --count N --out DIR --base FILE...');
  }
  return options;
}

/** Every document of the base files that Backstage accepts, in a stable order. */
async function loadBases(files) {
  const bases = [];
  for (const file of [...files].sort()) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // a vanished file is not a reason to fail generation
    }
    const location = `file:${path.resolve(file)}`;
    let index = 0;
    for (const item of parseDocuments(text, location)) {
      if (item.json !== undefined && (await judgeEntity(structuredClone(item.json), location)).stage === null) {
        bases.push({ id: `${file}#${index}`, entity: item.json });
      }
      index++;
    }
  }
  return bases;
}

/** One output file: the family is chosen first so the mix stays stable as bases change. */
function generateOne(bases, rng) {
  const family = rng.int(100);
  if (family < 60) {
    const base = rng.pick(bases);
    const { entity, mutations } = structuredMutation(base.entity, rng);
    const { text, how } = serialize(entity, rng);
    return { text, base: base.id, family: 'structured', mutations: [...mutations, `style ${how}`] };
  }
  if (family < 85) {
    const base = rng.pick(bases);
    const { text, mutations } = rawMutation(base.entity, rng);
    return { text, base: base.id, family: 'raw', mutations };
  }
  if (family < 97) {
    const { text, mutations } = multiDocument(bases, rng);
    return { text, base: null, family: 'multi', mutations };
  }
  const [text, what] = rng.pick(SPECIAL_FILES);
  return { text, base: null, family: 'special', mutations: [what] };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const bases = await loadBases(options.base);
  if (bases.length === 0) throw new Error('no valid base entity found in the --base files');
  mkdirSync(options.out, { recursive: true });
  const files = [];
  for (let i = 0; i < options.count; i++) {
    const rng = makeRng(hash32(`${options.seed}:${i}`));
    const { text, ...info } = generateOne(bases, rng);
    const file = `m${String(i).padStart(5, '0')}.yaml`;
    writeFileSync(path.join(options.out, file), text);
    files.push({ file, ...info });
  }
  const manifest = { seed: options.seed, count: options.count, bases: bases.map(b => b.id), files };
  writeFileSync(path.join(options.out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
}

await main();

#!/usr/bin/env node
// verdict.mjs: Backstage's own catalog pipeline, run per YAML document, as the reference that
// Backline's `backline check --format json` is compared against (tests/differential.rs).
//
// Why this exists: Backline reimplements Backstage's validation in Rust. The only convincing proof
// that it agrees with Backstage is to run Backstage's code (the published npm packages, pinned in
// package-lock.json) on the same files and compare the first failing stage of every document.
//
// Usage:
//   node verdict.mjs FILE...            one JSON object per line on stdout, in argument order
//   node verdict.mjs --stdin < list     same, file paths read from stdin (one per line)
//
// Output line: {"path": "<as given>", "documents": [{"stage": null | "<stage>", "message": "...",
//              "ref": "<kind:namespace/name>" (when the envelope passed)}]}
// or, when the file cannot be read: {"path": ..., "error": "<reason>", "documents": []}.
//
// The pipeline mirrors, in order, what the catalog backend does with a file read by a Location
// (checked against the published @backstage/plugin-catalog-backend 4.0.0, plugin-catalog-node
// 2.2.5 and plugin-catalog-backend-module-scaffolder-entity-model 0.2.24; source paths given):
//   plugin-catalog-node src/processing/parse.ts     parseEntityYaml             -> yaml, root
//   catalog-backend src/processing/ProcessorOutputCollector.ts  checks on emit -> envelope
//   catalog-backend src/processing/DefaultCatalogProcessingOrchestrator.ts
//     runPreProcessStep   PlaceholderProcessor (typed holes here)  -> placeholder
//     runPolicyStep       CatalogBuilder.buildEntityPolicy order   -> schema, foreign-root-field, field-format
//     runValidateStep     BuiltinKindsEntityProcessor + ScaffolderEntitiesProcessor
//                                                                  -> kind-schema, kind-unrecognized
//     runPostProcessStep  relation emission (parseEntityRef)       -> relations
// "placeholder" is not in Backline's stage list: Backstage fails an entity whose $text/$json/...
// value is not a string while preprocessing, before any policy runs.
// Reading Location targets (runSpecialLocationStep) is deliberately not done: the differential test
// checks exactly the given files (`backline check --no-follow`).

import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import {
  DefaultNamespaceEntityPolicy,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  entityEnvelopeSchemaValidator,
  entitySchemaValidator,
  getCompoundEntityRef,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  makeValidator,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  stringifyEntityRef,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';

// The catalog backend creates these once (processing/util.ts) and reuses them for every entity.
const validateEntityEnvelope = entityEnvelopeSchemaValidator();
const validateEntity = entitySchemaValidator();

// CatalogBuilder.buildEntityPolicy() without replaced policies: this exact order, all must pass.
// Each policy is paired with the stage name it reports, so we know which one failed.
const POLICIES = [
  [new SchemaValidEntityPolicy(), 'schema'],
  [new DefaultNamespaceEntityPolicy(), null], // mutates (adds namespace), never fails
  [new NoForeignRootFieldsEntityPolicy(), 'foreign-root-field'],
  [new FieldFormatEntityPolicy(makeValidator({})), 'field-format'],
];

// Processors with validateEntityKind, in the order CatalogBuilder.buildProcessors() registers them:
// BuiltinKindsEntityProcessor (its validator list, in its order), then the scaffolder module's
// ScaffolderEntitiesProcessor (Template v1beta3).
const KIND_PROCESSORS = [
  {
    name: 'BuiltinKindsEntityProcessor',
    validators: [
      apiEntityV1alpha1Validator,
      componentEntityV1alpha1Validator,
      resourceEntityV1alpha1Validator,
      groupEntityV1alpha1Validator,
      locationEntityV1alpha1Validator,
      userEntityV1alpha1Validator,
      systemEntityV1alpha1Validator,
      domainEntityV1alpha1Validator,
    ],
  },
  { name: 'ScaffolderEntitiesProcessor', validators: [templateEntityV1beta3Validator] },
];

// Reference fields per kind, as BuiltinKindsEntityProcessor.postProcessEntity walks them (same
// order). `defaultKind: undefined` = the kind must be written in the reference (dependsOn...).
export const RELATION_FIELDS = {
  Component: [
    ['owner', 'Group'],
    ['subcomponentOf', 'Component'],
    ['providesApis', 'API'],
    ['consumesApis', 'API'],
    ['dependsOn', undefined],
    ['dependencyOf', undefined],
    ['system', 'System'],
  ],
  API: [
    ['owner', 'Group'],
    ['system', 'System'],
  ],
  Resource: [
    ['owner', 'Group'],
    ['dependsOn', undefined],
    ['dependencyOf', undefined],
    ['system', 'System'],
  ],
  User: [['memberOf', 'Group']],
  Group: [
    ['parent', 'Group'],
    ['children', 'Group'],
    ['members', 'User'],
  ],
  System: [
    ['owner', 'Group'],
    ['domain', 'Domain'],
  ],
  Domain: [
    ['owner', 'Group'],
    ['subdomainOf', 'Domain'],
  ],
};

const ANNOTATION_LOCATION = 'backstage.io/managed-by-location';
const ANNOTATION_ORIGIN_LOCATION = 'backstage.io/managed-by-origin-location';

// Placeholders resolved by the default resolvers plus the openapi module (spec §10). We cannot
// read the referenced files, so each resolves to a value of the right type ("typed hole").
const STRING_PLACEHOLDERS = new Set(['text', 'openapi', 'asyncapi']);
const STRUCTURED_PLACEHOLDERS = new Set(['json', 'yaml']);

/** A failure of one pipeline stage; `message` is the text Backstage would record. */
class StageError extends Error {
  constructor(stage, message) {
    super(message);
    this.stage = stage;
  }
}

/** `@backstage/errors` formats wrapped errors as "<message>; caused by <String(cause)>". */
function causedBy(message, cause) {
  return `${message}; caused by ${String(cause)}`;
}

/** lodash.isPlainObject for values produced by yaml's toJSON (parse.ts uses lodash). */
function isPlainObject(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * parseEntityYaml (plugin-catalog-node processing/parse.ts): returns one item per non-null document,
 * either {json} (a plain object, a candidate entity) or {stage, message}.
 */
export function parseDocuments(text, locationRef) {
  let documents;
  try {
    // `merge: false` is explicit in parseEntityYaml (enableYamlMerge defaults to false); it also
    // keeps `<<` a plain key under a `%YAML 1.1` directive.
    documents = parseAllDocuments(text, { merge: false }).filter(d => d);
  } catch (e) {
    return [{ stage: 'yaml', message: `Failed to parse YAML at ${locationRef}, ${e}` }];
  }
  const items = [];
  for (const document of documents) {
    if (document.errors?.length) {
      items.push({ stage: 'yaml', message: `YAML error at ${locationRef}, ${document.errors[0]}` });
      continue;
    }
    let json;
    try {
      json = document.toJSON();
    } catch (e) {
      // parse.ts does not catch this (e.g. an alias bomb); the whole read fails. Reported on the
      // document because that is where it comes from.
      items.push({ stage: 'yaml', message: `Failed to parse YAML at ${locationRef}, ${e}` });
      continue;
    }
    if (isPlainObject(json)) {
      items.push({ json });
    } else if (json === null) {
      // Empty document (e.g. a trailing `---`): silently ignored, like Backstage.
    } else {
      items.push({ stage: 'root', message: `Expected object at root, got ${typeof json}` });
    }
  }
  return items;
}

/**
 * ProcessorOutputCollector.receive for an emitted entity: envelope check, then the location
 * annotations are merged in. Both failures are recorded on the parent Location, not the entity.
 * Note `annotations || {}`: a falsy `annotations` (null, '', 0, false) silently becomes an object,
 * and user-written values of the two location annotations are overwritten.
 */
function emitEntity(raw, locationRef) {
  let entity;
  try {
    entity = validateEntityEnvelope(raw);
  } catch (e) {
    throw new StageError('envelope', String(e));
  }
  const annotations = entity.metadata.annotations || {};
  if (typeof annotations !== 'object' || Array.isArray(annotations)) {
    throw new StageError('envelope', 'Error: metadata.annotations must be a valid object');
  }
  return {
    ...entity,
    metadata: {
      ...entity.metadata,
      annotations: {
        ...annotations,
        [ANNOTATION_ORIGIN_LOCATION]: locationRef,
        [ANNOTATION_LOCATION]: locationRef,
      },
    },
  };
}

/**
 * PlaceholderProcessor.preProcessEntity with typed holes instead of reading files. Same traversal:
 * an object with exactly one `$`-key naming a known resolver is replaced; an object with a `$`-key
 * and other keys (or an unknown `$`-key) is left alone and NOT descended into.
 */
function resolvePlaceholders(data) {
  if (!data || !(data instanceof Object)) return data;
  if (Array.isArray(data)) return data.map(resolvePlaceholders);
  const keys = Object.keys(data);
  if (!keys.some(k => k.startsWith('$'))) {
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, resolvePlaceholders(v)]));
  }
  if (keys.length !== 1) return data;
  const key = keys[0].substring(1);
  const known = STRING_PLACEHOLDERS.has(key) || STRUCTURED_PLACEHOLDERS.has(key);
  if (!known) return data;
  if (typeof data[keys[0]] !== 'string') {
    // readTextLocation -> relativeUrl throws this before any read happens.
    throw new StageError(
      'placeholder',
      causedBy(
        'Processor PlaceholderProcessor threw an error while preprocessing',
        new Error(
          `Placeholder $${key} expected a string value parameter, in the form of an absolute URL or a relative path`,
        ),
      ),
    );
  }
  return STRING_PLACEHOLDERS.has(key) ? 'placeholder' : {};
}

/** runPolicyStep: the policies in order; the first one that throws names the stage. */
async function enforcePolicies(entity, entityRef) {
  let result = entity;
  for (const [policy, stage] of POLICIES) {
    try {
      result = await policy.enforce(result);
    } catch (e) {
      throw new StageError(stage, causedBy(`Policy check failed for ${entityRef}`, e));
    }
  }
  return result;
}

/** runValidateStep: Entity schema again, then every processor's validateEntityKind. */
async function validateKind(entity, entityRef) {
  try {
    validateEntity(entity);
  } catch (e) {
    // Cannot fail after SchemaValidEntityPolicy passed; kept so the order is the backend's.
    throw new StageError(
      'schema',
      causedBy(`Entity envelope for ${entityRef} failed validation after preprocessing`, e),
    );
  }
  let valid = false;
  for (const processor of KIND_PROCESSORS) {
    try {
      for (const validator of processor.validators) {
        if (await validator.check(entity)) {
          valid = true;
          break;
        }
      }
    } catch (e) {
      throw new StageError(
        'kind-schema',
        causedBy(
          `Processor ${processor.name} threw an error while validating the entity ${entityRef}`,
          e,
        ),
      );
    }
  }
  if (!valid) {
    throw new StageError(
      'kind-unrecognized',
      `No processor recognized the entity ${entityRef} as valid, possibly caused by a foreign kind or apiVersion`,
    );
  }
}

/** runPostProcessStep: parse every reference the way the processors do before emitting relations. */
function emitRelations(entity) {
  const self = getCompoundEntityRef(entity);
  const parseAll = (processorName, targets, defaultKind) => {
    if (!targets) return; // doEmit: falsy -> nothing
    for (const target of [targets].flat()) {
      try {
        parseEntityRef(target, { defaultKind, defaultNamespace: self.namespace });
      } catch (e) {
        throw new StageError(
          'relations',
          causedBy(`Processor ${processorName} threw an error while postprocessing`, e),
        );
      }
    }
  };
  for (const [field, defaultKind] of RELATION_FIELDS[entity.kind] ?? []) {
    parseAll('BuiltinKindsEntityProcessor', entity.spec?.[field], defaultKind);
  }
  // ScaffolderEntitiesProcessor: only spec.owner, single value (no flattening).
  if (entity.apiVersion === 'scaffolder.backstage.io/v1beta3' && entity.kind === 'Template') {
    const owner = entity.spec?.owner;
    if (owner) {
      try {
        parseEntityRef(owner, { defaultKind: 'Group', defaultNamespace: self.namespace });
      } catch (e) {
        throw new StageError(
          'relations',
          causedBy('Processor ScaffolderEntitiesProcessor threw an error while postprocessing', e),
        );
      }
    }
  }
}

/** The whole per-entity pipeline; returns the verdict of one document. */
export async function judgeEntity(raw, locationRef) {
  let entityRef;
  try {
    let entity = emitEntity(raw, locationRef);
    entityRef = stringifyEntityRef(entity);
    entity = resolvePlaceholders(entity);
    entity = await enforcePolicies(entity, entityRef);
    await validateKind(entity, entityRef);
    emitRelations(entity);
    return { stage: null, message: '', ref: entityRef };
  } catch (e) {
    if (!(e instanceof StageError)) throw e; // a bug in this script, not a verdict
    return entityRef === undefined
      ? { stage: e.stage, message: e.message }
      : { stage: e.stage, message: e.message, ref: entityRef };
  }
}

/**
 * Strings from YAML may hold lone surrogates ("\uD800" is a legal YAML escape); JSON.stringify
 * keeps them as escapes that strict JSON readers (serde_json) reject, so they are replaced by
 * U+FFFD in what we print.
 */
function printable(verdict) {
  const fixed = { stage: verdict.stage, message: verdict.message.toWellFormed() };
  if (verdict.ref !== undefined) fixed.ref = verdict.ref.toWellFormed();
  return fixed;
}

/** Verdict for one file: every non-null document, in file order. */
export async function judgeFile(filePath) {
  let text;
  try {
    // parse.ts: data.toString('utf8') (invalid bytes become U+FFFD, a BOM is kept).
    text = readFileSync(filePath).toString('utf8');
  } catch (e) {
    return { path: filePath, error: String(e), documents: [] };
  }
  const locationRef = `file:${path.resolve(filePath)}`;
  const documents = [];
  for (const item of parseDocuments(text, locationRef)) {
    documents.push(
      printable(
        item.json === undefined
          ? { stage: item.stage, message: item.message }
          : await judgeEntity(item.json, locationRef),
      ),
    );
  }
  return { path: filePath, documents };
}

function readFileList() {
  return readFileSync(0, 'utf8')
    .split(/\r?\n/)
    .filter(line => line.length > 0);
}

async function main() {
  const args = process.argv.slice(2);
  const files = args[0] === '--stdin' ? readFileList() : args;
  if (files.length === 0) {
    process.stderr.write('usage: node verdict.mjs FILE... | node verdict.mjs --stdin < list\n');
    process.exitCode = 2;
    return;
  }
  // Write in chunks: thousands of small writes to a pipe are slow, one huge string is wasteful.
  let buffer = '';
  for (const file of files) {
    buffer += `${JSON.stringify(await judgeFile(file))}\n`;
    if (buffer.length > 1 << 16) {
      process.stdout.write(buffer);
      buffer = '';
    }
  }
  process.stdout.write(buffer);
}

// Run only when executed, not when imported (mutate.mjs reuses the pipeline to pick valid bases).
const invokedPath = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invokedPath === realpathSync(fileURLToPath(import.meta.url))) {
  await main();
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import jsonld from 'jsonld';
import { Parser, Store } from 'n3';
import type { Canonizer } from '../credentials/canonize.js';
import { CONTEXTS } from '../credentials/contexts.js';
import { GatewayError, describeError } from '../credentials/errors.js';
import { contextsOf, isPresentation, withoutProof, type JsonObject } from '../credentials/suites/suite.js';
import { decodeJwt, envelopedJwt } from '../credentials/suites/vc-jose.js';
import { packageRoot } from '../paths.js';
import { conforms, type ValidationReport, type ValidationResult } from './report.js';
import { shaclEngine, type ShaclEngine } from './shacl.js';
import { shapeSet, type ProfileId } from './shapes.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
let envelopeSchema: ValidateFunction | undefined;

function envelope(): ValidateFunction {
  if (!envelopeSchema) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    envelopeSchema = ajv.compile(JSON.parse(readFileSync(join(packageRoot, 'schemas', 'credential.schema.json'), 'utf8')) as object);
  }
  return envelopeSchema;
}

const engines = new Map<ProfileId, Promise<ShaclEngine>>();

/** The SHACL engine for a profile: shapes parsed and the validator built once per process. */
export function engineFor(profile: ProfileId): Promise<ShaclEngine> {
  let engine = engines.get(profile);
  if (!engine) {
    engine = shapeSet(profile).then(shaclEngine);
    engines.set(profile, engine);
  }
  return engine;
}

/** The profile a credential is written for, from its contexts. */
export function detectProfile(doc: JsonObject): ProfileId | undefined {
  const ctx = contextsOf(doc).map(String);
  const has = (url: string) => ctx.some((c) => c === url || c === url.replace(/#$/, ''));
  if (has(CONTEXTS.gaiaX2511)) return 'gaia-x-25.11';
  if (has(CONTEXTS.tagus2210)) return 'tagus-22.10';
  return undefined;
}

function jsonSchemaResults(doc: JsonObject): ValidationResult[] {
  const validate = envelope();
  const focusNode = typeof doc.id === 'string' ? doc.id : '(credential)';
  if (validate(doc as unknown)) return [];
  return (validate.errors ?? [])
    .filter((e: ErrorObject) => !['if', 'anyOf'].includes(e.keyword) || (validate.errors ?? []).length === 1)
    .map((e: ErrorObject) => ({
      kind: 'json-schema' as const,
      severity: 'violation' as const,
      focusNode,
      path: e.instancePath || '/',
      constraint: e.keyword,
      message: `${e.instancePath || 'the credential'} ${e.message ?? 'is invalid'}${e.keyword === 'required' ? ` (${(e.params as { missingProperty: string }).missingProperty})` : ''}`,
    }));
}

/** The credential's RDF graph (default graph only: proofs live in their own graphs) as an N3 store. */
export async function credentialGraph(doc: JsonObject, canonizer: Canonizer): Promise<Store> {
  const nquads = (await jsonld.toRDF(withoutProof(doc), {
    format: 'application/n-quads',
    documentLoader: canonizer.documentLoader,
    safe: true,
  })) as unknown as string;
  return new Store(new Parser({ format: 'N-Quads' }).parse(nquads).filter((q) => q.graph.termType === 'DefaultGraph'));
}

export interface ValidateOptions {
  canonizer: Canonizer;
  profile?: ProfileId;
  strict?: boolean;
  subject?: string;
  /** Another engine to use instead (the tests cross-check engines this way). */
  engine?: ShaclEngine;
  /** Merge the ontology's rdfs:subClassOf triples (default true; switchable to prove why). */
  mergeSubClassOf?: boolean;
}

/**
 * Validate one credential: its JSON envelope against schemas/credential.schema.json, then its
 * expanded graph (offline, safe mode) merged with the ontology's subclass triples against the
 * profile's SHACL shapes.
 */
export async function validateCredential(doc: JsonObject, opts: ValidateOptions): Promise<ValidationReport> {
  const profile = opts.profile ?? detectProfile(doc);
  const subject = opts.subject ?? (typeof doc.id === 'string' ? doc.id : '(credential)');
  const strict = opts.strict ?? false;
  if (!profile) {
    throw new GatewayError(`${subject}: no Gaia-X context (${CONTEXTS.gaiaX2511} or the Tagus trust framework); pass --profile`, 'unknown-profile');
  }
  const results = jsonSchemaResults(doc);
  let graph: Store | undefined;
  try {
    graph = await credentialGraph(doc, opts.canonizer);
  } catch (err) {
    results.push({ kind: 'json-schema', severity: 'violation', focusNode: subject, constraint: 'json-ld', message: `not valid JSON-LD: ${describeError(err)}` });
  }
  if (graph) {
    const set = await shapeSet(profile);
    if (opts.mergeSubClassOf !== false) {
      const types = graph.getObjects(null, 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type', null).map((t) => t.value);
      graph.addQuads(set.superclassTriples(types));
    }
    const engine = opts.engine ?? (await engineFor(profile));
    results.push(...(await engine.validate(graph)));
  }
  results.sort((a, b) => `${a.severity}${a.focusNode}${a.path ?? ''}${a.constraint}`.localeCompare(`${b.severity}${b.focusNode}${b.path ?? ''}${b.constraint}`));
  return { subject, profile, strict, conforms: conforms(results, strict), results };
}

/** Credentials inside a document: itself, or each credential of a presentation (JWTs decoded, not verified). */
export function credentialsIn(input: unknown): JsonObject[] {
  let value = input;
  if (typeof value === 'string') {
    const text = value.trim();
    value = text.startsWith('{') ? (JSON.parse(text) as unknown) : decodeJwt(text).payload;
  }
  const doc = value as JsonObject;
  if (!isPresentation(doc)) return [doc];
  const raw = doc.verifiableCredential;
  const entries = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return entries.flatMap((entry) => {
    const jwt = typeof entry === 'string' ? entry : envelopedJwt(entry);
    return jwt ? [decodeJwt(jwt).payload] : [entry as JsonObject];
  });
}

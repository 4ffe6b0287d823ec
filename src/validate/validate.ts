import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import { DataFactory, type NamedNode, type Quad } from 'n3';
import type { Canonizer, RdfTerm } from '../credentials/canonize.js';
import { CONTEXTS } from '../credentials/contexts.js';
import { GatewayError, describeError } from '../core/errors.js';
import { isPresentation, withoutProof, type JsonObject } from '../credentials/suites/suite.js';
import { decodeJwt, envelopedJwt } from '../credentials/suites/vc-jose.js';
import { packageRoot } from '../paths.js';
import { compact, conforms, type ValidationReport, type ValidationResult } from './report.js';
import { shaclEngine, type ShaclEngine } from './shacl.js';
import { IndexedGraph } from './graph.js';
import { RDF_TYPE } from './vocab.js';
import { shapeSet, type ProfileId, type ShapeSet } from './shapes.js';
import { sliceSet, sliceShapes } from './slices.js';

/** Credentials per slice of a large set's validation (see slices.ts). */
const SLICE_SIZE = 500;

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
let envelopeSchema: ValidateFunction | undefined;

function envelope(): ValidateFunction {
  if (!envelopeSchema) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    envelopeSchema = ajv.compile(
      JSON.parse(readFileSync(join(packageRoot, 'schemas', 'credential.schema.json'), 'utf8')) as object,
    );
  }
  return envelopeSchema;
}

const engines = new Map<ShapeSet, Promise<ShaclEngine>>();

/** The SHACL engine for a shape set: the validator built once per process. */
export function engineFor(set: ShapeSet): Promise<ShaclEngine> {
  let engine = engines.get(set);
  if (!engine) {
    engine = Promise.resolve(shaclEngine(set));
    engines.set(set, engine);
  }
  return engine;
}

/**
 * Every context URL a document names, at any depth: notary credentials carry the Tagus context in
 * their credentialSubject, not at the top. Bounded (the document already passed the size limits).
 */
function allContextUrls(doc: JsonObject): string[] {
  const urls: string[] = [];
  const stack: unknown[] = [doc];
  let seen = 0;
  while (stack.length && seen++ < 100_000) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      stack.push(...v);
      continue;
    }
    for (const [k, x] of Object.entries(v)) {
      if (k === '@context') for (const c of Array.isArray(x) ? x : [x]) if (typeof c === 'string') urls.push(c);
      if (k !== '@context' && x && typeof x === 'object') stack.push(x);
    }
  }
  return urls;
}

/** The profile a credential is written for, from the contexts it names (at any depth). */
export function detectProfile(doc: JsonObject): ProfileId | undefined {
  const ctx = allContextUrls(doc);
  const has = (url: string) => ctx.some((c) => c === url || c === url.replace(/#$/, ''));
  if (has(CONTEXTS.gaiaX2511)) return 'gaia-x-25.11';
  if (has(CONTEXTS.tagus2210)) return 'tagus-22.10';
  // gx-gateway's own SCS facts ride with the release whose data model they use.
  if (has(CONTEXTS.scsV1)) return has(CONTEXTS.credentialsV1) ? 'tagus-22.10' : 'gaia-x-25.11';
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

/** A JSON-LD error with the detail safe mode hides (which value, which event). */
function jsonLdProblem(err: unknown): string {
  const event = (err as { details?: { event?: { code?: string; details?: unknown } } }).details?.event;
  return event
    ? `${describeError(err)} (${event.code ?? 'event'}: ${JSON.stringify(event.details)})`
    : describeError(err);
}

/**
 * Terms shared between the quads of one set: IRIs and literals repeat across thousands of
 * credentials of one cloud (every predicate, the provider, each enumeration value), and RDF terms
 * are values, so one object each is enough. It lives as long as the set's validation.
 */
export interface Terms {
  namedNode(iri: string): NamedNode;
  literal(value: string, language: string | undefined, datatype: string | undefined): Quad['object'];
}

export function sharedTerms(): Terms {
  const named = new Map<string, NamedNode>();
  const literals = new Map<string, Quad['object']>();
  return {
    namedNode(iri) {
      let t = named.get(iri);
      if (!t) named.set(iri, (t = DataFactory.namedNode(iri)));
      return t;
    },
    literal(value, language, datatype) {
      // Long texts (descriptions) rarely repeat: made as they come.
      if (value.length > 256)
        return DataFactory.literal(value, language || (datatype ? this.namedNode(datatype) : undefined));
      const key = `${language ? `@${language}` : (datatype ?? '')}\u0000${value}`;
      let t = literals.get(key);
      if (!t)
        literals.set(
          key,
          (t = DataFactory.literal(value, language || (datatype ? this.namedNode(datatype) : undefined))),
        );
      return t;
    },
  };
}

/**
 * The credential's default-graph quads (proofs live in their own graphs), its blank nodes labelled
 * apart from any other graph's.
 */
export async function credentialQuads(
  doc: JsonObject,
  canonizer: Canonizer,
  terms: Terms = sharedTerms(),
): Promise<Quad[]> {
  const quads = await canonizer.toRdf(withoutProof(doc));
  // Blank node labels restart at _:b0 in every document: give this graph its own.
  const prefix = `g${randomUUID().slice(0, 8)}_`;
  const term = (t: RdfTerm) => {
    if (t.termType === 'BlankNode') return DataFactory.blankNode(prefix + t.value.replace(/^_:/, ''));
    if (t.termType === 'Literal') return terms.literal(t.value, t.language, t.datatype?.value);
    return terms.namedNode(t.value);
  };
  const out: Quad[] = [];
  for (const q of quads) {
    if (q.graph.termType !== 'DefaultGraph') continue;
    out.push(
      DataFactory.quad(
        term(q.subject) as Quad['subject'],
        term(q.predicate) as Quad['predicate'],
        term(q.object) as Quad['object'],
      ),
    );
  }
  return out;
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
  /** Validate against the full official shapes even where the build-time subset covers the graph. */
  fullShapes?: boolean;
  /**
   * Validate a set of more credentials than this in slices of about this many (default 500): the
   * same report, a fraction of the memory (see slices.ts).
   */
  sliceSize?: number;
  /** Called as credentials are expanded and when the shapes run (for progress on large sets). */
  onProgress?: (done: number, total: number, phase: string) => void;
}

/** One credential of a set to validate, and what its report is called. */
export interface SetMember {
  credential: JsonObject;
  subject?: string;
}

/**
 * Validate one credential: its JSON envelope against schemas/credential.schema.json, then its
 * expanded graph (offline, safe mode) merged with the ontology's subclass triples against the
 * profile's SHACL shapes.
 */
export async function validateCredential(doc: JsonObject, opts: ValidateOptions): Promise<ValidationReport> {
  const [report] = await validateCredentials(
    [{ credential: doc, ...(opts.subject ? { subject: opts.subject } : {}) }],
    opts,
  );
  return report!;
}

/**
 * Validate credentials that belong together (a presentation, a described set) the way a clearing
 * house does: as one graph, so a reference to a node another credential describes (providedBy →
 * the LegalPerson, Tagus' participant → its registration number) meets that node's type. Blank
 * nodes stay apart; each result is reported on the credential whose graph holds its focus node.
 */
export async function validateCredentials(
  members: SetMember[],
  opts: Omit<ValidateOptions, 'subject'>,
): Promise<ValidationReport[]> {
  const strict = opts.strict ?? false;
  const items = members.map((m) => {
    const doc = m.credential;
    const subject = m.subject ?? (typeof doc.id === 'string' ? doc.id : '(credential)');
    const profile = opts.profile ?? detectProfile(doc);
    if (!profile) {
      throw new GatewayError(
        `${subject}: no Gaia-X context (${CONTEXTS.gaiaX2511} or the Tagus trust framework); pass --profile`,
        'unknown-profile',
      );
    }
    return { doc, subject, profile, results: jsonSchemaResults(doc), graph: undefined as Quad[] | undefined };
  });
  const terms = sharedTerms();
  for (const [i, item] of items.entries()) {
    try {
      item.graph = await credentialQuads(item.doc, opts.canonizer, terms);
    } catch (err) {
      item.results.push({
        kind: 'json-schema',
        severity: 'violation',
        focusNode: item.subject,
        constraint: 'json-ld',
        message: `not valid JSON-LD: ${jsonLdProblem(err)}`,
      });
    }
    opts.onProgress?.(i + 1, items.length, 'expanded');
  }
  for (const profile of new Set(items.map((i) => i.profile))) {
    const group = items.filter((i) => i.profile === profile && i.graph);
    if (!group.length) continue;
    const graphs = group.map((i) => i.graph!);
    // The set's types decide the shapes (one choice for all its slices).
    const types = new Set<string>();
    for (const quads of graphs) for (const q of quads) if (q.predicate.value === RDF_TYPE) types.add(q.object.value);
    let set = await shapeSet(profile, opts.fullShapes ? { full: true } : {});
    // A class the build-time subset leaves out: the full official shapes decide.
    if (!set.covers(types)) set = await shapeSet(profile, { full: true });
    const owners = new Map<string, number[]>();
    graphs.forEach((quads, index) => {
      for (const q of quads) {
        const key = q.subject.termType === 'BlankNode' ? `_:${q.subject.value}` : q.subject.value;
        const list = owners.get(key);
        if (!list) owners.set(key, [index]);
        else if (list[list.length - 1] !== index) list.push(index);
      }
    });
    const slices = sliceSet(graphs, sliceShapes(set.shapes), opts.sliceSize ?? SLICE_SIZE);
    // Each credential's quads go once every slice holding them is done.
    const lastUse = new Map<number, number>();
    slices.forEach((slice, n) => {
      for (const i of [...slice.members, ...slice.context]) lastUse.set(i, n);
    });
    const typeTriples = slices.length > 1 ? typeTriplesOf(graphs) : undefined;
    const engine = opts.engine ?? (await engineFor(set));
    let validated = 0;
    for (const [n, slice] of slices.entries()) {
      const members = new Set(slice.members);
      const quads = [...slice.members, ...slice.context].flatMap((i) => graphs[i]!);
      if (typeTriples) {
        // The type of every other node these quads name: what sh:class looks at.
        const held = new Set(quads.map((q) => q.subject.value));
        for (const q of quads.slice()) {
          if (q.object.termType !== 'NamedNode' || held.has(q.object.value)) continue;
          held.add(q.object.value);
          quads.push(...(typeTriples.get(q.object.value) ?? []));
        }
      }
      const sliceTypes = new Set<string>();
      for (const q of quads) if (q.predicate.value === RDF_TYPE) sliceTypes.add(q.object.value);
      const union = new IndexedGraph(
        opts.mergeSubClassOf !== false ? [...quads, ...set.superclassTriples(sliceTypes)] : quads,
      );
      quads.length = 0;
      /** The credentials of this slice a result on `key` belongs to (a node nobody describes: the first slice's). */
      const ownersHere = (key: string): number[] => {
        const list = owners.get(key);
        if (!list) return n === 0 ? [0] : [];
        return slices.length === 1 ? list : list.filter((i) => members.has(i));
      };
      if (slices.length > 1)
        union.focus = (node) => ownersHere(node.termType === 'BlankNode' ? `_:${node.value}` : node.value).length > 0;
      for (const [i, last] of lastUse) {
        if (last !== n) continue;
        // The slice's graph holds them now.
        group[i]!.graph = undefined;
        graphs[i] = [];
        lastUse.delete(i);
      }
      opts.onProgress?.(
        validated,
        group.length,
        `validating against the ${profile} shapes${slices.length > 1 ? ` (slice ${n + 1} of ${slices.length})` : ''}`,
      );
      const named = new Map<string, string>();
      for (const result of await engine.validate(union)) {
        const owner = ownersHere(result.focusNode);
        if (!owner.length) continue;
        // A blank node is named by the path to it from a named node, as a person finds it in the JSON.
        if (result.focusNode.startsWith('_:')) {
          let label = named.get(result.focusNode);
          if (label === undefined)
            named.set(result.focusNode, (label = blankNodePath(union, result.focusNode.slice(2))));
          result.focusNode = label;
        }
        for (const index of owner) group[index]!.results.push(result);
      }
      validated += slice.members.length;
    }
  }
  return items.map((item) => {
    // Several shapes can report the same fact about the same node (the compiled and the official
    // shape of one class, a shape and its superclass's): one line per fact.
    const seen = new Set<string>();
    item.results = item.results.filter((r) => {
      const key = [r.kind, r.severity, r.focusNode, r.path ?? '', r.constraint, r.value ?? '', r.message].join(
        '\u0000',
      );
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    item.results.sort((a, b) =>
      `${a.severity}${a.focusNode}${a.path ?? ''}${a.constraint}`.localeCompare(
        `${b.severity}${b.focusNode}${b.path ?? ''}${b.constraint}`,
      ),
    );
    return {
      subject: item.subject,
      profile: item.profile,
      strict,
      conforms: conforms(item.results, strict),
      results: item.results,
    };
  });
}

/** Each named node's rdf:type triples, over a set's credentials. */
function typeTriplesOf(graphs: Quad[][]): Map<string, Quad[]> {
  const out = new Map<string, Quad[]>();
  for (const quads of graphs)
    for (const q of quads) {
      if (q.predicate.value !== RDF_TYPE || q.subject.termType !== 'NamedNode') continue;
      const list = out.get(q.subject.value);
      if (list) list.push(q);
      else out.set(q.subject.value, [q]);
    }
  return out;
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

/**
 * A readable name for a blank node of the data graph: the named node it hangs from and the
 * properties leading to it (`https://…/flavors/x#subject › gx:cpu › gx:pCPU`).
 */
function blankNodePath(graph: IndexedGraph, label: string): string {
  const steps: string[] = [];
  let current = DataFactory.blankNode(label) as Quad['object'];
  const visited = new Set<string>([label]);
  for (let depth = 0; depth < 12; depth++) {
    const incoming = graph
      .getQuads(null, null, current, null)
      .sort((a, b) => a.subject.value.localeCompare(b.subject.value));
    const q = incoming[0];
    if (!q) break;
    steps.unshift(compact(q.predicate.value));
    if (q.subject.termType !== 'BlankNode') return `${q.subject.value} › ${steps.join(' › ')}`;
    if (visited.has(q.subject.value)) break;
    visited.add(q.subject.value);
    current = q.subject as Quad['object'];
  }
  return steps.length ? `(blank node) › ${steps.join(' › ')}` : '(blank node)';
}

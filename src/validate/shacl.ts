import { DataFactory, Store, type Quad, type Term } from 'n3';
import { Validator } from 'shacl-engine';
import { excerpt } from '../core/excerpt.js';
import { compact, type ValidationResult } from './report.js';
import type { IndexedGraph } from './graph.js';
import type { ShapeSet } from './shapes.js';
import { RDF_TYPE, RDFS_SUBCLASS, SH } from './vocab.js';

/** One SHACL engine behind a small interface, so another can be cross-checked against it. */
export interface ShaclEngine {
  readonly name: string;
  validate(data: IndexedGraph): Promise<ValidationResult[]>;
}

export const rdfFactory = {
  namedNode: DataFactory.namedNode,
  blankNode: DataFactory.blankNode,
  literal: DataFactory.literal,
  variable: DataFactory.variable,
  defaultGraph: DataFactory.defaultGraph,
  quad: DataFactory.quad,
  dataset: (quads?: Iterable<Quad>) => new Store(quads ? [...quads] : []),
};

const SEVERITY: Record<string, ValidationResult['severity']> = {
  'http://www.w3.org/ns/shacl#Violation': 'violation',
  'http://www.w3.org/ns/shacl#Warning': 'warning',
  'http://www.w3.org/ns/shacl#Info': 'info',
};

interface EngineResult {
  focusNode?: { value?: string; term?: { value: string; termType?: string } };
  path?: { predicates: { value: string }[]; quantifier?: string; start?: string; end?: string }[];
  constraintComponent?: { value: string };
  severity?: { value: string };
  message?: { value: string }[];
  value?: { term?: { value: string }; value?: string };
  shape?: { ptr?: { value?: string; term?: { value: string } } };
  results?: EngineResult[];
}

function pathString(path: EngineResult['path']): string | undefined {
  if (!path?.length) return undefined;
  return path
    .map((step) => `${step.start === 'object' ? '^' : ''}${step.predicates.map((p) => p.value).join('|')}`)
    .join('/');
}

const SH_IN = DataFactory.namedNode(`${SH}in`);
const SH_IN_COMPONENT = DataFactory.namedNode(`${SH}InConstraintComponent`);
const termKey = (t: { termType: string; value: string; datatype?: { value: string }; language?: string }) =>
  `${t.termType}|${t.value}|${t.datatype?.value ?? ''}|${t.language ?? ''}`;

interface InShape {
  ptr: { out(p: unknown[]): { list(): Iterable<{ term: { termType: string; value: string } }> } };
}
interface InContext {
  valueOrNode: { term: { termType: string; value: string } };
  factory: typeof rdfFactory;
  test(ok: boolean, component: unknown, args: unknown): void;
}

/**
 * sh:in as shacl-engine does it, but the list of allowed values is joined for the message only
 * when a value fails: shacl-engine joins it on every check, which for the Gaia-X lists (countries,
 * SPDX licences, media types: hundreds of values) was most of the validation time. Same results,
 * same message.
 */
function compileIn(shape: InShape) {
  const terms = [...shape.ptr.out([SH_IN]).list()].map((item) => item.term);
  const allowed = new Set(terms.map(termKey));
  let joined: string | undefined;
  return {
    generic: (context: InContext) => {
      if (allowed.has(termKey(context.valueOrNode.term))) return;
      joined ??= terms.map((v) => v.value).join(', ');
      context.test(false, SH_IN_COMPONENT, {
        args: { in: joined },
        message: [context.factory.literal('Value is not in {$in}')],
        value: context.valueOrNode,
      });
    },
  };
}

/**
 * Which shapes a graph can meet, by the classes in it. shacl-engine resolves the targets of every
 * shape on every validation; handing it only the shapes whose target classes (with subclasses,
 * as SHACL defines class targets) occur in the graph gives the same report in a fraction of the
 * time. Shapes with other kinds of targets are always handed over.
 */
function shapeIndex(shapes: IndexedGraph): { byClass: Map<string, Set<string>>; always: Set<string> } {
  const byClass = new Map<string, Set<string>>();
  const always = new Set<string>();
  const subclasses = (c: string): Set<string> => {
    const out = new Set<string>([c]);
    const queue = [c];
    while (queue.length) {
      const x = queue.pop()!;
      for (const sub of shapes.getSubjects(RDFS_SUBCLASS, DataFactory.namedNode(x), null)) {
        if (!out.has(sub.value)) {
          out.add(sub.value);
          queue.push(sub.value);
        }
      }
    }
    return out;
  };
  const add = (shape: string, cls: string) => {
    for (const c of subclasses(cls)) {
      const set = byClass.get(c) ?? new Set<string>();
      set.add(shape);
      byClass.set(c, set);
    }
  };
  for (const q of shapes.getQuads(null, SH + 'targetClass', null, null))
    if (q.subject.termType === 'NamedNode') add(q.subject.value, q.object.value);
  // Implicit class targets: shacl-engine treats every named node shape as a class target of itself.
  for (const s of shapes.getSubjects(RDF_TYPE, DataFactory.namedNode(SH + 'NodeShape'), null))
    if (s.termType === 'NamedNode') add(s.value, s.value);
  for (const p of ['targetNode', 'targetSubjectsOf', 'targetObjectsOf', 'target']) {
    for (const q of shapes.getQuads(null, SH + p, null, null)) always.add(q.subject.value);
  }
  return { byClass, always };
}

interface TargetList {
  filter(keep: (ptr: { term: Term }) => boolean): TargetList;
}
interface EngineShape {
  resolveTargets(context: { focusNode: { dataset: unknown } }): Promise<TargetList>;
  focusable?: true;
}

/**
 * A validator whose targets a data graph can narrow (IndexedGraph.focus: the nodes of a slice's own
 * credentials, not those it holds as context); nested shapes (sh:node) still reach every node.
 */
function focusable(validator: Validator): Validator {
  const v = validator as unknown as { shapes: Map<unknown, EngineShape>; shape(ptr: unknown): EngineShape | null };
  const wrap = (shape: EngineShape | null) => {
    if (!shape || shape.focusable) return shape;
    const resolve = shape.resolveTargets.bind(shape);
    shape.resolveTargets = async (context) => {
      const targets = await resolve(context);
      const focus = (context.focusNode.dataset as IndexedGraph).focus;
      return focus ? targets.filter((ptr) => focus(ptr.term)) : targets;
    };
    shape.focusable = true;
    return shape;
  };
  for (const shape of v.shapes.values()) wrap(shape);
  const shape = v.shape.bind(v);
  v.shape = (ptr) => wrap(shape(ptr));
  return validator;
}

/** shacl-engine (rdf-ext): the fastest JavaScript engine measured here; see shapes/README.md. */
export function shaclEngine(set: ShapeSet): ShaclEngine {
  const make = (details: boolean) =>
    focusable(
      new Validator(set.shapes, {
        factory: rdfFactory,
        validations: [[SH_IN, compileIn]],
        ...(details ? { details: true } : {}),
      } as unknown as ConstructorParameters<typeof Validator>[1]),
    );
  const validator = make(false);
  // With details every alternative of an sh:or is evaluated: only run when one failed, to say which.
  let detailed: Validator | undefined;
  const index = shapeIndex(set.shapes);
  const shapeName = (r: EngineResult): string | undefined => {
    const ptr = r.shape?.ptr;
    const term = ptr?.term;
    const iri = ptr?.value ?? term?.value;
    if (!iri) return undefined;
    if (
      !iri.startsWith('_:') &&
      (term as { termType?: string } | undefined)?.termType !== 'BlankNode' &&
      !/^[a-z0-9]+$/i.test(iri)
    )
      return compact(iri);
    // A property shape is a blank node: name it by its node shape and its path.
    const node = term ? set.shapes.getSubjects(SH + 'property', term as never, null)[0] : undefined;
    const path = term ? set.shapes.getObjects(term as never, SH + 'path', null)[0] : undefined;
    if (!node || node.termType === 'BlankNode') return undefined;
    return `${compact(node.value)}${path && path.termType === 'NamedNode' ? ` › ${compact(path.value)}` : ''}`;
  };
  const messageOf = (r: EngineResult): string => {
    const own = (r.message ?? []).map((m) => m.value).join('; ');
    if (r.constraintComponent?.value === `${SH}OrConstraintComponent` && r.results?.length) {
      const alternatives = [
        ...new Set(
          r.results.map((n) => {
            const p = pathString(n.path);
            const m = (n.message ?? []).map((x) => x.value).join('; ') || compact(n.constraintComponent?.value ?? '');
            return excerpt(`${p ? `${compact(p)}: ` : ''}${m}`, 120);
          }),
        ),
      ];
      return `none of the alternatives (sh:or) holds: ${alternatives.join(' | ')}`;
    }
    return own || 'constraint not satisfied';
  };
  return {
    name: 'shacl-engine',
    async validate(data: IndexedGraph): Promise<ValidationResult[]> {
      const relevant = new Set(index.always);
      for (const t of data.getObjects(null, RDF_TYPE, null))
        for (const s of index.byClass.get(t.value) ?? []) relevant.add(s);
      if (!relevant.size) return [];
      const shapes = [...relevant].sort().map((iri) => ({ terms: [DataFactory.namedNode(iri)] }));
      const run = async (v: Validator) =>
        (
          (await (v.validate as (d: unknown, s: unknown) => Promise<unknown>)({ dataset: data }, shapes)) as {
            results: EngineResult[];
          }
        ).results;
      let results = await run(validator);
      if (results.some((r) => r.constraintComponent?.value === `${SH}OrConstraintComponent`)) {
        detailed ??= make(true);
        results = await run(detailed);
      }
      return results.map((r) => {
        const term = r.focusNode?.term;
        const focus = term
          ? term.termType === 'BlankNode'
            ? `_:${term.value}`
            : term.value
          : (r.focusNode?.value ?? '');
        const path = pathString(r.path);
        const value = r.value?.term?.value ?? r.value?.value;
        const shape = shapeName(r);
        return {
          kind: 'shacl' as const,
          severity: SEVERITY[r.severity?.value ?? ''] ?? 'violation',
          focusNode: focus,
          ...(path ? { path } : {}),
          constraint: r.constraintComponent?.value ?? 'unknown',
          message: messageOf(r),
          ...(value !== undefined ? { value } : {}),
          ...(shape ? { shape } : {}),
        };
      });
    },
  };
}

import { DataFactory, Store, type Quad } from 'n3';
import { Validator } from 'shacl-engine';
import type { ValidationResult } from './report.js';
import type { ShapeSet } from './shapes.js';

/** One SHACL engine behind a small interface, so another can be cross-checked against it. */
export interface ShaclEngine {
  readonly name: string;
  validate(data: Store): Promise<ValidationResult[]>;
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
  return path.map((step) => `${step.start === 'object' ? '^' : ''}${step.predicates.map((p) => p.value).join('|')}`).join('/');
}

const SH_IN = DataFactory.namedNode('http://www.w3.org/ns/shacl#in');
const SH_IN_COMPONENT = DataFactory.namedNode('http://www.w3.org/ns/shacl#InConstraintComponent');
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
      context.test(false, SH_IN_COMPONENT, { args: { in: joined }, message: [context.factory.literal('Value is not in {$in}')], value: context.valueOrNode });
    },
  };
}

/** shacl-engine (rdf-ext): the fastest JavaScript engine measured here; see shapes/README.md. */
export function shaclEngine(set: ShapeSet): ShaclEngine {
  const validator = new Validator(set.shapes, { factory: rdfFactory, validations: [[SH_IN, compileIn]] } as unknown as ConstructorParameters<typeof Validator>[1]);
  return {
    name: 'shacl-engine',
    async validate(data: Store): Promise<ValidationResult[]> {
      const report = (await validator.validate({ dataset: data })) as { results: EngineResult[] };
      return report.results.map((r) => {
        const term = r.focusNode?.term;
        const focus = term ? (term.termType === 'BlankNode' ? `_:${term.value}` : term.value) : (r.focusNode?.value ?? '');
        const path = pathString(r.path);
        const value = r.value?.term?.value ?? r.value?.value;
        const shape = r.shape?.ptr?.value ?? r.shape?.ptr?.term?.value;
        return {
          kind: 'shacl' as const,
          severity: SEVERITY[r.severity?.value ?? ''] ?? 'violation',
          focusNode: focus,
          ...(path ? { path } : {}),
          constraint: r.constraintComponent?.value ?? 'unknown',
          message: (r.message ?? []).map((m) => m.value).join('; ') || 'constraint not satisfied',
          ...(value !== undefined ? { value } : {}),
          ...(shape && !shape.startsWith('_:') && !/^[a-z0-9]+$/i.test(shape) ? { shape } : {}),
        };
      });
    },
  };
}

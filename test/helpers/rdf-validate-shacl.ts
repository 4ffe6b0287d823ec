// The second SHACL engine, for cross-checks only (devDependency).
import SHACLValidator from 'rdf-validate-shacl';
import type { IndexedGraph } from '../../src/validate/graph.js';
import type { ShaclEngine } from '../../src/validate/shacl.js';
import type { ValidationResult } from '../../src/validate/report.js';
import type { ShapeSet } from '../../src/validate/shapes.js';

interface Raw {
  focusNode?: { value: string; termType: string };
  path?: { value: string };
  sourceConstraintComponent?: { value: string };
  severity?: { value: string };
  message?: { value: string }[];
  value?: { value: string };
}

export function rdfValidateShacl(set: ShapeSet): ShaclEngine {
  const validator = new SHACLValidator(set.shapes);
  return {
    name: 'rdf-validate-shacl',
    async validate(data: IndexedGraph): Promise<ValidationResult[]> {
      const report = await validator.validate(data);
      return (report.results as Raw[]).map((r) => ({
        kind: 'shacl' as const,
        severity: r.severity?.value.endsWith('Warning')
          ? 'warning'
          : r.severity?.value.endsWith('Info')
            ? 'info'
            : 'violation',
        focusNode: r.focusNode
          ? r.focusNode.termType === 'BlankNode'
            ? `_:${r.focusNode.value}`
            : r.focusNode.value
          : '',
        ...(r.path?.value ? { path: r.path.value } : {}),
        constraint: r.sourceConstraintComponent?.value ?? 'unknown',
        message: (r.message ?? []).map((m) => m.value).join('; '),
        ...(r.value ? { value: r.value.value } : {}),
      }));
    },
  };
}

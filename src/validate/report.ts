/** One validation result, from SHACL or from the JSON Schema. */
export interface ValidationResult {
  /** `shacl` or `json-schema`. */
  kind: 'shacl' | 'json-schema';
  severity: 'violation' | 'warning' | 'info';
  /** The node (IRI or blank node label) or JSON pointer the result is about. */
  focusNode: string;
  /** Property path (IRIs joined with `/`) or JSON pointer of the offending value. */
  path?: string;
  /** The constraint that failed, e.g. `sh:MinCountConstraintComponent` or `required`. */
  constraint: string;
  message: string;
  value?: string;
  shape?: string;
}

export interface ValidationReport {
  /** What was validated (file, credential id). */
  subject: string;
  profile: string;
  /** True when there is no violation (and, in strict mode, no warning). */
  conforms: boolean;
  strict: boolean;
  results: ValidationResult[];
}

const PREFIXES: [string, string][] = [
  ['http://www.w3.org/ns/shacl#', 'sh:'],
  ['https://w3id.org/gaia-x/development#', 'gx:'],
  ['https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#', 'gx:'],
  ['https://schema.org/', 'schema:'],
  ['http://www.w3.org/2001/XMLSchema#', 'xsd:'],
  ['https://www.w3.org/2018/credentials#', 'cred:'],
  ['https://w3id.org/scs/gx-gateway#', 'scs:'],
];

/** Shorten an IRI with the prefixes people read in Gaia-X documents. */
export function compact(iri: string): string {
  for (const [ns, prefix] of PREFIXES) if (iri.startsWith(ns)) return prefix + iri.slice(ns.length);
  return iri;
}

export function conforms(results: ValidationResult[], strict: boolean): boolean {
  return !results.some((r) => r.severity === 'violation' || (strict && r.severity === 'warning'));
}

/** A report for people: one line per result, grouped under the subject. */
export function renderReport(report: ValidationReport): string {
  const counts = { violation: 0, warning: 0, info: 0 };
  for (const r of report.results) counts[r.severity]++;
  const head = `${report.conforms ? 'CONFORMS' : 'DOES NOT CONFORM'} ${report.subject} (${report.profile}${report.strict ? ', strict' : ''}): ${counts.violation} violation(s), ${counts.warning} warning(s), ${counts.info} info`;
  const lines = report.results.map(
    (r) =>
      `  ${r.severity.toUpperCase().padEnd(9)} ${compact(r.focusNode)}${r.path ? ` ${compact(r.path)}` : ''}: ${r.message} [${compact(r.constraint)}${r.shape ? `; ${r.shape}` : ''}]${r.value !== undefined ? ` (value: ${compact(r.value)})` : ''}`,
  );
  return [head, ...lines].join('\n');
}

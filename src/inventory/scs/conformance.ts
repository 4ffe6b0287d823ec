import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { GatewayError } from '../../core/errors.js';
import { parseYamlQuietly } from '../../core/yaml.js';
import { packageRoot } from '../../paths.js';
import type { ConformanceResult } from '../model.js';
import type { InventorySource, SourceContext, SourceOutcome } from '../source.js';

interface Scope {
  uuid: string;
  name: string;
  url?: string;
  modules: { id: string; targets?: { main?: string[] } }[];
  versions: { version: string; include: (string | { ref: string })[] }[];
}

let scopes: Scope[] | undefined;

/** The SCS certificate scopes bundled in data/scs/. */
export function bundledScopes(): Scope[] {
  if (scopes) return scopes;
  const dir = join(packageRoot, 'data', 'scs');
  scopes = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => parse(readFileSync(join(dir, f), 'utf8')) as Scope);
  return scopes;
}

interface RawReport {
  spec?: { uuid?: string; name?: string; url?: string };
  checked_at?: string | Date;
  reference_date?: string | Date;
  subject?: string;
  run?: { invocations?: Record<string, { results?: Record<string, number> }>; subject?: string };
}

const iso = (v: unknown) =>
  v instanceof Date ? v.toISOString().replace('.000Z', 'Z') : typeof v === 'string' ? v : undefined;

/**
 * A conformance report of the SCS compliance check: per-test-case results (1 pass, 0 missing or
 * aborted, -1 fail) and, for a known scope, a verdict per certificate version.
 */
export function parseConformanceReport(text: string, source: string): ConformanceResult {
  const raw = parseYamlQuietly(text, source, 'bad-report') as RawReport | null;
  if (!raw?.spec?.uuid || !raw.spec.name)
    throw new GatewayError(`${source}: not an SCS conformance report (spec.uuid and spec.name missing)`, 'bad-report');
  const subject = raw.subject ?? raw.run?.subject;
  if (!subject) throw new GatewayError(`${source}: the report names no subject`, 'bad-report');
  const results = new Map<string, number>();
  for (const inv of Object.values(raw.run?.invocations ?? {})) {
    for (const [id, value] of Object.entries(inv.results ?? {})) {
      // A test case run twice counts with its worst result.
      results.set(id, Math.min(results.get(id) ?? 1, Number(value)));
    }
  }
  const label = (v: number | undefined): 'pass' | 'fail' | 'missing' =>
    v === 1 ? 'pass' : v === -1 ? 'fail' : 'missing';
  const scope = bundledScopes().find((s) => s.uuid === raw.spec!.uuid);
  const versions: ConformanceResult['versions'] = [];
  if (scope) {
    const moduleCases = new Map(scope.modules.map((m) => [m.id, m.targets?.main ?? []]));
    for (const v of scope.versions) {
      const cases = v.include.flatMap((inc) => moduleCases.get(typeof inc === 'string' ? inc : inc.ref) ?? []);
      const counted = { passed: 0, failed: 0, missing: 0 };
      for (const c of cases) {
        const r = label(results.get(c));
        if (r === 'pass') counted.passed++;
        else if (r === 'fail') counted.failed++;
        else counted.missing++;
      }
      versions.push({
        version: v.version,
        result: counted.failed ? 'fail' : counted.missing ? 'incomplete' : 'pass',
        ...counted,
      });
    }
  }
  const checkedAt = iso(raw.checked_at);
  const referenceDate = iso(raw.reference_date);
  return {
    source,
    subject,
    scope: { uuid: raw.spec.uuid, name: raw.spec.name, ...(raw.spec.url ? { url: raw.spec.url } : {}) },
    ...(checkedAt ? { checkedAt } : {}),
    ...(referenceDate ? { referenceDate: referenceDate.slice(0, 10) } : {}),
    versions,
    testcases: [...results.keys()].sort().map((id) => ({ id, result: label(results.get(id)) })),
  };
}

/** Conformance reports read from files. */
export class ScsReportSource implements InventorySource {
  readonly kind = 'scs-report' as const;
  readonly id: string;
  readonly endpoint: string;
  constructor(private readonly file: string) {
    this.id = `scs-report:${basename(file)}`;
    this.endpoint = file;
  }
  async collect(_ctx: SourceContext): Promise<SourceOutcome> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      throw new GatewayError(
        `cannot read ${this.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        'bad-report',
      );
    }
    const result = parseConformanceReport(text, this.id);
    const warnings = result.versions.length
      ? []
      : [`scope ${result.scope.name} (${result.scope.uuid}) is not bundled; only test-case results are kept`];
    return { content: { conformance: [result] }, errors: [], warnings, apiVersions: {} };
  }
}

import { createHash, constants, generateKeyPairSync, sign } from 'node:crypto';
import jsonld from 'jsonld';
import type { ProviderConfig } from '../src/config/schema.js';
import { bundledContexts } from '../src/credentials/contexts.js';
import { describe } from '../src/describe/describe.js';
import type { Inventory } from '../src/inventory/model.js';
import type { Store } from '../src/store/store.js';
import { join } from 'node:path';

/** Run `fn` repeatedly for at least `minMs` (after a warm-up) and return milliseconds per operation. */
export async function measure(fn: () => Promise<unknown> | unknown, minMs = 800, warmup = 20): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs || n < 10) {
    await fn();
    n++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return elapsed / n;
}

export function fmt(ms: number): string {
  return `${(1000 / ms).toFixed(0).padStart(7)} ops/s (${ms.toFixed(3)} ms)`;
}

/** Both profiles' unsigned credentials of an inventory, as a run describes them. */
export function describeBoth(
  inventory: Inventory,
  provider: ProviderConfig,
  issuer: string,
): Record<string, unknown>[] {
  return (['gaia-x-25.11', 'tagus-22.10'] as const).flatMap((p) =>
    describe(inventory, p, {
      provider,
      baseUrl: 'https://provider.example',
      issuer,
      issued: '2026-12-01T00:00:00Z',
    }).credentials.map((c) => c.credential),
  );
}

/**
 * A pipeline's floors for these credentials, in ms for all of them: one JSON-LD expansion each (the
 * least validation needs), and canonicalization plus a raw RSA-PSS signature each (the least
 * signing needs), with jsonld and node:crypto alone. Once a canonizer of the gateway exists in the
 * process, jsonld.js runs with its context copies made cheaper (src/credentials/jsonld-clone.ts), the
 * floors too.
 */
export async function pipelineFloors(
  credentials: Record<string, unknown>[],
): Promise<{ expandMs: number; canonicalizeSignMs: number }> {
  const contexts = new Map([...bundledContexts().values()].map((c) => [c.url, c.document]));
  // Tagged static: jsonld.js keeps the contexts it resolved and processed between documents, as it
  // is meant to be used (untagged, it processes the Gaia-X context again for every document).
  const loader = async (u: string) => ({
    contextUrl: null,
    documentUrl: u,
    document: contexts.get(u) ?? contexts.get(u.replace(/#$/, '') + '#'),
    tag: 'static',
  });
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const te = performance.now();
  for (const c of credentials) await jsonld.expand(c, { documentLoader: loader as never, safe: true });
  const expandMs = performance.now() - te;
  const tc = performance.now();
  for (const c of credentials) {
    const n = await jsonld.canonize(c, {
      algorithm: 'RDFC-1.0',
      format: 'application/n-quads',
      documentLoader: loader as never,
      safe: true,
    });
    sign('sha256', createHash('sha256').update(n).digest(), {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
  }
  return { expandMs, canonicalizeSignMs: performance.now() - tc };
}

/** Issue 20's goal lines, one per goal and database, printed together at the end of `npm run bench`. */
export const goals: string[] = [];

/** Record a goal's figure (also printed where it was measured). */
export function goal(line: string): void {
  goals.push(line);
  console.log(`  ${line}`);
}

/** Where the PostgreSQL runs get a database of their own (the local server every machine here runs). */
const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh store location of each kind: a SQLite file in `dir`, or a PostgreSQL database of its own. */
export async function benchDatabase(
  kind: 'sqlite' | 'postgres',
  dir: string,
): Promise<{ location: { file: string } | { url: string }; drop(): Promise<void> }> {
  if (kind === 'sqlite') return { location: { file: join(dir, 'gx.sqlite') }, drop: async () => {} };
  const pg = (await import('pg')).default;
  const name = `gxg_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { location: { url: url.href }, drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** A cloud of both profiles the benches run (its interval never comes due while they measure). */
export async function benchCloud(store: Store, id: string): Promise<void> {
  await store.clouds.put(
    { id, name: id, sources: '{}', profiles: '["gaia-x-25.11","tagus-22.10"]', interval_seconds: 86400, enabled: 1 },
    'bench',
  );
}

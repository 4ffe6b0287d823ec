import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { HttpClient, defaultHttpOptions, type HttpClientOptions } from '../net/http-client.js';
import {
  emptyContent,
  type Inventory,
  type InventoryContent,
  type RunInfo,
  type SourceProvenance,
  type UnknownPart,
} from './model.js';
import type { InventorySource, SourceContext, SourceOutcome } from './source.js';
import { linkDatacenters, type SiteMapping } from './link.js';

export interface BuildOptions {
  progress?: (message: string) => void;
  http?: Partial<HttpClientOptions>;
  /** NetBox site → OpenStack region/zones, when names do not match. */
  siteMapping?: SiteMapping;
  now?: () => Date;
}

const byKeys =
  <T>(...keys: ((x: T) => string)[]) =>
  (a: T, b: T) => {
    for (const k of keys) {
      const c = k(a).localeCompare(k(b), 'en', { numeric: true });
      if (c) return c;
    }
    return 0;
  };

/** Stable order for every list, so unchanged clouds give byte-identical inventories. */
export function sortContent(c: InventoryContent): InventoryContent {
  const zoneSort = byKeys<{ name: string }>((z) => z.name);
  return {
    regions: c.regions
      .map((r) => ({
        ...r,
        availabilityZones: {
          compute: [...r.availabilityZones.compute].sort(zoneSort),
          volume: [...r.availabilityZones.volume].sort(zoneSort),
          network: [...r.availabilityZones.network].sort(zoneSort),
        },
      }))
      .sort(
        byKeys(
          (r) => r.source,
          (r) => r.id,
        ),
      ),
    services: [...c.services].sort(
      byKeys(
        (s) => s.source,
        (s) => s.region,
        (s) => s.type,
        (s) => s.endpoint,
      ),
    ),
    flavors: [...c.flavors].sort(
      byKeys(
        (f) => f.source,
        (f) => f.region,
        (f) => f.name,
        (f) => f.id,
      ),
    ),
    images: [...c.images].sort(
      byKeys(
        (i) => i.source,
        (i) => i.region,
        (i) => i.name,
        (i) => i.id,
      ),
    ),
    volumeTypes: [...c.volumeTypes].sort(
      byKeys(
        (v) => v.source,
        (v) => v.region,
        (v) => v.name,
        (v) => v.id,
      ),
    ),
    networks: [...c.networks].sort(
      byKeys(
        (n) => n.source,
        (n) => n.region,
        (n) => n.name,
        (n) => n.id,
      ),
    ),
    kubernetesClusters: [...c.kubernetesClusters].sort(
      byKeys(
        (k) => k.source,
        (k) => k.id,
      ),
    ),
    datacenters: [...c.datacenters].sort(
      byKeys(
        (d) => d.source,
        (d) => d.id,
      ),
    ),
    conformance: [...c.conformance].sort(
      byKeys(
        (r) => r.source,
        (r) => r.subject,
        (r) => r.scope.uuid,
      ),
    ),
  };
}

export function contentHash(
  inv: Omit<Inventory, 'contentHash' | 'run'> & { contentHash?: string; run?: RunInfo },
): string {
  const { contentHash: _h, run: _r, ...rest } = inv;
  return `sha256:${createHash('sha256')
    .update(canonicalize(rest) ?? '')
    .digest('hex')}`;
}

/**
 * Read every source concurrently into one inventory. A source that throws is `failed`; one that
 * reports errors is `partial`; neither stops the others.
 */
export async function buildInventory(sources: InventorySource[], options: BuildOptions = {}): Promise<Inventory> {
  const now = options.now ?? (() => new Date());
  const progress = options.progress ?? (() => {});
  const startedAt = now();
  const clients: HttpClient[] = [];
  const ctx: SourceContext = {
    progress,
    createHttp: (tls, guard) => {
      const client = new HttpClient({
        ...defaultHttpOptions,
        ...options.http,
        ...(tls ? { tls } : {}),
        ...(guard ? { guard } : {}),
      });
      clients.push(client);
      return client;
    },
  };
  const merged = emptyContent();
  const provenance: SourceProvenance[] = [];
  const runSources: RunInfo['sources'] = [];
  await Promise.all(
    sources.map(async (source) => {
      const t0 = Date.now();
      let out: SourceOutcome;
      try {
        out = await source.collect(ctx);
      } catch (err) {
        // A source that fails as a whole is recorded like any other: failed, with why.
        out = { content: {}, errors: [(err as Error).message], warnings: [], apiVersions: {} };
      }
      for (const [key, list] of Object.entries(out.content) as [keyof InventoryContent, unknown[]][]) {
        (merged[key] as unknown[]).push(...list);
      }
      const hasContent = Object.values(out.content).some((l) => (l as unknown[]).length > 0);
      const status = out.errors.length === 0 ? 'ok' : hasContent ? 'partial' : 'failed';
      const unknownKey = (u: UnknownPart) => `${u.kind}@${u.region ?? ''}`;
      provenance.push({
        id: source.id,
        kind: source.kind,
        endpoint: out.endpoint ?? source.endpoint,
        status,
        errors: [...out.errors].sort(),
        warnings: [...out.warnings].sort(),
        apiVersions: Object.fromEntries(Object.entries(out.apiVersions).sort()),
        ...(out.unknown?.length
          ? {
              unknown: [...new Map(out.unknown.map((u) => [unknownKey(u), u])).values()].sort((a, b) =>
                unknownKey(a).localeCompare(unknownKey(b)),
              ),
            }
          : {}),
      });
      runSources.push({
        id: source.id,
        observedAt: now().toISOString(),
        durationMs: Date.now() - t0,
        requests: out.requests ?? 0,
        retries: out.retries ?? 0,
        requestMs: Math.round(out.requestMs ?? 0),
      });
    }),
  );
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  const content = sortContent(linkDatacenters(merged, options.siteMapping ?? {}));
  const body = { schemaVersion: 1 as const, sources: provenance.sort((a, b) => a.id.localeCompare(b.id)), ...content };
  const inventory: Inventory = { schemaVersion: 1, contentHash: contentHash(body), sources: body.sources, ...content };
  inventory.run = {
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    sources: runSources.sort((a, b) => a.id.localeCompare(b.id)),
  };
  return inventory;
}

/** The inventory as JSON text; volatile run facts only when asked for. */
export function serializeInventory(inv: Inventory, opts: { includeRun?: boolean } = {}): string {
  const { run, ...rest } = inv;
  return `${JSON.stringify(opts.includeRun && run ? { ...rest, run } : rest, null, 2)}\n`;
}

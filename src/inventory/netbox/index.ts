import { GatewayError } from '../../core/errors.js';
import { HttpError, type HttpClient, type OutboundGuard } from '../../net/http-client.js';
import type { Datacenter } from '../model.js';
import { part, type InventorySource, type SourceContext, type SourceOutcome } from '../source.js';

interface Ref {
  id: number;
  slug: string;
  name: string;
}
interface RawRegion extends Ref {
  parent?: Ref | null;
  custom_fields?: Record<string, unknown>;
}
interface RawSite extends Ref {
  status?: { value: string };
  region?: Ref | null;
  facility?: string;
  time_zone?: string | null;
  physical_address?: string;
  latitude?: number | null;
  longitude?: number | null;
  custom_fields?: Record<string, unknown>;
}
interface RawLocation extends Ref {
  site: Ref;
}

export interface NetBoxOptions {
  url: string;
  /** API token (never logged). */
  token?: string;
  pageSize?: number;
  ca?: string;
  insecure?: boolean;
  /** The URL is untrusted (a cloud added over the API): the outbound guard. */
  guard?: OutboundGuard;
}

const ALPHA2 = /^[A-Za-z]{2}$/;
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
/** ISO 3166-1 alpha-2 country (not EU, UN or other CLDR groupings). */
export function isCountry(code: string): boolean {
  const c = code.toUpperCase();
  if (['EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'ZZ'].includes(c)) return false;
  try {
    const name = regionNames.of(c);
    return Boolean(name) && name !== c;
  } catch {
    return false;
  }
}
const SUBDIVISION = /^([A-Za-z]{2})-([A-Za-z0-9]{1,3})$/;

/** Country and subdivision codes: custom fields first, else region slugs that are ISO 3166 codes. */
export function countryCodes(
  site: RawSite,
  regionPath: RawRegion[],
): { countryCode?: string; countrySubdivisionCode?: string } {
  const cf = {
    ...Object.fromEntries(regionPath.flatMap((r) => Object.entries(r.custom_fields ?? {}))),
    ...(site.custom_fields ?? {}),
  };
  let country =
    typeof cf.country_code === 'string'
      ? cf.country_code
      : typeof cf.country === 'string' && ALPHA2.test(cf.country)
        ? cf.country
        : undefined;
  let subdivision =
    typeof cf.country_subdivision_code === 'string'
      ? cf.country_subdivision_code
      : typeof cf.iso_3166_2 === 'string'
        ? cf.iso_3166_2
        : undefined;
  // Innermost region first: a site in region de-be (in de, in eu) is in DE-BE.
  for (const r of [...regionPath].reverse()) {
    if (!subdivision && SUBDIVISION.test(r.slug) && isCountry(r.slug.slice(0, 2))) subdivision = r.slug;
  }
  if (!country && subdivision) country = subdivision.slice(0, 2);
  for (const r of [...regionPath].reverse()) {
    if (!country && ALPHA2.test(r.slug) && isCountry(r.slug)) country = r.slug;
  }
  return {
    ...(country ? { countryCode: country.toUpperCase() } : {}),
    ...(subdivision ? { countrySubdivisionCode: subdivision.toUpperCase() } : {}),
  };
}

/** NetBox regions, sites and locations → datacenters. */
export class NetBoxSource implements InventorySource {
  readonly kind = 'netbox' as const;
  readonly id = 'netbox';
  readonly endpoint: string;

  constructor(private readonly options: NetBoxOptions) {
    this.endpoint = options.url.replace(/\/+$/, '');
  }

  private async list<T>(http: HttpClient, path: string): Promise<T[]> {
    const headers: Record<string, string> = this.options.token ? { authorization: `Token ${this.options.token}` } : {};
    const out: T[] = [];
    const base = new URL(this.endpoint);
    const origin = base.origin;
    let url: string | null = `${this.endpoint}${path}?limit=${this.options.pageSize ?? 1000}`;
    const seen = new Set<string>();
    while (url) {
      if (seen.has(url)) throw new Error(`pagination loops at ${url}`);
      seen.add(url);
      const res: { body: unknown } = await http.getJson<unknown>(url, headers);
      const page = res.body as { results?: unknown; next?: unknown } | null;
      if (!page || typeof page !== 'object' || !Array.isArray(page.results))
        throw new Error(`${path} did not answer a NetBox list (no results array)`);
      out.push(...(page.results as T[]));
      const next = page.next;
      if (next !== null && next !== undefined && typeof next !== 'string')
        throw new Error(`${path}: its next link is not a URL`);
      // The token goes to the configured NetBox only: a next link elsewhere is not followed.
      let nextUrl: URL | undefined;
      try {
        nextUrl = next ? new URL(next) : undefined;
      } catch {
        throw new Error(`${path}: its next link is not a URL`);
      }
      if (nextUrl && nextUrl.hostname !== base.hostname)
        throw new Error(
          `${path}: its next link leaves ${origin} (not followed: the token goes to the configured NetBox only)`,
        );
      // Same host: followed on the configured origin (a NetBox behind a TLS proxy links http://).
      url = nextUrl ? `${origin}${nextUrl.pathname}${nextUrl.search}` : null;
    }
    return out;
  }

  async collect(ctx: SourceContext): Promise<SourceOutcome> {
    const http = ctx.createHttp(
      {
        ...(this.options.ca ? { ca: this.options.ca } : {}),
        insecure: this.options.insecure ?? false,
      },
      this.options.guard,
    );
    const errors: string[] = [];
    const warnings: string[] = [];
    try {
      ctx.progress(`netbox: reading ${this.endpoint}`);
      let status: { 'netbox-version'?: string } = {};
      try {
        status = (
          await http.getJson<{ 'netbox-version'?: string }>(
            `${this.endpoint}/api/status/`,
            this.options.token ? { authorization: `Token ${this.options.token}` } : {},
          )
        ).body;
      } catch (err) {
        if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
          throw new GatewayError(
            `NetBox at ${this.endpoint} rejected the API token (HTTP ${err.status}); check --netbox-token / NETBOX_TOKEN`,
            'netbox-auth',
          );
        }
        throw err;
      }
      const [regions, sites, locations] = await Promise.all([
        part(errors, 'regions', [] as RawRegion[], () => this.list<RawRegion>(http, '/api/dcim/regions/')),
        this.list<RawSite>(http, '/api/dcim/sites/'),
        part(errors, 'locations', [] as RawLocation[], () => this.list<RawLocation>(http, '/api/dcim/locations/')),
      ]);
      const byId = new Map(regions.map((r) => [r.id, r]));
      const pathOf = (ref: Ref | null | undefined): RawRegion[] => {
        const chain: RawRegion[] = [];
        let cur = ref ? (byId.get(ref.id) ?? (ref as RawRegion)) : undefined;
        for (let i = 0; cur && i < 32; i++) {
          chain.unshift(cur);
          cur = cur.parent ? byId.get(cur.parent.id) : undefined;
        }
        return chain;
      };
      const datacenters: Datacenter[] = sites.map((s) => {
        const regionPath = pathOf(s.region);
        const codes = countryCodes(s, regionPath);
        if (!codes.countryCode)
          warnings.push(`site ${s.slug}: no country code (set custom field country_code or use ISO 3166 region slugs)`);
        return {
          id: s.slug,
          name: s.name,
          source: this.id,
          ...(s.status?.value ? { status: s.status.value } : {}),
          regionPath: regionPath.map((r) => r.slug),
          ...codes,
          ...(s.physical_address ? { address: s.physical_address.replace(/\r\n/g, '\n').trim() } : {}),
          ...(s.facility ? { facility: s.facility } : {}),
          ...(s.time_zone ? { timeZone: s.time_zone } : {}),
          ...(typeof s.latitude === 'number' ? { latitude: s.latitude } : {}),
          ...(typeof s.longitude === 'number' ? { longitude: s.longitude } : {}),
          locations: locations
            .filter((l) => l.site.slug === s.slug)
            .map((l) => l.slug)
            .sort(),
          availabilityZones: [],
        };
      });
      ctx.progress(`netbox: ${datacenters.length} sites, ${regions.length} regions, ${locations.length} locations`);
      return {
        content: { datacenters },
        errors,
        warnings,
        apiVersions: status['netbox-version'] ? { netbox: status['netbox-version'] } : {},
        requests: http.stats.requests,
        retries: http.stats.retries,
        requestMs: http.stats.totalMs,
      };
    } finally {
      await http.close();
    }
  }
}

import type { HttpClient } from '../../net/http-client.js';
import type { ApiVersion } from '../model.js';

/** The unversioned root of an endpoint: `https://h/compute/v2.1/abc` → `https://h/compute`. */
export function unversionedRoot(url: string): string {
  const u = new URL(url);
  const parts = u.pathname.split('/').filter(Boolean);
  const idx = parts.findIndex((p) => /^v\d+(\.\d+)?$/.test(p));
  u.pathname = `/${(idx >= 0 ? parts.slice(0, idx) : parts).join('/')}`;
  return u.toString().replace(/\/+$/, '');
}

interface RawVersion {
  id?: string;
  status?: string;
  version?: string;
  min_version?: string;
  max_version?: string;
}

export function parseVersions(body: unknown): ApiVersion[] {
  const b = body as { versions?: RawVersion[] | { values?: RawVersion[] }; version?: RawVersion };
  const list = Array.isArray(b.versions) ? b.versions : (b.versions?.values ?? (b.version ? [b.version] : []));
  return list
    .filter((v): v is RawVersion & { id: string } => typeof v.id === 'string')
    .map((v) => {
      const max = v.max_version || v.version;
      return {
        id: v.id,
        status: (v.status ?? 'unknown').toUpperCase(),
        ...(v.min_version ? { minVersion: v.min_version } : {}),
        ...(max ? { maxVersion: max } : {}),
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** GET the endpoint's root for its version document. */
export async function discoverVersions(http: HttpClient, endpoint: string, token: string): Promise<ApiVersion[]> {
  const res = await http.getJson(`${unversionedRoot(endpoint)}/`, { 'x-auth-token': token });
  return parseVersions(res.body);
}

/** The version entry matching the endpoint's own version, else the CURRENT one. */
export function currentVersion(versions: ApiVersion[], endpoint?: string): ApiVersion | undefined {
  const own = endpoint ? /\/(v\d+(?:\.\d+)?)(?:\/|$)/.exec(new URL(endpoint).pathname)?.[1] : undefined;
  return (
    (own ? versions.find((v) => v.id === own || v.id === `${own}.0`) : undefined) ??
    versions.find((v) => v.status === 'CURRENT') ??
    versions.find((v) => v.status === 'STABLE') ??
    versions[versions.length - 1]
  );
}

export function describeVersion(v: ApiVersion | undefined): string {
  if (!v) return 'unknown';
  return v.minVersion || v.maxVersion ? `${v.id} (${v.minVersion ?? '?'}–${v.maxVersion ?? '?'})` : v.id;
}

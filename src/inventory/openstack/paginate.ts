import type { HttpClient } from '../../net/http-client.js';

/**
 * Follow OpenStack pagination: `<resource>_links` with rel=next (Nova, Cinder, Neutron) or a
 * `next` path (Glance). `resolveNext` turns a relative next link into a URL.
 */
export async function paginate<T>(
  http: HttpClient,
  firstUrl: string,
  headers: Record<string, string>,
  key: string,
  resolveNext: (href: string) => string = (href) => href,
  maxPages = 10_000,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let url: string | undefined = firstUrl;
  for (let page = 0; url && page < maxPages; page++) {
    if (seen.has(url)) throw new Error(`pagination loops at ${url}`);
    seen.add(url);
    const res: { body: Record<string, unknown> } = await http.getJson<Record<string, unknown>>(url, headers);
    const batch = (res.body[key] ?? []) as T[];
    items.push(...batch);
    const links = res.body[`${key}_links`] as { rel: string; href: string }[] | undefined;
    const next =
      links?.find((l) => l.rel === 'next')?.href ?? (typeof res.body.next === 'string' ? res.body.next : undefined);
    url = next && batch.length > 0 ? resolveNext(next) : undefined;
  }
  return items;
}

/** Append query parameters to a URL. */
export function withQuery(url: string, params: Record<string, string | number | undefined>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}

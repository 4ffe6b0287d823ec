// A fake NetBox (REST API v4: /api/status/, /api/dcim/regions|sites|locations/) with token auth
// and limit/offset pagination whose `next` is an absolute URL, as NetBox answers.
// Run on its own: node dist/src/demo/netbox.js
import { fileURLToPath } from 'node:url';
import { startFake, type FakeServer } from './http.js';

export interface FakeNetBox extends FakeServer {
  token: string;
}

export function netboxData() {
  const region = (id: number, slug: string, name: string, parent?: number, custom: Record<string, unknown> = {}) => ({
    id,
    url: `/api/dcim/regions/${id}/`,
    display: name,
    name,
    slug,
    parent: parent ? { id: parent, slug: '', name: '' } : null,
    description: '',
    custom_fields: custom,
    _depth: parent ? 1 : 0,
  });
  const regions = [
    region(1, 'eu', 'Europe'),
    region(2, 'de', 'Germany', 1),
    region(3, 'de-be', 'Berlin', 2),
    region(4, 'de-he', 'Hesse', 2),
    region(5, 'ch', 'Switzerland', 1),
  ];
  for (const r of regions)
    if (r.parent)
      r.parent = {
        id: r.parent.id,
        slug: regions.find((x) => x.id === r.parent!.id)!.slug,
        name: regions.find((x) => x.id === r.parent!.id)!.name,
      };
  const site = (
    id: number,
    slug: string,
    name: string,
    regionId: number,
    address: string,
    extra: Record<string, unknown> = {},
  ) => {
    const r = regions.find((x) => x.id === regionId)!;
    return {
      id,
      url: `/api/dcim/sites/${id}/`,
      display: name,
      name,
      slug,
      status: { value: 'active', label: 'Active' },
      region: { id: r.id, url: r.url, display: r.name, name: r.name, slug: r.slug, _depth: r._depth },
      group: null,
      tenant: null,
      facility: `${name} hall 1`,
      time_zone: 'Europe/Berlin',
      description: '',
      physical_address: address,
      shipping_address: '',
      latitude: 52.52,
      longitude: 13.405,
      custom_fields: {},
      ...extra,
    };
  };
  const sites = [
    site(1, 'az-a', 'Berlin DC A', 3, 'Example Straße 1\r\n10115 Berlin\r\nGermany'),
    site(2, 'az-b', 'Frankfurt DC B', 4, 'Hanauer Landstraße 5\n60314 Frankfurt am Main\nGermany', {
      latitude: 50.11,
      longitude: 8.68,
    }),
    site(3, 'zrh-1', 'Zurich Edge', 5, 'Bahnhofstrasse 1\n8001 Zürich\nSwitzerland', {
      time_zone: 'Europe/Zurich',
      custom_fields: { country_subdivision_code: 'CH-ZH' },
    }),
  ];
  const locations = [
    {
      id: 1,
      url: '/api/dcim/locations/1/',
      display: 'Room 1',
      name: 'Room 1',
      slug: 'az-a-room-1',
      site: { id: 1, slug: 'az-a', name: 'Berlin DC A' },
    },
    {
      id: 2,
      url: '/api/dcim/locations/2/',
      display: 'Room 2',
      name: 'Room 2',
      slug: 'az-a-room-2',
      site: { id: 1, slug: 'az-a', name: 'Berlin DC A' },
    },
  ];
  return { regions, sites, locations };
}

export async function startFakeNetBox(opts: { port?: number; token?: string } = {}): Promise<FakeNetBox> {
  const token = opts.token ?? 'netbox-demo-token-0123456789abcdef';
  const data = netboxData();
  let base = '';
  const server = await startFake(
    (req, url) => {
      if (req.headers.authorization !== `Token ${token}`) return { status: 403, json: { detail: 'Invalid token' } };
      if (url.pathname === '/api/status/')
        return {
          json: {
            'django-version': '5.0.9',
            'netbox-version': '4.1.7',
            plugins: {},
            'python-version': '3.12.3',
            'rq-workers-running': 1,
          },
        };
      const lists: Record<string, unknown[]> = {
        '/api/dcim/regions/': data.regions,
        '/api/dcim/sites/': data.sites,
        '/api/dcim/locations/': data.locations,
      };
      const all = lists[url.pathname];
      if (!all) return { status: 404, json: { detail: 'Not found.' } };
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 50), 1000);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const results = all.slice(offset, offset + limit);
      const nextUrl =
        offset + limit < all.length ? `${base}${url.pathname}?limit=${limit}&offset=${offset + limit}` : null;
      const prevUrl = offset > 0 ? `${base}${url.pathname}?limit=${limit}&offset=${Math.max(0, offset - limit)}` : null;
      return { json: { count: all.length, next: nextUrl, previous: prevUrl, results } };
    },
    opts.port !== undefined ? { port: opts.port } : {},
  );
  base = server.url;
  return { ...server, token };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fake = await startFakeNetBox({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`fake NetBox at ${fake.url} (token ${fake.token})\n`);
}

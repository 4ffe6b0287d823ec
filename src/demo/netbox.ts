// A fake NetBox (REST API v4: /api/status/, /api/dcim/regions|sites|locations/) with token auth
// and limit/offset pagination whose `next` is an absolute URL, as NetBox answers. A site changed
// (PATCH /api/dcim/sites/{id}/, or updateSite) is sent to the configured webhooks as NetBox's event
// rules send it (netbox/extras/webhooks.py and events.py): the context of the release's form as
// Python's json.dumps writes it, signed with X-Hook-Signature (hex HMAC-SHA512 of the body).
// Run on its own: node dist/src/demo/netbox.js
import { createHmac, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startFake, type FakeServer } from './http.js';
import { pythonIsoformat, pythonJson } from './python.js';

/** The three forms of NetBox's webhook context: 3.x–4.0, 4.1–4.6, 4.7. */
export type NetBoxRelease = '4.0' | '4.6' | '4.7';

export interface NetBoxWebhook {
  url: string;
  /** The webhook's secret (empty: unsigned, as NetBox sends without one). */
  secret: string;
  release: NetBoxRelease;
}

export interface FakeNetBox extends FakeServer {
  token: string;
  /** Webhooks of its event rule (object types dcim.site; events created, updated, deleted). */
  webhooks: NetBoxWebhook[];
  /** Change a site as a user would; each webhook gets the delivery. Resolves with their answers. */
  updateSite(id: number, patch: Record<string, unknown>): Promise<{ status: number; body: string }[]>;
}

/**
 * One delivery as NetBox's send_webhook makes it: the context of the release's form (an object
 * change by a user's API request), its body and headers (Content-Type, and X-Hook-Signature when
 * the webhook has a secret).
 */
export function netboxDelivery(opts: {
  release: NetBoxRelease;
  secret: string;
  event: 'created' | 'updated' | 'deleted';
  objectType: string;
  data: Record<string, unknown>;
  prechange?: Record<string, unknown> | null;
  timestamp?: Date;
  username?: string;
  requestId?: string;
}): { body: Buffer; headers: Record<string, string> } {
  const timestamp = pythonIsoformat(opts.timestamp ?? new Date());
  const username = opts.username ?? 'admin';
  const requestId = opts.requestId ?? randomUUID();
  const snapshots = {
    prechange: opts.prechange ?? null,
    postchange: opts.event === 'deleted' ? null : opts.data,
  };
  const path = `/api/${opts.objectType.replace('.', '/')}s/${String(opts.data.id ?? '')}/`;
  const method = { created: 'POST', updated: 'PATCH', deleted: 'DELETE' }[opts.event];
  const context =
    opts.release === '4.0'
      ? {
          event: opts.event,
          timestamp,
          model: opts.objectType.split('.')[1],
          username,
          request_id: requestId,
          data: opts.data,
          snapshots,
        }
      : opts.release === '4.6'
        ? {
            event: opts.event,
            timestamp,
            object_type: opts.objectType,
            username,
            request_id: requestId,
            data: opts.data,
            request: { id: requestId, method, path, user: username },
            snapshots,
          }
        : {
            event: opts.event,
            timestamp,
            object_type: opts.objectType,
            data: opts.data,
            request: { id: requestId, path, path_info: path, method, GET: {}, user: username },
            snapshots,
          };
  const body = Buffer.from(pythonJson(context), 'utf8');
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      ...(opts.secret ? { 'X-Hook-Signature': createHmac('sha512', opts.secret).update(body).digest('hex') } : {}),
    },
  };
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
  const webhooks: NetBoxWebhook[] = [];
  const updateSite = async (id: number, patch: Record<string, unknown>) => {
    const site = data.sites.find((s) => s.id === id);
    if (!site) throw new Error(`no site ${id}`);
    const prechange = structuredClone(site);
    Object.assign(site, patch);
    return Promise.all(
      webhooks.map(async (w) => {
        const { body, headers } = netboxDelivery({
          release: w.release,
          secret: w.secret,
          event: 'updated',
          objectType: 'dcim.site',
          data: site,
          prechange,
        });
        const res = await fetch(w.url, { method: 'POST', headers, body: new Uint8Array(body) });
        return { status: res.status, body: await res.text() };
      }),
    );
  };
  const server = await startFake(
    async (req, url, body) => {
      if (req.headers.authorization !== `Token ${token}`) return { status: 403, json: { detail: 'Invalid token' } };
      const one = /^\/api\/dcim\/sites\/(\d+)\/$/.exec(url.pathname);
      if (one && req.method === 'PATCH') {
        const site = data.sites.find((s) => s.id === Number(one[1]));
        if (!site) return { status: 404, json: { detail: 'No Site matches the given query.' } };
        await updateSite(site.id, JSON.parse(body || '{}') as Record<string, unknown>);
        return { json: site };
      }
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
  return Object.assign(server, { token, webhooks, updateSite });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fake = await startFakeNetBox({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`fake NetBox at ${fake.url} (token ${fake.token})\n`);
}

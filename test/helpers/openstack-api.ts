import { readFileSync } from 'node:fs';
import { patience } from './wait.js';

type Catalog = { type: string; endpoints: { interface: string; url: string }[] }[];

/**
 * openstack-lite's APIs as a provider's operator calls them: a Keystone token of the admin of its
 * clouds.yaml, the catalog's public endpoints, and calls that throw on an error answer.
 */
export async function openstackApi(cloudsYaml: string): Promise<{
  endpoint(type: string): string;
  call(method: string, url: string, body?: unknown, type?: string): Promise<Record<string, unknown>>;
}> {
  const auth = /auth_url:\s*(\S+)/.exec(readFileSync(cloudsYaml, 'utf8'))![1]!.replace(/['"]/g, '');
  const tokens = await fetch(`${auth.replace(/\/$/, '').replace(/\/v3$/, '')}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { id: 'default' }, password: 'gx-admin-secret' } },
        },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
  });
  const token = tokens.headers.get('x-subject-token')!;
  const catalog = ((await tokens.json()) as { token: { catalog: Catalog } }).token.catalog;
  return {
    endpoint: (type) =>
      catalog
        .find((c) => c.type === type)!
        .endpoints.find((e) => e.interface === 'public')!
        .url.replace(/\/$/, ''),
    async call(method, url, body, type = 'application/json') {
      const r = await fetch(url, {
        method,
        headers: { 'x-auth-token': token, 'content-type': type },
        ...(body === undefined ? {} : { body: body instanceof Uint8Array ? Buffer.from(body) : JSON.stringify(body) }),
      });
      if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${await r.text()}`);
      const text = await r.text();
      return (text ? JSON.parse(text) : undefined) as Record<string, unknown>;
    },
  };
}

/** A public image with the seed's full scs-0102 metadata, uploaded (active); returns its id. */
export async function uploadImage(
  api: Awaited<ReturnType<typeof openstackApi>>,
  properties: Record<string, string>,
  name: string,
): Promise<string> {
  const glance = api.endpoint('image');
  const image = await api.call('POST', `${glance}/v2/images`, {
    name,
    visibility: 'public',
    disk_format: 'qcow2',
    container_format: 'bare',
    min_disk: 8,
    min_ram: 512,
    ...properties,
  });
  await api.call(
    'PUT',
    `${glance}/v2/images/${image.id as string}/file`,
    new Uint8Array(4096),
    'application/octet-stream',
  );
  return image.id as string;
}

/** Until `check` finds something (the gateway may have moved on between looks: a short pause each time). */
export async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + patience(ms);
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error(`${what}: not within ${patience(ms)} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

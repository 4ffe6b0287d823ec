import type { HttpClient } from '../../net/http-client.js';
import type { AvailabilityZone, Network } from '../model.js';
import { paginate, withQuery } from './paginate.js';
import { unversionedRoot } from './versions.js';

interface RawNetwork {
  id: string;
  name: string;
  'router:external'?: boolean;
  shared?: boolean;
  status: string;
  mtu?: number;
  'provider:network_type'?: string;
  availability_zones?: string[];
  subnets?: string[];
}

function base(endpoint: string): string {
  return `${unversionedRoot(endpoint)}/v2.0`;
}

export async function collectExternalNetworks(
  http: HttpClient,
  endpoint: string,
  token: string,
  ctx: { source: string; region: string; pageSize: number },
): Promise<Network[]> {
  const headers = { 'x-auth-token': token };
  const nets = await paginate<RawNetwork>(
    http,
    withQuery(`${base(endpoint)}/networks`, { 'router:external': 'true', limit: ctx.pageSize }),
    headers,
    'networks',
  );
  const subnetsByNet = new Map<string, Network['subnets']>();
  if (nets.length) {
    const u = new URL(`${base(endpoint)}/subnets`);
    for (const n of nets) u.searchParams.append('network_id', n.id);
    const subnets = await paginate<{ id: string; name: string; cidr: string; ip_version: number; network_id: string }>(
      http,
      u.toString(),
      headers,
      'subnets',
    );
    for (const s of subnets) {
      const list = subnetsByNet.get(s.network_id) ?? [];
      list.push({ id: s.id, name: s.name, cidr: s.cidr, ipVersion: s.ip_version });
      subnetsByNet.set(s.network_id, list);
    }
  }
  return nets.map((n) => ({
    id: n.id,
    name: n.name,
    source: ctx.source,
    region: ctx.region,
    external: n['router:external'] === true,
    shared: n.shared === true,
    status: n.status,
    ...(typeof n.mtu === 'number' ? { mtu: n.mtu } : {}),
    ...(n['provider:network_type'] ? { providerNetworkType: n['provider:network_type'] } : {}),
    availabilityZones: [...(n.availability_zones ?? [])].sort(),
    subnets: (subnetsByNet.get(n.id) ?? []).sort((a, b) => a.cidr.localeCompare(b.cidr)),
  }));
}

export async function collectNetworkExtensions(http: HttpClient, endpoint: string, token: string): Promise<string[]> {
  const res = await http.getJson<{ extensions: { alias: string }[] }>(`${base(endpoint)}/extensions`, {
    'x-auth-token': token,
  });
  return res.body.extensions.map((e) => e.alias).sort();
}

export async function collectNetworkZones(
  http: HttpClient,
  endpoint: string,
  token: string,
): Promise<AvailabilityZone[]> {
  const res = await http.getJson<{ availability_zones: { name: string; resource: string; state: string }[] }>(
    `${base(endpoint)}/availability_zones`,
    { 'x-auth-token': token },
  );
  const zones = new Map<string, boolean>();
  for (const z of res.body.availability_zones)
    if (z.resource === 'network') zones.set(z.name, (zones.get(z.name) ?? false) || z.state === 'available');
  return [...zones].map(([name, available]) => ({ name, available }));
}

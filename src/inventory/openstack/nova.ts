import { HttpError, Limiter, type HttpClient } from '../../net/http-client.js';
import type { Flavor, FlavorScsFacts } from '../model.js';
import { parseFlavorName } from '../scs/flavor-name.js';
import { parseBool } from '../scs/image-metadata.js';
import { sortedRecord } from '../source.js';
import { paginate, withQuery } from './paginate.js';

interface RawFlavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  swap: number | '';
  'OS-FLV-EXT-DATA:ephemeral'?: number;
  'OS-FLV-DISABLED:disabled'?: boolean;
  'os-flavor-access:is_public'?: boolean;
  description?: string | null;
  extra_specs?: Record<string, string>;
}

/** SCS facts of a flavor: its name (or scs:name-v2/v1 when the name is not SCS) and the scs: extra specs. */
export function scsFacts(
  name: string,
  extraSpecs: Record<string, string>,
): { scs?: FlavorScsFacts; warnings: string[] } {
  const warnings: string[] = [];
  const facts: FlavorScsFacts = {};
  const candidates = [name, extraSpecs['scs:name-v2'], extraSpecs['scs:name-v1']].filter((n): n is string =>
    Boolean(n),
  );
  for (const candidate of candidates) {
    if (!candidate.startsWith('SCS-')) continue;
    const r = parseFlavorName(candidate);
    if (r.ok) {
      facts.name = r.parsed;
      if (r.parsed.syntax === 'v1' && candidate === name)
        warnings.push(`flavor name ${name} uses the deprecated v1 syntax (v2: ${r.parsed.nameV2})`);
      break;
    }
    warnings.push(`SCS flavor name "${candidate}" does not parse: ${r.error}; kept raw`);
  }
  if (extraSpecs['scs:name-v1']) facts.nameV1 = extraSpecs['scs:name-v1'];
  if (extraSpecs['scs:name-v2']) facts.nameV2 = extraSpecs['scs:name-v2'];
  if (extraSpecs['scs:cpu-type']) facts.cpuType = extraSpecs['scs:cpu-type'];
  if (extraSpecs['scs:disk0-type']) facts.disk0Type = extraSpecs['scs:disk0-type'];
  if (extraSpecs['hw_rng:allowed'] !== undefined) {
    try {
      facts.hardwareRng = parseBool(extraSpecs['hw_rng:allowed']);
    } catch {
      warnings.push(`hw_rng:allowed "${extraSpecs['hw_rng:allowed']}" is not a boolean`);
    }
  }
  if (extraSpecs['hw:cpu_policy']) facts.dedicatedCpu = extraSpecs['hw:cpu_policy'] === 'dedicated';
  if (facts.name && facts.cpuType && facts.cpuType !== facts.name.cpu.type) {
    warnings.push(`scs:cpu-type ${facts.cpuType} contradicts the name (${facts.name.cpu.type})`);
  }
  const diskType = facts.name?.disk?.type;
  if (facts.disk0Type && diskType && facts.disk0Type !== diskType) {
    warnings.push(`scs:disk0-type ${facts.disk0Type} contradicts the name (${diskType})`);
  }
  return { ...(Object.keys(facts).length ? { scs: facts } : {}), warnings };
}

/**
 * Flavors with extra specs. Asks for microversion 2.61 (extra specs inline) without waiting for
 * version discovery; a Nova that does not offer it answers 406, and then extra specs are read per
 * flavor as before 2.61.
 */
export async function collectFlavors(
  http: HttpClient,
  endpoint: string,
  token: string,
  ctx: { source: string; region: string; pageSize: number },
): Promise<Flavor[]> {
  const first = withQuery(`${endpoint}/flavors/detail`, { is_public: 'None', limit: ctx.pageSize });
  const base = { 'x-auth-token': token };
  let raw: RawFlavor[];
  try {
    raw = await paginate<RawFlavor>(
      http,
      first,
      { ...base, 'openstack-api-version': 'compute 2.61', 'x-openstack-nova-api-version': '2.61' },
      'flavors',
    );
  } catch (err) {
    if (!(err instanceof HttpError) || (err.status !== 406 && err.status !== 400)) throw err;
    raw = await paginate<RawFlavor>(http, first, base, 'flavors');
  }
  const missing = raw.filter((f) => f.extra_specs === undefined);
  if (missing.length) {
    const limiter = new Limiter(http.options.concurrency);
    await Promise.all(
      missing.map((f) =>
        limiter.run(async () => {
          const res = await http.getJson<{ extra_specs: Record<string, string> }>(
            `${endpoint}/flavors/${encodeURIComponent(f.id)}/os-extra_specs`,
            base,
          );
          f.extra_specs = res.body.extra_specs;
        }),
      ),
    );
  }
  return raw.map((f) => {
    const extraSpecs = sortedRecord(f.extra_specs ?? {});
    const { scs, warnings } = scsFacts(f.name, extraSpecs);
    const flavor: Flavor = {
      id: f.id,
      name: f.name,
      source: ctx.source,
      region: ctx.region,
      vcpus: f.vcpus,
      ramMiB: f.ram,
      diskGiB: f.disk,
      ephemeralGiB: f['OS-FLV-EXT-DATA:ephemeral'] ?? 0,
      swapMiB: f.swap === '' || f.swap === undefined ? 0 : Number(f.swap),
      public: f['os-flavor-access:is_public'] ?? true,
      disabled: f['OS-FLV-DISABLED:disabled'] ?? false,
      ...(f.description ? { description: f.description } : {}),
      extraSpecs,
      ...(scs ? { scs } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
    return flavor;
  });
}

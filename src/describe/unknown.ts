import type { Inventory, SourceKind, UnknownPart } from '../inventory/model.js';

/**
 * A part of the cloud no source could read in this run: its credentials are neither described nor
 * removed. `covers` are patterns (regular expressions) over a credential's path below
 * `<base>/credentials/<release>/`: what the part would have produced or changed.
 */
export interface UnknownEntry {
  source: string;
  kind: UnknownPart['kind'] | 'regions' | 'kubernetesClusters' | 'datacenters' | 'conformance';
  region?: string;
  reason: string;
  covers: string[];
}

const esc = (s: string) => encodeURIComponent(s).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function covers(kind: UnknownEntry['kind'], region?: string): string[] {
  const r = region === undefined ? '[^/]+' : esc(region);
  switch (kind) {
    case 'flavors':
      return [`^regions/${r}/flavors/`, `^regions/${r}/offerings/compute(/|$)`];
    case 'images':
      return [`^regions/${r}/images/`, `^regions/${r}/offerings/compute(/|$)`];
    case 'volumeTypes':
      return [`^regions/${r}/volume-types/`, `^regions/${r}/offerings/block-storage(/|$)`];
    case 'networks':
      return [`^regions/${r}/offerings/network(/|$)`];
    case 'availabilityZones':
      return [`^regions/${r}/zones/`, `^regions/${r}$`, '^datacenters/'];
    case 'regions':
      return ['^regions/'];
    case 'kubernetesClusters':
      return ['^kubernetes/'];
    case 'datacenters':
      // A gx:Region needs its datacenters: without NetBox no region can be stated either.
      return ['^datacenters/', '^regions/[^/]+$'];
    case 'conformance':
      return ['^conformance/'];
  }
}

const WHOLE: Record<SourceKind, UnknownEntry['kind'][]> = {
  openstack: ['regions'],
  kubernetes: ['kubernetesClusters'],
  netbox: ['datacenters'],
  'scs-report': ['conformance'],
  'scs-monitor': ['conformance'],
};

/** The parts of the cloud an inventory does not know, from its sources' provenance. */
export function unknownParts(inventory: Inventory): UnknownEntry[] {
  const out: UnknownEntry[] = [];
  for (const s of inventory.sources) {
    if (s.status === 'ok') continue;
    const reason = s.errors.join('; ') || s.status;
    if (s.status === 'failed') {
      for (const kind of WHOLE[s.kind]) out.push({ source: s.id, kind, reason, covers: covers(kind) });
      continue;
    }
    if (!s.unknown?.length) {
      // Partial, but it does not say which parts it missed: what it read may lack anything, so
      // everything the source describes is unknown (neither described anew nor removed).
      const why = `${reason} (the source is partial and names no unknown parts: all it describes is treated as unknown)`;
      for (const kind of WHOLE[s.kind]) out.push({ source: s.id, kind, reason: why, covers: covers(kind) });
      continue;
    }
    for (const u of s.unknown ?? []) {
      out.push({
        source: s.id,
        kind: u.kind,
        ...(u.region !== undefined ? { region: u.region } : {}),
        reason,
        covers: covers(u.kind, u.region),
      });
    }
  }
  return out;
}

/** Whether a credential id falls in a part that is unknown (its path below `/credentials/<release>/`). */
export function isUnknown(credentialId: string, unknown: { covers: string[] }[]): boolean {
  if (!unknown.length) return false;
  const m = /\/credentials\/[^/]+\/(.*)$/.exec(credentialId);
  if (!m) return false;
  const path = m[1]!;
  return unknown.some((u) => u.covers.some((c) => pattern(c).test(path)));
}

/** Compiled cover patterns (a set's unknown parts are checked against every credential id). */
const patterns = new Map<string, RegExp>();
function pattern(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) patterns.set(source, (re = new RegExp(source)));
  return re;
}

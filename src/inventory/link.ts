import type { InventoryContent } from './model.js';

/** NetBox site slug → the OpenStack region and availability zones it hosts. */
export type SiteMapping = Record<string, { region?: string; availabilityZones?: string[] }>;

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Tie datacenters (NetBox sites) to OpenStack regions and zones: a configured mapping first,
 * else matching names (site slug or name = zone name; site region = OpenStack region).
 */
export function linkDatacenters(content: InventoryContent, mapping: SiteMapping): InventoryContent {
  if (content.datacenters.length === 0) return content;
  const regions = content.regions;
  const datacenters = content.datacenters.map((dc) => {
    const configured = mapping[dc.id];
    if (configured) {
      return {
        ...dc,
        ...(configured.region ? { openstackRegion: configured.region } : {}),
        availabilityZones: [...(configured.availabilityZones ?? [])].sort(),
      };
    }
    const keys = new Set([norm(dc.id), norm(dc.name)]);
    const zones = new Set<string>();
    let region: string | undefined;
    for (const r of regions) {
      for (const z of [...r.availabilityZones.compute, ...r.availabilityZones.volume, ...r.availabilityZones.network]) {
        if (keys.has(norm(z.name))) {
          zones.add(z.name);
          region ??= r.id;
        }
      }
      if (!region && (keys.has(norm(r.id)) || dc.regionPath.some((p) => norm(p) === norm(r.id)))) region = r.id;
    }
    return { ...dc, ...(region ? { openstackRegion: region } : {}), availabilityZones: [...zones].sort() };
  });
  return { ...content, datacenters };
}

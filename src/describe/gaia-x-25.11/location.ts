import type { JsonObject } from '../../credentials/suites/suite.js';
import type { Datacenter, Inventory, Region } from '../../inventory/model.js';
import type { DescribedCredential } from '../model.js';
import { literal } from './values.js';
import { compactObject, type Builder } from './envelope.js';

/** A NetBox site address ("street\npostcode city\ncountry") as a gx:Address. */
export function siteAddress(dc: Datacenter): JsonObject | undefined {
  if (!dc.countryCode) return undefined;
  const lines = (dc.address ?? '')
    .split(/\r?\n|,\s*/)
    .map((l) => l.trim())
    .filter(Boolean);
  let postalCode: string | undefined;
  let locality: string | undefined;
  const street: string[] = [];
  for (const line of lines) {
    const m = /^([A-Z]{1,2}-)?(\d{4,6})\s+(.+)$/.exec(line);
    if (m && !postalCode) {
      postalCode = m[2];
      locality = m[3];
    } else if (!postalCode) street.push(line);
  }
  return compactObject({
    type: 'Address',
    countryCode: dc.countryCode,
    streetAddress: street.length ? street.join(', ') : undefined,
    postalCode,
    locality,
    gps:
      dc.latitude !== undefined && dc.longitude !== undefined
        ? [
            {
              type: 'GPSLocation',
              latitude: literal(dc.latitude.toFixed(6)),
              longitude: literal(dc.longitude.toFixed(6)),
            },
          ]
        : undefined,
  });
}

export function zoneNames(region: Region): string[] {
  const z = region.availabilityZones;
  return [...new Set([...z.compute, ...z.volume, ...z.network].map((a) => a.name))].sort();
}

/**
 * gx:AvailabilityZone per zone, gx:Datacenter per NetBox site of the region (its zones, address,
 * maintained by the provider), gx:Region aggregating the datacenters. A region without a NetBox
 * site cannot be a gx:Region (it needs a datacenter): it is left out with a warning.
 */
export function describeLocations(
  b: Builder,
  inv: Inventory,
  region: Region,
): { credentials: DescribedCredential[]; zones: Map<string, string> } {
  const credentials: DescribedCredential[] = [];
  const zones = new Map<string, string>();
  const sites = inv.datacenters.filter((d) => d.openstackRegion === region.id);
  for (const name of zoneNames(region)) {
    const id = b.iris.subject('regions', region.id, 'zones', name);
    zones.set(name, id);
    const hosting = sites.filter((d) => d.availabilityZones.includes(name));
    const addr = hosting.length === 1 ? siteAddress(hosting[0]!) : undefined;
    credentials.push(
      b.credential(
        'availability-zone',
        ['regions', region.id, 'zones', name],
        compactObject({ id, type: 'AvailabilityZone', name, address: addr }),
      ),
    );
  }
  const dcIds: string[] = [];
  for (const dc of sites) {
    const location = siteAddress(dc);
    const azs = dc.availabilityZones.filter((z) => zones.has(z)).map((z) => zones.get(z)!);
    if (!location || !azs.length) {
      b.warnings.push(
        `datacenter ${dc.id}: ${!location ? 'no country in NetBox' : 'hosts no availability zone of the inventory'}; gx:Datacenter needs both`,
      );
      continue;
    }
    const id = b.iris.subject('datacenters', dc.id);
    dcIds.push(id);
    credentials.push(
      b.credential(
        'datacenter',
        ['datacenters', dc.id],
        compactObject({
          id,
          type: 'Datacenter',
          name: dc.name,
          aggregationOfResources: azs,
          maintainedBy: [b.legalPerson],
          location: [location],
        }),
      ),
    );
  }
  if (dcIds.length) {
    credentials.push(
      b.credential(
        'region',
        ['regions', region.id],
        compactObject({
          id: b.iris.subject('regions', region.id),
          type: 'Region',
          name: region.id,
          aggregationOfResources: dcIds,
        }),
      ),
    );
  } else {
    b.warnings.push(
      `region ${region.id}: no NetBox site mapped to it, so no gx:Region (it needs a gx:Datacenter); map sites with --site-map or matching names`,
    );
  }
  return { credentials, zones };
}

import { isUnknown, unknownParts } from './unknown.js';
import { GatewayError } from '../core/errors.js';
import type { Inventory } from '../inventory/model.js';
import type { ProfileId } from '../validate/shapes.js';
import { gaiaX2511 } from './gaia-x-25.11/index.js';
import type { DescribeContext, DescribedSet, DescribeProfile } from './model.js';
import { tagus2210 } from './tagus-22.10.js';

export const DESCRIBE_PROFILES: Record<ProfileId, DescribeProfile> = {
  'gaia-x-25.11': gaiaX2511,
  'tagus-22.10': tagus2210,
};

/**
 * Map an inventory to the unsigned credentials of a Gaia-X profile. Pure: no I/O, no clock (the
 * validity start comes from the context), so the same inventory and configuration always give
 * the same credentials, in the same order (by credential id).
 */
export function describe(inventory: Inventory, profile: ProfileId, ctx: DescribeContext): DescribedSet {
  const p = DESCRIBE_PROFILES[profile];
  if (!p)
    throw new GatewayError(
      `unknown profile "${String(profile)}" (known: ${Object.keys(DESCRIBE_PROFILES).join(', ')})`,
      'usage',
    );
  const { credentials, warnings } = p.describe(inventory, ctx);
  const seen = new Set<string>();
  for (const c of credentials) {
    if (seen.has(c.id))
      throw new GatewayError(
        `two credentials would have the id ${c.id}: the inventory has duplicate resource ids`,
        'bad-input',
      );
    seen.add(c.id);
  }
  credentials.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // What a failed or partial source could not read is unknown: credentials in those parts were
  // made from incomplete data (an offering without its images), so they are held back, and the
  // set says which parts are unknown, so nothing downstream reads them as removed.
  const unknown = unknownParts(inventory);
  const kept = credentials.filter((c) => !isUnknown(c.id, unknown));
  const withheld = credentials.filter((c) => isUnknown(c.id, unknown)).map((c) => c.id);
  for (const u of unknown) {
    warnings.push(
      `${u.source}: ${u.kind}${u.region ? ` of ${u.region}` : ''} unknown (${u.reason}); their credentials are neither described nor removed`,
    );
  }
  return {
    profile,
    inventoryHash: inventory.contentHash,
    credentials: kept,
    warnings: [...new Set(warnings)],
    unknown,
    withheld,
  };
}

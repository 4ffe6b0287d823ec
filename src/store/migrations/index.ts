import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from '../dialect.js';
import { initial } from './0001-initial.js';
import { listingOrder } from './0002-listing-order.js';
import { officers } from './0003-officers.js';
import { outbox } from './0004-outbox.js';
import { catalogueEntries } from './0005-catalogue-entries.js';
import { compliance } from './0006-compliance.js';
import { complianceIssuedIds } from './0007-compliance-issued-ids.js';
import { credentialTypes } from './0008-credential-types.js';
import { eventRuns } from './0009-event-runs.js';
import { hookDeliveries } from './0010-hook-deliveries.js';

/** Numbered migrations, applied in order at start; a change is a new number, never an edit. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': initial(dialect),
    '0002-listing-order': listingOrder,
    '0003-officers': officers,
    '0004-outbox': outbox(dialect),
    '0005-catalogue-entries': catalogueEntries,
    '0006-compliance': compliance,
    '0007-compliance-issued-ids': complianceIssuedIds,
    '0008-credential-types': credentialTypes(dialect),
    '0009-event-runs': eventRuns,
    '0010-hook-deliveries': hookDeliveries,
  };
}

export const migrationProvider = (dialect: Dialect): MigrationProvider => ({
  getMigrations: async () => migrations(dialect),
});

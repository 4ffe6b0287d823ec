import type { Kysely, Migration } from 'kysely';

/**
 * The listing's order (updated_at, id) as an index of its own: a page is read from the index and
 * stops after `limit` rows, instead of sorting every credential (bodies included) per request.
 */
export const listingOrder: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('credentials_updated').on('credentials').columns(['updated_at', 'id']).execute();
  },
};

import type { Kysely, Migration } from 'kysely';

/**
 * What clearing houses answered for each cloud's set of clearing-house credentials (per profile):
 * the compliance credential they issued (verified before it was written), or their refusal. A set is
 * named by the hash of its credential ids; the same set refused is not submitted again.
 */
export const compliance: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('compliance')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cloud_id', 'text', (c) => c.notNull())
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('set_hash', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('clearing_house', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('media_type', 'text', (c) => c.notNull())
      .addColumn('covered', 'text', (c) => c.notNull())
      .addColumn('message', 'text')
      .addColumn('valid_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('compliance_by_cloud')
      .on('compliance')
      .columns(['cloud_id', 'profile', 'created_at'])
      .execute();
  },
};

import type { Kysely, Migration } from 'kysely';

/** What each catalogue keeps of each credential: its hash or IRI there, and its state. */
export const catalogueEntries: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('catalogue_entries')
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text', (c) => c.notNull())
      .addColumn('ref', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('catalogue_entries_pk', ['target', 'credential_id'])
      .execute();
  },
};

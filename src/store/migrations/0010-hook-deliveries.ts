import type { Kysely, Migration } from 'kysely';

/**
 * The webhook deliveries accepted within their freshness window, by the digest of the signed body:
 * the same delivery again is a replay, refused by every instance sharing the database. One
 * statement per step, each idempotent (IF NOT EXISTS): a crash between them is repaired on restart.
 */
export const hookDeliveries: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('hook_deliveries')
      .ifNotExists()
      .addColumn('digest', 'text', (c) => c.primaryKey())
      .addColumn('cloud_id', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('hook_deliveries_received')
      .ifNotExists()
      .on('hook_deliveries')
      .column('received_at')
      .execute();
  },
};

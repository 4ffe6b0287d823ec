import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The durable outbox: what is to be delivered to clearing houses and catalogues, written in the
 * transaction of the change that causes it, delivered in order per target by one instance at a time.
 */
export const outbox = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    const key = dialect === 'postgres' ? 'serial' : 'integer';
    await db.schema
      .createTable('outbox')
      .addColumn('seq', key, (c) => (key === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('holder', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .execute();
    await db.schema.createIndex('outbox_target_state').on('outbox').columns(['target', 'state', 'seq']).execute();
  },
});

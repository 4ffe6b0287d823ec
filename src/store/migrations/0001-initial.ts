import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/** The first schema: clouds, runs, leases, inventories, credentials, events, status lists, audit, keys. */
export const initial = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    const key = dialect === 'postgres' ? 'serial' : 'integer';
    await db.schema
      .createTable('clouds')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('sources', 'text', (c) => c.notNull())
      .addColumn('profiles', 'text', (c) => c.notNull())
      .addColumn('interval_seconds', 'integer', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cloud_id', 'text', (c) => c.notNull().references('clouds.id'))
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('stages', 'text', (c) => c.notNull())
      .addColumn('provenance', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('inventory_hash', 'text')
      .addColumn('summary', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('runs_cloud_started').on('runs').columns(['cloud_id', 'started_at']).execute();
    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('inventories')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('cloud_id', 'text', (c) => c.notNull().references('clouds.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('base_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('cloud_id', 'text', (c) => c.notNull().references('clouds.id'))
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('types', 'text', (c) => c.notNull())
      .addColumn('clearing_house', 'integer', (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('media_type', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('status_list', 'text', (c) => c.notNull())
      .addColumn('status_index', 'integer', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('published_at', 'text')
      .addColumn('superseded_at', 'text')
      .addColumn('superseded_by', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('credentials_base_version', ['base_id', 'version'])
      .addUniqueConstraint('credentials_status_slot', ['status_list', 'status_index'])
      .execute();
    await db.schema.createIndex('credentials_base').on('credentials').columns(['base_id', 'state']).execute();
    await db.schema
      .createIndex('credentials_listing')
      .on('credentials')
      .columns(['profile', 'state', 'updated_at', 'id'])
      .execute();
    await db.schema
      .createIndex('credentials_cloud')
      .on('credentials')
      .columns(['cloud_id', 'profile', 'state'])
      .execute();
    await db.schema
      .createTable('events')
      .addColumn('seq', key, (c) => (key === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text', (c) => c.notNull())
      .addColumn('base_id', 'text', (c) => c.notNull())
      .addColumn('cloud_id', 'text', (c) => c.notNull())
      .addColumn('profile', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('status_lists')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cloud_id', 'text', (c) => c.notNull().references('clouds.id'))
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('next_index', 'integer', (c) => c.notNull())
      .addColumn('bits', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('media_type', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit')
      .addColumn('seq', key, (c) => (key === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('has_chain', 'integer', (c) => c.notNull())
      .addColumn('created', 'text', (c) => c.notNull())
      .addColumn('seen_at', 'text', (c) => c.notNull())
      .execute();
  },
});

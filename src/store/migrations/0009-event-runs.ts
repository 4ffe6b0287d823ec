import type { Kysely, Migration } from 'kysely';

/**
 * Each change event names the run that published it, so the change feed can say what caused it (a
 * schedule, an event in the cloud, an operator). One statement: idempotent enough on SQLite, where
 * kysely runs a migration outside a transaction (it either happened or not).
 */
export const eventRuns: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('events').addColumn('run_id', 'text').execute();
  },
};

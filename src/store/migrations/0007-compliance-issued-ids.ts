import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The ids a clearing house gave the credentials it issued, beside the `vcid` we asked for: the Tagus
 * service's JWT answer for a set of several credentials is a presentation of VC-JWTs, each with a
 * new random id. JSON array; `[]` where the credential's id is the vcid.
 */
export const complianceIssuedIds: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('compliance')
      .addColumn('issued_ids', 'text', (c) => c.notNull().defaultTo(sql`'[]'`))
      .execute();
  },
};

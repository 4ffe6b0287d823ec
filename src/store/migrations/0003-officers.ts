import type { Kysely, Migration } from 'kysely';

/**
 * The compliance officer's control: API tokens (hashes only), officer keys (public keys in the
 * DID document), sign-in sessions and OIDC log-ins of the review page, and on credentials who
 * decided a draft, when and why, with which key it was signed, and proposed revocations.
 */
export const officers: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull().unique())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema
      .createTable('officer_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('officer', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('jwk', 'text', (c) => c.notNull())
      .addColumn('chain_pem', 'text')
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addColumn('added_by', 'text', (c) => c.notNull())
      .addColumn('removed_at', 'text')
      .execute();
    await db.schema
      .createTable('sessions')
      .addColumn('id_sha256', 'text', (c) => c.primaryKey())
      .addColumn('principal', 'text', (c) => c.notNull())
      .addColumn('csrf', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('oidc_logins')
      .addColumn('state', 'text', (c) => c.primaryKey())
      .addColumn('verifier', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('credentials').addColumn('decided_by', 'text').execute();
    await db.schema.alterTable('credentials').addColumn('decided_at', 'text').execute();
    await db.schema.alterTable('credentials').addColumn('reason', 'text').execute();
    await db.schema.alterTable('credentials').addColumn('signed_with', 'text').execute();
    await db.schema.alterTable('credentials').addColumn('revocation_proposed', 'text').execute();
  },
};

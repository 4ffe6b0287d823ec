import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The listing's `type` filter through an index instead of LIKE over the JSON `types` of every row:
 * one row per (type, credential) carrying the credential's `updated_at`, keyed in the listing's order
 * (type, updated_at, id), so a page of one type is a range of this key and `limit` lookups. Kept by
 * triggers on `credentials` (insert, update of `updated_at` or `types`, delete), so every path that
 * writes a credential — the store's, a bulk insert, a future one — keeps it true; existing rows are
 * filled here. On SQLite kysely runs a migration outside a transaction, so every statement of it is
 * idempotent there: a process killed halfway through migrates again cleanly on its next start.
 */
export const credentialTypes = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('credential_types')
      .ifNotExists()
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('credential_types_pk', ['type', 'updated_at', 'credential_id'])
      .execute();
    await db.schema
      .createIndex('credential_types_credential')
      .ifNotExists()
      .on('credential_types')
      .column('credential_id')
      .execute();
    if (dialect === 'postgres') {
      await sql`insert into credential_types (type, updated_at, credential_id)
        select distinct t, c.updated_at, c.id from credentials c
        cross join lateral jsonb_array_elements_text(c.types::jsonb) t`.execute(db);
      await sql`create or replace function gxg_credential_types() returns trigger language plpgsql as $$
        begin
          if tg_op <> 'INSERT' then
            delete from credential_types where credential_id = old.id;
          end if;
          if tg_op <> 'DELETE' then
            insert into credential_types (type, updated_at, credential_id)
              select distinct t, new.updated_at, new.id from jsonb_array_elements_text(new.types::jsonb) t
              on conflict do nothing;
          end if;
          return null;
        end $$`.execute(db);
      await sql`create trigger credentials_types after insert or delete or update of updated_at, types
        on credentials for each row execute function gxg_credential_types()`.execute(db);
      return;
    }
    await sql`insert or ignore into credential_types (type, updated_at, credential_id)
      select distinct j.value, c.updated_at, c.id from credentials c, ${jsonArray('c')} j where j.type = 'text'`.execute(
      db,
    );
    await sqliteTypeTriggers(db);
  },
});

/** SQLite: json_each over a row's JSON `types` (anything that is not a JSON array names no type). */
const jsonArray = (row: 'c' | 'new') =>
  sql.raw(
    `json_each(case when json_valid(${row}.types) and json_type(${row}.types) = 'array' then ${row}.types else '[]' end)`,
  );

/** SQLite: the triggers on `credentials` that keep credential_types. */
async function sqliteTypeTriggers(db: Kysely<unknown>): Promise<void> {
  await sql`create trigger if not exists credentials_types_insert after insert on credentials begin
    insert or ignore into credential_types (type, updated_at, credential_id)
      select distinct j.value, new.updated_at, new.id from ${jsonArray('new')} j where j.type = 'text';
    end`.execute(db);
  await sql`create trigger if not exists credentials_types_update after update of updated_at, types on credentials begin
    delete from credential_types where credential_id = old.id;
    insert or ignore into credential_types (type, updated_at, credential_id)
      select distinct j.value, new.updated_at, new.id from ${jsonArray('new')} j where j.type = 'text';
    end`.execute(db);
  await sql`create trigger if not exists credentials_types_delete after delete on credentials begin
    delete from credential_types where credential_id = old.id;
    end`.execute(db);
}

// The listing's type filter through credential_types (migration 0008), on SQLite and PostgreSQL:
// rows written any way (the store's bulk insert, an update of updated_at or state, a delete) keep
// it true through the triggers; a page of one type comes in the listing's order and the cursor
// continues it; a type is matched whole (no LIKE wildcards); credentials written before the
// migration are found after it; and on SQLite the query reads the type's range of the index, not
// every row; on SQLite a migration killed halfway runs again cleanly.
import t from 'tap';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { credentialTypes } from '../../src/store/migrations/0008-credential-types.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { Store, type CredentialRow } from '../../src/store/store.js';
import { bothDatabases, type TestDatabase } from '../helpers/databases.js';
import { credentialRow } from '../helpers/samples.js';

const at = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
const row = (i: number, types: string[], extra: Partial<CredentialRow> = {}): CredentialRow =>
  credentialRow(`https://gw.example/credentials/${i}/v/1`, {
    kind: 'k',
    subject: `https://gw.example/gx/${i}`,
    types: JSON.stringify(types),
    status_index: i,
    created_at: at(i),
    published_at: at(i),
    updated_at: at(i),
    ...extra,
  });
const cloud = {
  id: 'demo',
  name: 'Demo',
  sources: '{}',
  profiles: '["gaia-x-25.11"]',
  interval_seconds: 60,
  enabled: 1,
};

/** A kysely of the database at a given migration (the store itself always migrates to the latest). */
async function kyselyAt(db: TestDatabase) {
  const dialect = db.location.url
    ? new PostgresDialect({
        pool: new (await import('pg')).default.Pool({ connectionString: db.location.url, max: 2 }),
      })
    : new SqliteDialect({ database: new (await import('better-sqlite3')).default(db.location.file!) });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return new Kysely<any>({ dialect });
}

for (const db of await bothDatabases()) {
  t.test(db.name, async (t) => {
    t.teardown(() => db.drop());
    // Before the migration: three credentials, then the migration fills credential_types.
    const early = await kyselyAt(db);
    const migrator = new Migrator({ db: early, provider: migrationProvider(db.name) });
    t.notOk((await migrator.migrateTo('0007-compliance-issued-ids')).error, 'migrated to 0007');
    await early
      .insertInto('clouds')
      .values({ ...cloud, created_at: at(0), updated_at: at(0) })
      .execute();
    await early
      .insertInto('credentials')
      .values([row(1, ['VMImage']), row(2, ['ServerFlavor', 'VMImage']), row(3, ['gx:Odd%_'])])
      .execute();
    if (db.name === 'sqlite') {
      // Kysely runs SQLite migrations outside a transaction: a process killed inside 0008 leaves any
      // prefix of it done and unrecorded. Every statement of it is idempotent, so the next start
      // migrates cleanly (here: all of it done once already, unrecorded).
      await credentialTypes('sqlite').up(early);
    }
    t.notOk((await migrator.migrateToLatest()).error, 'migrated to the latest');
    await early.destroy();

    const store = await Store.open(db.location);
    t.teardown(() => store.close());
    const ids = async (type: string, extra: Record<string, unknown> = {}) =>
      (await store.credentials.list({ type, limit: 100, ...extra })).map((r) => Number(r.id.split('/')[4]));
    t.same(await ids('VMImage'), [1, 2], 'rows from before the migration are found');
    t.same(await ids('gx:Odd%_'), [3], 'a type with LIKE wildcards, matched whole');
    t.same(await ids('gx:Odd'), [], 'not a prefix');
    t.same(await ids('%'), [], 'not a wildcard');

    // A bulk insert (what the benchmark and any future path do): the trigger keeps the index.
    await store.db
      .insertInto('credentials')
      .values(Array.from({ length: 250 }, (_, i) => row(10 + i, i % 2 ? ['VMImage'] : ['ServerFlavor'])))
      .execute();
    const flavors = await ids('ServerFlavor', { limit: 1000 });
    t.equal(flavors.length, 126, 'every ServerFlavor');
    t.same(
      flavors,
      [...flavors].sort((a, b) => a - b),
      'in the listing order (updated_at, id)',
    );
    // Pages by the cursor: the same rows, each once.
    const seen: number[] = [];
    let after: { updatedAt: string; id: string } | undefined;
    for (;;) {
      const page = await store.credentials.list({ type: 'ServerFlavor', limit: 40, ...(after ? { after } : {}) });
      if (!page.length) break;
      seen.push(...page.map((r) => Number(r.id.split('/')[4])));
      after = { updatedAt: page.at(-1)!.updated_at, id: page.at(-1)!.id };
    }
    t.same(seen, flavors, 'cursor pages continue the first page');
    t.same(await ids('ServerFlavor', { profile: 'tagus-22.10' }), [], 'other filters still apply');

    // Ties: many credentials with the same updated_at (one transaction's writes). Paging by the
    // cursor (updated_at, id) yields each once, typed and untyped.
    await store.db
      .insertInto('credentials')
      .values(Array.from({ length: 23 }, (_, i) => row(500 + i, ['Tie'], { updated_at: at(5_000) })))
      .execute();
    const walk = async (type?: string) => {
      const out: string[] = [];
      let after: { updatedAt: string; id: string } | undefined;
      for (;;) {
        const page = await store.credentials.list({ limit: 7, ...(type ? { type } : {}), ...(after ? { after } : {}) });
        if (!page.length) return out;
        out.push(...page.map((r) => r.id));
        after = { updatedAt: page.at(-1)!.updated_at, id: page.at(-1)!.id };
      }
    };
    const ties = await walk('Tie');
    t.equal(ties.length, 23, 'typed: every tied credential');
    t.equal(new Set(ties).size, 23, 'typed: each once');
    const everything = await walk();
    const all = (await store.credentials.list({ limit: 10_000 })).map((r) => r.id);
    t.same(everything, all, 'untyped: the cursor walk is the listing, each once');

    // An update of updated_at (a state change) moves it in the type's order; a draft is not listed.
    await store.db
      .updateTable('credentials')
      .set({ state: 'superseded', updated_at: at(10_000) })
      .where('id', '=', row(2, []).id)
      .execute();
    const images = await ids('VMImage', { limit: 1000 });
    t.equal(images.at(-1), 2, 'superseded: at the end of the order');
    t.equal(images.length, 127, 'every VMImage, the superseded one too');
    await store.db.updateTable('credentials').set({ state: 'draft' }).where('id', '=', row(11, []).id).execute();
    t.notOk((await ids('VMImage', { limit: 1000 })).includes(11), 'a draft is not listed');
    t.same(await ids('VMImage', { changedSince: at(9_999) }), [2], 'changedSince through the same index');
    await store.db.deleteFrom('credentials').where('id', '=', row(1, []).id).execute();
    const left = await sql<{
      n: number;
    }>`select count(*) as n from credential_types where credential_id = ${row(1, []).id}`.execute(store.db);
    t.equal(Number(left.rows[0]!.n), 0, 'a deleted credential leaves no type behind');

    if (db.name === 'sqlite') {
      const q = store.db
        .selectFrom('credentials as c')
        .innerJoin('credential_types as t', 't.credential_id', 'c.id')
        .select('c.id')
        .where('t.type', '=', 'VMImage')
        .orderBy('t.updated_at')
        .orderBy('t.credential_id')
        .limit(100)
        .compile();
      const plan = await sql<{
        detail: string;
      }>`explain query plan ${sql.raw(q.sql.replace('?', "'VMImage'").replace('?', '100'))}`.execute(store.db);
      const details = plan.rows.map((r) => r.detail).join('\n');
      t.match(details, /SEARCH t USING (COVERING )?INDEX .*\(type=\?\)/, 'the type range of the index');
      t.notMatch(details, /TEMP B-TREE|SCAN c\b/, 'no sort, no scan of every credential');
    }
  });
}

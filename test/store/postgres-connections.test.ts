// The store on PostgreSQL outlives connections the server ends (a restart, a failover, an
// administrator): an idle pooled connection terminated by the server no longer ends the process
// (CI saw "terminating connection due to administrator command" as an unhandled 'error' event), and
// the next query opens a new connection.
import t from 'tap';
import pg from 'pg';
import { Store } from '../../src/store/store.js';
import { POSTGRES_ADMIN_URL, postgresDatabase } from '../helpers/databases.js';

t.test('idle connections terminated by the server: no crash, the next query works', async (t) => {
  const db = await postgresDatabase();
  t.teardown(() => db.drop());
  const store = await Store.open(db.location);
  t.teardown(() => store.close());
  t.equal(await store.ping(), true);
  const name = new URL(db.location.url!).pathname.slice(1);
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  const ended = await admin.query(
    'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
    [name],
  );
  await admin.end();
  t.ok(ended.rowCount! >= 1, `${ended.rowCount} idle connection(s) of the store terminated`);
  await new Promise((r) => setTimeout(r, 200));
  t.equal(await store.ping(), true, 'the store answers again');
  t.same(await store.clouds.list(), []);
});

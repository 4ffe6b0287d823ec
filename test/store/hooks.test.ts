// Webhook deliveries (migration 0010) on SQLite and PostgreSQL: a delivery is accepted once, its
// replay is refused, concurrent replays let exactly one through, and rows past the window are dropped.
import t from 'tap';
import { Store } from '../../src/store/store.js';
import { bothDatabases } from '../helpers/databases.js';

for (const db of await bothDatabases()) {
  t.test(db.name, async (t) => {
    const store = await Store.open(db.location);
    t.teardown(async () => {
      await store.close();
      await db.drop();
    });
    const now = new Date();
    const window = new Date(now.getTime() - 300_000);
    t.equal(await store.hooks.accept('d1', 'c', now, window), true, 'a new delivery');
    t.equal(await store.hooks.accept('d1', 'c', now, window), false, 'its replay');
    t.equal(await store.hooks.accept('d1', 'other', now, window), false, 'its replay to another cloud');
    const racing = await Promise.all(Array.from({ length: 8 }, () => store.hooks.accept('d2', 'c', now, window)));
    t.equal(racing.filter(Boolean).length, 1, 'eight at once: one accepted');
    // A day later the old rows are gone (they would be refused as stale before this check).
    const later = new Date(now.getTime() + 86_400_000);
    t.equal(await store.hooks.accept('d3', 'c', later, new Date(later.getTime() - 300_000)), true);
    const left = await store.db.selectFrom('hook_deliveries').select('digest').execute();
    t.same(
      left.map((r) => r.digest),
      ['d3'],
      'rows past the window dropped',
    );
  });
}

// The durable outbox on SQLite and PostgreSQL, delivering over real HTTP to a loopback receiver with
// switchable faults: per-target order, back-off with Retry-After, dead letters and re-drive, a
// refusal not retried, items written with the change that causes them, two instances delivering
// each item once, a crashed instance's item delivered by another after its lease.
import t from 'tap';
import { patience } from '../helpers/wait.js';
import { startFake, type FakeServer } from '../../src/demo/http.js';
import { OutboxWorker, type Publisher } from '../../src/publish/outbox.js';
import { Store, type NewOutboxItem } from '../../src/store/store.js';
import { bothDatabases } from '../helpers/databases.js';

/** The receiver: records each item it accepted (by idempotency key), in arrival order. */
async function receiver(): Promise<FakeServer & { accepted: string[]; seen: Map<string, number> }> {
  const accepted: string[] = [];
  const seen = new Map<string, number>();
  const fake = await startFake(async (req, url) => {
    const key = String(req.headers['idempotency-key']);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (url.pathname.includes('/refuse'))
      return { status: 422, json: { code: 'verification_error', message: 'bad shape' } };
    if (!accepted.includes(key)) accepted.push(key);
    return { status: 201, json: { ok: true } };
  });
  return Object.assign(fake, { accepted, seen });
}

/** A publisher over HTTP: 2xx delivered, 429/5xx again (Retry-After honoured), other 4xx refused. */
const httpPublisher = (target: string, base: string): Publisher => ({
  target,
  async deliver(d, signal) {
    const r = await fetch(`${base}/${target}/${d.action}`, {
      method: 'POST',
      headers: { 'idempotency-key': d.id, 'content-type': 'application/json' },
      body: JSON.stringify(d.payload),
      signal,
    });
    const text = await r.text();
    if (r.ok) return { ok: true };
    const retryAfter = Number(r.headers.get('retry-after'));
    return {
      ok: false,
      retry: r.status === 429 || r.status >= 500,
      error: `${r.status} ${text.slice(0, 200)}`,
      ...(retryAfter ? { retryAfterMs: retryAfter * 1000 } : {}),
    };
  },
});

const items = (target: string, n: number, action = 'add'): NewOutboxItem[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${target}-${action}-${i}`,
    target,
    action,
    subject: `https://provider.example/credentials/${i}`,
    payload: JSON.stringify({ i }),
  }));

const until = async (what: () => Promise<boolean>, given = 10_000) => {
  const ms = patience(given);
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

for (const db of await bothDatabases()) {
  t.test(db.name, async (t) => {
    t.teardown(() => db.drop());
    const store = await Store.open(db.location);
    t.teardown(() => store.close());
    const rx = await receiver();
    t.teardown(() => rx.close());
    const worker = (holder: string, extra: Partial<ConstructorParameters<typeof OutboxWorker>[0]> = {}) =>
      new OutboxWorker({
        store,
        publishers: ['catalogue', 'clearing-house', 'refuse'].map((n) => httpPublisher(n, rx.url)),
        holder,
        baseBackoffMs: 20,
        maxBackoffMs: 200,
        maxAttempts: 4,
        leaseMs: 2000,
        ...extra,
      });

    t.test('in order per target, through 5xx and 429 with Retry-After', async (t) => {
      await store.outbox.enqueue([...items('catalogue', 6), ...items('clearing-house', 3)]);
      rx.faults.push({ path: /^\/catalogue\//, status: 503, times: 2 });
      rx.faults.push({ path: /^\/clearing-house\//, status: 429, times: 1, retryAfterSeconds: 1 });
      const w = worker('a');
      const t0 = Date.now();
      await until(async () => (await w.drain(), rx.accepted.length === 9), 15_000);
      const catalogue = rx.accepted.filter((k) => k.startsWith('catalogue'));
      t.same(
        catalogue,
        items('catalogue', 6).map((i) => i.id),
        'each target in the order written',
      );
      t.same(
        rx.accepted.filter((k) => k.startsWith('clearing')),
        items('clearing-house', 3).map((i) => i.id),
      );
      t.ok(Date.now() - t0 >= 180, 'the 429 answer’s Retry-After was waited for (at most the back-off maximum)');
      const rows = await store.outbox.list({ target: 'catalogue', limit: 100 });
      t.ok(rows.every((r) => r.state === 'delivered'));
      t.equal(rows[0]!.attempts, 2, 'the head took two failed attempts');
      const stats = await store.outbox.targets();
      t.match(
        stats.find((s) => s.target === 'catalogue'),
        { pending: 0, dead: 0, lastDelivered: String },
      );
    });

    t.test('a refusal is a dead letter at once; too many failures too; an operator re-drives', async (t) => {
      await store.outbox.enqueue(items('refuse', 1));
      const w = worker('a');
      await w.drain();
      const [refused] = await store.outbox.list({ target: 'refuse', limit: 10 });
      t.equal(refused!.state, 'dead');
      t.equal(refused!.attempts, 1, 'not retried blindly');
      t.match(refused!.last_error, /422 .*verification_error/);

      await store.outbox.enqueue(items('catalogue', 2, 'revoke'));
      rx.faults.push({ path: /^\/catalogue\/revoke/, status: 500, times: 100 });
      await until(
        async () => (
          await w.drain(),
          (await store.outbox.list({ state: 'dead', target: 'catalogue', limit: 10 })).length === 2
        ),
      );
      const dead = await store.outbox.list({ state: 'dead', target: 'catalogue', limit: 10 });
      t.ok(
        dead.every((d) => d.attempts === 4),
        'dead after maxAttempts',
      );
      t.match(
        (await store.outbox.targets()).find((s) => s.target === 'catalogue'),
        { dead: 2 },
      );
      rx.faults.length = 0;
      t.ok(await store.outbox.retry(dead[0]!.id, 'operator'));
      t.ok(await store.outbox.drop(dead[1]!.id, 'operator'));
      await w.drain();
      t.ok(rx.accepted.includes(dead[0]!.id), 're-driven and delivered');
      t.notOk(rx.accepted.includes(dead[1]!.id), 'dropped: never delivered');
      const audit = await store.audit.after(0, 100);
      t.ok(audit.some((a) => a.action === 'outbox.retry') && audit.some((a) => a.action === 'outbox.drop'));
    });

    t.test('two instances deliver each item once', async (t) => {
      await store.outbox.enqueue(items('catalogue', 40, 'update'));
      const [a, b] = [worker('a'), worker('b')];
      await until(async () => {
        await Promise.all([a.drain(), b.drain()]);
        return (await store.outbox.list({ state: 'pending', limit: 1 })).length === 0;
      });
      const keys = items('catalogue', 40, 'update').map((i) => i.id);
      t.same(
        rx.accepted.filter((k) => k.includes('-update-')),
        keys,
        'all, in order',
      );
      t.ok(
        keys.every((k) => rx.seen.get(k) === 1),
        'each received exactly once',
      );
    });

    t.test('a crashed instance’s item is delivered by another once its lease runs out', async (t) => {
      await store.outbox.enqueue(items('catalogue', 1, 'crash'));
      const taken = await store.outbox.claim('catalogue', 'crashed-instance', 300);
      t.ok(taken, 'claimed, then the instance dies');
      const w = worker('b');
      await w.drain();
      t.notOk(rx.accepted.includes(taken!.id), 'not while the lease holds');
      await new Promise((r) => setTimeout(r, 350));
      await w.drain();
      t.ok(rx.accepted.includes(taken!.id), 'delivered after it');
      t.equal(rx.seen.get(taken!.id), 1);
    });

    t.test('written with the change that causes it, or not at all', async (t) => {
      await store.clouds.put(
        { id: 'c', name: 'c', sources: '{}', profiles: '["gaia-x-25.11"]', interval_seconds: 60, enabled: 1 },
        'test',
      );
      const run = await store.runs.start({
        id: '00000000-0000-4000-8000-000000000001',
        cloud_id: 'c',
        trigger: 't',
        holder: 'h',
      });
      const publication = {
        runId: run.id,
        cloudId: 'c',
        at: new Date().toISOString(),
        add: [],
        supersede: [],
        revoke: [],
        statusLists: [],
        run: {
          state: 'succeeded' as const,
          finished_at: new Date().toISOString(),
          stages: '{}',
          provenance: '[]',
          error: null,
          inventory_hash: null,
          summary: '{}',
        },
        audit: [],
        outbox: items('catalogue', 2, 'tx'),
      };
      // Without the lease the whole publication is refused: no outbox rows either.
      await t.rejects(store.runs.publish(publication, { name: 'cloud:c', holder: 'h', ttlMs: 1000 }), /lost its lease/);
      t.equal((await store.outbox.list({ limit: 1000 })).filter((r) => r.action === 'tx').length, 0);
      t.ok(await store.leases.acquire('cloud:c', 'h', 5000));
      await store.runs.publish(publication, { name: 'cloud:c', holder: 'h', ttlMs: 1000 });
      t.equal((await store.outbox.list({ limit: 1000 })).filter((r) => r.action === 'tx').length, 2);
      await store.outbox.enqueue(items('catalogue', 2, 'tx'));
      t.equal(
        (await store.outbox.list({ limit: 1000 })).filter((r) => r.action === 'tx').length,
        2,
        'an id is queued once',
      );
    });
  });
}

t.test('back-off: exponential, jittered, capped, Retry-After honoured', async (t) => {
  const w = new OutboxWorker({
    store: undefined as never,
    publishers: [],
    baseBackoffMs: 1000,
    maxBackoffMs: 60_000,
    random: () => 1,
  });
  t.same(
    [1, 2, 3, 4].map((a) => w.backoff(a)),
    [1000, 2000, 4000, 8000],
  );
  t.equal(w.backoff(10), 60_000, 'capped');
  t.equal(w.backoff(1, 30_000), 30_000, 'Retry-After');
  t.equal(w.backoff(1, 600_000), 60_000, 'but not past the cap');
  const low = new OutboxWorker({ store: undefined as never, publishers: [], baseBackoffMs: 1000, random: () => 0 });
  t.equal(low.backoff(3), 2000, 'jitter down to half');
});

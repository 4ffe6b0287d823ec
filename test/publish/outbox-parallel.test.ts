// A target that takes deliveries in parallel (publisher concurrency, publish.catalogues[].concurrency):
// on SQLite and PostgreSQL, up to that many in flight, never two of one subject at once, each
// subject's items in the order they were written (a retried item holds back its own subject only),
// and with two instances draining together every item delivered once.
import t from 'tap';
import { OutboxWorker, type Delivery, type Publisher } from '../../src/publish/outbox.js';
import { Store, type NewOutboxItem } from '../../src/store/store.js';
import { bothDatabases } from '../helpers/databases.js';
import { patience } from '../helpers/wait.js';

const until = async (what: () => boolean | Promise<boolean>, why: string) => {
  const end = Date.now() + patience(15_000);
  while (!(await what())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${why}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const item = (subject: string, action: string): NewOutboxItem => ({
  id: `cat:${action}:${subject}`,
  target: 'cat',
  action,
  subject,
  payload: '{}',
});

/** A publisher that records what it does; the first `hold` deliveries wait until that many are in flight. */
function recorder(concurrency: number, hold: number, failOnce: Set<string>) {
  const log: { id: string; subject: string; event: 'start' | 'end' }[] = [];
  const delivered = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  let started = 0;
  const subjectsInFlight = new Set<string>();
  let overlapSameSubject = false;
  const publisher: Publisher = {
    target: 'cat',
    concurrency,
    async deliver(d: Delivery) {
      started++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (subjectsInFlight.has(d.subject)) overlapSameSubject = true;
      subjectsInFlight.add(d.subject);
      log.push({ id: d.id, subject: d.subject, event: 'start' });
      try {
        // The first ones meet: they return only once `hold` deliveries are in flight together.
        if (started <= hold) await until(() => maxInFlight >= hold, `${hold} deliveries in flight`);
        else await new Promise((r) => setImmediate(r));
        if (failOnce.delete(d.id)) return { ok: false, retry: true, error: '503 try again', retryAfterMs: 1 };
        delivered.set(d.id, (delivered.get(d.id) ?? 0) + 1);
        return { ok: true };
      } finally {
        log.push({ id: d.id, subject: d.subject, event: 'end' });
        subjectsInFlight.delete(d.subject);
        inFlight--;
      }
    },
  };
  return {
    publisher,
    log,
    delivered,
    get maxInFlight() {
      return maxInFlight;
    },
    get overlapSameSubject() {
      return overlapSameSubject;
    },
  };
}

for (const db of await bothDatabases()) {
  t.test(db.name, async (t) => {
    t.teardown(() => db.drop());
    const store = await Store.open(db.location);
    t.teardown(() => store.close());

    t.test('up to `concurrency` in flight, in order per subject', async (t) => {
      const subjects = Array.from({ length: 12 }, (_, i) => `https://provider.example/credentials/${i}/v/1`);
      // Subjects 0 and 1 are uploaded and then revoked; subject 1's upload fails once first.
      const written = [
        ...subjects.map((s) => item(s, 'add')),
        item(subjects[0]!, 'revoke'),
        item(subjects[1]!, 'revoke'),
      ];
      await store.outbox.enqueue(written);
      const rec = recorder(4, 4, new Set([`cat:add:${subjects[1]}`]));
      const worker = new OutboxWorker({
        store,
        publishers: [rec.publisher],
        holder: 'a',
        baseBackoffMs: 1,
        maxBackoffMs: 5,
        tickMs: 10,
      });
      worker.start();
      t.teardown(() => worker.stop());
      await until(() => rec.delivered.size === written.length, 'every item delivered');
      t.equal(rec.maxInFlight, 4, 'four in flight at once, never more');
      t.notOk(rec.overlapSameSubject, 'never two deliveries of one subject at once');
      t.same([...rec.delivered.values()], Array(written.length).fill(1), 'each delivered once');
      for (const s of [subjects[0]!, subjects[1]!]) {
        const ends = rec.log.flatMap((e, i) => (e.id === `cat:add:${s}` && e.event === 'end' ? [i] : []));
        const added = ends.at(-1) ?? -1;
        const revoking = rec.log.findIndex((e) => e.id === `cat:revoke:${s}` && e.event === 'start');
        t.ok(added >= 0 && added < revoking, `${s.split('/').at(-3)}: its revocation after its upload`);
      }
      const attempts = (await store.outbox.list({ target: 'cat', limit: 100 })).map((r) => [r.id, r.attempts]);
      t.same(
        attempts.filter(([, n]) => n !== 0),
        [[`cat:add:${subjects[1]}`, 1]],
        'the failed upload was tried again; nothing else was',
      );
      const failedAt = rec.log.findIndex((e) => e.id === `cat:add:${subjects[1]}`);
      const othersAfter = rec.log.slice(failedAt).some((e) => e.subject !== subjects[1] && e.event === 'start');
      t.ok(othersAfter, 'a retried item held back its own subject only: others went on');
    });

    t.test('two instances draining together deliver each item once', async (t) => {
      const written = Array.from({ length: 40 }, (_, i) =>
        item(`https://provider.example/credentials/x${i}/v/1`, 'add'),
      );
      await store.outbox.enqueue(written);
      const a = recorder(4, 0, new Set());
      const b = recorder(4, 0, new Set());
      const workers = [a, b].map(
        (r, i) => new OutboxWorker({ store, publishers: [r.publisher], holder: `instance-${i}`, tickMs: 10 }),
      );
      await Promise.all(workers.map((w) => w.drain()));
      await Promise.all(workers.map((w) => w.drain()));
      const ids = written.map((w) => w.id);
      const counts = ids.map((id) => (a.delivered.get(id) ?? 0) + (b.delivered.get(id) ?? 0));
      t.same(counts, Array(ids.length).fill(1), 'each item once, by one instance or the other');
      const pending = await store.outbox.list({ target: 'cat', state: 'pending', limit: 10 });
      t.same(pending, [], 'nothing left pending');
    });
  });
}

import t from 'tap';
import { EventTrigger, type EventCause } from '../../src/pipeline/event-trigger.js';

/** A trigger whose runs are recorded, each ending when the test says (or at once). */
function recorder(opts: {
  quietMs: number;
  minIntervalMs: number;
  maxDelayMs?: number;
  hold?: boolean;
  busy?: number;
}) {
  const runs: { cloud: string; cause: EventCause }[] = [];
  const waiting: (() => void)[] = [];
  const started: (() => void)[] = [];
  let busy = opts.busy ?? 0;
  const trigger = new EventTrigger({
    quietMs: opts.quietMs,
    minIntervalMs: opts.minIntervalMs,
    maxDelayMs: opts.maxDelayMs ?? 60_000,
    async run(cloud, cause) {
      if (busy > 0) {
        busy--;
        started.shift()?.();
        return 'busy';
      }
      runs.push({ cloud, cause: structuredClone(cause) });
      started.shift()?.();
      if (opts.hold) await new Promise<void>((r) => waiting.push(r));
      return 'done';
    },
  });
  return {
    trigger,
    runs,
    /** Resolves when the next run starts (or is refused as busy). */
    nextRun: () => new Promise<void>((r) => started.push(r)),
    finishRun: () => waiting.shift()?.(),
  };
}

t.test('a burst of events is one run that names them all; redeliveries count once', async (t) => {
  const r = recorder({ quietMs: 20, minIntervalMs: 0 });
  const next = r.nextRun();
  for (let i = 0; i < 100; i++)
    r.trigger.notify('a', { id: `m${i}`, type: i % 2 ? 'image.update' : 'image.create', resource: `img${i % 10}` });
  r.trigger.notify('a', { id: 'm5', type: 'image.update' });
  await next;
  t.equal(r.runs.length, 1);
  const cause = r.runs[0]!.cause;
  t.equal(cause.events, 100);
  t.same(cause.types, { 'image.create': 50, 'image.update': 50 });
  t.equal(cause.ids.length, 50, 'the first 50 ids');
  t.equal(cause.resources.length, 10);
  t.same(r.trigger.dirty(), []);
  await r.trigger.stop();
});

t.test('an event storm costs few runs: at most one per minimum interval', async (t) => {
  const r = recorder({ quietMs: 0, minIntervalMs: 400 });
  const started = Date.now();
  let first = r.nextRun();
  r.trigger.notify('a', { id: 'e0', type: 'image.update' });
  await first;
  // 200 more events while the interval runs: they wait, and are one more run after it.
  first = r.nextRun();
  for (let i = 1; i <= 200; i++) {
    r.trigger.notify('a', { id: `e${i}`, type: 'image.update' });
    if (i % 20 === 0) await new Promise((res) => setImmediate(res));
  }
  await first;
  const elapsed = Date.now() - started;
  t.equal(r.runs.length, 2, 'one run, then one for everything that came during the interval');
  t.equal(r.runs[1]!.cause.events, 200);
  t.ok(elapsed >= 400, 'the second waited for the interval');
  await r.trigger.stop();
});

t.test('events during a run cause one more run after it; clouds are apart', async (t) => {
  const r = recorder({ quietMs: 5, minIntervalMs: 0, hold: true });
  let started = r.nextRun();
  r.trigger.notify('a', { id: '1', type: 'flavor.create' });
  await started;
  r.trigger.notify('a', { id: '2', type: 'flavor.update' });
  r.trigger.notify('a', { id: '3', type: 'flavor.delete' });
  const b = r.nextRun();
  r.trigger.notify('b', { id: 'x', type: 'image.delete' });
  await b;
  t.equal(r.runs.length, 2, 'b runs while a runs');
  t.equal(r.runs[1]!.cloud, 'b');
  r.finishRun();
  started = r.nextRun();
  r.finishRun();
  await started;
  t.equal(r.runs.length, 3);
  t.same(r.runs[2], { cloud: 'a', cause: { ...r.runs[2]!.cause, events: 2 } }, 'the events that came during the run');
  r.finishRun();
  await r.trigger.stop();
});

t.test('a run refused as busy keeps its events for the next attempt', async (t) => {
  const r = recorder({ quietMs: 5, minIntervalMs: 0, busy: 1 });
  const refused = r.nextRun();
  r.trigger.notify('a', { id: '1', type: 'image.create', resource: 'i1' });
  await refused;
  const ran = r.nextRun();
  await ran;
  t.equal(r.runs.length, 1);
  t.equal(r.runs[0]!.cause.events, 1);
  t.same(r.runs[0]!.cause.resources, ['i1']);
  await r.trigger.stop();
});

t.test('a storm that never goes quiet still runs, at most every minimum interval', async (t) => {
  const r = recorder({ quietMs: 100, minIntervalMs: 250, maxDelayMs: 250 });
  const started = Date.now();
  let i = 0;
  // An event every few milliseconds, for as long as three runs take to start: never 100 ms quiet.
  while (r.runs.length < 3) {
    r.trigger.notify('a', { id: `s${i++}`, type: 'image.update' });
    await new Promise((res) => setTimeout(res, 5));
  }
  const elapsed = Date.now() - started;
  t.ok(elapsed >= 500, `the third run began after two intervals (${elapsed} ms)`);
  t.ok(r.runs.length <= 1 + Math.ceil(elapsed / 250), 'and no more often than every interval');
  await r.trigger.stop();
});

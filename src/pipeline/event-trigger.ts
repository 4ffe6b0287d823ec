// Runs caused by the cloud's own events (OpenStack notifications): an event marks its cloud dirty;
// the run starts once the cloud has been quiet for `quietMs` (a burst of uploads is one run) and
// no sooner than `minIntervalMs` after the cloud's previous event run began (a storm costs a few
// runs, not one each); a storm that never goes quiet still gets its run `maxDelayMs` after the
// first event waiting (and then every `maxDelayMs` at most). Events that come during a run cause one more run after it. The run is the
// same pipeline as a scheduled one; the polling interval stays the safety net.

/** An event as the trigger keeps it (a notification, or any other source's). */
export interface CloudEvent {
  id: string;
  type: string;
  /** The resource it is about, where known. */
  resource?: string;
}

/** What caused an event run, recorded with it (run summary `cause`). */
export interface EventCause {
  events: number;
  types: Record<string, number>;
  /** The first event ids and resources (at most 50 each). */
  ids: string[];
  resources: string[];
  firstAt: string;
  lastAt: string;
}

export interface EventTriggerOptions {
  quietMs: number;
  minIntervalMs: number;
  /** The longest a storm that never goes quiet delays a run (from its first event waiting). */
  maxDelayMs: number;
  /**
   * Run the cloud; resolves when the run has ended, `busy` when another run (a scheduled one, or
   * another instance's) holds the cloud: the events wait for the next attempt.
   */
  run(cloudId: string, cause: EventCause): Promise<'done' | 'busy'>;
  log?: { warn(o: object, m: string): void };
}

interface Pending {
  ids: Set<string>;
  cause: EventCause;
  firstEventAt: number;
  lastEventAt: number;
}

const KEEP = 50;

export class EventTrigger {
  private readonly pending = new Map<string, Pending>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly lastRunAt = new Map<string, number>();
  private stopped = false;

  constructor(private readonly opts: EventTriggerOptions) {}

  /** An event of a cloud: the cloud is dirty; its run is (re)scheduled. Duplicates (redeliveries) count once. */
  notify(cloudId: string, event: CloudEvent): void {
    if (this.stopped) return;
    const now = Date.now();
    let p = this.pending.get(cloudId);
    if (!p) {
      const at = new Date(now).toISOString();
      p = {
        ids: new Set(),
        cause: { events: 0, types: {}, ids: [], resources: [], firstAt: at, lastAt: at },
        firstEventAt: now,
        lastEventAt: now,
      };
      this.pending.set(cloudId, p);
    }
    if (p.ids.has(event.id)) return;
    p.ids.add(event.id);
    p.lastEventAt = now;
    const c = p.cause;
    c.events++;
    c.types[event.type] = (c.types[event.type] ?? 0) + 1;
    if (c.ids.length < KEEP) c.ids.push(event.id);
    if (event.resource && c.resources.length < KEEP && !c.resources.includes(event.resource))
      c.resources.push(event.resource);
    c.lastAt = new Date(now).toISOString();
    this.arm(cloudId);
  }

  /** Clouds with events not yet run. */
  dirty(): string[] {
    return [...this.pending.keys()];
  }

  private arm(cloudId: string): void {
    clearTimeout(this.timers.get(cloudId));
    const p = this.pending.get(cloudId);
    if (!p || this.stopped || this.running.has(cloudId)) return;
    const last = this.lastRunAt.get(cloudId);
    // Quiet for quietMs, or waiting since the first event for as long as a storm may delay a run.
    const quiet = Math.min(
      p.lastEventAt + this.opts.quietMs,
      p.firstEventAt + Math.max(this.opts.quietMs, this.opts.maxDelayMs),
    );
    const at = Math.max(quiet, last === undefined ? 0 : last + this.opts.minIntervalMs);
    const timer = setTimeout(() => this.fire(cloudId), Math.max(0, at - Date.now()));
    this.timers.set(cloudId, timer);
  }

  private fire(cloudId: string): void {
    this.timers.delete(cloudId);
    const p = this.pending.get(cloudId);
    if (!p || this.stopped) return;
    this.pending.delete(cloudId);
    this.lastRunAt.set(cloudId, Date.now());
    const done = this.opts
      .run(cloudId, p.cause)
      .then((outcome) => {
        if (outcome === 'busy') this.requeue(cloudId, p);
      })
      .catch((err: Error) => this.opts.log?.warn({ cloud: cloudId, err: err.message }, 'event run failed'))
      .finally(() => {
        this.running.delete(cloudId);
        // Events that came during the run: one more run, after the quiet period and the interval.
        this.arm(cloudId);
      });
    this.running.set(cloudId, done);
  }

  /** The events of a run that could not start, back in front of any that came since. */
  private requeue(cloudId: string, p: Pending): void {
    const since = this.pending.get(cloudId);
    if (since) {
      for (const id of since.cause.ids) if (p.cause.ids.length < KEEP) p.cause.ids.push(id);
      for (const r of since.cause.resources)
        if (p.cause.resources.length < KEEP && !p.cause.resources.includes(r)) p.cause.resources.push(r);
      for (const [t, n] of Object.entries(since.cause.types)) p.cause.types[t] = (p.cause.types[t] ?? 0) + n;
      for (const id of since.ids) p.ids.add(id);
      p.cause.events += since.cause.events;
      p.cause.lastAt = since.cause.lastAt;
      p.lastEventAt = since.lastEventAt;
    }
    this.pending.set(cloudId, p);
  }

  /** No more runs; waits for the ones going (at most `graceMs`). */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.race([
      Promise.allSettled([...this.running.values()]),
      new Promise((r) => setTimeout(r, graceMs).unref()),
    ]);
  }
}

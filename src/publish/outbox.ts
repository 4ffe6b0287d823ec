import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { OutboxRow, Store } from '../store/store.js';

/** One delivery as a publisher sees it: the item's id is the idempotency key the target gets. */
export interface Delivery {
  id: string;
  target: string;
  action: string;
  subject: string;
  payload: unknown;
  /** Attempts made before this one. */
  attempts: number;
  /**
   * An earlier attempt may have reached the target without its answer being recorded (it failed,
   * or its instance died mid-delivery): look for what it made before making it again.
   */
  resumed: boolean;
}

/**
 * What a delivery came to. `retry: false`: the target refused it for a reason resending will not
 * change (a 4xx with its message): a dead letter at once, for an operator to read.
 */
export type DeliveryResult = { ok: true } | { ok: false; retry: boolean; error: string; retryAfterMs?: number };

/**
 * A target's HTTP answer that is not a success, as a delivery result: 401 (a token to renew), 408,
 * 429 and 5xx (and no answer, 0) are tried again, honouring Retry-After; any other 4xx is a refusal.
 */
export function httpFailure(status: number, error: string, retryAfter: string | null): DeliveryResult {
  const retry = status === 0 || status === 401 || status === 408 || status === 429 || status >= 500;
  const after = Number(retryAfter);
  return { ok: false, retry, error, ...(after > 0 ? { retryAfterMs: after * 1000 } : {}) };
}

/** One kind of target (a clearing house, a catalogue, the credential event service): delivers items. */
export interface Publisher {
  readonly target: string;
  /**
   * Deliveries in flight at once (default 1: the target's items one after another, in order). Above
   * 1, items of different subjects go in parallel; each subject's items stay in order.
   */
  readonly concurrency?: number;
  deliver(delivery: Delivery, signal: AbortSignal): Promise<DeliveryResult>;
}

export interface OutboxOptions {
  store: Store;
  publishers: Publisher[];
  /** This instance in leases (default host:pid:random). */
  holder?: string;
  /** How long a claimed item stays this instance's (a crashed instance's items come back after it). */
  leaseMs?: number;
  /** Attempts before an item becomes a dead letter. */
  maxAttempts?: number;
  /** Back-off: base × 2^(attempt−1), at most max, times a jitter in [0.5, 1). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** How often the worker looks for due items when idle. */
  tickMs?: number;
  /** The longest one delivery may take. */
  deliveryTimeoutMs?: number;
  random?: () => number;
  log?: { warn(o: object, m: string): void };
  /** Called after each delivery attempt (metrics). */
  onAttempt?(target: string, outcome: 'delivered' | 'retry' | 'dead', ms: number): void;
}

/**
 * Delivers the outbox: each target's items in the order they were written, one at a time, by one
 * instance at a time (the head item's lease) — or, for a target that takes it (`concurrency`),
 * several at once, in order per subject — with exponential back-off and jitter; after
 * `maxAttempts` failures, or a refusal, an item is a dead letter. Delivery is at least once: an
 * instance that dies after the target answered but before recording it leaves the item to be
 * delivered again with the same id, which the target sees as a repeat.
 */
export class OutboxWorker {
  readonly holder: string;
  private readonly publishers: Map<string, Publisher>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly o: OutboxOptions) {
    this.holder = o.holder ?? `${hostname()}:${process.pid}:outbox-${randomUUID().slice(0, 8)}`;
    this.publishers = new Map(o.publishers.map((p) => [p.target, p]));
  }

  /** Deliver what is due now, every target at once, each in order; resolves when nothing is due. */
  async drain(): Promise<number> {
    const targets = (await this.o.store.outbox.targetsDue()).filter((t) => this.publishers.has(t));
    const counts = await Promise.all(targets.map((t) => this.drainTarget(this.publishers.get(t)!)));
    return counts.reduce((a, b) => a + b, 0);
  }

  private async drainTarget(publisher: Publisher): Promise<number> {
    if ((publisher.concurrency ?? 1) > 1) return this.drainParallel(publisher, publisher.concurrency!);
    const { store } = this.o;
    let delivered = 0;
    while (!this.abort.signal.aborted) {
      const item = await store.outbox.claim(publisher.target, this.holder, this.o.leaseMs ?? 60_000);
      if (!item) return delivered;
      const outcome = await this.settle(publisher, item);
      if (outcome === 'delivered') delivered++;
      // The head is not due yet (back-off): this target waits; a dead letter does not block the next item.
      if (outcome === 'retry') return delivered;
    }
    return delivered;
  }

  /** Up to `limit` deliveries in flight, one per subject at a time; resolves when nothing more is due. */
  private async drainParallel(publisher: Publisher, limit: number): Promise<number> {
    const { store } = this.o;
    const inFlight = new Map<string, Promise<void>>();
    let delivered = 0;
    while (!this.abort.signal.aborted) {
      const free = limit - inFlight.size;
      const items = free
        ? await store.outbox.claimHeads(
            publisher.target,
            this.holder,
            this.o.leaseMs ?? 60_000,
            free,
            new Set(inFlight.keys()),
          )
        : [];
      for (const item of items)
        inFlight.set(
          item.subject,
          this.settle(publisher, item).then((outcome) => {
            if (outcome === 'delivered') delivered++;
            inFlight.delete(item.subject);
          }),
        );
      if (!inFlight.size) return delivered;
      // Full, or nothing else claimable now: the next claim after one of those in flight ends.
      if (!items.length || inFlight.size >= limit) await Promise.race(inFlight.values());
    }
    await Promise.all(inFlight.values());
    return delivered;
  }

  /** Deliver one claimed item and record what came of it. */
  private async settle(
    publisher: Publisher,
    item: OutboxRow & { takenOver: boolean },
  ): Promise<'delivered' | 'retry' | 'dead'> {
    const { store } = this.o;
    const t0 = performance.now();
    const result = await this.attempt(publisher, item);
    const ms = performance.now() - t0;
    if (result.ok) {
      await store.outbox.delivered(item.seq, this.holder);
      this.o.onAttempt?.(publisher.target, 'delivered', ms);
      return 'delivered';
    }
    const attempts = item.attempts + 1;
    const dead = !result.retry || attempts >= (this.o.maxAttempts ?? 8);
    const retryAt = dead ? undefined : new Date(Date.now() + this.backoff(attempts, result.retryAfterMs)).toISOString();
    await store.outbox.failed(item.seq, this.holder, { error: result.error, ...(retryAt ? { retryAt } : {}) });
    this.o.onAttempt?.(publisher.target, dead ? 'dead' : 'retry', ms);
    if (dead)
      this.o.log?.warn(
        { target: publisher.target, item: item.id, attempts, error: result.error },
        'outbox: dead letter',
      );
    return dead ? 'dead' : 'retry';
  }

  private async attempt(publisher: Publisher, item: OutboxRow & { takenOver: boolean }): Promise<DeliveryResult> {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.deliveryTimeoutMs ?? 60_000)]);
    try {
      return await publisher.deliver(
        {
          id: item.id,
          target: item.target,
          action: item.action,
          subject: item.subject,
          payload: JSON.parse(item.payload) as unknown,
          attempts: item.attempts,
          resumed: item.attempts > 0 || item.takenOver,
        },
        signal,
      );
    } catch (err) {
      return { ok: false, retry: true, error: `delivery failed: ${(err as Error).message}` };
    }
  }

  /** Exponential back-off with jitter; a target's Retry-After is honoured up to the maximum. */
  backoff(attempt: number, retryAfterMs?: number): number {
    const max = this.o.maxBackoffMs ?? 15 * 60_000;
    const base = Math.min(max, (this.o.baseBackoffMs ?? 1000) * 2 ** (attempt - 1));
    const jittered = base * (0.5 + (this.o.random ?? Math.random)() * 0.5);
    return Math.min(max, Math.max(jittered, retryAfterMs ?? 0));
  }

  /** Keep draining: every tick, and at once when `kick()` says something was written. */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running ??= this.drain()
        .catch((err: Error) => this.o.log?.warn({ err: err.message }, 'outbox: drain failed'))
        .then(() => undefined)
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.o.tickMs ?? 1000);
    this.timer.unref();
    tick();
  }

  /** Something was just written: deliver without waiting for the tick. */
  kick(): void {
    if (this.timer && !this.running) {
      this.running = this.drain()
        .catch(() => undefined)
        .then(() => undefined)
        .finally(() => (this.running = undefined));
    }
  }

  /** Stop: the delivery in flight is aborted (its item comes back when its lease runs out). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.running;
  }
}

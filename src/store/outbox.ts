import type { Selectable } from 'kysely';
import type { OutboxState, OutboxTable } from './schema.js';
import type { OutboxRow, OutboxTargetStats, NewOutboxItem } from './types.js';
import { now, chunks, type Db } from './shared.js';
import { auditIn } from './audit.js';

export async function enqueueIn(tx: Db, items: NewOutboxItem[], at: string): Promise<void> {
  for (const part of chunks(items, 200))
    await tx
      .insertInto('outbox')
      .values(
        part.map((it) => ({
          ...it,
          state: 'pending' as const,
          attempts: 0,
          next_attempt_at: at,
          last_error: null,
          holder: null,
          lease_until: null,
          created_at: at,
          delivered_at: null,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
}

/** The outbox: deliveries written with the change that causes them, claimed head first per target. */
export class OutboxRepo {
  constructor(private readonly db: Db) {}

  /** Items to deliver, on their own (a manual `publish`); an id already queued is not queued twice. */
  async enqueue(items: NewOutboxItem[]): Promise<void> {
    await this.db.transaction().execute((tx) => enqueueIn(tx, items, now()));
  }

  /** Targets with something pending. */
  async targetsDue(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .select('target')
      .distinct()
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now())
      .execute();
    return rows.map((r) => r.target);
  }

  /**
   * Take the head of a target's queue (its oldest pending item) for delivery: only when it is due
   * and nobody else holds it. Items of one target are delivered in order, by one instance at a time.
   */
  async claim(
    target: string,
    holder: string,
    leaseMs: number,
  ): Promise<(OutboxRow & { takenOver: boolean }) | undefined> {
    const at = now();
    const head = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('target', '=', target)
      .where('state', '=', 'pending')
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    if (!head || head.next_attempt_at > at) return undefined;
    return this.lease(head, holder, leaseMs, at);
  }

  /**
   * Claim up to `limit` items of a target at once, for a target that takes deliveries in parallel:
   * the oldest pending item of each subject (a credential's add before its revoke), skipping
   * subjects whose head is not due (back-off), held by another instance, or in `busy` (in flight
   * here). Order is kept per subject, not per target.
   */
  async claimHeads(
    target: string,
    holder: string,
    leaseMs: number,
    limit: number,
    busy: ReadonlySet<string>,
  ): Promise<(OutboxRow & { takenOver: boolean })[]> {
    const at = now();
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('target', '=', target)
      .where('state', '=', 'pending')
      .orderBy('seq')
      .limit(Math.max(64, (limit + busy.size) * 4))
      .execute();
    const seen = new Set<string>();
    const out: (OutboxRow & { takenOver: boolean })[] = [];
    for (const head of rows) {
      if (out.length >= limit) break;
      if (seen.has(head.subject)) continue;
      seen.add(head.subject);
      if (busy.has(head.subject) || head.next_attempt_at > at) continue;
      // Held by another instance: not taken, and the subject's later items wait behind it.
      const claimed = await this.lease(head, holder, leaseMs, at);
      if (claimed) out.push(claimed);
    }
    return out;
  }

  /**
   * Take one pending item for `leaseMs`, unless another holder's lease on it is still running: the
   * conditional update is the lease (one winner on SQLite and on PostgreSQL alike). `takenOver`:
   * another holder had claimed it and never finished, so the target may have it already.
   */
  private async lease(
    row: Selectable<OutboxTable>,
    holder: string,
    leaseMs: number,
    at: string,
  ): Promise<(OutboxRow & { takenOver: boolean }) | undefined> {
    const until = new Date(Date.now() + leaseMs).toISOString();
    const r = await this.db
      .updateTable('outbox')
      .set({ holder, lease_until: until })
      .where('seq', '=', row.seq)
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('holder', 'is', null), eb('lease_until', '<=', at), eb('holder', '=', holder)]))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return undefined;
    return {
      ...row,
      seq: Number(row.seq),
      holder,
      lease_until: until,
      takenOver: row.holder !== null && row.holder !== holder,
    };
  }

  /** Delivered: false when the lease was lost meanwhile (another instance may deliver it again: the target sees the same id). */
  async delivered(seq: number, holder: string): Promise<boolean> {
    const r = await this.db
      .updateTable('outbox')
      .set({ state: 'delivered', delivered_at: now(), holder: null, lease_until: null, last_error: null })
      .where('seq', '=', seq)
      .where('holder', '=', holder)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** A failed attempt: again at `retryAt`, or a dead letter. */
  async failed(seq: number, holder: string, f: { error: string; retryAt?: string }): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_error: f.error.slice(0, 2000),
        state: f.retryAt ? ('pending' as const) : ('dead' as const),
        next_attempt_at: f.retryAt ?? now(),
        holder: null,
        lease_until: null,
      }))
      .where('seq', '=', seq)
      .where('holder', '=', holder)
      .where('state', '=', 'pending')
      .execute();
  }

  /** Which of these item ids the outbox has (in any state). */
  async existingIds(ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const part of chunks(ids)) {
      const rows = await this.db.selectFrom('outbox').select('id').where('id', 'in', part).execute();
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  async list(f: { target?: string; state?: OutboxState; limit: number; after?: number }): Promise<OutboxRow[]> {
    let q = this.db.selectFrom('outbox').selectAll();
    if (f.target) q = q.where('target', '=', f.target);
    if (f.state) q = q.where('state', '=', f.state);
    if (f.after) q = q.where('seq', '>', f.after);
    const rows = await q.orderBy('seq').limit(f.limit).execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /** Per target: backlog, dead letters, oldest pending, last delivery, last error. */
  async targets(): Promise<OutboxTargetStats[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .select((eb) => [
        'target',
        'state',
        eb.fn.countAll().as('n'),
        eb.fn.min('created_at').as('oldest'),
        eb.fn.max('delivered_at').as('last'),
      ])
      .groupBy(['target', 'state'])
      .execute();
    const out = new Map<string, OutboxTargetStats>();
    for (const r of rows) {
      const t = out.get(r.target) ?? {
        target: r.target,
        pending: 0,
        dead: 0,
        oldestPending: null,
        lastDelivered: null,
      };
      if (r.state === 'pending') {
        t.pending = Number(r.n);
        t.oldestPending = (r.oldest as string | null) ?? null;
      }
      if (r.state === 'dead') t.dead = Number(r.n);
      if (r.state === 'delivered') t.lastDelivered = (r.last as string | null) ?? null;
      out.set(r.target, t);
    }
    return [...out.values()].sort((a, b) => a.target.localeCompare(b.target));
  }

  /** An operator re-drives a dead letter (or hurries a pending item): due now, attempts from zero. */
  async retry(id: string, actor: string): Promise<boolean> {
    return this.operateOutbox(id, actor, 'outbox.retry', { state: 'pending', attempts: 0, next_attempt_at: now() });
  }

  /** An operator gives an item up: never delivered. */
  async drop(id: string, actor: string): Promise<boolean> {
    return this.operateOutbox(id, actor, 'outbox.drop', { state: 'dropped' });
  }

  /** An operator's change of a dead or pending item (its lease let go), audited; false: no such item. */
  private async operateOutbox(
    id: string,
    actor: string,
    action: string,
    set: Partial<Pick<OutboxTable, 'state' | 'attempts' | 'next_attempt_at'>>,
  ): Promise<boolean> {
    const at = now();
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('outbox')
        .set({ ...set, holder: null, lease_until: null })
        .where('id', '=', id)
        .where('state', 'in', ['dead', 'pending'])
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await auditIn(tx, { at, actor, action, target: id, detail: '{}' });
      return true;
    });
  }
}

import type { ComplianceState, EventType } from './schema.js';
import type { ComplianceRow, NewOutboxItem } from './types.js';
import { now, afterCursor, type Db } from './shared.js';
import { auditIn } from './audit.js';
import { enqueueIn } from './outbox.js';

/** Compliance credentials: what clearing houses answered. */
export class ComplianceRepo {
  constructor(private readonly db: Db) {}

  /** The newest answer for a cloud's profile (issued, replaced or rejected). */
  async latest(cloudId: string, profile: string): Promise<ComplianceRow | undefined> {
    return this.db
      .selectFrom('compliance')
      .selectAll()
      .where('cloud_id', '=', cloudId)
      .where('profile', '=', profile)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  async get(id: string): Promise<ComplianceRow | undefined> {
    return this.db.selectFrom('compliance').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Answers, newest first: every cloud's, or one cloud's; `current` only the issued ones. */
  async list(f: { cloud?: string; current?: boolean; limit?: number } = {}): Promise<ComplianceRow[]> {
    let q = this.db.selectFrom('compliance').selectAll();
    if (f.cloud) q = q.where('cloud_id', '=', f.cloud);
    if (f.current) q = q.where('state', '=', 'issued');
    return q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit ?? 200)
      .execute();
  }

  /** Issued compliance credentials that end before `before`: due for renewal. */
  async due(before: string): Promise<ComplianceRow[]> {
    return this.db
      .selectFrom('compliance')
      .selectAll()
      .where('state', '=', 'issued')
      .where('valid_until', '<', before)
      .execute();
  }

  /**
   * Record a clearing house's answer in one transaction: an issued credential replaces the cloud's
   * previous one for the profile; follow-up deliveries (credential events) are queued with it; a
   * refusal is noted in the record of the run whose set it was.
   */
  async record(row: Omit<ComplianceRow, 'created_at'>, outbox: NewOutboxItem[] = []): Promise<void> {
    const at = now();
    await this.db.transaction().execute(async (tx) => {
      if (row.state === 'issued') {
        // The one it replaces, and itself, in the change feed (each compliance credential is its own resource).
        const before = await tx
          .selectFrom('compliance')
          .select('id')
          .where('cloud_id', '=', row.cloud_id)
          .where('profile', '=', row.profile)
          .where('state', '=', 'issued')
          .execute();
        await tx
          .updateTable('compliance')
          .set({ state: 'replaced' })
          .where('cloud_id', '=', row.cloud_id)
          .where('profile', '=', row.profile)
          .where('state', '=', 'issued')
          .execute();
        const event = (type: EventType, id: string) => ({
          at,
          type,
          credential_id: id,
          base_id: id,
          cloud_id: row.cloud_id,
          profile: row.profile,
        });
        await tx
          .insertInto('events')
          .values([...before.map((b) => event('superseded', b.id)), event('published', row.id)])
          .execute();
      }
      await tx
        .insertInto('compliance')
        .values({ ...row, created_at: at })
        .execute();
      await auditIn(tx, {
        at,
        actor: `clearing-house:${row.clearing_house}`,
        action: row.state === 'issued' ? 'compliance.issued' : 'compliance.rejected',
        target: row.id,
        detail: JSON.stringify({ cloud: row.cloud_id, profile: row.profile, covered: JSON.parse(row.covered).length }),
      });
      if (outbox.length) await enqueueIn(tx, outbox, at);
      if (row.state === 'rejected') {
        // The refusal goes to the record of the run whose set it was (the cloud's last finished run).
        const run = await tx
          .selectFrom('runs')
          .select(['id', 'summary'])
          .where('cloud_id', '=', row.cloud_id)
          .where('state', 'in', ['succeeded', 'partial'])
          .orderBy('started_at', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (run) {
          const summary = JSON.parse(run.summary || '{}') as { notes?: string[] };
          summary.notes = [
            ...(summary.notes ?? []),
            `${row.profile}: after the run, clearing house ${row.clearing_house} refused the set: ${row.message ?? ''}`.slice(
              0,
              4000,
            ),
          ];
          await tx
            .updateTable('runs')
            .set({ summary: JSON.stringify(summary) })
            .where('id', '=', run.id)
            .execute();
        }
      }
    });
  }

  /** Issued compliance credentials past their validity become `expired`, each an event of the change feed. */
  async expire(at: Date = new Date()): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const gone = await tx
        .selectFrom('compliance')
        .select(['id', 'cloud_id', 'profile'])
        .where('state', '=', 'issued')
        .where('valid_until', '<=', at.toISOString())
        .execute();
      if (!gone.length) return 0;
      await tx
        .updateTable('compliance')
        .set({ state: 'expired' })
        .where(
          'id',
          'in',
          gone.map((g) => g.id),
        )
        .execute();
      const when = now();
      await tx
        .insertInto('events')
        .values(
          gone.map((g) => ({
            at: when,
            type: 'expired' as const,
            credential_id: g.id,
            base_id: g.id,
            cloud_id: g.cloud_id,
            profile: g.profile,
          })),
        )
        .execute();
      return gone.length;
    });
  }

  /**
   * Compliance credentials as the listing shows them (`kind=compliance`): issued, replaced or
   * expired, oldest first, after a (created_at, id) cursor.
   */
  async listCredentials(f: {
    cloud?: string;
    profile?: string;
    states?: ComplianceState[];
    changedSince?: string;
    after?: { updatedAt: string; id: string };
    limit: number;
  }): Promise<ComplianceRow[]> {
    let q = this.db
      .selectFrom('compliance')
      .selectAll()
      .where('state', 'in', f.states ?? ['issued', 'replaced', 'expired']);
    if (f.cloud) q = q.where('cloud_id', '=', f.cloud);
    if (f.profile) q = q.where('profile', '=', f.profile);
    if (f.changedSince) q = q.where('created_at', '>=', f.changedSince);
    if (f.after) q = q.where(afterCursor('created_at', 'id', f.after));
    return q.orderBy('created_at').orderBy('id').limit(f.limit).execute();
  }
}

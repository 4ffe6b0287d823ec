import type { Insertable } from 'kysely';
import { GatewayError } from '../core/errors.js';
import type { CredentialState, EventsTable } from './schema.js';
import type { CredentialRow, Decision } from './types.js';
import { chunks, type Db } from './shared.js';
import { auditIn } from './audit.js';
import { holdLease } from './leases.js';
import { enqueueIn } from './outbox.js';
import { putStatusLists } from './status-lists.js';

/** Drafts, revocation proposals and the officers' decisions on them. */
export class DraftsRepo {
  constructor(private readonly db: Db) {}

  /** Drafts and decided drafts, newest first, bodies included (a cloud's are few: one per changed resource). */
  async list(f: { cloud?: string; profile?: string; states?: CredentialState[]; limit?: number } = {}) {
    let q = this.db.selectFrom('credentials').selectAll();
    q = q.where('state', 'in', f.states ?? ['draft']);
    if (f.cloud) q = q.where('cloud_id', '=', f.cloud);
    if (f.profile) q = q.where('profile', '=', f.profile);
    q = q.orderBy('created_at', 'desc').orderBy('id');
    return (f.limit ? q.limit(f.limit) : q).execute();
  }

  /** Published versions a run in approval mode proposed to revoke (their resource vanished). */
  async proposals(cloud?: string): Promise<CredentialRow[]> {
    let q = this.db
      .selectFrom('credentials')
      .selectAll()
      .where('state', '=', 'published')
      .where('revocation_proposed', 'is not', null);
    if (cloud) q = q.where('cloud_id', '=', cloud);
    return q.orderBy('id').execute();
  }

  /** Drop revocation proposals (an officer rejected them: the credentials stay published). */
  async clearProposals(ids: string[]): Promise<void> {
    for (const part of chunks(ids))
      await this.db.updateTable('credentials').set({ revocation_proposed: null }).where('id', 'in', part).execute();
  }

  /**
   * Officers' decisions in one transaction, under the cloud's lease: a draft approved or rejected
   * must still be a draft, a credential revoked must still be published, or nothing is written.
   */
  async decide(d: Decision, lease: { name: string; holder: string; ttlMs: number }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await holdLease(tx, lease, `the decision on ${d.cloudId}`);
      const events: Insertable<EventsTable>[] = [];
      const event = (type: EventsTable['type'], c: Pick<CredentialRow, 'id' | 'base_id' | 'profile'>) => ({
        at: d.at,
        type,
        credential_id: c.id,
        base_id: c.base_id,
        cloud_id: d.cloudId,
        profile: c.profile,
      });
      const stale = (id: string, was: string) =>
        new GatewayError(
          `${id} is no longer ${was} (decided meanwhile, or a newer run replaced it); nothing was written`,
          'conflict',
        );
      for (const a of d.approve) {
        if (a.supersedes) {
          const old = await tx
            .updateTable('credentials')
            .set({
              state: 'superseded',
              superseded_at: d.at,
              superseded_by: a.id,
              updated_at: d.at,
              revocation_proposed: null,
            })
            .where('id', '=', a.supersedes)
            .where('state', '=', 'published')
            .returning(['id', 'base_id', 'profile'])
            .executeTakeFirst();
          if (!old) throw stale(a.supersedes, 'published');
          events.push(event('superseded', old));
        }
        const row = await tx
          .updateTable('credentials')
          .set({
            state: 'published',
            body: a.body,
            media_type: a.media_type,
            signed_with: a.signed_with,
            published_at: d.at,
            updated_at: d.at,
            decided_by: d.actor,
            decided_at: d.at,
          })
          .where('id', '=', a.id)
          .where('state', '=', 'draft')
          .returning(['id', 'base_id', 'profile'])
          .executeTakeFirst();
        if (!row) throw stale(a.id, 'a draft');
        events.push(event('published', row));
      }
      for (const r of d.reject) {
        const row = await tx
          .updateTable('credentials')
          .set({ state: 'rejected', updated_at: d.at, decided_by: d.actor, decided_at: d.at, reason: r.reason })
          .where('id', '=', r.id)
          .where('state', '=', 'draft')
          .executeTakeFirst();
        if (Number(row.numUpdatedRows) !== 1) throw stale(r.id, 'a draft');
      }
      for (const r of d.revoke) {
        const row = await tx
          .updateTable('credentials')
          .set({
            state: 'revoked',
            revoked_at: d.at,
            updated_at: d.at,
            decided_by: d.actor,
            decided_at: d.at,
            reason: r.reason,
            revocation_proposed: null,
          })
          .where('id', '=', r.id)
          .where('state', '=', 'published')
          .returning(['id', 'base_id', 'profile'])
          .executeTakeFirst();
        if (!row) throw stale(r.id, 'published');
        events.push(event('revoked', row));
      }
      if (events.length) await tx.insertInto('events').values(events).execute();
      await putStatusLists(tx, d.statusLists);
      await enqueueIn(tx, d.outbox ?? [], d.at);
      for (const a of d.audit) await auditIn(tx, a);
    });
  }
}

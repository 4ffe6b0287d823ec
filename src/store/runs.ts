import type { Insertable } from 'kysely';
import type { EventsTable } from './schema.js';
import type { Run, CredentialRow, AuditRow, Publication } from './types.js';
import { now, chunks, type Db } from './shared.js';
import { auditIn } from './audit.js';
import { holdLease, LeasesRepo } from './leases.js';
import { enqueueIn } from './outbox.js';
import { putStatusLists } from './status-lists.js';

/** Runs: their records, and the one transaction that publishes what a run changed. */
export class RunsRepo {
  constructor(private readonly db: Db) {}

  async start(run: Pick<Run, 'id' | 'cloud_id' | 'trigger' | 'holder'> & { summary?: string }): Promise<Run> {
    const row: Run = {
      summary: '{}',
      ...run,
      state: 'running',
      started_at: now(),
      finished_at: null,
      stages: '{}',
      provenance: '[]',
      error: null,
      inventory_hash: null,
    };
    await this.db.insertInto('runs').values(row).execute();
    return row;
  }

  /** What started each of these runs (schedule, event, api, …), by run id. */
  async triggers(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks([...new Set(ids)]))
      for (const r of await this.db.selectFrom('runs').select(['id', 'trigger']).where('id', 'in', part).execute())
        out.set(r.id, r.trigger);
    return out;
  }

  /** Record a run's end without publishing anything (failed, refused, or nothing changed). */
  async finish(id: string, end: Publication['run'], audit: Omit<AuditRow, 'seq'>[] = []): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('runs').set(end).where('id', '=', id).execute();
      for (const a of audit) await auditIn(tx, a);
    });
  }

  /**
   * Runs left `running` by a holder that no longer holds the cloud's lease, or whose process is
   * known dead (killed on this host): marked `abandoned`; they published nothing (publishing is
   * one transaction).
   */
  async abandonOrphaned(
    leaseName: (cloudId: string) => string,
    isDead: (holder: string) => boolean = () => false,
  ): Promise<string[]> {
    const running = await this.db.selectFrom('runs').selectAll().where('state', '=', 'running').execute();
    const abandoned: string[] = [];
    const t = now();
    for (const run of running) {
      const lease = await new LeasesRepo(this.db).holder(leaseName(run.cloud_id));
      if (lease && lease.holder === run.holder && lease.expires_at > t && !isDead(run.holder)) continue;
      await this.db
        .updateTable('runs')
        .set({
          state: 'abandoned',
          finished_at: t,
          error: 'the gateway running it stopped before it finished; nothing of it was published',
        })
        .where('id', '=', run.id)
        .where('state', '=', 'running')
        .execute();
      abandoned.push(run.id);
    }
    return abandoned;
  }

  /** A finished run's stage record, completed after publishing (its commit time). */
  async recordStages(id: string, stages: string): Promise<void> {
    await this.db.updateTable('runs').set({ stages }).where('id', '=', id).execute();
  }

  async get(id: string): Promise<Run | undefined> {
    return this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(opts: { cloud?: string; limit: number; before?: string }): Promise<Run[]> {
    let q = this.db.selectFrom('runs').selectAll();
    if (opts.cloud) q = q.where('cloud_id', '=', opts.cloud);
    if (opts.before) q = q.where('started_at', '<', opts.before);
    return q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  }

  /** The last run of a cloud that finished (any outcome). */
  async last(cloudId: string): Promise<Run | undefined> {
    return this.db
      .selectFrom('runs')
      .selectAll()
      .where('cloud_id', '=', cloudId)
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /**
   * Everything a run changes, in one transaction: new versions, superseded and revoked ones, their
   * events, the status lists, the inventory and the run's record. A run that lost its lease (it
   * took too long, another instance took over) commits nothing: the lease is checked inside.
   */
  async publish(p: Publication, lease: { name: string; holder: string; ttlMs: number }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      // The lease row is written first: it stays ours (row lock on PostgreSQL, the write lock on
      // SQLite) until this commits, so no other instance can take the cloud over in between.
      await holdLease(tx, lease, `the run of ${p.cloudId}`);
      if (p.inventory) {
        await tx
          .insertInto('inventories')
          .values({ hash: p.inventory.hash, cloud_id: p.cloudId, created_at: p.at, body: p.inventory.body })
          .onConflict((oc) => oc.column('hash').doNothing())
          .execute();
      }
      const add = p.add.map((c) => ({
        ...c,
        superseded_at: null,
        superseded_by: null,
        revoked_at: null,
        decided_by: null,
        decided_at: null,
        reason: null,
        signed_with: c.signed_with ?? null,
        revocation_proposed: null,
      }));
      for (const part of chunks(add, 100)) await tx.insertInto('credentials').values(part).execute();
      const event = (type: EventsTable['type'], c: Pick<CredentialRow, 'id' | 'base_id' | 'profile'>) => ({
        at: p.at,
        type,
        credential_id: c.id,
        base_id: c.base_id,
        cloud_id: p.cloudId,
        profile: c.profile,
        run_id: p.runId,
      });
      const events: Insertable<EventsTable>[] = [];
      for (const s of p.supersede) {
        const old = await tx
          .updateTable('credentials')
          .set({ state: 'superseded', superseded_at: p.at, superseded_by: s.by, updated_at: p.at })
          .where('id', '=', s.id)
          .where('state', '=', 'published')
          .returning(['id', 'base_id', 'profile'])
          .executeTakeFirst();
        if (old) events.push(event('superseded', old));
      }
      for (const id of p.revoke) {
        const old = await tx
          .updateTable('credentials')
          .set({ state: 'revoked', revoked_at: p.at, updated_at: p.at })
          .where('id', '=', id)
          .where('state', '=', 'published')
          .returning(['id', 'base_id', 'profile'])
          .executeTakeFirst();
        if (old) events.push(event('revoked', old));
      }
      for (const c of add) if (c.state === 'published') events.push(event('published', c));
      for (const o of p.obsolete ?? [])
        await tx
          .updateTable('credentials')
          .set({ state: 'obsolete', superseded_by: o.by, superseded_at: p.at, updated_at: p.at })
          .where('id', '=', o.id)
          .where('state', '=', 'draft')
          .execute();
      for (const proposal of p.proposals ?? []) {
        await tx
          .updateTable('credentials')
          .set({ revocation_proposed: null })
          .where('cloud_id', '=', p.cloudId)
          .where('profile', '=', proposal.profile)
          .where('revocation_proposed', 'is not', null)
          .execute();
        for (const part of chunks(proposal.ids))
          await tx
            .updateTable('credentials')
            .set({ revocation_proposed: p.runId })
            .where('id', 'in', part)
            .where('state', '=', 'published')
            .execute();
      }
      for (const part of chunks(events, 200)) await tx.insertInto('events').values(part).execute();
      await putStatusLists(tx, p.statusLists);
      await enqueueIn(tx, p.outbox ?? [], p.at);
      await tx.updateTable('runs').set(p.run).where('id', '=', p.runId).execute();
      for (const a of p.audit) await auditIn(tx, a);
    });
  }
}

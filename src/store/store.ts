import { sql, type Kysely } from 'kysely';
import { GatewayError } from '../core/errors.js';
import type { Dialect } from './dialect.js';
import { openDatabase, type StoreLocation } from './open.js';
import type {
  ApiTokensTable,
  AuditTable,
  CloudsTable,
  ComplianceState,
  ComplianceTable,
  CredentialState,
  CredentialsTable,
  Database,
  EventsTable,
  EventType,
  OfficerKeysTable,
  OutboxState,
  OutboxTable,
  RunsTable,
  StatusListsTable,
} from './schema.js';
import { PUBLIC_STATES } from './schema.js';

export type Cloud = CloudsTable;
export type Run = RunsTable;
export type CredentialRow = CredentialsTable;
export type StatusListRow = StatusListsTable;
export type EventRow = Omit<EventsTable, 'seq'> & { seq: number };
export type AuditRow = Omit<AuditTable, 'seq'> & { seq: number };
export type ApiTokenRow = ApiTokensTable;
export type ComplianceRow = ComplianceTable;
/** A published credential's bytes and what presenting it needs (its subject types, the key that signed it). */
export type PublishedBody = Pick<CredentialsTable, 'id' | 'body' | 'media_type' | 'types' | 'signed_with'>;
export type OutboxRow = Omit<OutboxTable, 'seq'> & { seq: number };
/** Per outbox target: backlog, dead letters, oldest pending item, last delivery. */
export interface OutboxTargetStats {
  target: string;
  pending: number;
  dead: number;
  oldestPending: string | null;
  lastDelivered: string | null;
}
/** An item for the outbox, written with the change that causes it. */
export type NewOutboxItem = Pick<OutboxTable, 'id' | 'target' | 'action' | 'subject' | 'payload'>;
export type OfficerKeyRow = OfficerKeysTable;

/** The lease a cloud's runs and its officers' decisions share: one writer per cloud at a time. */
/** Whether a credential has a slot in one of our status lists (a notary's credential has none). */
export const hasOwnStatus = (row: Pick<CredentialRow, 'status_index'>): boolean => row.status_index >= 0;

/**
 * The status index of a credential without a slot in our lists: one another issuer secured (a
 * notary's, ISSUED_ELSEWHERE) or one of ours its profile gives no credentialStatus (NO_STATUS, see
 * signing.credentialStatus). Its status_list is its own id, so the slot's uniqueness holds.
 */
export const ISSUED_ELSEWHERE = -1;
export const NO_STATUS = -2;

/** A credential another issuer secured (a notary's): published as its bytes, never signed by us. */
export const issuedElsewhere = (row: Pick<CredentialRow, 'status_index'>): boolean =>
  row.status_index === ISSUED_ELSEWHERE;

export const cloudLease = (cloudId: string): string => `cloud:${cloudId}`;

/** A new version as a run writes it (published, or a draft in approval mode). */
export type NewVersion = Omit<
  CredentialRow,
  | 'superseded_at'
  | 'superseded_by'
  | 'revoked_at'
  | 'decided_by'
  | 'decided_at'
  | 'reason'
  | 'signed_with'
  | 'revocation_proposed'
> & { signed_with?: string | null };

/** What officers decide at once, written in one transaction (all or nothing). */
export interface Decision {
  cloudId: string;
  at: string;
  actor: string;
  /** Drafts signed now: their bytes, and the published version each replaces. */
  approve: { id: string; body: string; media_type: string; signed_with: string; supersedes?: string }[];
  reject: { id: string; reason: string }[];
  revoke: { id: string; reason: string }[];
  /** Status lists as they stand after the decision (re-signed where bits changed). */
  statusLists: StatusListRow[];
  audit: Omit<AuditRow, 'seq'>[];
  /** Deliveries the decision causes: written in the same transaction. */
  outbox?: NewOutboxItem[];
}

export interface ListFilter {
  type?: string;
  kind?: string;
  profile?: string;
  state?: CredentialState;
  cloud?: string;
  /** Only credentials whose state changed at or after this time (ISO). */
  changedSince?: string;
  clearingHouse?: boolean;
  /** After this (updated_at, id) position: the listing's cursor. */
  after?: { updatedAt: string; id: string };
  limit: number;
}

/** What one run publishes, written in one transaction (all or nothing). */
export interface Publication {
  runId: string;
  cloudId: string;
  at: string;
  /** New versions, signed, with their exact bytes (or drafts, unsigned, in approval mode). */
  add: NewVersion[];
  /** Drafts of earlier runs a newer draft (or the published state) replaces: marked obsolete. */
  obsolete?: { id: string; by: string | null }[];
  /** Approval mode: per profile, the published versions whose resource vanished (proposed for revocation). */
  proposals?: { profile: string; ids: string[] }[];
  /** Deliveries this change causes (clearing houses, catalogues): written in the same transaction. */
  outbox?: NewOutboxItem[];
  /** Versions the new ones replace: old id → new id. */
  supersede: { id: string; by: string }[];
  /** Versions whose resource vanished after a complete introspection. */
  revoke: string[];
  /** Status lists as they stand after this run (bits and the re-signed credential). */
  statusLists: StatusListRow[];
  inventory?: { hash: string; body: string };
  run: Pick<Run, 'state' | 'finished_at' | 'stages' | 'provenance' | 'error' | 'inventory_hash' | 'summary'>;
  audit: Omit<AuditRow, 'seq'>[];
}

const now = () => new Date().toISOString();

/** Items in slices of `size`: `IN (…)` lists and multi-row inserts stay within the drivers' parameter limits. */
function chunks<T>(items: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The gateway's memory, over kysely (SQLite by default, PostgreSQL for several instances). Every
 * write a run makes lands in one transaction, so a crash at any point leaves the store as it was
 * before the run or as it is after it.
 */
/**
 * After a listing cursor in (updated, id) order, written so that the first condition is a range of
 * the index: `updated >= X AND (updated > X OR id > Y)` (an OR alone makes both databases scan
 * from the start of the index up to the cursor).
 */
function afterCursor(updated: string, id: string, after: { updatedAt: string; id: string }) {
  return sql<boolean>`${sql.ref(updated)} >= ${after.updatedAt} and (${sql.ref(updated)} > ${after.updatedAt} or ${sql.ref(id)} > ${after.id})`;
}

export class Store {
  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    readonly where: string,
  ) {}

  static async open(loc: StoreLocation): Promise<Store> {
    const { db, dialect, where } = await openDatabase(loc);
    return new Store(db, dialect, where);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** Whether the database answers (the `/ready` check). */
  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  // --- clouds

  async putCloud(cloud: Omit<Cloud, 'created_at' | 'updated_at'>, actor: string): Promise<Cloud> {
    const at = now();
    return this.db.transaction().execute(async (tx) => {
      const existing = await tx.selectFrom('clouds').selectAll().where('id', '=', cloud.id).executeTakeFirst();
      if (existing) {
        await tx
          .updateTable('clouds')
          .set({ ...cloud, updated_at: at })
          .where('id', '=', cloud.id)
          .execute();
      } else {
        await tx
          .insertInto('clouds')
          .values({ ...cloud, created_at: at, updated_at: at })
          .execute();
      }
      await this.auditIn(tx, {
        at,
        actor,
        action: existing ? 'cloud.update' : 'cloud.add',
        target: cloud.id,
        detail: JSON.stringify({ profiles: JSON.parse(cloud.profiles), interval: cloud.interval_seconds }),
      });
      return (await tx.selectFrom('clouds').selectAll().where('id', '=', cloud.id).executeTakeFirstOrThrow()) as Cloud;
    });
  }

  async getCloud(id: string): Promise<Cloud | undefined> {
    return this.db.selectFrom('clouds').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listClouds(): Promise<Cloud[]> {
    return this.db.selectFrom('clouds').selectAll().orderBy('id').execute();
  }

  // --- leases: one run per cloud at a time, across every instance sharing the database

  /**
   * Take the lease `name` for `ttlMs` unless another holder has it and it has not expired. Returns
   * whether this holder has it now. A crashed holder's lease simply runs out.
   */
  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const t = new Date();
    const expires = new Date(t.getTime() + ttlMs).toISOString();
    await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: expires })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: expires })
          .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<', t.toISOString())])),
      )
      .execute();
    const row = await this.db.selectFrom('leases').select('holder').where('name', '=', name).executeTakeFirst();
    return row?.holder === holder;
  }

  /** Extend a lease this holder has; false when it was lost (expired and taken by another). */
  async renewLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('leases')
      .set({ expires_at: new Date(Date.now() + ttlMs).toISOString() })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  async leaseHolder(name: string): Promise<{ holder: string; expires_at: string } | undefined> {
    return this.db.selectFrom('leases').select(['holder', 'expires_at']).where('name', '=', name).executeTakeFirst();
  }

  // --- runs

  async startRun(run: Pick<Run, 'id' | 'cloud_id' | 'trigger' | 'holder'>): Promise<Run> {
    const row: Run = {
      ...run,
      state: 'running',
      started_at: now(),
      finished_at: null,
      stages: '{}',
      provenance: '[]',
      error: null,
      inventory_hash: null,
      summary: '{}',
    };
    await this.db.insertInto('runs').values(row).execute();
    return row;
  }

  /** Record a run's end without publishing anything (failed, refused, or nothing changed). */
  async finishRun(id: string, end: Publication['run'], audit: Omit<AuditRow, 'seq'>[] = []): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('runs').set(end).where('id', '=', id).execute();
      for (const a of audit) await this.auditIn(tx, a);
    });
  }

  /**
   * Runs left `running` by a holder that no longer holds the cloud's lease, or whose process is
   * known dead (killed on this host): marked `abandoned`; they published nothing (publishing is
   * one transaction).
   */
  async abandonOrphanedRuns(
    leaseName: (cloudId: string) => string,
    isDead: (holder: string) => boolean = () => false,
  ): Promise<string[]> {
    const running = await this.db.selectFrom('runs').selectAll().where('state', '=', 'running').execute();
    const abandoned: string[] = [];
    const t = now();
    for (const run of running) {
      const lease = await this.leaseHolder(leaseName(run.cloud_id));
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

  async getRun(id: string): Promise<Run | undefined> {
    return this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listRuns(opts: { cloud?: string; limit: number; before?: string }): Promise<Run[]> {
    let q = this.db.selectFrom('runs').selectAll();
    if (opts.cloud) q = q.where('cloud_id', '=', opts.cloud);
    if (opts.before) q = q.where('started_at', '<', opts.before);
    return q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  }

  /** The last run of a cloud that finished (any outcome). */
  async lastRun(cloudId: string): Promise<Run | undefined> {
    return this.db
      .selectFrom('runs')
      .selectAll()
      .where('cloud_id', '=', cloudId)
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  // --- credentials

  /** The current (published) version of every resource of a cloud and profile. */
  async published(cloudId: string, profile: string): Promise<CredentialRow[]> {
    return this.db
      .selectFrom('credentials')
      .selectAll()
      .where('cloud_id', '=', cloudId)
      .where('profile', '=', profile)
      .where('state', '=', 'published')
      .execute();
  }

  /** The highest version number each of these resources has had. */
  async lastVersions(baseIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const chunk of chunks(baseIds)) {
      const rows = await this.db
        .selectFrom('credentials')
        .select(['base_id', (eb) => eb.fn.max('version').as('v')])
        .where('base_id', 'in', chunk)
        .groupBy('base_id')
        .execute();
      for (const r of rows) out.set(r.base_id, Number(r.v));
    }
    return out;
  }

  /** Published credentials another issuer secured (a notary's): no status entry of ours. */
  async publishedForeign(
    cloud?: string,
  ): Promise<
    Pick<CredentialRow, 'id' | 'base_id' | 'cloud_id' | 'profile' | 'body' | 'signed_with' | 'published_at'>[]
  > {
    let q = this.db
      .selectFrom('credentials')
      .select(['id', 'base_id', 'cloud_id', 'profile', 'body', 'signed_with', 'published_at'])
      .where('state', '=', 'published')
      .where('status_index', '=', ISSUED_ELSEWHERE);
    if (cloud) q = q.where('cloud_id', '=', cloud);
    return q.orderBy('cloud_id').orderBy('profile').orderBy('id').execute();
  }

  async getCredential(id: string): Promise<CredentialRow | undefined> {
    return this.db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Credentials by id (in chunks), as a map. */
  async credentialsById(ids: string[]): Promise<Map<string, CredentialRow>> {
    const out = new Map<string, CredentialRow>();
    for (const part of chunks(ids)) {
      const rows = await this.db.selectFrom('credentials').selectAll().where('id', 'in', part).execute();
      for (const r of rows) out.set(r.id, r);
    }
    return out;
  }

  /** The newest public version of a resource (published, superseded or revoked; drafts are not public). */
  async latestVersion(baseId: string): Promise<CredentialRow | undefined> {
    return this.db
      .selectFrom('credentials')
      .selectAll()
      .where('base_id', '=', baseId)
      .where('state', 'in', [...PUBLIC_STATES])
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** A page of credentials, ordered by (updated_at, id): stable under inserts. */
  async listCredentials(f: ListFilter): Promise<Omit<CredentialRow, 'body'>[]> {
    // With a type: walk that type's range of credential_types (type, updated_at, id), in the
    // listing's order (the same values as the credential's), and look up each credential; without:
    // the listing index of credentials.
    const [updated, id] = f.type ? ['t.updated_at', 't.credential_id'] : ['c.updated_at', 'c.id'];
    let q = this.db
      .selectFrom('credentials as c')
      .$if(Boolean(f.type), (b) =>
        b.innerJoin('credential_types as t', 't.credential_id', 'c.id').where('t.type', '=', f.type!),
      )
      .select([
        'c.id',
        'c.base_id',
        'c.version',
        'c.cloud_id',
        'c.profile',
        'c.kind',
        'c.subject',
        'c.types',
        'c.clearing_house',
        'c.content_hash',
        'c.state',
        'c.media_type',
        'c.status_list',
        'c.status_index',
        'c.run_id',
        'c.created_at',
        'c.published_at',
        'c.superseded_at',
        'c.superseded_by',
        'c.revoked_at',
        'c.updated_at',
        'c.decided_by',
        'c.decided_at',
        'c.reason',
        'c.signed_with',
        'c.revocation_proposed',
      ]);
    if (f.profile) q = q.where('c.profile', '=', f.profile);
    if (f.kind) q = q.where('c.kind', '=', f.kind);
    if (f.state) q = q.where('c.state', '=', f.state);
    else q = q.where('c.state', 'in', [...PUBLIC_STATES]);
    if (f.cloud) q = q.where('c.cloud_id', '=', f.cloud);
    if (f.clearingHouse !== undefined) q = q.where('c.clearing_house', '=', f.clearingHouse ? 1 : 0);
    if (f.changedSince) q = q.where(sql<boolean>`${sql.ref(updated)} >= ${f.changedSince}`);
    if (f.after) q = q.where(afterCursor(updated, id, f.after));
    return q.orderBy(sql.ref(updated)).orderBy(sql.ref(id)).limit(f.limit).execute();
  }

  /** The current versions of a cloud's profile with their bytes (for a presentation), in id order. */
  async publishedBodies(cloudId: string, profile: string, clearingHouseOnly: boolean): Promise<PublishedBody[]> {
    let q = this.db
      .selectFrom('credentials')
      .select(['id', 'body', 'media_type', 'types', 'signed_with'])
      .where('cloud_id', '=', cloudId)
      .where('profile', '=', profile)
      .where('state', '=', 'published');
    if (clearingHouseOnly) q = q.where('clearing_house', '=', 1);
    return q.orderBy('id').execute();
  }

  /** The newest change of anything listed (for listing ETags): the last event's number. */
  async lastEventSeq(): Promise<number> {
    const r = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('m'))
      .executeTakeFirst();
    return Number(r?.m ?? 0);
  }

  async countByState(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('credentials')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  async events(after: number, limit: number): Promise<EventRow[]> {
    return this.after('events', after, limit) as Promise<EventRow[]>;
  }

  /** Rows of an append-only table after a sequence number, in order (seq as a number on both databases). */
  private async after(table: 'events' | 'audit', after: number, limit: number): Promise<Record<string, unknown>[]> {
    const rows = await this.db
      .selectFrom(table)
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  // --- status lists

  async statusLists(cloudId: string, profile: string): Promise<StatusListRow[]> {
    return this.db
      .selectFrom('status_lists')
      .selectAll()
      .where('cloud_id', '=', cloudId)
      .where('profile', '=', profile)
      .orderBy('id')
      .execute();
  }

  async getStatusList(id: string): Promise<StatusListRow | undefined> {
    return this.db.selectFrom('status_lists').selectAll().where('id', '=', id).executeTakeFirst();
  }

  // --- publishing

  /**
   * Everything a run changes, in one transaction: new versions, superseded and revoked ones, their
   * events, the status lists, the inventory and the run's record. A run that lost its lease (it
   * took too long, another instance took over) commits nothing: the lease is checked inside.
   */
  async publish(p: Publication, lease: { name: string; holder: string; ttlMs: number }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      // The lease row is written first: it stays ours (row lock on PostgreSQL, the write lock on
      // SQLite) until this commits, so no other instance can take the cloud over in between.
      await this.holdLease(tx, lease, `the run of ${p.cloudId}`);
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
      });
      const events: Omit<EventsTable, 'seq'>[] = [];
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
      await this.putStatusLists(tx, p.statusLists);
      await this.enqueueIn(tx, p.outbox ?? [], p.at);
      await tx.updateTable('runs').set(p.run).where('id', '=', p.runId).execute();
      for (const a of p.audit) await this.auditIn(tx, a);
    });
  }

  /** Re-write our lease row inside the transaction: it stays ours until commit, or nothing is written. */
  private async holdLease(tx: Kysely<Database>, lease: { name: string; holder: string; ttlMs: number }, what: string) {
    const held = await tx
      .updateTable('leases')
      .set({ expires_at: new Date(Date.now() + lease.ttlMs).toISOString() })
      .where('name', '=', lease.name)
      .where('holder', '=', lease.holder)
      .executeTakeFirst();
    if (Number(held.numUpdatedRows) !== 1)
      throw new GatewayError(
        `${what} lost its lease before writing (another instance took the cloud over); nothing was written`,
        'conflict',
      );
  }

  // --- drafts and officers' decisions

  /** Drafts and decided drafts, newest first, bodies included (a cloud's are few: one per changed resource). */
  async drafts(f: { cloud?: string; profile?: string; states?: CredentialState[]; limit?: number } = {}) {
    let q = this.db.selectFrom('credentials').selectAll();
    q = q.where('state', 'in', f.states ?? ['draft']);
    if (f.cloud) q = q.where('cloud_id', '=', f.cloud);
    if (f.profile) q = q.where('profile', '=', f.profile);
    q = q.orderBy('created_at', 'desc').orderBy('id');
    return (f.limit ? q.limit(f.limit) : q).execute();
  }

  /** Published versions a run in approval mode proposed to revoke (their resource vanished). */
  async revocationProposals(cloud?: string): Promise<CredentialRow[]> {
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

  /** The published version of each resource of a cloud: resource IRI → version id. */
  async publishedIds(cloudId: string): Promise<Map<string, string>> {
    const rows = await this.db
      .selectFrom('credentials')
      .select(['id', 'base_id'])
      .where('cloud_id', '=', cloudId)
      .where('state', '=', 'published')
      .execute();
    return new Map(rows.map((r) => [r.base_id, r.id]));
  }

  /** The published version of a resource. */
  async publishedVersion(baseId: string): Promise<CredentialRow | undefined> {
    return this.db
      .selectFrom('credentials')
      .selectAll()
      .where('base_id', '=', baseId)
      .where('state', '=', 'published')
      .executeTakeFirst();
  }

  /**
   * Officers' decisions in one transaction, under the cloud's lease: a draft approved or rejected
   * must still be a draft, a credential revoked must still be published, or nothing is written.
   */
  async decide(d: Decision, lease: { name: string; holder: string; ttlMs: number }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await this.holdLease(tx, lease, `the decision on ${d.cloudId}`);
      const events: Omit<EventsTable, 'seq'>[] = [];
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
      await this.putStatusLists(tx, d.statusLists);
      await this.enqueueIn(tx, d.outbox ?? [], d.at);
      for (const a of d.audit) await this.auditIn(tx, a);
    });
  }

  // --- the outbox

  private async enqueueIn(tx: Kysely<Database>, items: NewOutboxItem[], at: string): Promise<void> {
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

  /** Items to deliver, on their own (a manual `publish`); an id already queued is not queued twice. */
  async enqueue(items: NewOutboxItem[]): Promise<void> {
    await this.db.transaction().execute((tx) => this.enqueueIn(tx, items, now()));
  }

  /** Targets with something pending. */
  async outboxTargetsDue(): Promise<string[]> {
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
   * and nobody else holds it. Items of one target are delivered in order, by one instance at a time:
   * the conditional update is the lease (one winner on SQLite and on PostgreSQL alike).
   */
  /**
   * Claim the head item of a target for `leaseMs`. `takenOver`: another holder had claimed it and
   * never finished (it crashed or stopped mid-delivery), so the target may have it already.
   */
  async claimOutbox(
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
    const until = new Date(Date.now() + leaseMs).toISOString();
    const r = await this.db
      .updateTable('outbox')
      .set({ holder, lease_until: until })
      .where('seq', '=', head.seq)
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('holder', 'is', null), eb('lease_until', '<=', at), eb('holder', '=', holder)]))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return undefined;
    return {
      ...head,
      seq: Number(head.seq),
      holder,
      lease_until: until,
      takenOver: head.holder !== null && head.holder !== holder,
    };
  }

  /** Delivered: false when the lease was lost meanwhile (another instance may deliver it again: the target sees the same id). */
  async outboxDelivered(seq: number, holder: string): Promise<boolean> {
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
  async outboxFailed(seq: number, holder: string, f: { error: string; retryAt?: string }): Promise<void> {
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
  async existingOutboxIds(ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const part of chunks(ids)) {
      const rows = await this.db.selectFrom('outbox').select('id').where('id', 'in', part).execute();
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  /** The credentials a catalogue holds as active entries. */
  async activeCatalogueIds(target: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('catalogue_entries')
      .select('credential_id')
      .where('target', '=', target)
      .where('state', '=', 'active')
      .execute();
    return new Set(rows.map((r) => r.credential_id));
  }

  async listOutbox(f: { target?: string; state?: OutboxState; limit: number; after?: number }): Promise<OutboxRow[]> {
    let q = this.db.selectFrom('outbox').selectAll();
    if (f.target) q = q.where('target', '=', f.target);
    if (f.state) q = q.where('state', '=', f.state);
    if (f.after) q = q.where('seq', '>', f.after);
    const rows = await q.orderBy('seq').limit(f.limit).execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /** Per target: backlog, dead letters, oldest pending, last delivery, last error. */
  async outboxTargets(): Promise<OutboxTargetStats[]> {
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
  async retryOutbox(id: string, actor: string): Promise<boolean> {
    return this.operateOutbox(id, actor, 'outbox.retry', { state: 'pending', attempts: 0, next_attempt_at: now() });
  }

  /** An operator gives an item up: never delivered. */
  async dropOutbox(id: string, actor: string): Promise<boolean> {
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
      await this.auditIn(tx, { at, actor, action, target: id, detail: '{}' });
      return true;
    });
  }

  // --- catalogue entries

  async putCatalogueEntry(target: string, credentialId: string, ref: string, state: string): Promise<void> {
    const row = { target, credential_id: credentialId, ref, state, updated_at: now() };
    await this.db
      .insertInto('catalogue_entries')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['target', 'credential_id']).doUpdateSet({ ref, state, updated_at: row.updated_at }),
      )
      .execute();
  }

  async catalogueEntry(target: string, credentialId: string) {
    return this.db
      .selectFrom('catalogue_entries')
      .selectAll()
      .where('target', '=', target)
      .where('credential_id', '=', credentialId)
      .executeTakeFirst();
  }

  // --- compliance credentials (what clearing houses answered)

  /** The newest answer for a cloud's profile (issued, replaced or rejected). */
  async latestCompliance(cloudId: string, profile: string): Promise<ComplianceRow | undefined> {
    return this.db
      .selectFrom('compliance')
      .selectAll()
      .where('cloud_id', '=', cloudId)
      .where('profile', '=', profile)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  async getCompliance(id: string): Promise<ComplianceRow | undefined> {
    return this.db.selectFrom('compliance').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Answers, newest first: every cloud's, or one cloud's; `current` only the issued ones. */
  async listCompliance(f: { cloud?: string; current?: boolean; limit?: number } = {}): Promise<ComplianceRow[]> {
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
  async complianceDue(before: string): Promise<ComplianceRow[]> {
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
  async recordCompliance(row: Omit<ComplianceRow, 'created_at'>, outbox: NewOutboxItem[] = []): Promise<void> {
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
      await this.auditIn(tx, {
        at,
        actor: `clearing-house:${row.clearing_house}`,
        action: row.state === 'issued' ? 'compliance.issued' : 'compliance.rejected',
        target: row.id,
        detail: JSON.stringify({ cloud: row.cloud_id, profile: row.profile, covered: JSON.parse(row.covered).length }),
      });
      if (outbox.length) await this.enqueueIn(tx, outbox, at);
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
  async expireCompliance(at: Date = new Date()): Promise<number> {
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
  async listComplianceCredentials(f: {
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

  // --- API tokens (hashes only)

  async createToken(row: Omit<ApiTokenRow, 'revoked_at'>): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('api_tokens')
        .values({ ...row, revoked_at: null })
        .execute();
      await this.auditIn(tx, {
        at: row.created_at,
        actor: row.created_by,
        action: 'token.create',
        target: row.id,
        detail: JSON.stringify({ name: row.name, roles: JSON.parse(row.roles) as unknown }),
      });
    });
  }

  async tokenBySha256(sha256: string): Promise<ApiTokenRow | undefined> {
    return this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('sha256', '=', sha256)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  async listTokens(): Promise<ApiTokenRow[]> {
    return this.db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async revokeToken(id: string, actor: string): Promise<boolean> {
    const at = now();
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await this.auditIn(tx, { at, actor, action: 'token.revoke', target: id, detail: '{}' });
      return true;
    });
  }

  // --- officer keys

  async addOfficerKey(row: Omit<OfficerKeyRow, 'removed_at'>): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const existing = await tx.selectFrom('officer_keys').select('id').where('id', '=', row.id).executeTakeFirst();
      if (existing)
        throw new GatewayError(`an officer key ${row.id} exists (or existed): choose another id`, 'conflict');
      await tx
        .insertInto('officer_keys')
        .values({ ...row, removed_at: null })
        .execute();
      await this.auditIn(tx, {
        at: row.added_at,
        actor: row.added_by,
        action: 'officer-key.add',
        target: row.id,
        detail: JSON.stringify({ officer: row.officer, type: row.type, alg: row.alg, chain: row.chain_pem !== null }),
      });
    });
  }

  async officerKeys(opts: { removed?: boolean } = {}): Promise<OfficerKeyRow[]> {
    let q = this.db.selectFrom('officer_keys').selectAll();
    if (!opts.removed) q = q.where('removed_at', 'is', null);
    return q.orderBy('id').execute();
  }

  async removeOfficerKey(id: string, actor: string): Promise<boolean> {
    const at = now();
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('officer_keys')
        .set({ removed_at: at })
        .where('id', '=', id)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await this.auditIn(tx, { at, actor, action: 'officer-key.remove', target: id, detail: '{}' });
      return true;
    });
  }

  /** Published credentials whose proof names this verification method (they stop verifying if it goes). */
  async countSignedWith(method: string): Promise<number> {
    const r = await this.db
      .selectFrom('credentials')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('signed_with', '=', method)
      .where('state', '=', 'published')
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  // --- review page sessions and OIDC log-ins

  async createSession(row: { id_sha256: string; principal: string; csrf: string; expires_at: string }): Promise<void> {
    const at = now();
    await this.db.deleteFrom('sessions').where('expires_at', '<', at).execute();
    await this.db
      .insertInto('sessions')
      .values({ ...row, created_at: at })
      .execute();
  }

  async getSession(idSha256: string): Promise<{ principal: string; csrf: string } | undefined> {
    return this.db
      .selectFrom('sessions')
      .select(['principal', 'csrf'])
      .where('id_sha256', '=', idSha256)
      .where('expires_at', '>', now())
      .executeTakeFirst();
  }

  async deleteSession(idSha256: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_sha256', '=', idSha256).execute();
  }

  async putLogin(row: { state: string; verifier: string; nonce: string; expires_at: string }): Promise<void> {
    await this.db.deleteFrom('oidc_logins').where('expires_at', '<', now()).execute();
    await this.db.insertInto('oidc_logins').values(row).execute();
  }

  /** A pending OIDC log-in, used once. */
  async takeLogin(state: string): Promise<{ verifier: string; nonce: string } | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('oidc_logins')
        .select(['verifier', 'nonce', 'expires_at'])
        .where('state', '=', state)
        .executeTakeFirst();
      if (!row) return undefined;
      await tx.deleteFrom('oidc_logins').where('state', '=', state).execute();
      return row.expires_at > now() ? { verifier: row.verifier, nonce: row.nonce } : undefined;
    });
  }

  /** The newest audit entries, newest first. */
  async lastAudit(limit: number): Promise<AuditRow[]> {
    const rows = await this.db.selectFrom('audit').selectAll().orderBy('seq', 'desc').limit(limit).execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /** The audit log of one target, newest last (a draft's history). */
  async auditOf(target: string): Promise<AuditRow[]> {
    const rows = await this.db.selectFrom('audit').selectAll().where('target', '=', target).orderBy('seq').execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  private async putStatusLists(tx: Kysely<Database>, lists: StatusListRow[]): Promise<void> {
    {
      for (const list of lists) {
        await tx
          .insertInto('status_lists')
          .values(list)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({
              bits: list.bits,
              body: list.body,
              media_type: list.media_type,
              next_index: list.next_index,
              updated_at: list.updated_at,
            }),
          )
          .execute();
      }
    }
  }

  // --- audit and keys

  private async auditIn(db: Kysely<Database>, entry: Omit<AuditRow, 'seq'>): Promise<void> {
    await db.insertInto('audit').values(entry).execute();
  }

  async auditLog(after: number, limit: number): Promise<AuditRow[]> {
    return this.after('audit', after, limit) as Promise<AuditRow[]>;
  }

  /** Record the keys' metadata as the key store has it now (never key material). */
  async syncKeys(
    keys: { id: string; type: string; alg: string; active: boolean; hasChain: boolean; created: string }[],
  ) {
    const at = now();
    await this.db.transaction().execute(async (tx) => {
      for (const k of keys) {
        const row = {
          id: k.id,
          type: k.type,
          alg: k.alg,
          active: k.active ? 1 : 0,
          has_chain: k.hasChain ? 1 : 0,
          created: k.created,
          seen_at: at,
        };
        await tx
          .insertInto('keys')
          .values(row)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({ active: row.active, has_chain: row.has_chain, seen_at: at }),
          )
          .execute();
      }
    });
  }
}

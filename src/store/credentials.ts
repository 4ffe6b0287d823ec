import { sql } from 'kysely';
import { PUBLIC_STATES } from './schema.js';
import { ISSUED_ELSEWHERE, type CredentialRow, type PublishedBody, type ListFilter } from './types.js';
import { chunks, afterCursor, type Db } from './shared.js';

/** Every column of a credential but its bytes. */
const PLAN_COLUMNS = [
  'id',
  'base_id',
  'version',
  'cloud_id',
  'profile',
  'kind',
  'subject',
  'types',
  'clearing_house',
  'content_hash',
  'state',
  'media_type',
  'status_list',
  'status_index',
  'run_id',
  'created_at',
  'published_at',
  'superseded_at',
  'superseded_by',
  'revoked_at',
  'updated_at',
  'decided_by',
  'decided_at',
  'reason',
  'signed_with',
  'revocation_proposed',
] as const;

/** Credentials and their versions, as read by the pipeline, the listing and the officers. */
export class CredentialsRepo {
  constructor(private readonly db: Db) {}

  /** The current (published) version of every resource of a cloud and profile (bodies: see below). */
  async published(cloudId: string, profile: string): Promise<CredentialRow[]> {
    // What a run plans with: every column, but the bytes only of credentials another issuer
    // secured (a notary's: kept as they are, their validity read from them); ours are never
    // re-read, and at 10,000 resources their bodies were most of what a re-run read.
    return this.db
      .selectFrom('credentials')
      .select(PLAN_COLUMNS)
      .select(sql<string>`case when status_index = ${ISSUED_ELSEWHERE} then body else '' end`.as('body'))
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

  async get(id: string): Promise<CredentialRow | undefined> {
    return this.db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Credentials by id (in chunks), as a map. */
  async byIds(ids: string[]): Promise<Map<string, CredentialRow>> {
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
  async list(f: ListFilter): Promise<Omit<CredentialRow, 'body'>[]> {
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

  async countByState(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('credentials')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
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
}

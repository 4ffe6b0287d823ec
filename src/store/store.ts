import { sql } from 'kysely';
import { AuditRepo } from './audit.js';
import { CatalogueEntriesRepo } from './catalogue-entries.js';
import { CloudsRepo } from './clouds.js';
import { ComplianceRepo } from './compliance.js';
import { CredentialsRepo } from './credentials.js';
import type { Dialect } from './dialect.js';
import { DraftsRepo } from './drafts.js';
import { EventsRepo } from './events.js';
import { IdentitiesRepo } from './identities.js';
import { HooksRepo } from './hooks.js';
import { LeasesRepo } from './leases.js';
import { openDatabase, type StoreLocation } from './open.js';
import { OutboxRepo } from './outbox.js';
import { RunsRepo } from './runs.js';
import type { Db } from './shared.js';
import { StatusListsRepo } from './status-lists.js';

export * from './types.js';

/**
 * The gateway's memory, over kysely (SQLite by default, PostgreSQL for several instances): one
 * repository per aggregate, sharing one kysely instance. Every write a run makes lands in one
 * transaction (`runs.publish`), as does every officers' decision (`drafts.decide`), so a crash at
 * any point leaves the store as it was before or as it is after.
 */
export class Store {
  readonly clouds: CloudsRepo;
  readonly leases: LeasesRepo;
  readonly hooks: HooksRepo;
  readonly runs: RunsRepo;
  readonly credentials: CredentialsRepo;
  readonly drafts: DraftsRepo;
  readonly events: EventsRepo;
  readonly statusLists: StatusListsRepo;
  readonly outbox: OutboxRepo;
  readonly catalogue: CatalogueEntriesRepo;
  readonly compliance: ComplianceRepo;
  readonly identities: IdentitiesRepo;
  readonly audit: AuditRepo;

  private constructor(
    readonly db: Db,
    readonly dialect: Dialect,
    readonly where: string,
  ) {
    this.clouds = new CloudsRepo(db);
    this.leases = new LeasesRepo(db);
    this.hooks = new HooksRepo(db);
    this.runs = new RunsRepo(db);
    this.credentials = new CredentialsRepo(db);
    this.drafts = new DraftsRepo(db);
    this.events = new EventsRepo(db);
    this.statusLists = new StatusListsRepo(db);
    this.outbox = new OutboxRepo(db);
    this.catalogue = new CatalogueEntriesRepo(db);
    this.compliance = new ComplianceRepo(db);
    this.identities = new IdentitiesRepo(db);
    this.audit = new AuditRepo(db);
  }

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
}

import { GatewayError } from '../core/errors.js';
import type { Db } from './shared.js';

/** Re-write our lease row inside the transaction: it stays ours until commit, or nothing is written. */
export async function holdLease(tx: Db, lease: { name: string; holder: string; ttlMs: number }, what: string) {
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

/** Leases: one writer per cloud at a time, across every instance sharing the database. */
export class LeasesRepo {
  constructor(private readonly db: Db) {}

  /**
   * Take the lease `name` for `ttlMs` unless another holder has it and it has not expired. Returns
   * whether this holder has it now. A crashed holder's lease simply runs out.
   */
  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
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
  async renew(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('leases')
      .set({ expires_at: new Date(Date.now() + ttlMs).toISOString() })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  async holder(name: string): Promise<{ holder: string; expires_at: string } | undefined> {
    return this.db.selectFrom('leases').select(['holder', 'expires_at']).where('name', '=', name).executeTakeFirst();
  }
}

import type { Db } from './shared.js';

/** Webhook deliveries accepted: one row per signed body, kept for its freshness window. */
export class HooksRepo {
  constructor(private readonly db: Db) {}

  /**
   * Record a delivery; false when the same one (same digest) was recorded before: a replay. Rows
   * older than `keepSince` are dropped first (a delivery that old is refused as stale anyway).
   */
  async accept(digest: string, cloud: string, at: Date, keepSince: Date): Promise<boolean> {
    await this.db.deleteFrom('hook_deliveries').where('received_at', '<', keepSince.toISOString()).execute();
    const r = await this.db
      .insertInto('hook_deliveries')
      .values({ digest, cloud_id: cloud, received_at: at.toISOString() })
      .onConflict((oc) => oc.column('digest').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }
}

import { now, type Db } from './shared.js';

/** What each catalogue holds of ours (its reference per credential). */
export class CatalogueEntriesRepo {
  constructor(private readonly db: Db) {}

  async put(target: string, credentialId: string, ref: string, state: string): Promise<void> {
    const row = { target, credential_id: credentialId, ref, state, updated_at: now() };
    await this.db
      .insertInto('catalogue_entries')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['target', 'credential_id']).doUpdateSet({ ref, state, updated_at: row.updated_at }),
      )
      .execute();
  }

  async get(target: string, credentialId: string) {
    return this.db
      .selectFrom('catalogue_entries')
      .selectAll()
      .where('target', '=', target)
      .where('credential_id', '=', credentialId)
      .executeTakeFirst();
  }

  /** The credentials a catalogue holds as active entries. */
  async activeIds(target: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('catalogue_entries')
      .select('credential_id')
      .where('target', '=', target)
      .where('state', '=', 'active')
      .execute();
    return new Set(rows.map((r) => r.credential_id));
  }
}

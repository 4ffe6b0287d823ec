import type { StatusListRow } from './types.js';
import type { Db } from './shared.js';

export async function putStatusLists(tx: Db, lists: StatusListRow[]): Promise<void> {
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

/** Status lists: their bits and the signed credential of each. */
export class StatusListsRepo {
  constructor(private readonly db: Db) {}

  async of(cloudId: string, profile: string): Promise<StatusListRow[]> {
    return this.db
      .selectFrom('status_lists')
      .selectAll()
      .where('cloud_id', '=', cloudId)
      .where('profile', '=', profile)
      .orderBy('id')
      .execute();
  }

  async get(id: string): Promise<StatusListRow | undefined> {
    return this.db.selectFrom('status_lists').selectAll().where('id', '=', id).executeTakeFirst();
  }
}

import type { Cloud } from './types.js';
import { now, type Db } from './shared.js';
import { auditIn } from './audit.js';

/** Clouds: the deployments the gateway describes. */
export class CloudsRepo {
  constructor(private readonly db: Db) {}

  async put(cloud: Omit<Cloud, 'created_at' | 'updated_at'>, actor: string): Promise<Cloud> {
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
      await auditIn(tx, {
        at,
        actor,
        action: existing ? 'cloud.update' : 'cloud.add',
        target: cloud.id,
        detail: JSON.stringify({ profiles: JSON.parse(cloud.profiles), interval: cloud.interval_seconds }),
      });
      return (await tx.selectFrom('clouds').selectAll().where('id', '=', cloud.id).executeTakeFirstOrThrow()) as Cloud;
    });
  }

  async get(id: string): Promise<Cloud | undefined> {
    return this.db.selectFrom('clouds').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(): Promise<Cloud[]> {
    return this.db.selectFrom('clouds').selectAll().orderBy('id').execute();
  }
}

import type { EventRow } from './types.js';
import type { Db } from './shared.js';
import { afterSeq } from './audit.js';

/** The change feed: one event per credential state change, in order. */
export class EventsRepo {
  constructor(private readonly db: Db) {}

  async after(after: number, limit: number): Promise<EventRow[]> {
    return afterSeq(this.db, 'events', after, limit) as Promise<EventRow[]>;
  }

  /** The newest change of anything listed (for listing ETags): the last event's number. */
  async lastSeq(): Promise<number> {
    const r = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('m'))
      .executeTakeFirst();
    return Number(r?.m ?? 0);
  }
}

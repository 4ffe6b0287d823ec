import type { AuditRow } from './types.js';
import type { Db } from './shared.js';

export async function auditIn(db: Db, entry: Omit<AuditRow, 'seq'>): Promise<void> {
  await db.insertInto('audit').values(entry).execute();
}

/** Rows of an append-only table after a sequence number, in order (seq as a number on both databases). */
export async function afterSeq(
  db: Db,
  table: 'events' | 'audit',
  after: number,
  limit: number,
): Promise<Record<string, unknown>[]> {
  const rows = await db.selectFrom(table).selectAll().where('seq', '>', after).orderBy('seq').limit(limit).execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** The audit log: who did what, appended in the transaction of the change. */
export class AuditRepo {
  constructor(private readonly db: Db) {}

  async after(after: number, limit: number): Promise<AuditRow[]> {
    return afterSeq(this.db, 'audit', after, limit) as Promise<AuditRow[]>;
  }

  /** The newest audit entries, newest first. */
  async last(limit: number): Promise<AuditRow[]> {
    const rows = await this.db.selectFrom('audit').selectAll().orderBy('seq', 'desc').limit(limit).execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /** The audit log of one target, newest last (a draft's history). */
  async of(target: string): Promise<AuditRow[]> {
    const rows = await this.db.selectFrom('audit').selectAll().where('target', '=', target).orderBy('seq').execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }
}

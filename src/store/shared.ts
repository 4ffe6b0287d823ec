import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The one kysely instance (or a transaction of it) every repository works on. */
export type Db = Kysely<Database>;

export const now = (): string => new Date().toISOString();

/** Items in slices of `size`: `IN (…)` lists and multi-row inserts stay within the drivers' parameter limits. */
export function chunks<T>(items: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * After a listing cursor in (updated, id) order, written so that the first condition is a range of
 * the index: `updated >= X AND (updated > X OR id > Y)` (an OR alone makes both databases scan
 * from the start of the index up to the cursor).
 */
export function afterCursor(updated: string, id: string, after: { updatedAt: string; id: string }) {
  return sql<boolean>`${sql.ref(updated)} >= ${after.updatedAt} and (${sql.ref(updated)} > ${after.updatedAt} or ${sql.ref(id)} > ${after.id})`;
}

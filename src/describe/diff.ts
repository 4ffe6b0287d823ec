import { isDeepStrictEqual } from 'node:util';
import type { JsonObject } from '../credentials/suites/suite.js';
import { credentialBody } from './hash.js';
import { isUnknown } from './unknown.js';

export interface FieldChange {
  /** JSON pointer into the credential (RFC 6901). */
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface CredentialDiff {
  added: { id: string; credential: JsonObject }[];
  removed: { id: string; credential: JsonObject }[];
  /** Missing from `after` because a source could not read that part of the cloud: not removed. */
  unknown: { id: string; credential: JsonObject }[];
  changed: { id: string; changes: FieldChange[] }[];
  unchanged: number;
}

const pointer = (parts: (string | number)[]) =>
  parts.length ? `/${parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}` : '';

function fieldChanges(before: unknown, after: unknown, at: (string | number)[], out: FieldChange[]): void {
  if (isDeepStrictEqual(before, after)) return;
  const bothObjects =
    before &&
    after &&
    typeof before === 'object' &&
    typeof after === 'object' &&
    Array.isArray(before) === Array.isArray(after);
  // Arrays of scalars change as a whole (a list of references is one fact); objects and arrays of objects by member.
  if (
    bothObjects &&
    !(Array.isArray(before) && [...before, ...(after as unknown[])].every((v) => v === null || typeof v !== 'object'))
  ) {
    const b = before as Record<string, unknown>;
    const a = after as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
      const k: string | number = Array.isArray(before) ? Number(key) : key;
      if (!(key in a)) out.push({ path: pointer([...at, k]), before: b[key] });
      else if (!(key in b)) out.push({ path: pointer([...at, k]), after: a[key] });
      else fieldChanges(b[key], a[key], [...at, k], out);
    }
    return;
  }
  out.push({ path: pointer(at), before, after });
}

/**
 * What changed between two credential sets, by credential id: added, removed, and changed with
 * the fields that differ. Validity dates and proofs are not changes (see credentialBody).
 */
export function diffCredentials(
  before: JsonObject[],
  after: JsonObject[],
  afterUnknown: { covers: string[] }[] = [],
): CredentialDiff {
  const key = (c: JsonObject) => String(c.id);
  const old = new Map(before.map((c) => [key(c), c]));
  const now = new Map(after.map((c) => [key(c), c]));
  const diff: CredentialDiff = { added: [], removed: [], unknown: [], changed: [], unchanged: 0 };
  for (const [id, c] of [...now].sort(([a], [b]) => a.localeCompare(b))) {
    const prev = old.get(id);
    if (!prev) {
      diff.added.push({ id, credential: c });
      continue;
    }
    const changes: FieldChange[] = [];
    fieldChanges(credentialBody(prev), credentialBody(c), [], changes);
    if (changes.length) diff.changed.push({ id, changes });
    else diff.unchanged++;
  }
  for (const [id, c] of [...old].sort(([a], [b]) => a.localeCompare(b)))
    if (!now.has(id)) (isUnknown(id, afterUnknown) ? diff.unknown : diff.removed).push({ id, credential: c });
  return diff;
}

/** The diff for people: one line per added/removed credential, one per changed field. */
export function renderDiff(d: CredentialDiff): string {
  const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));
  const lines = [
    `${d.added.length} added, ${d.changed.length} changed, ${d.removed.length} removed, ${d.unchanged} unchanged${d.unknown.length ? `, ${d.unknown.length} unknown (a source failed: not removed)` : ''}`,
  ];
  for (const a of d.added) lines.push(`+ ${a.id}`);
  for (const c of d.changed) {
    lines.push(`~ ${c.id}`);
    for (const f of c.changes) lines.push(`    ${f.path}: ${show(f.before)} -> ${show(f.after)}`);
  }
  for (const r of d.removed) lines.push(`- ${r.id}`);
  for (const u of d.unknown) lines.push(`? ${u.id}`);
  return lines.join('\n');
}

import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Dialect as KyselyDialect } from 'kysely';
import { GatewayError } from '../core/errors.js';
import type { Dialect } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export interface StoreLocation {
  /** `postgres://…` (PostgreSQL) — or nothing, for SQLite at `file`. */
  url?: string;
  /** The SQLite file (its folder is created, readable by the owner only). */
  file?: string;
  /** Connections to PostgreSQL at most. */
  poolSize?: number;
}

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where it is, for logs (never a password). */
  where: string;
}

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return '(unparsable database url)';
  }
}

/**
 * The SQLite file, its WAL and shared-memory files readable by the owner only (they
 * hold drafts, the audit log, sessions' CSRF tokens and pending sign-ins), like the keys. The file
 * is made 0600 before SQLite opens it; SQLite gives its WAL and -shm files the database's mode.
 */
function ownerOnly(file: string): void {
  // A folder made here is the owner's only; an existing one is left as it is (it may be shared,
  // like /var/lib): the files in it are owner-only either way.
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      chmodSync(f, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/**
 * Open the store's database and bring its schema up to date (numbered migrations; on PostgreSQL
 * kysely's migrator takes an advisory lock, so instances starting together migrate once).
 */
export async function openDatabase(loc: StoreLocation): Promise<OpenedDatabase> {
  let dialect: KyselyDialect;
  let kind: Dialect;
  let where: string;
  if (loc.url) {
    if (!/^postgres(ql)?:\/\//.test(loc.url))
      throw new GatewayError(`database.url must be a postgres:// URL (got ${redactUrl(loc.url)})`, 'bad-config');
    const pg = await import('pg');
    const Pool = pg.default.Pool;
    kind = 'postgres';
    where = redactUrl(loc.url);
    const pool = new Pool({ connectionString: loc.url, max: loc.poolSize ?? 10, connectionTimeoutMillis: 30_000 });
    // An idle connection the server ends (a restart, a failover, an administrator) is an 'error'
    // event on the pool: without a listener it would end the process. The pool drops that
    // connection and the next query opens a new one; a query on a broken one fails on its own.
    pool.on('error', () => undefined);
    dialect = new PostgresDialect({ pool });
  } else {
    const file = loc.file ?? 'data/gx-gateway.sqlite';
    const { default: SQLite } = await import('better-sqlite3');
    kind = 'sqlite';
    where = file;
    let database: InstanceType<typeof SQLite>;
    try {
      if (file !== ':memory:') ownerOnly(file);
      database = new SQLite(file);
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
      database.pragma('busy_timeout = 5000');
      database.pragma('foreign_keys = ON');
    } catch (err) {
      throw new GatewayError(`database ${file}: ${(err as Error).message}`, 'bad-config', { cause: err });
    }
    dialect = new SqliteDialect({ database });
  }
  const db = new Kysely<Database>({ dialect });
  try {
    const { error, results } = await new Migrator({ db, provider: migrationProvider(kind) }).migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error)
      throw new GatewayError(
        `database ${where}: migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`,
        'unavailable',
        { cause: error },
      );
  } catch (err) {
    await db.destroy();
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(`database ${where}: ${(err as Error).message}`, 'unavailable', { cause: err });
  }
  return { db, dialect: kind, where };
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { StoreLocation } from '../../src/store/open.js';

/** The local PostgreSQL every machine here runs (trust auth, database `test`). */
export const POSTGRES_ADMIN_URL = process.env.GXG_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  location: StoreLocation;
  drop(): Promise<void>;
}

/** A fresh SQLite file in a temporary folder. */
export function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'gxg-db-'));
  return {
    name: 'sqlite',
    location: { file: join(dir, 'gx.sqlite') },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh PostgreSQL database on the local server, dropped afterwards (each test file its own, so
 * files run at once).
 */
export async function postgresDatabase(): Promise<TestDatabase> {
  const name = `gxg_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name: 'postgres',
    location: { url: url.href, poolSize: 4 },
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** Both databases the store runs on. */
export async function bothDatabases(): Promise<TestDatabase[]> {
  return [sqliteDatabase(), await postgresDatabase()];
}

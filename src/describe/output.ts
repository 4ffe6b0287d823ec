import { statSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { GatewayError } from '../core/errors.js';
import type { JsonObject } from '../credentials/suites/suite.js';
import type { DescribedSet } from './model.js';
import type { UnknownEntry } from './unknown.js';

export const MANIFEST = 'manifest.json';

export interface Manifest {
  profile: string;
  inventoryHash: string;
  credentials: {
    id: string;
    kind: string;
    subject: string;
    clearingHouse: boolean;
    contentHash: string;
    file: string;
  }[];
  warnings: string[];
  /** Parts of the cloud that were unknown in this run (a source failed): not removed. */
  unknown?: UnknownEntry[];
  /** Credentials held back because they were made from incomplete data. */
  withheld?: string[];
}

/** A file name for a credential id: the path after `/credentials/`, segments joined with `--`. */
export function fileFor(id: string): string {
  const path = new URL(id).pathname.replace(/^.*?\/credentials\//, '');
  const name = path
    .split('/')
    .map((s) => decodeURIComponent(s).replace(/[^A-Za-z0-9._-]+/g, '_'))
    .join('--');
  return `${name}.json`;
}

/**
 * Write a described set to a folder: one JSON file per credential and manifest.json. The folder is
 * replaced as a whole (written beside it, then renamed), so a reader never sees half a set.
 */
export function writeDescribedSet(set: DescribedSet, dir: string): Manifest {
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const manifest: Manifest = {
    profile: set.profile,
    inventoryHash: set.inventoryHash,
    credentials: [],
    warnings: set.warnings,
    ...(set.unknown.length ? { unknown: set.unknown, withheld: set.withheld } : {}),
  };
  const files = new Set<string>();
  try {
    for (const c of set.credentials) {
      const file = fileFor(c.id);
      if (files.has(file)) throw new GatewayError(`two credentials map to the file ${file}`, 'internal');
      files.add(file);
      writeFileSync(join(tmp, file), `${JSON.stringify(c.credential, null, 2)}\n`);
      manifest.credentials.push({
        id: c.id,
        kind: c.kind,
        subject: c.subject,
        clearingHouse: c.clearingHouse,
        contentHash: c.contentHash,
        file,
      });
    }
    writeFileSync(join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(target)) {
      if (readdirSync(target).length && !existsSync(join(target, MANIFEST))) {
        throw new GatewayError(
          `${dir} exists and is not a gx-gateway describe output (no ${MANIFEST}); choose another folder`,
          'bad-input',
        );
      }
      const old = join(parent, `.${basename(target)}.${process.pid}.old`);
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return manifest;
}

/** Credentials of a describe output folder (by its manifest) or of any folder of JSON files. */
export function readCredentialDir(
  dir: string,
  limits: { maxBytes: number; maxFiles: number } = { maxBytes: 4 * 1024 * 1024, maxFiles: 20_000 },
): JsonObject[] {
  if (!existsSync(dir)) throw new GatewayError(`cannot read ${dir}: no such folder`, 'bad-input');
  const manifestFile = join(dir, MANIFEST);
  let files: string[];
  try {
    files = existsSync(manifestFile)
      ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest).credentials.map((c) => c.file)
      : readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .sort();
  } catch (err) {
    throw new GatewayError(`${manifestFile}: not a describe manifest (${(err as Error).message})`, 'bad-input');
  }
  if (files.length > limits.maxFiles) {
    throw new GatewayError(
      `${dir} holds ${files.length} credentials, more than the limit of ${limits.maxFiles} (limits.maxSetCredentials)`,
      'too-large',
    );
  }
  return files.map((f) => {
    const size = statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0;
    if (size > limits.maxBytes)
      throw new GatewayError(
        `${join(dir, f)} is ${size} bytes, more than the limit of ${limits.maxBytes} (jsonld.maxDocumentBytes)`,
        'too-large',
      );
    try {
      return JSON.parse(readFileSync(join(dir, f), 'utf8')) as JsonObject;
    } catch (err) {
      throw new GatewayError(`${join(dir, f)}: not valid JSON (${(err as Error).message})`, 'bad-input');
    }
  });
}

/** The manifest of a describe output folder, if it has one. */
export function readManifest(dir: string): Manifest | undefined {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    throw new GatewayError(`${file}: not a describe manifest (${(err as Error).message})`, 'bad-input');
  }
}

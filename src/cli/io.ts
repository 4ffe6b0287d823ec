import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { GatewayError } from '../credentials/errors.js';

/** Read a file (or stdin for `-`) as text, with an error that names the file. */
export function readInput(path: string): string {
  try {
    return path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (err) {
    throw new GatewayError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 'bad-input');
  }
}

/** A credential file: JSON object, or a JWT string. */
export function readCredentialFile(path: string): Record<string, unknown> | string {
  const text = readInput(path).trim();
  if (text.startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new GatewayError(`${path} is not valid JSON: ${(err as Error).message}`, 'bad-input');
    }
  }
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(text)) return text;
  throw new GatewayError(`${path} holds neither a JSON credential nor a JWT`, 'bad-input');
}

/** Write output atomically to a file, or to stdout without a path. */
export function writeOutput(text: string, path?: string): void {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (!path || path === '-') {
    process.stdout.write(body);
    return;
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, body);
  renameSync(tmp, path);
}

import { closeSync, fstatSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { GatewayError } from '../core/errors.js';

/**
 * Read a file (or stdin for `-`) as text, refusing more than `maxBytes` before reading it all, with
 * an error that names the file and the limit.
 */
export function readInput(path: string, maxBytes: number, limitName = 'jsonld.maxDocumentBytes'): string {
  let fd: number;
  try {
    fd = path === '-' ? 0 : openSync(path, 'r');
  } catch (err) {
    throw new GatewayError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      'bad-input',
    );
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new GatewayError(`cannot read ${path}: it is a folder`, 'bad-input');
    if (st.isFile() && st.size > maxBytes) {
      throw new GatewayError(
        `${path} is ${st.size} bytes, more than the limit of ${maxBytes} (${limitName})`,
        'too-large',
      );
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.allocUnsafe(1 << 16);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        // A non-blocking stdin with nothing yet: wait a little instead of spinning.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        if ((err as NodeJS.ErrnoException).code === 'EOF') break;
        throw err;
      }
      if (n === 0) break;
      total += n;
      if (total > maxBytes)
        throw new GatewayError(
          `${path === '-' ? 'standard input' : path} holds more than the limit of ${maxBytes} bytes (${limitName})`,
          'too-large',
        );
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(`cannot read ${path}: ${(err as Error).message}`, 'bad-input');
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

/** A credential file: JSON object, or a JWT string. */
export function readCredentialFile(path: string, maxBytes: number): Record<string, unknown> | string {
  const text = readInput(path, maxBytes).trim();
  return parseCredentialText(text, path);
}

/** Text that should hold a credential or presentation: a JSON object or a compact JWT. */
export function parseCredentialText(text: string, name: string): Record<string, unknown> | string {
  if (!text)
    throw new GatewayError(`${name} is empty: expected a JSON credential or presentation, or a JWT`, 'bad-input');
  if (text.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new GatewayError(`${name} is not valid JSON: ${(err as Error).message}`, 'bad-input');
    }
    return value as Record<string, unknown>;
  }
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(text)) return text;
  throw new GatewayError(`${name} holds neither a JSON credential (an object) nor a JWT`, 'bad-input');
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

import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { GatewayError } from '../core/errors.js';

/**
 * Read a response body up to `maxBytes`: past the limit the stream is destroyed and `tooLarge()`
 * is thrown, so an oversized answer never sits whole in memory. The one size guard of both clients.
 */
export async function readBounded(body: Readable, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A fetch Response's body as text, up to `maxBytes` (a peer's answer never sits whole in memory past it). */
export async function responseText(r: Response, maxBytes: number): Promise<string> {
  if (!r.body) return '';
  const body = Readable.fromWeb(r.body as unknown as ReadableStream);
  const buf = await readBounded(
    body,
    maxBytes,
    () =>
      new GatewayError(
        `the answer of ${r.url ? new URL(r.url).host : 'the peer'} is larger than ${maxBytes} bytes`,
        'too-large',
      ),
  );
  return buf.toString('utf8');
}

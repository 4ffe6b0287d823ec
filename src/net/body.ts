import type { Readable } from 'node:stream';

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

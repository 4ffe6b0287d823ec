import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * A status list's bits. Index 0 is the left-most bit of the first byte, as both the W3C Bitstring
 * Status List and StatusList2021 define it. 131,072 entries (16 KiB) by default: the size both
 * specifications recommend so that one credential's bit does not single its holder out.
 */
export class Bitstring {
  readonly bytes: Uint8Array;

  constructor(
    readonly length = 131072,
    bytes?: Uint8Array,
  ) {
    if (length % 8 !== 0) throw new Error('a status list length is a multiple of 8');
    this.bytes = bytes ? Uint8Array.from(bytes) : new Uint8Array(length / 8);
    if (this.bytes.length * 8 !== length) throw new Error(`status list bits: ${this.bytes.length * 8}, not ${length}`);
  }

  static fromBase64(b64: string, length: number): Bitstring {
    return new Bitstring(length, Buffer.from(b64, 'base64'));
  }

  toBase64(): string {
    return Buffer.from(this.bytes).toString('base64');
  }

  get(index: number): boolean {
    this.check(index);
    return (this.bytes[index >> 3]! & (0x80 >> (index & 7))) !== 0;
  }

  set(index: number, value = true): void {
    this.check(index);
    const mask = 0x80 >> (index & 7);
    this.bytes[index >> 3] = value ? this.bytes[index >> 3]! | mask : this.bytes[index >> 3]! & ~mask;
  }

  /** GZIP, then base64url: StatusList2021's `encodedList`. */
  encode(): string {
    return gzipSync(this.bytes).toString('base64url');
  }

  /** Bitstring Status List's `encodedList`: the same with the multibase prefix `u`. */
  encodeMultibase(): string {
    return `u${this.encode()}`;
  }

  /** Read an `encodedList` of either specification (with or without the multibase `u`). */
  static decode(encoded: string): Bitstring {
    const raw = gunzipSync(Buffer.from(encoded.replace(/^u/, ''), 'base64url'));
    return new Bitstring(raw.length * 8, raw);
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length)
      throw new RangeError(`status list index ${index} outside 0..${this.length - 1}`);
  }
}

import { createCipheriv, pbkdf2Sync, randomBytes, type KeyObject } from 'node:crypto';

/** PBKDF2-HMAC-SHA256 iterations for encrypted private keys (OWASP 2023: at least 600,000). */
export const PBKDF2_ITERATIONS = 600_000;

function der(tag: number, body: Buffer): Buffer {
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const octets = (b: Buffer) => der(0x04, b);
const nul = () => Buffer.from([0x05, 0x00]);
function int(v: number): Buffer {
  const bytes: number[] = [];
  for (let x = v; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
  if (!bytes.length || bytes[0]! & 0x80) bytes.unshift(0);
  return der(0x02, Buffer.from(bytes));
}
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}

/**
 * A private key as an encrypted PKCS#8 PEM (PBES2: PBKDF2-HMAC-SHA256 with PBKDF2_ITERATIONS,
 * AES-256-CBC), readable by OpenSSL and node:crypto. Node's own export uses 2,048 iterations.
 */
export function encryptPrivateKeyPem(key: KeyObject, passphrase: string, iterations = PBKDF2_ITERATIONS): string {
  const plain = key.export({ type: 'pkcs8', format: 'der' });
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const dk = pbkdf2Sync(Buffer.from(passphrase, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', dk, iv);
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  const info = seq(
    seq(
      oid('1.2.840.113549.1.5.13'),
      seq(
        seq(
          oid('1.2.840.113549.1.5.12'),
          seq(octets(salt), int(iterations), int(32), seq(oid('1.2.840.113549.2.9'), nul())),
        ),
        seq(oid('2.16.840.1.101.3.4.1.42'), octets(iv)),
      ),
    ),
    octets(encrypted),
  );
  const b64 = info
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${b64}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
}

// An officer's own keys and OpenSSL, as the README shows: the gateway never sees the private keys.
import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OfficerKeyPair {
  privatePem: string;
  publicPem: string;
  publicKey: KeyObject;
  file: string;
  alg: 'PS256' | 'EdDSA' | 'ES256';
}

const dir = mkdtempSync(join(tmpdir(), 'gxg-officer-'));
export const hasOpenssl = !spawnSync('openssl', ['version']).error;

export function officerKey(type: 'rsa' | 'ed25519' | 'p256', name: string): OfficerKeyPair {
  const { privateKey, publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'p256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const file = join(dir, `${name}.pem`);
  writeFileSync(file, privatePem, { mode: 0o600 });
  return {
    privatePem,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    publicKey,
    file,
    alg: type === 'rsa' ? 'PS256' : type === 'p256' ? 'ES256' : 'EdDSA',
  };
}

/** Sign bytes as an officer would with OpenSSL (node:crypto where OpenSSL is missing). */
export function opensslSign(key: OfficerKeyPair, bytes: Uint8Array): Buffer {
  const input = join(dir, `input-${Math.random().toString(36).slice(2)}.bin`);
  writeFileSync(input, bytes);
  if (hasOpenssl) {
    const args =
      key.alg === 'EdDSA'
        ? ['pkeyutl', '-sign', '-inkey', key.file, '-rawin', '-in', input]
        : [
            'dgst',
            '-sha256',
            '-sign',
            key.file,
            ...(key.alg === 'PS256' ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'] : []),
            input,
          ];
    const r = spawnSync('openssl', args);
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr.toString()}`);
    return r.stdout;
  }
  const k = createPrivateKey(key.privatePem);
  return key.alg === 'EdDSA'
    ? cryptoSign(null, bytes, k)
    : cryptoSign('sha256', bytes, key.alg === 'PS256' ? { key: k, padding: 6, saltLength: 32 } : k);
}

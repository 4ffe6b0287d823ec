// Signatures per second through a PKCS#11 token (SoftHSM2, a token initialised for the bench in a
// temporary folder) against the same key type in node:crypto, one thread, the same data (a SHA-256
// digest's worth, as a proof signs). Skipped when SoftHSM2 is not installed. Issue 22.
// Also run alone: node dist/bench/pkcs11.js
import { generateKeyPairSync, sign } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Pkcs11Token } from '../src/credentials/keys/pkcs11.js';
import type { JwsAlg, KeyType } from '../src/credentials/keys/key-types.js';
import { softhsmToken } from '../test/helpers/softhsm.js';
import { fmt, measure } from './harness.js';

export async function benchPkcs11(): Promise<void> {
  console.log('\n== PKCS#11: signatures through SoftHSM2 against node:crypto (one thread)');
  const hsm = softhsmToken('gx-bench', '246810');
  if ('skip' in hsm) {
    console.log(`  skipped: ${hsm.skip}`);
    return;
  }
  const token = Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.label, pin: hsm.pin });
  const data = Buffer.alloc(64, 7);
  try {
    const cases: [KeyType, JwsAlg, () => unknown][] = [
      [
        'P-256',
        'ES256',
        () => {
          const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
          return () => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        },
      ],
      [
        'Ed25519',
        'EdDSA',
        () => {
          const { privateKey } = generateKeyPairSync('ed25519');
          return () => sign(null, data, privateKey);
        },
      ],
      [
        'RSA',
        'PS256',
        () => {
          const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
          return () => sign('sha256', data, { key: privateKey, padding: 6, saltLength: 32 });
        },
      ],
    ];
    for (const [type, alg, make] of cases) {
      const label = `bench-${type}`;
      token.generate(type, label);
      const hsmMs = await measure(() => token.sign(label, alg, data));
      const nodeMs = await measure(make() as () => unknown);
      console.log(
        `  ${alg.padEnd(6)} SoftHSM2 ${fmt(hsmMs)}   node:crypto ${fmt(nodeMs)}   ×${(hsmMs / nodeMs).toFixed(2)} of node:crypto's time`,
      );
    }
  } finally {
    token.close();
    hsm.remove();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchPkcs11();

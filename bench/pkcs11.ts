// Signatures per second through a PKCS#11 token (SoftHSM2, a token initialised for the bench in a
// temporary folder) against the same key type in node:crypto, one thread, the same data (a SHA-256
// digest's worth, as a proof signs); then one thread with four signatures in flight, and two worker
// threads signing through a session each against the same threads asking the main thread's session
// over a channel. Skipped when SoftHSM2 is not installed. Issue 22.
// Also run alone: node dist/bench/pkcs11.js
import { generateKeyPairSync, sign } from 'node:crypto';
import { MessageChannel, Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Pkcs11Token, signInput, signMechanism } from '../src/credentials/keys/pkcs11.js';
import type { JwsAlg, KeyType } from '../src/credentials/keys/key-types.js';
import { rawToken, softhsmToken } from '../test/helpers/softhsm.js';
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
      const syncMs = await measure(syncSigner(hsm.module, hsm.label, label, alg, data));
      const nodeMs = await measure(make() as () => unknown);
      // Four at once: the token's sessions of this thread, each signature in libuv's pool.
      const fourMs = (await measure(() => Promise.all([1, 2, 3, 4].map(() => token.sign(label, alg, data))))) / 4;
      console.log(
        `  ${alg.padEnd(6)} SoftHSM2 ${fmt(hsmMs)}   node:crypto ${fmt(nodeMs)}   ×${(hsmMs / nodeMs).toFixed(2)} of node:crypto's time\n` +
          `         four in flight ${fmt(fourMs)}   synchronous C_Sign (the thread waits) ${fmt(syncMs)}   one at a time ×${(hsmMs / syncMs).toFixed(2)} of the synchronous call's time`,
      );
    }
    await threads(token);
  } finally {
    token.close();
    hsm.remove();
  }
}

/**
 * The same signature as a plain synchronous C_SignInit + C_Sign on a session of its own: what the
 * gateway did before signing moved to libuv's pool (the floor of a module call, with the thread held).
 */
function syncSigner(module: string, tokenLabel: string, label: string, alg: JwsAlg, data: Buffer): () => Buffer {
  const { p11, session, privateKey } = rawToken(module, tokenLabel);
  const key = privateKey(label)!;
  const mechanism = signMechanism(alg);
  return () => {
    p11.C_SignInit(session, mechanism, key);
    return p11.C_Sign(session, signInput(alg, data), Buffer.alloc(1024));
  };
}

/**
 * Two worker threads, ES256, 4,000 signatures each with four in flight: through a session of each
 * thread's own (what the sign pool does), against asking the main thread to sign over a
 * MessagePort (a signing channel). Three runs each, alternating; the best of each reported.
 */
async function threads(token: Pkcs11Token): Promise<void> {
  const label = 'bench-P-256';
  const count = 4000;
  const run = async (mode: 'session' | 'channel'): Promise<number> => {
    const channels = [0, 1].map(() => new MessageChannel());
    for (const { port1 } of channels)
      port1.on('message', async ({ id, data }: { id: number; data: Uint8Array }) =>
        port1.postMessage({ id, sig: await token.sign(label, 'ES256', data) }),
      );
    const workers = channels.map(
      ({ port2 }) =>
        new Worker(new URL('./pkcs11-worker.js', import.meta.url), {
          workerData: { mode, label, count, inflight: 4, options: token.threadOptions(), port: port2 },
          transferList: [port2],
        }),
    );
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve)))); // ready
    const start = process.hrtime.bigint();
    for (const w of workers) w.postMessage('go');
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    await Promise.all(workers.map((w) => w.terminate()));
    for (const { port1 } of channels) port1.close();
    return ms / (2 * count);
  };
  const best = { session: Infinity, channel: Infinity };
  for (let i = 0; i < 3; i++)
    for (const mode of ['session', 'channel'] as const) best[mode] = Math.min(best[mode], await run(mode));
  console.log(
    `  two threads, ES256 (all signatures together): a session per thread ${fmt(best.session)}   a channel to the main thread ${fmt(best.channel)}   channel ×${(best.channel / best.session).toFixed(2)} of the sessions' time`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchPkcs11();

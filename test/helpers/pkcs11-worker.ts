// A worker thread that signs through the same token with sessions of its own (pkcs11.test.ts): either
// `count` signatures in a row, posted at the end, or (`loop`) signatures until told to stop, each
// outcome posted as it comes ('ok' with the signature, or the error's code).
import { parentPort, workerData } from 'node:worker_threads';
import { Pkcs11Token } from '../../src/credentials/keys/pkcs11.js';

const { label, count, loop, ...options } = workerData as {
  module: string;
  tokenLabel: string;
  pin: string;
  shared: SharedArrayBuffer;
  label: string;
  count?: number;
  loop?: boolean;
};
const token = Pkcs11Token.open(options);
if (loop) {
  let stop = false;
  parentPort!.once('message', () => (stop = true));
  for (let i = 0; !stop; i++) {
    const message = `loop ${i}`;
    try {
      const sig = Buffer.from(await token.sign(label, 'ES256', Buffer.from(message))).toString('base64');
      parentPort!.postMessage({ outcome: 'ok', message, sig });
    } catch (err) {
      parentPort!.postMessage({ outcome: (err as { code?: string }).code ?? String(err) });
      // While the token is away: try again at a human pace, not in a tight loop.
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  parentPort!.postMessage({ outcome: 'stopped' });
} else {
  const signatures: string[] = [];
  for (let i = 0; i < count!; i++)
    signatures.push(Buffer.from(await token.sign(label, 'ES256', Buffer.from(`message ${i}`))).toString('base64'));
  parentPort!.postMessage(signatures);
}

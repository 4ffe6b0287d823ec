// A worker thread that signs through the same token with a session of its own (pkcs11.test.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { Pkcs11Token } from '../../src/credentials/keys/pkcs11.js';

const { module, tokenLabel, pin, label, count } = workerData as {
  module: string;
  tokenLabel: string;
  pin: string;
  label: string;
  count: number;
};
const token = Pkcs11Token.open({ module, tokenLabel, pin });
const signatures: string[] = [];
for (let i = 0; i < count; i++)
  signatures.push(Buffer.from(token.sign(label, 'ES256', Buffer.from(`message ${i}`))).toString('base64'));
parentPort!.postMessage(signatures);

// A thread of bench/pkcs11.ts: signs `count` ES256 signatures with `inflight` at once, either through
// a session of its own ('session') or by asking the main thread over a MessagePort ('channel'), and
// posts how long that took.
import { workerData, parentPort, type MessagePort } from 'node:worker_threads';
import { Pkcs11Token, type Pkcs11Options } from '../src/credentials/keys/pkcs11.js';

const { mode, label, count, inflight, options, port } = workerData as {
  mode: 'session' | 'channel';
  label: string;
  count: number;
  inflight: number;
  options: Pkcs11Options;
  port: MessagePort;
};

let sign: (data: Buffer) => Promise<Uint8Array>;
if (mode === 'session') {
  const token = Pkcs11Token.open(options);
  sign = (data) => token.sign(label, 'ES256', data);
} else {
  const pending = new Map<number, (sig: Uint8Array) => void>();
  let next = 0;
  port.on('message', ({ id, sig }: { id: number; sig: Uint8Array }) => {
    pending.get(id)!(sig);
    pending.delete(id);
  });
  sign = (data) =>
    new Promise((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      port.postMessage({ id, data });
    });
}

parentPort!.once('message', async () => {
  const start = process.hrtime.bigint();
  let issued = 0;
  const lane = async () => {
    while (issued < count) {
      issued++;
      await sign(Buffer.alloc(64, issued & 0xff));
    }
  };
  await Promise.all(Array.from({ length: inflight }, lane));
  parentPort!.postMessage(Number(process.hrtime.bigint() - start) / 1e6);
  port?.close();
});
parentPort!.postMessage('ready');

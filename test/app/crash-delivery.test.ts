// A gateway killed with SIGKILL in the middle of delivering to a catalogue loses nothing and
// duplicates nothing: after the restart every published Gaia-X credential (the notary's
// registration-number credential among them) is in the catalogue exactly once (an item whose answer was lost with the process is found there, not uploaded again).
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startFakeCatalogue } from '../../src/demo/xfsc.js';
import { startFakeClearingHouse } from '../../src/demo/gxdch.js';
import { issuedElsewhere, Store } from '../../src/store/store.js';
import { holdsCredential } from '../../src/publish/xfsc.js';
import { until } from '../helpers/peers.js';
import { freePorts, PUBLIC_BASE, removeDir, serveProcess, serviceConfig } from '../helpers/service.js';

const dir = mkdtempSync(join(tmpdir(), 'gxg-crash-delivery-'));
t.teardown(() => removeDir(dir));
const [port] = await freePorts(1);
// Slow answers (150 ms each, handled after the delay even when the caller is gone): a kill lands mid-delivery.
const catalogue = await startFakeCatalogue({
  fetchText: async (url) => {
    const r = await fetch(url.replace(PUBLIC_BASE, `http://127.0.0.1:${port}`));
    return { status: r.status, text: await r.text() };
  },
});
const slow = catalogue.server.listeners('request')[0] as (...a: unknown[]) => void;
catalogue.server.removeAllListeners('request');
/** Called when the catalogue has stored an upload, before its answer leaves (the test kills the gateway there). */
let onStored: (() => void) | undefined;
catalogue.server.on('request', (...a: unknown[]) => {
  const [req, res] = a as [{ method?: string; url?: string }, { end: (...x: unknown[]) => unknown }];
  if (req.method === 'POST' && req.url === '/self-descriptions') {
    const end = res.end.bind(res);
    res.end = (...x: unknown[]) => {
      onStored?.();
      return end(...x);
    };
  }
  setTimeout(() => slow(...a), 150);
});
t.teardown(() => catalogue.close());
const token = await startTokenEndpoint();
t.teardown(() => token.close());
// The registration number comes from a notary: its credential is delivered like the gateway's own.
const gxdch = await startFakeClearingHouse();
t.teardown(() => gxdch.close());
const anchor = join(dir, 'gxdch-root.pem');
writeFileSync(anchor, gxdch.rootPem);

const file = join(dir, 'gx-gateway.yaml');
const db = join(dir, 'gx.sqlite');
writeFileSync(
  file,
  stringify(
    serviceConfig(
      { file: db },
      {
        log: { level: 'info' },
        server: { port, host: '127.0.0.1' },
        demo: { ports: await freePorts(3) },
        clouds: [{ id: 'demo', demo: true, intervalSeconds: 3600, profiles: ['tagus-22.10'] }],
        publish: {
          catalogues: [
            { name: 'fc', api: '2025', url: catalogue.url, tokenUrl: token.url, clientId: 'gw', allowHttp: true },
          ],
          clearingHouses: [{ name: 'lab', notaryUrl: gxdch.notaryUrl, allowHttp: true, trustAnchorFiles: [anchor] }],
          outbox: { leaseSeconds: 2, tickMs: 100, baseBackoffMs: 100, maxBackoffMs: 500 },
        },
      },
    ),
  ),
);

/** A token endpoint for the client credentials grant (any client). */
async function startTokenEndpoint(): Promise<{ url: string; close(): Promise<void> }> {
  const { startFake } = await import('../../src/demo/http.js');
  const fake = await startFake(() => ({ json: { access_token: 'token', expires_in: 3600, token_type: 'Bearer' } }));
  return { url: `${fake.url}/token`, close: () => fake.close() };
}

const serve = async () => (await serveProcess(file, dir)).child;

t.test('SIGKILL mid-delivery, restart: each credential in the catalogue once', async (t) => {
  const first = await serve();
  // Killed when the catalogue has stored its fourth upload and before the answer reaches it: lost.
  const killed = new Promise<number>((resolve) => {
    onStored = () => {
      if (catalogue.entries.size < 4) return;
      onStored = undefined;
      first.kill('SIGKILL');
      resolve(catalogue.entries.size);
    };
  });
  const before = await killed;
  await new Promise((r) => first.once('exit', r));
  t.equal(before, 4, 'killed with an upload stored whose answer never arrived');

  const second = await serve();
  t.teardown(() => second.kill('SIGTERM'));
  const store = await Store.open({ file: db });
  t.teardown(() => store.close());
  const published = await store.credentials.list({ state: 'published', clearingHouse: true, limit: 1000 });
  t.ok(published.length > before, `${published.length} to deliver in all`);
  t.equal(
    published.filter((r) => issuedElsewhere(r)).length,
    1,
    "the notary's registration-number credential among them",
  );
  await until(async () => (await store.outbox.list({ state: 'pending', limit: 1 })).length === 0);
  t.same(await store.outbox.list({ state: 'dead', limit: 5 }), [], 'no dead letter');
  for (const row of published) {
    const holding = [...catalogue.entries.values()].filter((e) => holdsCredential(e.content, row.id));
    t.equal(holding.length, 1, `${row.id.slice(-50)}: in the catalogue once`);
  }
  t.equal(catalogue.entries.size, published.length, 'nothing else uploaded');
});

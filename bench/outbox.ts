// The outbox: throughput and delivery latency to a loopback catalogue fake that answers each
// request after 10 ms, against the fake's own request rate as the floor (the same requests sent one
// after another by a bare client: a target's items are delivered in order, one at a time); and
// publishing 2,000 credentials to one catalogue (each uploaded as a signed presentation).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.js';
import { CredentialService } from '../src/app/credential-service.js';
import { OutboxWorker, type Publisher } from '../src/publish/outbox.js';
import { CatalogueTokens, xfscPublisher } from '../src/publish/xfsc.js';
import { Store, type NewOutboxItem } from '../src/store/store.js';
import { credentialRow, sampleLegalPerson } from '../test/helpers/samples.js';
import { goal } from './harness.js';

const LATENCY_MS = 10;

/** A catalogue that answers every request after 10 ms (201 with a hash for uploads, a token for /token). */
async function slowCatalogue(): Promise<{ url: string; server: Server; received: number }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        n++;
        res.writeHead(req.url === '/token' ? 200 : 201, { 'content-type': 'application/json' });
        res.end(
          req.url === '/token'
            ? JSON.stringify({ access_token: 't', expires_in: 3600 })
            : JSON.stringify({ sdHash: n.toString(16).padStart(64, '0') }),
        );
      }, LATENCY_MS),
    );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const self = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    get received() {
      return n;
    },
  };
  return self;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

export async function benchOutbox(): Promise<void> {
  console.log('\n== outbox: delivery to a loopback catalogue answering after 10 ms');
  const dir = mkdtempSync(join(tmpdir(), 'gxg-bench-outbox-'));
  const fake = await slowCatalogue();
  const store = await Store.open({ file: join(dir, 'gx.sqlite') });
  try {
    // Floor: the fake's own rate, requests sent one after another with keep-alive.
    const N = 300;
    let t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const r = await fetch(`${fake.url}/self-descriptions`, { method: 'POST', body: '{}' });
      await r.text();
    }
    const floorRps = N / ((performance.now() - t0) / 1000);

    // The outbox with a publisher that only posts: what the outbox itself costs per item.
    const bare: Publisher = {
      target: 'bare',
      async deliver(_d, signal) {
        const r = await fetch(`${fake.url}/self-descriptions`, { method: 'POST', body: '{}', signal });
        await r.text();
        return { ok: true };
      },
    };
    const items = (target: string, n: number, subject = (i: number) => `s${i}`): NewOutboxItem[] =>
      Array.from({ length: n }, (_, i) => ({
        id: `${target}:${i}`,
        target,
        action: 'add',
        subject: subject(i),
        payload: '{}',
      }));
    await store.outbox.enqueue(items('bare', N));
    const worker = new OutboxWorker({ store, publishers: [bare], tickMs: 10 });
    t0 = performance.now();
    await worker.drain();
    const outboxRps = N / ((performance.now() - t0) / 1000);

    // Latency: one item written into an idle outbox, until the catalogue has answered and it is recorded.
    worker.start();
    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const id = `bare:latency:${i}`;
      const start = performance.now();
      await store.outbox.enqueue([{ id, target: 'bare', action: 'add', subject: id, payload: '{}' }]);
      worker.kick();
      // The only item pending: delivered when nothing is.
      while ((await store.outbox.list({ target: 'bare', state: 'pending', limit: 1 })).length)
        await new Promise((r) => setTimeout(r, 1));
      latencies.push(performance.now() - start);
    }
    await worker.stop();
    console.log(`  floor: the fake's own rate, one request at a time   ${floorRps.toFixed(0).padStart(5)} req/s`);
    console.log(
      `  outbox, ${N} items to one target                  ${outboxRps.toFixed(0).padStart(5)} items/s  ×floor ${(outboxRps / floorRps).toFixed(2)}`,
    );
    console.log(
      `  delivery latency (written → recorded delivered)      p50 ${pct(latencies, 0.5).toFixed(1)} ms  p99 ${pct(latencies, 0.99).toFixed(1)} ms  (the fake alone: ${LATENCY_MS} ms + loopback)`,
    );

    // 2,000 credentials published to one catalogue (2025 API): each read, presented (a signed VP), uploaded.
    writeFileSync(
      join(dir, 'gx-gateway.yaml'),
      'publicBaseUrl: https://provider.example\nkeys:\n  dir: keys\nsigning:\n  workers: ' +
        (process.env.BENCH_WORKERS ?? '2') +
        '\n',
    );
    const credentials = CredentialService.open(loadConfig({ file: join(dir, 'gx-gateway.yaml'), env: {} }), {});
    await credentials.keys.create({ type: 'RSA', id: 'rsa', rsaBits: 2048 });
    const signed = await credentials.signCredential(sampleLegalPerson('https://provider.example', credentials.did));
    const body = signed.format === 'ldp' ? signed.document : {};
    const M = Number(process.env.BENCH_M ?? 2000);
    const at = new Date().toISOString();
    await store.clouds.put(
      { id: 'bench', name: 'bench', sources: '{}', profiles: '["gaia-x-25.11"]', interval_seconds: 3600, enabled: 1 },
      'bench',
    );
    for (let i = 0; i < M; i += 500)
      await store.db
        .insertInto('credentials')
        .values(
          Array.from({ length: Math.min(500, M - i) }, (_, k) => {
            const id = `https://provider.example/credentials/25.11/bench/${i + k}/v/1`;
            return credentialRow(id, {
              cloud_id: 'bench',
              types: '["LegalPerson"]',
              content_hash: String(i + k),
              body: JSON.stringify({ ...body, id }),
              status_list: 'x',
              status_index: i + k,
              run_id: 'bench',
              created_at: at,
              published_at: at,
              updated_at: at,
            });
          }),
        )
        .execute();
    const catalogueAt = (target: string, concurrency: number) =>
      xfscPublisher(target, fake.url, '2025', {
        store,
        presentLd: async (c) => {
          const vp = await credentials.present([c], { suite: 'jws2020' });
          return vp.format === 'ldp' ? JSON.stringify(vp.document) : vp.jwt;
        },
        presentJwt: async () => '',
        tokens: new CatalogueTokens({ tokenUrl: `${fake.url}/token`, clientId: 'bench', clientSecret: 's' }),
        concurrency,
      });
    // Not participant credentials for this run: only uploads (types say LegalPerson; the publisher
    // would register the participant too), so mark them as a plain offering type.
    await store.db
      .updateTable('credentials')
      .set({ types: '["ServiceOffering"]' })
      .where('cloud_id', '=', 'bench')
      .execute();
    // A signed presentation of a credential read from text, each new (the canonicalizer remembers documents).
    const text = JSON.stringify(body);
    const presentOne = async (i: number) =>
      credentials.present([{ ...(JSON.parse(text) as object), id: `https://provider.example/floor/${i}` }], {
        suite: 'jws2020',
      });
    let p0 = performance.now();
    for (let i = 0; i < 200; i++) await presentOne(i);
    const presentMs = (performance.now() - p0) / 200;
    // The fake's rate with 8 requests in flight: the floor of deliveries in parallel.
    p0 = performance.now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (sent++ < N) await (await fetch(`${fake.url}/self-descriptions`, { method: 'POST', body: '{}' })).text();
      }),
    );
    const floorRps8 = N / ((performance.now() - p0) / 1000);
    console.log(`  floor: the fake's own rate, 8 requests in flight     ${floorRps8.toFixed(0).padStart(5)} req/s`);
    for (const concurrency of [1, 8]) {
      const target = `fc${concurrency}`;
      await store.outbox.enqueue(
        items(target, M, (i) => `https://provider.example/credentials/25.11/bench/${i}/v/1`).map((x) => ({
          ...x,
          id: `${target}:add:${x.subject}`,
        })),
      );
      const publishWorker = new OutboxWorker({ store, publishers: [catalogueAt(target, concurrency)], tickMs: 10 });
      p0 = performance.now();
      await publishWorker.drain();
      const publishS = (performance.now() - p0) / 1000;
      // Floor: the requests at the fake's rate and a signed presentation each (the main thread signs
      // them): one after the other at 1 in flight; overlapping, the slower of the two, at 8.
      const requestsS = M / (concurrency > 1 ? floorRps8 : floorRps);
      const presentS = (M * presentMs) / 1000;
      const floorS = concurrency > 1 ? Math.max(requestsS, presentS) : requestsS + presentS;
      const line = `${M} credentials to one catalogue (2025 API), ${concurrency} in flight: ${publishS.toFixed(1)} s = ${(M / publishS).toFixed(0)} credentials/s; floor ${floorS.toFixed(1)} s (requests ${requestsS.toFixed(1)} s, a signed presentation each ${presentMs.toFixed(1)} ms) ×${(publishS / floorS).toFixed(2)}`;
      console.log(`  ${line}`);
      if (concurrency > 1)
        goal(
          `goal delivery: ${(M / publishS).toFixed(0)} credentials/s to one catalogue answering in ${LATENCY_MS} ms (goal ≥ 300), ×${(publishS / floorS).toFixed(2)} its floor`,
        );
    }
    await credentials.close();
  } finally {
    await store.close();
    fake.server.closeAllConnections();
    fake.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchOutbox();

// Issue 8: the HTTP server against idle sockets, wrong methods, unwanted bodies and malformed requests.
import t from 'tap';
import { connect } from 'node:net';
import { request } from 'undici';
import { buildApp } from '../../src/http/app.js';
import { tempGateway } from '../helpers/gateway.js';

const gw = tempGateway({
  server: { connectionTimeoutMs: 300, keepAliveTimeoutMs: 300, requestTimeoutMs: 2000, maxConnections: 50 },
});
t.teardown(() => gw.cleanup());
await gw.service.keys.create({ type: 'Ed25519', id: 'ed' });
await gw.service.attachDevChain('ed');
const app = await buildApp({ config: gw.service.loaded.config, credentials: gw.service });
await app.listen({ port: 0, host: '127.0.0.1' });
t.teardown(() => app.close());
const { port } = app.server.address() as { port: number };
const base = `http://127.0.0.1:${port}`;

/** A raw request; resolves with what the server sent before it closed the connection. */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

t.test('idle connections are closed by the server', async (t) => {
  const sockets = Array.from({ length: 20 }, () => connect(port, '127.0.0.1'));
  const closed = await Promise.all(
    sockets.map((s) => new Promise<boolean>((resolve) => s.on('close', () => resolve(true)))),
  );
  t.equal(closed.filter(Boolean).length, 20, 'every idle socket was closed by the server (server.connectionTimeoutMs)');
  t.equal(app.server.maxConnections, 50, 'server.maxConnections caps open connections');
});

t.test('wrong methods get 405 with Allow; unwanted bodies are refused; errors are problem+json', async (t) => {
  const post = await request(`${base}/health`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  t.equal(post.statusCode, 405);
  t.match(post.headers.allow, /GET/);
  t.equal(post.headers['content-type'], 'application/problem+json; charset=utf-8');
  await post.body.dump();
  const big = await request(`${base}/.well-known/did.json`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ x: 'y'.repeat(3_000_000) }),
  });
  t.equal(big.statusCode, 405, 'a 3 MB JSON body to a route that takes none is refused, not parsed');
  t.match(big.headers['content-type'], /problem\+json/);
  await big.body.dump();

  const badUrl = await raw('GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.match(badUrl, /^HTTP\/1\.1 400/);
  t.match(badUrl, /application\/problem\+json/);
  const huge = await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  t.match(huge, /^HTTP\/1\.1 431/);
  t.match(huge, /application\/problem\+json/, '431 is problem+json too');
  const garbage = await raw('THIS IS NOT HTTP\r\n\r\n');
  t.match(garbage, /^HTTP\/1\.1 400[\s\S]*problem\+json/);
});

t.test('public documents are open to browser resolvers', async (t) => {
  const did = await request(`${base}/.well-known/did.json`);
  t.equal(did.headers['access-control-allow-origin'], '*');
  const doc = (await did.body.json()) as {
    verificationMethod: { publicKeyJwk?: { x5u?: string } }[];
    authentication: string[];
  };
  t.ok(
    doc.authentication.length,
    'authentication lists the keys: Data Integrity presentations are signed for proofPurpose authentication',
  );
  const x5u = await request(`${base}/x509/ed.pem`);
  t.equal(x5u.statusCode, 200);
  t.equal(x5u.headers['access-control-allow-origin'], '*');
  await x5u.body.dump();
});

t.test('requests are logged at debug only', async (t) => {
  const lines: string[] = [];
  const stream = { write: (l: string) => void lines.push(l) };
  for (const level of ['info', 'debug'] as const) {
    lines.length = 0;
    const logged = await buildApp(
      { config: gw.service.loaded.config, credentials: gw.service },
      { logger: { level, stream } },
    );
    await logged.inject({ method: 'GET', url: '/health' });
    await logged.close();
    const requests = lines.filter((l) => /"msg":"(request|incoming request|request completed)"/.test(l));
    if (level === 'info') t.equal(requests.length, 0, 'nothing per request at info');
    else t.equal(requests.length, 1, 'one line per request at debug');
  }
});

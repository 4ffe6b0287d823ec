import t from 'tap';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { buildApp } from '../../src/http/app.js';
import { createTestCa, createTlsCert, issueLeaf } from '../helpers/pki.js';
import { freePort } from '../helpers/net.js';
import { tagusCredential, loireCredential, tempGateway } from '../helpers/gateway.js';
import type { Secured } from '../../src/credentials/suites/suite.js';

const ca = await createTestCa('gx-gateway test root');
const otherCa = await createTestCa('some other root');
const tls = await createTlsCert(ca);
const port = await freePort();
const base = `https://localhost:${port}`;

const provider = tempGateway({ publicBaseUrl: base });
t.teardown(() => provider.cleanup());
const caFile = join(provider.dir, 'test-ca.pem');
writeFileSync(caFile, ca.certPem);
const otherCaFile = join(provider.dir, 'other-ca.pem');
writeFileSync(otherCaFile, otherCa.certPem);

const keys = provider.service.keys;
const pubOf = (id: string) => createPublicKey({ key: keys.get(id).publicKeyJwk as JsonWebKey, format: 'jwk' });
await keys.create({ type: 'RSA', id: 'good', rsaBits: 2048 });
keys.setChain('good', `${(await issueLeaf(ca, pubOf('good'))).trim()}\n${ca.certPem}`);
await keys.create({ type: 'RSA', id: 'expired', rsaBits: 2048 });
const past = { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') };
keys.setChain('expired', `${(await issueLeaf(ca, pubOf('expired'), past)).trim()}\n${ca.certPem}`);
await keys.create({ type: 'P-256', id: 'mismatch' });
await keys.create({ type: 'P-256', id: 'other' });
keys.setChain('other', `${(await issueLeaf(ca, pubOf('other'))).trim()}\n${ca.certPem}`);
// A misconfigured server: the chain served for "mismatch" certifies another key.
writeFileSync(join(keys.dir, 'mismatch.chain.pem'), `${(await issueLeaf(ca, pubOf('other'))).trim()}\n${ca.certPem}`);

let didFetches = 0;
const app = await buildApp({ config: provider.service.loaded.config, credentials: provider.service }, { https: tls });
app.addHook('onRequest', async (req) => {
  if (req.url === '/.well-known/did.json') didFetches++;
});
await app.listen({ port, host: '127.0.0.1' });
t.teardown(() => app.close());

const sign = async (keyId: string) => {
  const s = (await provider.service.signCredential(tagusCredential(provider.service.did), {
    suite: 'jws2020',
    keyId,
  })) as Extract<Secured, { format: 'ldp' }>;
  return s.document;
};

function verifier(resolver: Record<string, unknown>) {
  const v = tempGateway({ publicBaseUrl: 'https://verifier.example', resolver: { caFile, ...resolver } });
  t.teardown(() => v.cleanup());
  return v.service;
}

const failed = (r: { checks: { check: string; ok: boolean; message?: string }[] }) => r.checks.filter((c) => !c.ok);

t.test('did:web resolves over real HTTPS from the gateway itself; x5u chain checked', async (t) => {
  const v = verifier({ allowPrivateNetworks: true, trustAnchorFiles: [caFile] });
  const doc = await sign('good');
  const r = await v.verify(doc);
  t.ok(r.valid, 'valid');
  t.same(failed(r), []);
  const names = r.checks.map((c) => c.check);
  for (const c of [
    'did-resolution',
    'verification-method',
    'proof-purpose',
    'issuer',
    'x5u-parse',
    'x5u-leaf-key',
    'x5u-validity',
    'x5u-chain',
    'x5u-trust-anchor',
    'signature',
  ]) {
    t.ok(names.includes(c), `reports ${c}`);
  }
  t.equal(provider.service.did, `did:web:localhost%3A${port}`, 'port is percent-encoded in the DID');
  const before = didFetches;
  await v.verify(doc);
  await v.verify(await sign('good'));
  t.equal(didFetches, before, 'DID documents are cached (TTL)');
});

t.test('private and loopback targets are refused unless allowed', async (t) => {
  const v = verifier({});
  const r = await v.verify(await sign('good'));
  t.notOk(r.valid);
  t.match(failed(r)[0], {
    check: 'did-resolution',
    message: /refusing to connect to localhost \(127\.0\.0\.1\).*allowPrivateNetworks/,
  });
  // An IP literal never reaches DNS, so it is checked before connecting.
  const ipDoc: Record<string, unknown> = { ...(await sign('good')), issuer: `did:web:127.0.0.1%3A${port}` };
  (ipDoc.proof as Record<string, string>).verificationMethod = `did:web:127.0.0.1%3A${port}#good`;
  const r2 = await v.verify(ipDoc);
  t.match(
    failed(r2).find((c) => c.check === 'did-resolution'),
    { message: /refusing to connect to 127\.0\.0\.1/ },
  );
  for (const host of ['10.1.2.3', '169.254.169.254', '192.168.1.1', '%5B%3A%3A1%5D']) {
    const d: Record<string, unknown> = { ...ipDoc, issuer: `did:web:${host}` };
    d.proof = { ...(ipDoc.proof as Record<string, string>), verificationMethod: `did:web:${host}#good` };
    const rr = await v.verify(d);
    t.match(failed(rr).find((c) => c.check === 'did-resolution')?.message, /refusing|not a host/, `${host} refused`);
  }
});

t.test('without the test CA the TLS handshake fails with a clear error', async (t) => {
  const v = tempGateway({ publicBaseUrl: 'https://verifier.example', resolver: { allowPrivateNetworks: true } });
  t.teardown(() => v.cleanup());
  const r = await v.service.verify(await sign('good'));
  t.notOk(r.valid);
  t.match(
    failed(r)[0]?.message,
    /cannot resolve did:web:localhost%3A\d+: GET https:\/\/localhost:\d+\/\.well-known\/did\.json failed: .*(certificate|self.signed|issuer)/i,
  );
});

t.test('an expired x5u chain fails', async (t) => {
  const v = verifier({ allowPrivateNetworks: true });
  const r = await v.verify(await sign('expired'));
  t.notOk(r.valid);
  t.same(
    failed(r).map((c) => c.check),
    ['x5u-validity'],
  );
  t.match(failed(r)[0]?.message, /valid only from .* to .*2021/);
});

t.test('an x5u chain for another key fails', async (t) => {
  const v = verifier({ allowPrivateNetworks: true });
  const r = await v.verify(await sign('mismatch'));
  t.notOk(r.valid);
  t.same(
    failed(r).map((c) => c.check),
    ['x5u-leaf-key'],
  );
  t.match(failed(r)[0]?.message, /carries a different key than publicKeyJwk/);
});

t.test('a chain outside the trust anchors fails', async (t) => {
  const v = verifier({ allowPrivateNetworks: true, trustAnchorFiles: [otherCaFile] });
  const r = await v.verify(await sign('good'));
  t.same(
    failed(r).map((c) => c.check),
    ['x5u-trust-anchor'],
  );
});

t.test('a JWS algorithm that does not fit the key fails', async (t) => {
  const v = verifier({ allowPrivateNetworks: true });
  const doc = await sign('good');
  const proof = doc.proof as Record<string, string>;
  const [, , sig] = proof.jws!.split('.');
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', b64: false, crit: ['b64'] })).toString('base64url');
  const r = await v.verify({ ...doc, proof: { ...proof, jws: `${header}..${sig}` } });
  t.notOk(r.valid);
  t.match(failed(r)[0], { check: 'algorithm', message: /uses ES256 but the key is declared for PS256/ });
  // A verification method id that is not exactly in the DID document.
  const r2 = await v.verify({ ...doc, proof: { ...proof, verificationMethod: `${provider.service.did}#GOOD` } });
  t.match(
    failed(r2).find((c) => c.check === 'verification-method'),
    { message: /is not a verification method id/ },
  );
});

t.test('size and time limits on fetched documents', async (t) => {
  const slowPort = await freePort();
  const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    if (req.url === '/big/did.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', pad: 'x'.repeat(2 * 1024 * 1024) }));
    } else {
      // never answers
    }
  });
  await new Promise<void>((r) => server.listen(slowPort, '127.0.0.1', () => r()));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  // The size limit with time to spare (a loaded machine takes a while for 2 MB over TLS), the time
  // limit on a server that never answers.
  const roomy = verifier({ allowPrivateNetworks: true, timeoutMs: 10_000, maxBytes: 1048576 });
  const v = verifier({ allowPrivateNetworks: true, timeoutMs: 300, maxBytes: 1048576 });
  const doc = loireCredential(`did:web:localhost%3A${slowPort}:big`);
  const big = await roomy.verify({
    ...doc,
    proof: {
      type: 'JsonWebSignature2020',
      verificationMethod: `did:web:localhost%3A${slowPort}:big#k`,
      jws: 'eyJhbGciOiJQUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..AAAA',
      proofPurpose: 'assertionMethod',
    },
  });
  t.match(failed(big).find((c) => c.check === 'did-resolution')?.message, /more than the limit|exceeds the limit/);
  const slow = await v.verify({
    ...doc,
    issuer: `did:web:localhost%3A${slowPort}:slow`,
    proof: {
      type: 'JsonWebSignature2020',
      verificationMethod: `did:web:localhost%3A${slowPort}:slow#k`,
      jws: 'eyJhbGciOiJQUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..AAAA',
      proofPurpose: 'assertionMethod',
    },
  });
  t.match(failed(slow).find((c) => c.check === 'did-resolution')?.message, /timed out after 300 ms/);
});

t.test('did:key resolves without the network', async (t) => {
  const v = verifier({});
  const vc = await import('@digitalbazaar/vc');
  const { Ed25519Signature2020 } = await import('@digitalbazaar/ed25519-signature-2020');
  const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
  const kp = await (
    Ed25519Multikey as unknown as {
      generate(): Promise<
        Record<string, unknown> & { signer(): unknown; export(o: object): Promise<{ publicKeyMultibase: string }> }
      >;
    }
  ).generate();
  const { publicKeyMultibase } = await kp.export({ publicKey: true });
  const didKey = `did:key:${publicKeyMultibase}`;
  kp.id = `${didKey}#${publicKeyMultibase}`;
  kp.controller = didKey;
  const credential = { ...loireCredential(didKey) };
  const signed = await vc.issue({
    credential,
    suite: new Ed25519Signature2020({ key: kp, signer: kp.signer() }),
    documentLoader: v.canonizer.documentLoader,
  });
  const r = await v.verify(signed);
  t.ok(r.valid, 'did:key credential verifies');
  t.same(failed(r), []);
});

t.test('the gateway serves its x5u chain over HTTPS', async (t) => {
  const res = await fetch(`${base}/x509/good.pem`).catch((e: Error) => e);
  t.ok(res instanceof Error, 'plain fetch without the test CA refuses the server (real TLS)');
  const undici = await import('undici');
  const agent = new undici.Agent({ connect: { ca: ca.certPem } });
  const r = await undici.request(`${base}/x509/good.pem`, { dispatcher: agent });
  t.equal(r.statusCode, 200);
  t.match(r.headers['content-type'], /application\/x-pem-file/);
  t.match(await r.body.text(), /^-----BEGIN CERTIFICATE-----[\s\S]+-----BEGIN CERTIFICATE-----/);
  const missing = await undici.request(`${base}/x509/nope.pem`, { dispatcher: agent });
  t.equal(missing.statusCode, 404);
  t.match(missing.headers['content-type'], /application\/problem\+json/);
  await missing.body.dump();
  await agent.close();
});

// Issue 8: each finding an attacker made against verification, reproduced and answered.
import t from 'tap';
import { createServer as createNetServer, type Socket } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { b64u } from '../../src/credentials/base64url.js';
import { loadConfig } from '../../src/config/load.js';
import type { JsonObject, Secured } from '../../src/credentials/suites/suite.js';
import type { VerificationReport } from '../../src/credentials/verify.js';
import { createTestCa, createTlsCert } from '../helpers/pki.js';
import { loireCredential, tagusCredential, tempGateway } from '../helpers/gateway.js';

const gw = tempGateway();
t.teardown(() => gw.cleanup());
const svc = gw.service;
await svc.keys.create({ type: 'RSA', rsaBits: 2048, id: 'rsa' });
await svc.keys.create({ type: 'Ed25519', id: 'ed' });
const did = svc.did;
const offline = { skipX5u: true };

const failed = (r: VerificationReport) =>
  [...r.checks, ...(r.credentials ?? []).flatMap((c) => c.checks)].filter((c) => !c.ok).map((c) => c.check);
const doc = (s: Secured) => (s as Extract<Secured, { format: 'ldp' }>).document;
const jwt = (s: Secured) => (s as Extract<Secured, { format: 'jwt' }>).jwt;

/** A socket server that accepts and never answers: a host that hangs. Counts connections. */
async function hangingHost() {
  const sockets: Socket[] = [];
  const server = createNetServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as { port: number }).port, connections: () => sockets.length };
}

t.test('presentation challenges and domains are checked for every suite', async (t) => {
  const tagus = tagusCredential(did);
  const loire = loireCredential(did);
  await t.rejects(
    svc.present([tagus], { suite: 'jws2020', challenge: 'abc' }),
    { code: 'usage', message: /Gaia-X flavour .* signs the document only/ },
    'jws2020 (Gaia-X flavour) refuses a challenge it cannot sign',
  );
  await t.rejects(
    svc.present([tagus], { suite: 'jws2020-ccg', challenge: 'abc', signPresentation: false }),
    { code: 'usage' },
    'an unsigned presentation cannot carry one',
  );

  for (const suite of ['jws2020-ccg', 'ed25519-2020', 'eddsa-rdfc-2022'] as const) {
    const vp = doc(
      await svc.present([suite === 'jws2020-ccg' ? tagus : loire], {
        suite,
        challenge: 'abc',
        domain: 'verifier.example',
      }),
    );
    const good = await svc.verify(vp, { ...offline, challenge: 'abc', domain: 'verifier.example' });
    t.ok(good.valid, `${suite}: the right challenge and domain verify (${failed(good).join(', ')})`);
    const replay = await svc.verify(vp, { ...offline, challenge: 'something-else' });
    t.notOk(replay.valid, `${suite}: another challenge is refused`);
    t.ok(
      failed(replay).includes('challenge') || failed(replay).includes('signature'),
      `${suite}: says why (${failed(replay).join(', ')})`,
    );
    const otherDomain = await svc.verify(vp, { ...offline, challenge: 'abc', domain: 'attacker.example' });
    t.notOk(otherDomain.valid, `${suite}: another domain is refused`);
  }

  // A Gaia-X flavour presentation with a challenge added to its proof afterwards: the signature
  // still matches (it does not cover the proof), so the challenge must not count.
  const gx = doc(await svc.present([tagus], { suite: 'jws2020' }));
  const forged = { ...gx, proof: { ...(gx.proof as JsonObject), challenge: 'abc' } };
  const r = await svc.verify(forged, { ...offline, challenge: 'abc' });
  t.notOk(r.valid, 'a challenge the Gaia-X flavour does not sign is not accepted');
  t.match(r.checks.find((c) => c.check === 'challenge')?.message, /replayed/);
  t.ok((await svc.verify(gx, offline)).valid, 'without an expected challenge the same presentation verifies');

  const unsigned = doc(await svc.present([tagus], { suite: 'jws2020', signPresentation: false }));
  t.notOk(
    (await svc.verify(unsigned, { ...offline, challenge: 'abc' })).valid,
    'an unsigned presentation never satisfies a challenge',
  );
});

t.test('vc-jose presentations carry nonce and aud in the signed vp+jwt', async (t) => {
  const vp = jwt(
    await svc.present([loireCredential(did)], {
      suite: 'vc-jose',
      challenge: 'n-123',
      domain: 'https://verifier.example',
    }),
  );
  const claims = decodeJwt(vp);
  t.equal(claims.nonce, 'n-123', 'nonce in the payload (read with jose)');
  t.equal(claims.aud, 'https://verifier.example');
  t.equal(decodeProtectedHeader(vp).typ, 'vp+jwt');
  t.ok((await svc.verify(vp, { ...offline, challenge: 'n-123', domain: 'https://verifier.example' })).valid);
  const wrong = await svc.verify(vp, { ...offline, challenge: 'other' });
  t.notOk(wrong.valid, 'a vp+jwt for another nonce is refused');
  t.ok(failed(wrong).includes('challenge'));
  const none = jwt(await svc.present([loireCredential(did)], { suite: 'vc-jose' }));
  t.notOk(
    (await svc.verify(none, { ...offline, challenge: 'n-123' })).valid,
    'a vp+jwt without nonce does not satisfy a challenge',
  );
});

/** A vc+jwt with extra JWT claims, signed with the gateway's RSA key. */
async function vcJwt(claims: JsonObject): Promise<string> {
  const signer = svc.keys.signer('rsa');
  const header = { alg: signer.alg, typ: 'vc+jwt', cty: 'vc', iss: did, kid: `${did}#rsa` };
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify({ ...loireCredential(did), ...claims }))}`;
  return `${input}.${b64u(await signer.sign(Buffer.from(input, 'ascii')))}`;
}

t.test('JWT exp, nbf and iat are checked, with a small clock skew', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const expired = await svc.verify(await vcJwt({ exp: 1 }), offline);
  t.notOk(expired.valid, 'exp in 1970 is refused');
  t.ok(failed(expired).includes('jwt-exp'));
  t.notOk((await svc.verify(await vcJwt({ nbf: now + 3600 }), offline)).valid, 'nbf an hour ahead is refused');
  t.notOk((await svc.verify(await vcJwt({ iat: now + 3600 }), offline)).valid, 'iat in the future is refused');
  t.notOk((await svc.verify(await vcJwt({ exp: 'tomorrow' }), offline)).valid, 'a non-numeric exp is refused');
  const ok = await svc.verify(await vcJwt({ iat: now + 20, nbf: now + 20, exp: now + 3600 }), offline);
  t.ok(ok.valid, `20 s of skew is allowed (${failed(ok).join(', ')})`);
});

t.test('no trust anchor configured: VALID but visibly untrusted; with the anchor: anchored', async (t) => {
  await svc.attachDevChain('rsa');
  const signed = doc(await svc.signCredential(tagusCredential(did), { keyId: 'rsa' }));
  const r = await svc.verify(signed);
  t.ok(r.valid);
  t.equal(r.trustAnchor, 'not-checked', '--json has the field');
  t.ok(r.checks.find((c) => c.check === 'x5u-trust-anchor')?.notChecked, 'the check says it was not made');
  t.equal((await svc.verify(signed, offline)).trustAnchor, 'not-checked', 'offline: not checked either');

  const root = svc.keys
    .chainPem('rsa')!
    .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!
    .at(-1)!;
  const rootFile = join(gw.dir, 'root.pem');
  writeFileSync(rootFile, root);
  const anchored = tempGateway({ keys: { dir: join(gw.dir, 'keys') }, resolver: { trustAnchorFiles: [rootFile] } });
  t.teardown(() => anchored.cleanup());
  const a = await anchored.service.verify(signed);
  t.ok(a.valid);
  t.equal(a.trustAnchor, 'anchored');
  const other = await createTestCa('another root');
  const otherFile = join(gw.dir, 'other.pem');
  writeFileSync(otherFile, other.certPem);
  const strict = tempGateway({ keys: { dir: join(gw.dir, 'keys') }, resolver: { trustAnchorFiles: [otherFile] } });
  t.teardown(() => strict.cleanup());
  t.notOk((await strict.service.verify(signed)).valid, 'a chain ending elsewhere fails with anchors configured');
});

t.test('the embedded default is strict: no private networks, no plain http', async (t) => {
  const { config } = loadConfig({ file: undefined, env: {}, cwd: gw.dir + '/nowhere' });
  t.equal(config.resolver.allowPrivateNetworks, false);
  t.equal(config.resolver.allowHttp, false);
  t.equal(config.publicBaseUrl, 'http://localhost:8080');
  t.equal(
    loadConfig({ env: { GXG_SERVER__PORT: '9123' }, cwd: gw.dir + '/nowhere' }).config.publicBaseUrl,
    'http://localhost:9123',
    'the DID follows the port',
  );

  const host = await hangingHost();
  const strict = tempGateway({ resolver: { timeoutMs: 2000 } });
  t.teardown(() => strict.cleanup());
  const victim = {
    ...tagusCredential(`did:web:127.0.0.1%3A${host.port}`),
    proof: {
      type: 'JsonWebSignature2020',
      verificationMethod: `did:web:127.0.0.1%3A${host.port}#k`,
      jws: 'eyJhbGciOiJQUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..c2ln',
    },
  };
  const r = await strict.service.verify(victim);
  t.notOk(r.valid);
  t.match(r.checks.find((c) => c.check === 'did-resolution')?.message, /private, loopback/);
  const metadata = await strict.service.verify({
    ...victim,
    issuer: 'did:web:169.254.169.254',
    proof: { ...victim.proof, verificationMethod: 'did:web:169.254.169.254#k' },
  });
  t.match(metadata.checks.find((c) => c.check === 'did-resolution')?.message, /169\.254\.169\.254.*private, loopback/);
  t.equal(host.connections(), 0, 'nothing connected to the loopback target');

  const dev = tempGateway({ resolver: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 2000 } });
  t.teardown(() => dev.cleanup());
  await t.rejects(
    dev.service.resolver.fetchText('http://198.51.100.7/chain.pem', 'text/plain'),
    { code: 'insecure-url', message: /loopback hosts only/ },
    'allowHttp reaches loopback only, for x5u too',
  );
});

t.test('fetched content is echoed only as a short, sanitized excerpt', async (t) => {
  const ca = await createTestCa('echo test root');
  const tls = await createTlsCert(ca);
  const evilId = `did:evil:\u001b[31m${'A'.repeat(20_000)}`;
  const server = createHttpsServer(tls, (_req, res) => res.end(JSON.stringify({ id: evilId })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const caFile = join(gw.dir, 'echo-ca.pem');
  writeFileSync(caFile, ca.certPem);
  const v = tempGateway({ resolver: { allowPrivateNetworks: true, caFile } });
  t.teardown(() => v.cleanup());
  const issuer = `did:web:localhost%3A${port}`;
  const r = await v.service.verify({
    ...tagusCredential(issuer),
    proof: {
      type: 'JsonWebSignature2020',
      verificationMethod: `${issuer}#k`,
      jws: 'eyJhbGciOiJQUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..c2ln',
    },
  });
  const message = r.checks.find((c) => c.check === 'did-resolution')?.message ?? '';
  t.match(message, /has id did:evil:/);
  t.ok(message.length < 400, `short (${message.length} characters)`);
  t.notMatch(message, /\u001b/, 'no control characters');
  const hugeKid = await svc.verify(
    `${b64u(JSON.stringify({ alg: 'PS256', typ: 'vc+jwt', kid: 'did:web:x#' + 'k'.repeat(2_600_000) }))}.${b64u('{}')}.c2ln`,
    offline,
  );
  t.ok(JSON.stringify(hugeKid).length < 5_000, 'a 2.6 MB kid is not echoed');
});

t.test('presentation fan-out: capped, concurrent, failures remembered, one deadline', async (t) => {
  const host = await hangingHost();
  const ca = await createTestCa('fan-out root');
  const caFile = join(gw.dir, 'fan-ca.pem');
  writeFileSync(caFile, ca.certPem);
  const v = tempGateway({
    resolver: { allowPrivateNetworks: true, caFile, timeoutMs: 800 },
    verify: { maxPresentationCredentials: 20, timeoutMs: 30_000 },
  });
  t.teardown(() => v.cleanup());
  const issuer = `did:web:localhost%3A${host.port}`;
  const cred = (i: number) => ({
    ...tagusCredential(issuer, `https://x.example/c${i}`),
    proof: {
      type: 'JsonWebSignature2020',
      verificationMethod: `${issuer}#k`,
      jws: 'eyJhbGciOiJQUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..c2ln',
    },
  });
  const vp = {
    '@context': ['https://www.w3.org/2018/credentials/v1'],
    type: ['VerifiablePresentation'],
    verifiableCredential: [1, 2, 3, 4, 5].map(cred),
  };
  const r = await v.service.verify(vp);
  t.notOk(r.valid);
  t.equal(r.credentials?.length, 5);
  t.equal(host.connections(), 1, 'five credentials naming a host that never answers cost one connection attempt');
  await v.service.verify(vp);
  t.equal(host.connections(), 1, 'the failure is remembered');

  const big = { ...vp, verifiableCredential: Array.from({ length: 21 }, (_, i) => cred(i)) };
  const capped = await v.service.verify(big);
  t.notOk(capped.valid);
  t.same(
    failed(capped),
    ['presentation-size'],
    'over verify.maxPresentationCredentials: refused before any resolution',
  );

  const slow = (await hangingHost()).port;
  const d = tempGateway({
    resolver: { allowPrivateNetworks: true, caFile, timeoutMs: 60_000 },
    verify: { timeoutMs: 300 },
  });
  t.teardown(() => d.cleanup());
  const dIssuer = `did:web:localhost%3A${slow}`;
  const late = await d.service.verify({
    ...tagusCredential(dIssuer),
    proof: {
      type: 'JsonWebSignature2020',
      verificationMethod: `${dIssuer}#k`,
      jws: 'eyJhbGciOiJQUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..c2ln',
    },
  });
  t.notOk(late.valid);
  t.same(failed(late), ['deadline'], 'the whole verification has a deadline (verify.timeoutMs)');
});

t.test('nested presentations and presentations given to sign are refused', async (t) => {
  const inner = doc(await svc.present([tagusCredential(did)], { suite: 'jws2020', signPresentation: false }));
  let nested: JsonObject = inner;
  for (let i = 0; i < 2000; i++)
    nested = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiablePresentation'],
      verifiableCredential: [nested],
    };
  const r = await svc.verify(nested, offline);
  t.notOk(r.valid);
  t.ok(
    failed(r).some((c) => c === 'nesting' || c === 'input'),
    `refused (${failed(r).join(', ')})`,
  );
  const twice = {
    '@context': ['https://www.w3.org/2018/credentials/v1'],
    type: ['VerifiablePresentation'],
    verifiableCredential: [inner],
  };
  t.ok(failed(await svc.verify(twice, offline)).includes('nesting'));
  await t.rejects(svc.signCredential(inner), { code: 'bad-input', message: /presentation, not a credential/ });
  await t.rejects(svc.present([inner]), { code: 'bad-input' });
});

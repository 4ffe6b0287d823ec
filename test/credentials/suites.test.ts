import t from 'tap';
import { createHash } from 'node:crypto';
import jsonld from 'jsonld';
import * as vc from '@digitalbazaar/vc';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { compactVerify, decodeProtectedHeader, flattenedVerify, importJWK, type JWK } from 'jose';
import { loireCredential, tagusCredential, tempGateway } from '../helpers/gateway.js';
import { independentLoader } from '../helpers/independent.js';
import type { SuiteId, Secured } from '../../src/credentials/suites/suite.js';

const gw = tempGateway({ publicBaseUrl: 'https://provider.example' });
t.teardown(() => gw.cleanup());
const svc = gw.service;
const rsa = await svc.keys.create({ type: 'RSA', rsaBits: 2048, id: 'rsa-1' });
await svc.keys.create({ type: 'Ed25519', id: 'ed-1' });
await svc.keys.create({ type: 'P-256', id: 'p256-1' });
t.equal(rsa.active, true, 'the first key becomes active');
const did = svc.did;
const didDocument = await svc.didDocument();
const offline = { skipX5u: true };

type Case = { suite: SuiteId; model: 'v1' | 'v2'; key?: string };
const cases: Case[] = [
  { suite: 'jws2020', model: 'v1' },
  { suite: 'jws2020', model: 'v2' },
  { suite: 'jws2020', model: 'v1', key: 'p256-1' },
  { suite: 'jws2020', model: 'v1', key: 'ed-1' },
  { suite: 'jws2020-ccg', model: 'v1' },
  { suite: 'jws2020-ccg', model: 'v2', key: 'p256-1' },
  { suite: 'ed25519-2020', model: 'v1' },
  { suite: 'ed25519-2020', model: 'v2' },
  { suite: 'eddsa-rdfc-2022', model: 'v1' },
  { suite: 'eddsa-rdfc-2022', model: 'v2' },
  { suite: 'vc-jose', model: 'v2' },
  { suite: 'vc-jose', model: 'v2', key: 'p256-1' },
  { suite: 'vc-jose', model: 'v2', key: 'ed-1' },
];

const credentialFor = (model: 'v1' | 'v2', id?: string) =>
  model === 'v1' ? tagusCredential(did, id) : loireCredential(did, id);

function flip(text: string): string {
  // Change exactly one character of a string value.
  const i = text.length - 1;
  const c = text.charCodeAt(i);
  return text.slice(0, i) + String.fromCharCode(c === 0x61 ? 0x62 : c === 0x5a ? 0x59 : c ^ 1);
}

/** Every way to change one leaf string or one property name of a JSON document. */
function* tamperings(
  doc: unknown,
  skip: (path: string[]) => boolean,
  path: string[] = [],
): Generator<[string, unknown]> {
  if (typeof doc === 'string') {
    if (!skip(path)) yield [path.join('.'), flip(doc)];
    return;
  }
  if (Array.isArray(doc)) {
    for (let i = 0; i < doc.length; i++) {
      for (const [p, v] of tamperings(doc[i], skip, [...path, String(i)]))
        yield [p, doc.map((x, j) => (j === i ? v : x))];
    }
    return;
  }
  if (doc && typeof doc === 'object') {
    const entries = Object.entries(doc as Record<string, unknown>);
    for (const [k, v] of entries) {
      if (!skip([...path, k]) && k !== '@context') {
        yield [
          `${[...path, k].join('.')} (name)`,
          Object.fromEntries(entries.map(([k2, v2]) => [k2 === k ? flip(k) : k2, v2])),
        ];
      }
      for (const [p, nv] of tamperings(v, skip, [...path, k])) yield [p, { ...(doc as object), [k]: nv }];
    }
  }
}

for (const c of cases) {
  t.test(`${c.suite} ${c.model}${c.key ? ` with ${c.key}` : ''}`, async (t) => {
    const secured = await svc.signCredential(credentialFor(c.model), {
      suite: c.suite,
      ...(c.key ? { keyId: c.key } : {}),
    });
    const input = secured.format === 'jwt' ? secured.jwt : secured.document;
    const report = await svc.verify(input, offline);
    t.ok(report.valid, 'round trip verifies');
    t.same(
      report.checks.filter((x) => !x.ok),
      [],
      'no failed checks',
    );
    t.ok(
      report.checks.some((x) => x.check === 'signature' && x.ok),
      'signature check reported',
    );

    if (secured.format === 'jwt') {
      const parts = secured.jwt.split('.').map((p) => Buffer.from(p, 'base64url'));
      let tried = 0;
      for (let part = 0; part < 3; part++) {
        const bytes = parts[part]!;
        const step = part === 1 ? Math.max(1, Math.floor(bytes.length / 40)) : 1;
        for (let i = 0; i < bytes.length; i += step) {
          const copy = parts.map((b) => Buffer.from(b));
          const target = copy[part]!;
          target[i] = target[i]! ^ 0x01;
          const jwt = copy.map((b) => b.toString('base64url')).join('.');
          const r = await svc.verify(jwt, offline);
          if (r.valid) t.fail(`a change of byte ${i} in JWT part ${part} still verifies`);
          tried++;
        }
      }
      t.ok(tried > 50, `every tampered JWT (${tried}) fails`);
      return;
    }

    const doc = secured.document;
    // The Gaia-X flavour signs the document only: proof metadata other than the JWS and the key
    // is outside its signature by design (documented in README).
    const gaiaxUncovered = (p: string[]) =>
      c.suite === 'jws2020' && p[0] === 'proof' && !['jws', 'verificationMethod'].includes(p[1] ?? '');
    let tried = 0;
    for (const [where, tampered] of tamperings(doc, gaiaxUncovered)) {
      const r = await svc.verify(tampered, offline);
      if (r.valid) t.fail(`changing ${where} still verifies`);
      tried++;
    }
    const proof = doc.proof as Record<string, string>;
    const sigField = proof.jws ? 'jws' : 'proofValue';
    const sig = proof[sigField]!;
    for (const pos of [sig.length - 5, Math.floor(sig.length / 2), sig.indexOf('..') + 3]) {
      if (pos < 1) continue;
      const ch = sig[pos] === 'A' ? 'B' : 'A';
      const r = await svc.verify(
        { ...doc, proof: { ...proof, [sigField]: sig.slice(0, pos) + ch + sig.slice(pos + 1) } },
        offline,
      );
      if (r.valid) t.fail(`changing the signature at ${pos} still verifies`);
      tried++;
    }
    t.ok(tried > 15, `every one-character change (${tried}) fails verification`);
  });
}

t.test('independent cross-check: Data Integrity proofs verify with @digitalbazaar/vc directly', async (t) => {
  const documentLoader = independentLoader(didDocument);
  for (const model of ['v1', 'v2'] as const) {
    const a = (await svc.signCredential(credentialFor(model), { suite: 'ed25519-2020' })) as Extract<
      Secured,
      { format: 'ldp' }
    >;
    const r1 = await vc.verifyCredential({ credential: a.document, suite: new Ed25519Signature2020(), documentLoader });
    t.ok(r1.verified, `Ed25519Signature2020 ${model} verified by @digitalbazaar/vc`);
    const b = (await svc.signCredential(credentialFor(model), { suite: 'eddsa-rdfc-2022' })) as Extract<
      Secured,
      { format: 'ldp' }
    >;
    const r2 = await vc.verifyCredential({
      credential: b.document,
      suite: new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
      documentLoader,
    });
    t.ok(r2.verified, `eddsa-rdfc-2022 ${model} verified by @digitalbazaar/vc`);
    const tampered = structuredClone(b.document) as { credentialSubject: { id: string } };
    tampered.credentialSubject.id += 'x';
    const r3 = await vc.verifyCredential({
      credential: tampered,
      suite: new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
      documentLoader,
    });
    t.notOk(r3.verified, 'and a tampered one is rejected by it');
  }
});

function jwkOf(vmId: string): JWK {
  const vm = (didDocument.verificationMethod as Record<string, unknown>[]).find((m) => m.id === vmId);
  if (!vm) throw new Error(`no ${vmId}`);
  return vm.publicKeyJwk as JWK;
}

t.test('independent cross-check: VC-JOSE verifies with plain jose', async (t) => {
  for (const key of ['rsa-1', 'p256-1', 'ed-1']) {
    const s = (await svc.signCredential(loireCredential(did), { suite: 'vc-jose', keyId: key })) as Extract<
      Secured,
      { format: 'jwt' }
    >;
    const header = decodeProtectedHeader(s.jwt);
    t.equal(header.typ, 'vc+jwt');
    t.equal(header.cty, 'vc');
    t.equal(header.iss, did, 'iss in the protected header is the DID');
    t.equal(header.kid, `${did}#${key}`, 'kid is the DID URL of the key');
    const jwk = jwkOf(String(header.kid));
    const { payload } = await compactVerify(s.jwt, await importJWK(jwk, jwk.alg));
    const credential = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
    t.same(credential, loireCredential(did), `${key}: the payload is the credential itself (no vc claim)`);
  }
  const vp = (await svc.present(
    [loireCredential(did), loireCredential(did, 'https://provider.example/credentials/2')],
    { suite: 'vc-jose' },
  )) as Extract<Secured, { format: 'jwt' }>;
  const vpHeader = decodeProtectedHeader(vp.jwt);
  t.equal(vpHeader.typ, 'vp+jwt');
  const jwk = jwkOf(String(vpHeader.kid));
  const { payload } = await compactVerify(vp.jwt, await importJWK(jwk, jwk.alg));
  const presentation = JSON.parse(Buffer.from(payload).toString('utf8')) as {
    verifiableCredential: { type: string; id: string }[];
  };
  t.equal(presentation.verifiableCredential.length, 2);
  for (const entry of presentation.verifiableCredential) {
    t.equal(entry.type, 'EnvelopedVerifiableCredential');
    t.match(entry.id, /^data:application\/vc\+jwt,eyJ/);
    const inner = entry.id.slice('data:application/vc+jwt,'.length);
    const innerJwk = jwkOf(String(decodeProtectedHeader(inner).kid));
    await t.resolves(
      compactVerify(inner, await importJWK(innerJwk, innerJwk.alg)),
      'enveloped credential verifies with jose',
    );
  }
});

t.test('independent cross-check: JsonWebSignature2020 from the algorithm', async (t) => {
  const loader = independentLoader(didDocument);
  const canon = (doc: unknown) =>
    jsonld.canonize(doc, { algorithm: 'URDNA2015', format: 'application/n-quads', documentLoader: loader, safe: true });
  const sha256 = (s: string) => createHash('sha256').update(s).digest();
  for (const key of ['rsa-1', 'p256-1']) {
    for (const flavour of ['jws2020', 'jws2020-ccg'] as const) {
      const s = (await svc.signCredential(tagusCredential(did), { suite: flavour, keyId: key })) as Extract<
        Secured,
        { format: 'ldp' }
      >;
      const { proof, ...unsigned } = s.document as { proof: Record<string, string> };
      const [protectedHeader, empty, signature] = proof.jws!.split('.');
      t.equal(empty, '', 'detached JWS');
      const header = JSON.parse(Buffer.from(protectedHeader!, 'base64url').toString()) as Record<string, unknown>;
      t.same(header, { alg: key === 'rsa-1' ? 'PS256' : 'ES256', b64: false, crit: ['b64'] });
      let payload: Uint8Array;
      if (flavour === 'jws2020') {
        payload = Buffer.from(sha256(await canon(unsigned)).toString('hex'));
      } else {
        const { jws: _jws, ...options } = proof;
        payload = Buffer.concat([
          sha256(await canon({ '@context': unsigned['@context' as keyof typeof unsigned], ...options })),
          sha256(await canon(unsigned)),
        ]);
      }
      const jwk = jwkOf(proof.verificationMethod!);
      await t.resolves(
        flattenedVerify(
          { protected: protectedHeader!, payload, signature: signature! },
          await importJWK(jwk, String(header.alg)),
        ),
        `${flavour} with ${key} verifies by the algorithm`,
      );
    }
  }
});

t.test('presentations round-trip in every suite', async (t) => {
  for (const suite of ['jws2020', 'jws2020-ccg', 'ed25519-2020', 'eddsa-rdfc-2022'] as const) {
    for (const model of ['v1', 'v2'] as const) {
      const creds = [credentialFor(model), credentialFor(model, 'https://provider.example/credentials/other')];
      const vp = await svc.present(creds, { suite });
      t.equal(vp.format, 'ldp');
      const r = await svc.verify(vp.format === 'ldp' ? vp.document : '', offline);
      t.ok(r.valid, `${suite} ${model} presentation verifies`);
      t.equal(r.kind, 'presentation');
      t.equal(r.credentials?.length, 2, 'both credentials verified');
      t.ok(r.credentials?.every((c) => c.valid));
    }
  }
  // A Data Integrity presentation of credentials secured by another suite.
  const jwsCredential = (await svc.signCredential(loireCredential(did), { suite: 'jws2020' })) as Extract<
    Secured,
    { format: 'ldp' }
  >;
  const mixed = await svc.present([jwsCredential.document, loireCredential(did, 'https://provider.example/c/3')], {
    suite: 'eddsa-rdfc-2022',
    challenge: 'nonce-1',
  });
  const mixedReport = await svc.verify(mixed.format === 'ldp' ? mixed.document : '', {
    ...offline,
    challenge: 'nonce-1',
  });
  t.ok(mixedReport.valid, 'an eddsa-rdfc-2022 presentation holding a JsonWebSignature2020 credential verifies');
  t.same(
    mixedReport.credentials?.map((c) => c.proof),
    ['JsonWebSignature2020', 'DataIntegrityProof/eddsa-rdfc-2022'],
  );
  const replay = await svc.verify(mixed.format === 'ldp' ? mixed.document : '', {
    ...offline,
    challenge: 'other-nonce',
  });
  t.notOk(replay.valid, 'a presentation with another challenge than expected is rejected');

  const unsigned = await svc.present([tagusCredential(did)], { suite: 'jws2020', signPresentation: false });
  const r = await svc.verify(unsigned.format === 'ldp' ? unsigned.document : '', offline);
  t.ok(r.valid, 'an unsigned Tagus presentation of signed credentials verifies');
  t.notOk((unsigned as { document: { proof?: unknown } }).document.proof, 'and has no proof');

  // A presentation with one tampered credential is invalid and says which.
  const vp = (await svc.present([tagusCredential(did), tagusCredential(did, 'https://provider.example/c/2')], {
    suite: 'jws2020',
  })) as Extract<Secured, { format: 'ldp' }>;
  const doc = structuredClone(vp.document) as { verifiableCredential: { credentialSubject: Record<string, string> }[] };
  doc.verifiableCredential[1]!.credentialSubject['gx:legalName'] = 'Mallory';
  const bad = await svc.verify(doc, offline);
  t.notOk(bad.valid);
  t.ok(bad.credentials?.[0]?.valid, 'first credential still valid');
  t.notOk(bad.credentials?.[1]?.valid, 'second credential reported invalid');
});

t.test('wrong key type and unknown suite are clear errors', async (t) => {
  await t.rejects(
    svc.signCredential(tagusCredential(did), { suite: 'ed25519-2020', keyId: 'rsa-1' }),
    /cannot sign with RSA key rsa-1; it needs Ed25519/,
  );
  await t.rejects(svc.signCredential(tagusCredential(did), { suite: 'nope' as SuiteId }), /unknown suite "nope"/);
  await t.rejects(svc.signCredential(tagusCredential(did), { suite: 'vc-jose' }), /VC-JOSE secures VC Data Model 2.0/);
  await t.rejects(
    svc.signCredential(tagusCredential('did:web:someone.else'), { suite: 'jws2020' }),
    /issuer did:web:someone\.else is not this gateway's DID; set "issuer": "did:web:provider\.example"/,
  );
  const { issuer: _issuer, ...noIssuer } = tagusCredential(did);
  await t.rejects(svc.signCredential(noIssuer, { suite: 'jws2020' }), /has no issuer/);
  await t.rejects(
    svc.signCredential(
      { ...tagusCredential(did), 'gx:undefinedTerm': 1, credentialSubject: { id: 'urn:x', undefinedThing: 'x' } },
      { suite: 'jws2020' },
    ),
    /not valid JSON-LD for signing|undefined|dropped/i,
  );
});

t.test('the suite picks a fitting key when the active one does not fit', async (t) => {
  const s = (await svc.signCredential(loireCredential(did), { suite: 'eddsa-rdfc-2022' })) as Extract<
    Secured,
    { format: 'ldp' }
  >;
  t.equal(
    (s.document.proof as { verificationMethod: string }).verificationMethod,
    `${did}#ed-1-multikey`,
    'Data Integrity proofs name the Multikey method',
  );
});

t.test('VC-JOSE header rules when verifying', async (t) => {
  const signer = svc.keys.signer('rsa-1');
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const jwt = async (header: Record<string, unknown>, payload: unknown) => {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${Buffer.from(await signer.sign(Buffer.from(input))).toString('base64url')}`;
  };
  const kid = `${did}#rsa-1`;
  const credential = loireCredential(did);
  const gaiaxStyle = await jwt({ alg: 'PS256', typ: 'vc+ld+json+jwt', cty: 'vc+ld+json', iss: did, kid }, credential);
  t.ok((await svc.verify(gaiaxStyle, offline)).valid, 'typ vc+ld+json+jwt (as Gaia-X issues them) is accepted');
  const noIss = await svc.verify(await jwt({ alg: 'PS256', typ: 'vc+jwt', kid }, credential), offline);
  t.notOk(noIss.valid);
  t.match(
    noIss.checks.find((c) => !c.ok),
    { check: 'jwt-iss', message: /no iss/ },
  );
  const wrapped = await svc.verify(
    await jwt({ alg: 'PS256', typ: 'vc+jwt', iss: did, kid }, { vc: credential, iss: did }),
    offline,
  );
  t.notOk(wrapped.valid);
  t.ok(
    wrapped.checks.some((c) => c.check === 'jwt-payload' && !c.ok),
    'a VC-JWT 1.1 vc claim is rejected',
  );
  const badTyp = await svc.verify(await jwt({ alg: 'PS256', typ: 'JWT', iss: did, kid }, credential), offline);
  t.match(
    badTyp.checks.find((c) => !c.ok),
    { check: 'jwt-type' },
  );
});

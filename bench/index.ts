// npm run bench — signing and verification throughput per suite, as ratios against a floor
// measured in the same run: URDNA2015 canonicalization of the same credential with jsonld alone,
// plus a raw node:crypto signature (or verification) of 32 bytes with the same key type.
import { goals } from './harness.js';
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, constants, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsonld from 'jsonld';
import { loadConfig } from '../src/config/load.js';
import { bundledContexts } from '../src/credentials/contexts.js';
import { CredentialService } from '../src/app/credential-service.js';
import type { SuiteId } from '../src/credentials/suites/suite.js';
import { fmt, measure } from './harness.js';
import { benchInventory } from './inventory.js';
import { benchValidate } from './validate.js';
import { benchScale } from './scale.js';
import { benchService } from './service.js';
import { benchOutbox } from './outbox.js';
import { benchEvents } from './events.js';
import { benchKubernetesEvents } from './events-kubernetes.js';
import { benchPkcs11 } from './pkcs11.js';
import { sampleLegalPerson } from '../test/helpers/samples.js';

const dir = mkdtempSync(join(tmpdir(), 'gxg-bench-'));
writeFileSync(join(dir, 'gx-gateway.yaml'), 'publicBaseUrl: https://provider.example\nkeys:\n  dir: keys\n');
const svc = CredentialService.open(loadConfig({ file: join(dir, 'gx-gateway.yaml'), env: {} }), {});
await svc.keys.create({ type: 'RSA', id: 'rsa', rsaBits: 2048 });
await svc.keys.create({ type: 'P-256', id: 'p256' });
await svc.keys.create({ type: 'Ed25519', id: 'ed' });
const did = svc.did;

// A small, valid Gaia-X 25.11 LegalPerson (signing validates first: an invalid one is refused).
const credential = sampleLegalPerson('https://provider.example', did) as Record<string, unknown> & {
  '@context': string[];
};

// Floor ingredients, independent of gx-gateway's code paths.
const contexts = new Map([...bundledContexts().values()].map((c) => [c.url, c.document]));
const plainLoader = async (url: string) => ({
  contextUrl: null,
  documentUrl: url,
  document: contexts.get(url) ?? contexts.get(url.replace(/#$/, '') + '#'),
});
const canonOnly = () =>
  jsonld.canonize(credential, {
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
    documentLoader: plainLoader,
    safe: true,
  });
const digest = createHash('sha256').update('floor').digest();
const raw: Record<
  string,
  { key: KeyObject; pub: KeyObject; opts: (k: KeyObject) => Parameters<typeof sign>[2]; alg: string | null }
> = {};
for (const [name, kp] of [
  ['RSA', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ['Ed25519', generateKeyPairSync('ed25519')],
] as const) {
  raw[name] = {
    key: kp.privateKey,
    pub: createPublicKey(kp.privateKey),
    alg: name === 'Ed25519' ? null : 'sha256',
    opts: (k) =>
      name === 'RSA'
        ? { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
        : name === 'P-256'
          ? { key: k, dsaEncoding: 'ieee-p1363' }
          : k,
  };
}

console.log(`gx-gateway bench — node ${process.version}, ${new Date().toISOString()}`);
console.log('\n== where canonicalization time goes (small Gaia-X 25.11 credential)');
const tCanon = await measure(canonOnly);
const tExpand = await measure(() => jsonld.expand(credential, { documentLoader: plainLoader, safe: true }));
const tToRdf = await measure(() => jsonld.toRDF(credential, { documentLoader: plainLoader, safe: true }));
console.log(`  expand (context processing cached by jsonld)  ${fmt(tExpand)}`);
console.log(`  toRDF  (expand + flatten to quads)             ${fmt(tToRdf)}`);
console.log(
  `  canonize (toRDF + URDNA2015)                   ${fmt(tCanon)}   URDNA2015 alone ≈ ${(tCanon - tToRdf).toFixed(3)} ms`,
);

const floors: Record<string, { sign: number; verify: number }> = {};
for (const [name, r] of Object.entries(raw)) {
  const sig = sign(r.alg, digest, r.opts(r.key) as KeyObject);
  const tSign = await measure(() => sign(r.alg, digest, r.opts(r.key) as KeyObject));
  const tVerify = await measure(() => verify(r.alg, digest, r.opts(r.pub) as KeyObject, sig));
  floors[name] = { sign: tCanon + tSign, verify: tCanon + tVerify };
  console.log(`  raw ${name.padEnd(7)} sign ${fmt(tSign)}  verify ${fmt(tVerify)}`);
}

// Suites that also sign their proof options canonicalize a second document; the algorithm's own
// floor adds that canonicalization (measured with jsonld alone, documents shaped like the suites').
const proofOptions = (type: string, extra: Record<string, string> = {}) => ({
  '@context': [
    ...credential['@context'],
    ...(type === 'JsonWebSignature2020'
      ? ['https://w3id.org/security/suites/jws-2020/v1']
      : type === 'Ed25519Signature2020'
        ? ['https://w3id.org/security/suites/ed25519-2020/v1']
        : []),
  ],
  type,
  created: '2026-11-24T10:00:00Z',
  proofPurpose: 'assertionMethod',
  verificationMethod: `${did}#key`,
  ...extra,
});
const canonOf = (doc: unknown) => () =>
  jsonld.canonize(doc, {
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
    documentLoader: plainLoader,
    safe: true,
  });
const secondCanon: Partial<Record<SuiteId, number>> = {
  'jws2020-ccg': await measure(canonOf(proofOptions('JsonWebSignature2020'))),
  'ed25519-2020': await measure(canonOf(proofOptions('Ed25519Signature2020'))),
  'eddsa-rdfc-2022': await measure(canonOf(proofOptions('DataIntegrityProof', { cryptosuite: 'eddsa-rdfc-2022' }))),
};
for (const [suite, ms] of Object.entries(secondCanon))
  console.log(`  proof options canonicalization for ${suite.padEnd(16)} ${fmt(ms)}`);

console.log(
  '\n== suites: ×floor = time / (canonicalize + raw signature); ×alg = time / (every canonicalization the algorithm needs + raw signature)',
);
console.log(
  `   signing validates first (nothing invalid is signed): its ×alg adds one JSON-LD expansion (${tExpand.toFixed(3)} ms), the least validation needs`,
);
console.log(
  "   (the canonizer remembers recent expansions: vc-jose shares the gate's; suites whose proof options repeat canonicalize them once)",
);
const cases: [SuiteId, string, string][] = [
  ['jws2020', 'rsa', 'RSA'],
  ['jws2020', 'p256', 'P-256'],
  ['jws2020-ccg', 'rsa', 'RSA'],
  ['ed25519-2020', 'ed', 'Ed25519'],
  ['eddsa-rdfc-2022', 'ed', 'Ed25519'],
  ['vc-jose', 'rsa', 'RSA'],
  ['vc-jose', 'ed', 'Ed25519'],
];
const rows: string[] = [];
// The canonizer remembers the last few expansions (so the signing gate and the signature expand a
// credential once): every signature gets a credential of its own, and verification cycles through
// more signed credentials than it remembers, so no measured operation is served from that memory.
let serial = 0;
const fresh = () => ({ ...credential, id: `${String(credential.id)}/${serial++}` });
for (const [suite, keyId, type] of cases) {
  const signedSet: unknown[] = [];
  for (let i = 0; i < 64; i++) {
    const secured = await svc.signCredential(fresh(), { suite, keyId });
    signedSet.push(secured.format === 'jwt' ? secured.jwt : secured.document);
  }
  const check = await svc.verify(signedSet[0], { skipX5u: true });
  if (!check.valid) throw new Error(`${suite} did not verify: ${JSON.stringify(check.checks)}`);
  let v = 0;
  const tSign = await measure(() => svc.signCredential(fresh(), { suite, keyId }));
  const tVerify = await measure(() => svc.verify(signedSet[v++ % signedSet.length], { skipX5u: true }));
  const f = floors[type]!;
  const extra = secondCanon[suite] ?? 0;
  rows.push(
    `  ${`${suite} (${type})`.padEnd(26)} sign ${fmt(tSign)} ×floor ${(tSign / f.sign).toFixed(2)} ×alg ${(tSign / (f.sign + extra + tExpand)).toFixed(2)}   ` +
      `verify ${fmt(tVerify)} ×floor ${(tVerify / f.verify).toFixed(2)} ×alg ${(tVerify / (f.verify + extra)).toFixed(2)}`,
  );
  console.log(rows[rows.length - 1]);
}
await svc.close();
rmSync(dir, { recursive: true, force: true });

await benchInventory();
await benchValidate();
await benchService();
await benchOutbox();
await benchScale();
await benchEvents();
await benchKubernetesEvents();
await benchPkcs11();

console.log("\n== summary: issues 20 and 21's goals, each measured above against its floor in the same run");
for (const line of goals) console.log(`  ${line}`);

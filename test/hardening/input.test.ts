// Issue 8: bounded JSON-LD work, keys at rest, read-only commands that write nothing.
import t from 'tap';
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createCanonizer } from '../../src/credentials/canonize.js';
import { bundledContexts } from '../../src/credentials/contexts.js';
import { createDocumentLoader } from '../../src/credentials/document-loader.js';
import { KeyStore } from '../../src/credentials/keys/keystore.js';
import { PBKDF2_ITERATIONS } from '../../src/credentials/keys/pkcs8.js';
import { assertProductionReady, loadConfig } from '../../src/config/load.js';
import { validateCredentials } from '../../src/validate/validate.js';
import { loireCredential, tempGateway } from '../helpers/gateway.js';

const contexts = [...bundledContexts().values()];
const loader = createDocumentLoader(contexts);
const dir = mkdtempSync(join(tmpdir(), 'gxg-input-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** Nodes under one property (jsonld's node map was quadratic in them: 6 s for 20,000 before issue 8). */
function manyNodes(n: number) {
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `https://e.example/${i}`, 'https://e.example/p': `x${i}` }));
  return underOneProperty(nodes);
}

/**
 * Lists under one property: the node map compares each with every one before it (a list equals
 * only itself, and no index keys it: src/credentials/jsonld-values.ts), quadratic, and each list
 * is a blank node for the canonicalization. What the time budget is for.
 */
function quadratic(n: number) {
  return underOneProperty(Array.from({ length: n }, (_, i) => ({ '@list': [`x${i}`] })));
}

function underOneProperty(nodes: unknown[]) {
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1'],
    type: 'VerifiableCredential',
    issuer: 'did:web:x',
    issuanceDate: '2020-01-01T00:00:00Z',
    credentialSubject: { 'https://e.example/n': nodes },
  };
}

t.test('the time budget holds over expansion and canonicalization together', async (t) => {
  const c = createCanonizer(
    loader,
    // A budget a small credential meets even on a loaded machine with its contexts cold.
    { timeoutMs: 1500, maxWorkFactor: 1, maxDocumentBytes: 8_000_000, maxNodes: 1_000_000 },
    contexts,
  );
  t.teardown(() => c.close());
  await t.rejects(
    c.canonize(quadratic(40_000)),
    { code: 'canonize-bound', message: /time budget of 1500 ms/ },
    'the worker is ended at the deadline',
  );
  await t.rejects(c.toRdf(quadratic(40_000)), { code: 'canonize-bound' }, 'toRdf too');
  t.match(
    await c.canonize(loireCredential('did:web:x')),
    /<https:\/\/provider.example\/legal-person#subject>/,
    'and the next document is canonicalized (in-process, small)',
  );
  const medium = manyNodes(1500);
  t.ok(JSON.stringify(medium).length > 64 * 1024, 'a document over the worker threshold');
  const generous = createCanonizer(
    loader,
    { timeoutMs: 20_000, maxWorkFactor: 1, maxDocumentBytes: 8_000_000 },
    contexts,
  );
  t.teardown(() => generous.close());
  const nquads = await generous.canonize(medium);
  t.equal(
    nquads.split('\n').filter(Boolean).length,
    3000 + 4,
    'a large document is canonicalized in the worker, whole',
  );
  await t.rejects(
    generous.canonize({ '@context': 'https://evil.example/ctx', x: 1 }),
    { code: 'unknown-context' },
    'errors keep their codes across the worker',
  );
});

t.test('a document waiting behind another gets its own budget, and outlives its deadline', async (t) => {
  const c = createCanonizer(
    loader,
    { timeoutMs: 5000, maxWorkFactor: 1, maxDocumentBytes: 8_000_000, maxNodes: 1_000_000 },
    contexts,
  );
  t.teardown(() => c.close());
  // Both go to the one worker thread at once: the second waits while the first runs into its
  // deadline, and is then canonicalized by a new thread (it was failed with the first before).
  // (60,000 lists take ~50 s; the medium document well under a second, even on a busy machine and
  // with the new thread's start-up: a budget of 5 s for each.)
  const [hostile, medium] = await Promise.allSettled([c.canonize(quadratic(60_000)), c.canonize(manyNodes(1500))]);
  t.match(hostile, { status: 'rejected', reason: { code: 'canonize-bound' } });
  t.equal(medium.status, 'fulfilled', 'the document behind it is not failed with it');
  if (medium.status === 'fulfilled') t.equal(medium.value.split('\n').filter(Boolean).length, 3004);
});

t.test('node, depth and inline-context caps refuse before any JSON-LD work', async (t) => {
  const c = createCanonizer(
    loader,
    {
      timeoutMs: 5000,
      maxWorkFactor: 1,
      maxDocumentBytes: 8_000_000,
      maxNodes: 1000,
      maxDepth: 32,
      maxInlineContextBytes: 2048,
    },
    contexts,
  );
  t.teardown(() => c.close());
  await t.rejects(c.canonize(manyNodes(2000)), {
    code: 'too-large',
    message: /more than 1000 JSON objects and arrays \(jsonld\.maxNodes\)/,
  });
  let deep: unknown = 'x';
  for (let i = 0; i < 100_000; i++) deep = { 'https://e.example/p': deep };
  await t.rejects(
    c.canonize(deep),
    { code: 'too-large', message: /nested more than 32 levels/ },
    'deep nesting: no stack overflow',
  );
  const ctx = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`t${i}`, `https://e.example/t${i}`]));
  await t.rejects(c.canonize({ '@context': ctx, t1: 'x' }), {
    code: 'too-large',
    message: /jsonld\.maxInlineContextBytes/,
  });
  await t.rejects(
    c.canonize({ '@context': { '@import': 'https://evil.example/ctx' }, x: 1 }),
    { code: 'unknown-context', message: /evil\.example/ },
    '@import of a remote context is never fetched',
  );
});

t.test('validation reports progress and stays within the set bound', async (t) => {
  const gw = tempGateway();
  t.teardown(() => gw.cleanup());
  const seen: string[] = [];
  const creds = Array.from({ length: 3 }, (_, i) => ({
    credential: loireCredential(gw.service.did, `https://provider.example/c${i}`),
  }));
  await validateCredentials(creds, {
    canonizer: gw.service.canonizer,
    onProgress: (done, total, phase) => seen.push(`${phase}:${done}/${total}`),
  });
  t.same(seen.slice(0, 3), ['expanded:1/3', 'expanded:2/3', 'expanded:3/3']);
  t.match(seen.at(-1), /validating against the gaia-x-25.11 shapes/);
});

t.test('encrypted keys use PBKDF2 with 600,000 iterations; OpenSSL reads them', async (t) => {
  const keysDir = join(dir, 'enc');
  const store = KeyStore.open(keysDir, { passphrase: 'correct horse', passphraseEnv: 'P' });
  const info = await store.create({ type: 'P-256', id: 'k' });
  const pem = readFileSync(join(keysDir, 'k.key.pem'), 'utf8');
  t.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  t.ok(
    der.includes(Buffer.from([0x02, 0x03, 0x09, 0x27, 0xc0])),
    `the iteration count ${PBKDF2_ITERATIONS} is in the file`,
  );
  t.equal(
    createPrivateKey({ key: pem, passphrase: 'correct horse' }).asymmetricKeyType,
    'ec',
    'node:crypto decrypts it',
  );
  const openssl = spawnSync('openssl', ['pkey', '-passin', 'pass:correct horse', '-pubout'], {
    input: pem,
    encoding: 'utf8',
  });
  if (openssl.error) t.comment('openssl not installed');
  else t.match(openssl.stdout, /BEGIN PUBLIC KEY/, 'OpenSSL decrypts it too');
  await t.rejects(store.import({ pem: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' }), {
    code: 'bad-key',
    message: /not a (readable )?PEM private key/,
  });
  try {
    await store.import({ pem: 'garbage' });
  } catch (err) {
    t.notMatch((err as Error).message, /error:[0-9A-F]{8}|ERR_OSSL|DECODER routines/, 'no raw OpenSSL error string');
  }
  const wrong = KeyStore.open(keysDir, { passphrase: 'wrong', passphraseEnv: 'P' });
  t.throws(() => wrong.signer(info.id), { code: 'bad-key', message: /wrong passphrase in P/ });
});

t.test('read-only commands create no key folder; the DID document follows key changes', async (t) => {
  const keysDir = join(dir, 'lazy');
  const a = KeyStore.open(keysDir);
  t.same(a.list(), []);
  t.notOk(existsSync(keysDir), 'opening an empty key store writes nothing');
  const gw = tempGateway();
  t.teardown(() => gw.cleanup());
  const first = gw.service.didDocument();
  t.equal(gw.service.didDocument(), first, 'cached while the keys are unchanged');
  // Another process (here: another store on the same folder) adds a key.
  const other = KeyStore.open(gw.service.keys.dir);
  await other.create({ type: 'Ed25519', id: 'added-elsewhere' });
  const doc = (await gw.service.didDocument()) as { verificationMethod: { id: string }[] };
  t.ok(
    doc.verificationMethod.some((m) => m.id.endsWith('#added-elsewhere')),
    'rebuilt after a key change made elsewhere',
  );
});

t.test('a production configuration names its trust anchors', async (t) => {
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    require_write(p, text);
    return p;
  };
  const prod = loadConfig({ file: file('prod.yaml', 'publicBaseUrl: https://provider.example\n'), env: {} });
  t.throws(() => assertProductionReady(prod), {
    code: 'bad-config',
    message: /resolver\.trustAnchorFiles is required/,
  });
  t.doesNotThrow(
    () =>
      assertProductionReady(
        loadConfig({
          file: file('none.yaml', 'publicBaseUrl: https://provider.example\nresolver:\n  trustAnchorFiles: []\n'),
          env: {},
        }),
      ),
    '[] says so explicitly',
  );
  t.doesNotThrow(
    () => assertProductionReady(loadConfig({ env: {}, cwd: dir })),
    'the embedded demo default is not production',
  );
});

import { writeFileSync as require_write } from 'node:fs';

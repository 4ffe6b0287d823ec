// Issue 8: an adversarial corpus run through the CLI's commands (in-process, as `gx-gateway` runs
// them): each input is answered with a clear error, no stack trace, and nothing written.
import t from 'tap';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { loadConfig } from '../../src/config/load.js';
import { CredentialService } from '../../src/app/credential-service.js';
import { b64u } from '../../src/credentials/base64url.js';
import { loireCredential, tagusCredential } from '../helpers/gateway.js';

const dir = mkdtempSync(join(tmpdir(), 'gxg-corpus-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, 'gx-gateway.yaml');
writeFileSync(
  config,
  'publicBaseUrl: http://localhost:8080\nkeys:\n  dir: keys\njsonld:\n  canonizeTimeoutMs: 3000\nlimits:\n  maxInventoryBytes: 2000000\n',
);
const svc = CredentialService.open(loadConfig({ file: config, env: {} }));
t.teardown(() => svc.close());
await svc.keys.create({ type: 'RSA', rsaBits: 2048, id: 'rsa' });
await svc.attachDevChain('rsa');
const did = svc.did;

const put = (name: string, content: unknown) => {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return join(dir, name);
};

/** Run `gx-gateway --config … args` in this process (see test/helpers/cli.ts). */
const cli = (args: string[]) => runCli(['--config', config, ...args], { cwd: dir });

// The corpus.
// Written as text: JSON.stringify itself would overflow on it.
const deepText = (inner: string) => `${'{"https://e.example/p":'.repeat(100_000)}${inner}${'}'.repeat(100_000)}`;
const clique = Array.from({ length: 24 }, (_, i) => ({
  id: `_:b${i}`,
  'https://e.example/knows': Array.from({ length: 24 }, (_, j) => ({ id: `_:b${j}` })),
}));
const vpChallenged = (await svc.present([tagusCredential(did)], { suite: 'jws2020-ccg', challenge: 'abc' })) as {
  document: object;
};
const signer = svc.keys.signer('rsa');
const header = b64u(JSON.stringify({ alg: signer.alg, typ: 'vc+jwt', cty: 'vc', iss: did, kid: `${did}#rsa` }));
const payload = b64u(JSON.stringify({ ...loireCredential(did), exp: 1 }));
const expiredJwt = `${header}.${payload}.${b64u(await signer.sign(Buffer.from(`${header}.${payload}`)))}`;
const signedUntrusted = (await svc.signCredential(tagusCredential(did))) as { document: object };

// A proof that gets a verifier as far as canonicalizing the document (its signature is junk).
const proof = {
  type: 'JsonWebSignature2020',
  created: '2026-01-01T00:00:00Z',
  proofPurpose: 'assertionMethod',
  verificationMethod: `${did}#rsa`,
  jws: 'eyJhbGciOiJQUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..c2ln',
};
const corpus: Record<string, { file: string; expect: RegExp }> = {
  empty: { file: put('empty.json', ''), expect: /is empty/ },
  oversize: {
    file: put('oversize.json', { ...tagusCredential(did), pad: 'x'.repeat(5 * 1024 * 1024) }),
    expect: /more than the limit of 4194304 \(jsonld\.maxDocumentBytes\)/,
  },
  deep: {
    file: put(
      'deep.json',
      `{"@context":["https://www.w3.org/2018/credentials/v1"],"type":"VerifiableCredential","issuer":"${did}","credentialSubject":${deepText('"x"')},"proof":${JSON.stringify(proof)}}`,
    ),
    expect: /nested more than 64 levels|maxDepth|Maximum|too deep|nested/,
  },
  poison: {
    file: put('poison.json', {
      ...tagusCredential(did),
      credentialSubject: { id: 'https://e.example/s', 'https://e.example/graph': clique },
      proof,
    }),
    expect: /work bound|not valid JSON-LD|json-ld|safe mode|undefined|invalid/i,
  },
  'remote-context': {
    file: put('remote.json', {
      ...tagusCredential(did),
      '@context': ['https://www.w3.org/2018/credentials/v1', 'https://evil.example/ctx'],
      proof,
    }),
    expect: /https:\/\/evil\.example\/ctx" is not bundled/,
  },
  'import-context': {
    file: put('import.json', {
      ...tagusCredential(did),
      '@context': ['https://www.w3.org/2018/credentials/v1', { '@import': 'https://evil.example/ctx' }],
      proof,
    }),
    expect: /evil\.example\/ctx" is not bundled/,
  },
};

for (const [name, c] of Object.entries(corpus)) {
  t.test(`corpus: ${name}`, async (t) => {
    const commands = [
      ['verify', c.file],
      ['validate', '--profile', 'tagus-22.10', c.file],
      ['sign', c.file, '-o', join(dir, `${name}.signed.json`)],
    ];
    // Validation expands but never canonicalizes: a blank-node clique is only a poison to signatures.
    for (const args of name === 'poison' ? commands.filter((a) => a[0] !== 'validate') : commands) {
      const r = await cli(args);
      t.ok(r.code === 1 || r.code === 2, `${args[0]} exits 1 or 2 (${r.code})`);
      t.match(r.out + r.err, c.expect, `${args[0]}: says why`);
      t.notMatch(r.out + r.err, /\n\s+at .+:\d+:\d+/, `${args[0]}: no stack trace`);
      t.ok(
        r.out.length + r.err.length < 20_000,
        `${args[0]}: the input is not echoed (${r.out.length + r.err.length} characters)`,
      );
    }
    t.notOk(existsSync(join(dir, `${name}.signed.json`)), 'sign wrote nothing');
  });
}

t.test('corpus: describe refuses oversize and hostile inventories and writes nothing', async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ['big-inventory.json', { pad: 'x'.repeat(2_100_000) }, /limits\.maxInventoryBytes/],
    ['deep-inventory.json', deepText('1'), /inventory|schema|nested|must/i],
    ['not-json.json', '{"a": ', /is not JSON/],
  ];
  for (const [name, content, expect] of cases) {
    const out = join(dir, `described-${name}`);
    const r = await cli(['describe', put(name, content), '--profile', 'gaia-x-25.11', '-o', out]);
    t.ok(r.code === 1 || r.code === 2, `${name}: exit ${r.code}`);
    t.match(r.err, expect, `${name}: says why`);
    t.notMatch(r.err, /\n\s+at .+:\d+:\d+/, 'no stack trace');
    t.notOk(existsSync(out), 'nothing written');
  }
});

t.test('corpus: SSRF targets, replayed presentations, expired JWTs, untrusted roots (verify)', async (t) => {
  const ssrf = put('ssrf.json', {
    ...tagusCredential('did:web:169.254.169.254'),
    proof: {
      type: 'JsonWebSignature2020',
      verificationMethod: 'did:web:169.254.169.254#k',
      jws: 'eyJhbGciOiJQUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..c2ln',
    },
  });
  let r = await cli(['verify', ssrf]);
  t.equal(r.code, 1);
  t.match(r.out, /FAIL did-resolution: .*169\.254\.169\.254.*private, loopback and link-local addresses are blocked/);

  const replay = put('replay.json', vpChallenged.document);
  r = await cli(['verify', '--offline', '--challenge', 'something-else', replay]);
  t.equal(r.code, 1, 'a presentation made for another challenge is INVALID');
  t.match(r.out, /^INVALID presentation/);
  t.match(r.out, /FAIL challenge/);
  r = await cli(['verify', '--offline', '--challenge', 'abc', replay]);
  t.equal(r.code, 0, r.out);

  r = await cli(['verify', '--offline', put('expired.jwt', expiredJwt)]);
  t.equal(r.code, 1);
  t.match(r.out, /FAIL jwt-exp: the JWT expired at 1970-01-01T00:00:01\.000Z/);

  r = await cli(['verify', put('untrusted.json', signedUntrusted.document)]);
  t.equal(r.code, 0);
  t.match(r.out, /^VALID credential .*\(UNTRUSTED: trust anchor not checked\)/);
  t.match(r.out, /WARN x5u-trust-anchor: not checked/);
  r = await cli(['verify', '--json', join(dir, 'untrusted.json')]);
  t.equal((JSON.parse(r.out) as { trustAnchor: string }).trustAnchor, 'not-checked');
});

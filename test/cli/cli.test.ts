import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loireCredential, tagusCredential } from '../helpers/gateway.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { BIN } from '../helpers/root.js';
import { outputMatching } from '../helpers/wait.js';

// The CLI as users run it: the built bin (npm test builds first).

const cwd = mkdtempSync(join(tmpdir(), 'gxg-cli-'));
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));

// Most commands run in-process (the same program the bin runs); `serve` and `health` below spawn it.
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd, env });
const file = (name: string, content: unknown) => {
  writeFileSync(join(cwd, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return name;
};
const noStack = (t: { notMatch: (found: unknown, pattern: RegExp, message: string) => unknown }, text: string) =>
  t.notMatch(text, /\n\s+at .+:\d+:\d+/, 'no stack trace');

t.test('keys, did, sign, verify, present as documented', async (t) => {
  let r = await cli(['keys', 'list']);
  t.equal(r.code, 0);
  t.match(r.out, /no keys yet/);
  r = await cli(['keys', 'create', '--type', 'rsa', '--bits', '2048', '--dev-certificate']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /created RSA key rsa-\S+ \(active\)/);
  r = await cli(['keys', 'create', '--type', 'ed25519', '--id', 'ed']);
  t.equal(r.code, 0, r.err);
  r = await cli(['keys', 'list', '--json']);
  const keys = JSON.parse(r.out) as { id: string; active: boolean; hasChain: boolean }[];
  t.equal(keys.length, 2);
  t.ok(keys[0]!.active && keys[0]!.hasChain);
  t.notMatch(r.out, /PRIVATE|"d":/);
  for (const f of readdirSync(join(cwd, '.gx-gateway/keys')).filter((f) => f.endsWith('.key.pem'))) {
    t.equal(statSync(join(cwd, '.gx-gateway/keys', f)).mode & 0o777, 0o600);
  }

  r = await cli(['did', '--json']);
  t.equal(r.code, 0);
  const did = (JSON.parse(r.out) as { id: string }).id;
  t.equal(did, 'did:web:localhost%3A8080', 'embedded default DID');

  file('tagus.json', tagusCredential(did));
  r = await cli(['sign', '--suite', 'jws2020', 'tagus.json', '-o', 'tagus.signed.json']);
  t.equal(r.code, 0, r.err);
  r = await cli(['verify', 'tagus.signed.json']);
  t.equal(r.code, 0, r.out + r.err);
  t.match(r.out, /^VALID credential .*\[JsonWebSignature2020\]/);
  t.match(r.out, /ok {3}signature: valid JsonWebSignature2020 \(Gaia-X flavour\)/);
  t.match(r.out, /ok {3}x5u-chain/);
  r = await cli(['verify', '--json', 'tagus.signed.json']);
  t.equal((JSON.parse(r.out) as { valid: boolean }).valid, true);

  const signed = JSON.parse(readFileSync(join(cwd, 'tagus.signed.json'), 'utf8')) as {
    credentialSubject: Record<string, string>;
  };
  signed.credentialSubject['gx:legalName'] = 'Mallory Cloud';
  file('tampered.json', signed);
  r = await cli(['verify', 'tampered.json']);
  t.equal(r.code, 1, 'invalid → exit 1');
  t.match(r.out, /^INVALID credential/);
  t.match(r.out, /FAIL signature: the signature does not match the document/);

  file('loire.json', loireCredential(did));
  r = await cli(['sign', '--suite', 'vc-jose', 'loire.json', '-o', 'loire.jwt']);
  t.equal(r.code, 0, r.err);
  t.match(readFileSync(join(cwd, 'loire.jwt'), 'utf8'), /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+\n$/);
  r = await cli(['verify', 'loire.jwt']);
  t.equal(r.code, 0, r.out);
  r = await cli(['present', '--suite', 'vc-jose', 'loire.jwt', 'loire.json', '-o', 'vp.jwt']);
  t.equal(r.code, 0, r.err);
  r = await cli(['verify', '--json', 'vp.jwt']);
  const vp = JSON.parse(r.out) as { valid: boolean; kind: string; credentials: unknown[] };
  t.ok(vp.valid);
  t.equal(vp.kind, 'presentation');
  t.equal(vp.credentials.length, 2);
  r = await cli(['sign', '--suite', 'eddsa-rdfc-2022', 'loire.json']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /"cryptosuite": "eddsa-rdfc-2022"/);
  r = await cli(['contexts']);
  t.match(r.out, /https:\/\/w3id\.org\/gaia-x\/development# {2}\(contexts\/gaia-x\/25\.11\/gx\.context\.jsonld\)/);
});

t.test('errors say what to fix, without stack traces', async (t) => {
  let r = await cli(['sign', 'missing.json']);
  t.equal(r.code, 2);
  t.equal(r.err, 'gx-gateway: cannot read missing.json: no such file\n');
  r = await cli(['sign', '--suite', 'rsa', 'tagus.json']);
  t.equal(r.code, 2);
  t.match(r.err, /--suite must be one of jws2020, jws2020-ccg, ed25519-2020, eddsa-rdfc-2022, vc-jose/);
  const rsaId = (JSON.parse((await cli(['keys', 'list', '--json'])).out) as { id: string }[])[0]!.id;
  r = await cli(['sign', '--suite', 'ed25519-2020', '--key', rsaId, 'tagus.json']);
  t.equal(r.code, 1);
  t.match(r.err, new RegExp(`suite ed25519-2020 cannot sign with RSA key ${rsaId}; it needs Ed25519`));
  noStack(t, r.err);
  file('bad.yaml', 'publicBaseUrl: https://x.example\nserver:\n  port: "many"\n');
  r = await cli(['--config', 'bad.yaml', 'did']);
  t.equal(r.code, 2);
  t.match(r.err, /server\.port must be integer/);
  r = await cli(['verify', 'bad.yaml']);
  t.equal(r.code, 2, 'input that is no credential at all is a usage error, as for every command');
  t.match(r.err, /bad\.yaml holds neither a JSON credential/);
  r = await cli(['bogus']);
  t.equal(r.code, 2);
  t.match(r.err, /unknown command 'bogus'/);
});

t.test('encrypted keys need the passphrase variable', async (t) => {
  file('enc.yaml', 'publicBaseUrl: https://provider.example\nkeys:\n  dir: enc-keys\n');
  let r = await cli(['--config', 'enc.yaml', 'keys', 'create', '--type', 'p-256', '--id', 'p'], {
    GXG_KEY_PASSPHRASE: 's3cret',
  });
  t.equal(r.code, 0, r.err);
  t.match(readFileSync(join(cwd, 'enc-keys/p.key.pem'), 'utf8'), /ENCRYPTED PRIVATE KEY/);
  file('loire2.json', loireCredential('did:web:provider.example'));
  r = await cli(['--config', 'enc.yaml', 'sign', '--suite', 'vc-jose', 'loire2.json']);
  t.equal(r.code, 1);
  t.match(r.err, /key p is encrypted: set GXG_KEY_PASSPHRASE/);
  r = await cli(['--config', 'enc.yaml', 'sign', '--suite', 'vc-jose', 'loire2.json'], {
    GXG_KEY_PASSPHRASE: 's3cret',
  });
  t.equal(r.code, 0, r.err);
});

t.test('serve: the embedded default with development keys', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gxg-serve-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: dir,
    env: { PATH: process.env.PATH, GXG_SERVER__PORT: String(port), GXG_PUBLIC_BASE_URL: `http://localhost:${port}` },
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await outputMatching(child, /gx-gateway started/);
  t.match(log, /gx-gateway started/);
  t.match(log, /generated a development key/);
  const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string; did: string };
  t.same(health.status, 'ok');
  t.equal(health.did, `did:web:localhost%3A${port}`);
  const doc = (await (await fetch(`http://127.0.0.1:${port}/.well-known/did.json`)).json()) as {
    verificationMethod: { publicKeyJwk?: { x5u?: string } }[];
  };
  t.equal(doc.verificationMethod.length, 3, 'RSA + Ed25519 (JWK and Multikey)');
  const x5u = doc.verificationMethod[0]!.publicKeyJwk!.x5u!;
  t.match(await (await fetch(x5u.replace('localhost', '127.0.0.1'))).text(), /BEGIN CERTIFICATE/);
  const hc = spawnSync(process.execPath, [BIN, 'health'], {
    cwd: dir,
    env: { PATH: process.env.PATH, GXG_SERVER__PORT: String(port), GXG_PUBLIC_BASE_URL: `http://localhost:${port}` },
    encoding: 'utf8',
  });
  t.equal(hc.status, 0, `gx-gateway health: ${hc.stdout}`);
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'stops cleanly on SIGTERM');
  t.notMatch(log, /PRIVATE KEY|"d":"/, 'no key material in the log');
  const down = spawnSync(process.execPath, [BIN, 'health'], {
    cwd: dir,
    env: { PATH: process.env.PATH, GXG_SERVER__PORT: String(port), GXG_PUBLIC_BASE_URL: `http://localhost:${port}` },
    encoding: 'utf8',
  });
  t.equal(down.status, 1, 'health fails when the server is down');
});

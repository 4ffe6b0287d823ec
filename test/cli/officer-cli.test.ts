// The officer's and admin's commands, as an operator types them: against the store directly (beside
// a running gateway in approval mode) and against the running gateway with --url and a token.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { officerKey, opensslSign } from '../helpers/officer.js';
import { removeDir, settledRun, startService } from '../helpers/service.js';

const db = sqliteDatabase();
const svc = await startService(db.location, { signing: { mode: 'approval' } });
t.teardown(async () => {
  await svc.close();
  await db.drop();
  removeDir(svc.dir);
});
await settledRun(svc.url);
const cfg = join(svc.dir, 'gx-gateway.yaml');
const cli = (...args: string[]) => runCli(['-c', cfg, ...args], { cwd: svc.dir });
const rsa = officerKey('rsa', 'cli-officer');
writeFileSync(join(svc.dir, 'officer.pub.pem'), rsa.publicPem);

t.test('tokens and officer keys, against the store directly', async (t) => {
  const made = await cli('tokens', 'create', 'release-bot', '--role', 'officer', '--json');
  t.equal(made.code, 0, made.err);
  const token = JSON.parse(made.out) as { id: string; token: string; roles: string[] };
  t.same(token.roles, ['officer']);
  writeFileSync(join(svc.dir, 'officer.token'), token.token, { mode: 0o600 });
  const who = await fetch(`${svc.url}/admin/whoami`, { headers: { authorization: `Bearer ${token.token}` } });
  t.same(await who.json(), { name: 'token:release-bot', roles: ['officer'] }, 'the running gateway accepts it at once');
  const list = await cli('tokens', 'list');
  t.match(list.out, /release-bot\s+officer/);
  t.notMatch(list.out, token.token, 'never the token itself');
  const bad = await cli('tokens', 'create', 'x', '--role', 'superuser');
  t.equal(bad.code, 2);
  t.match(bad.err, /roles are admin, operator, officer, reader/);

  const add = await cli('officers', 'add', 'cli-officer', '--officer', 'Carla', '--pem', 'officer.pub.pem');
  t.equal(add.code, 0, add.err);
  t.match(add.out, /registered cli-officer \(RSA PS256\) as did:web:gateway\.test#cli-officer/);
  writeFileSync(join(svc.dir, 'private.pem'), rsa.privatePem);
  const priv = await cli('officers', 'add', 'oops', '--officer', 'Carla', '--pem', 'private.pem');
  t.equal(priv.code, 1);
  t.match(priv.err, /private key: register the public key only/);
  t.match((await cli('officers', 'list')).out, /cli-officer\s+Carla\s+RSA PS256/);
});

t.test('drafts: list, show, sign elsewhere, reject, approve, revoke', async (t) => {
  const list = JSON.parse((await cli('drafts', 'list', '--json')).out) as {
    sets: { cloud: string; drafts: { id: string; profile: string }[] }[];
  };
  const drafts = list.sets.flatMap((s) => s.drafts);
  t.ok(drafts.length > 50, `${drafts.length} drafts`);
  t.match((await cli('drafts', 'list')).out, /demo · gaia-x-25\.11: \d+ drafts/);
  const [a, b] = drafts.filter((d) => d.profile === 'gaia-x-25.11' && !d.id.includes('-scs/'));
  t.match((await cli('drafts', 'show', a!.id)).out, /a new resource/);

  const input = await cli('signing-input', a!.id, '--key', 'cli-officer', '-o', 'input.bin');
  t.equal(input.code, 0, input.err);
  t.match(input.out, /openssl dgst -sha256 -sign KEY\.pem -sigopt rsa_padding_mode:pss/);
  writeFileSync(join(svc.dir, 'signature.bin'), opensslSign(rsa, readFileSync(join(svc.dir, 'input.bin'))));
  const wrong = await cli('attach-signature', b!.id, 'signature.bin', '--key', 'cli-officer');
  t.equal(wrong.code, 2, 'a signature over another draft');
  t.match(wrong.err, /does not verify/);
  const attached = await cli('attach-signature', a!.id, 'signature.bin', '--key', 'cli-officer');
  t.equal(attached.code, 0, attached.err);
  t.match(attached.out, /signature verified; published .* \(signed with did:web:gateway\.test#cli-officer\)/);
  const served = await fetch(`${svc.url}${new URL(a!.id).pathname}`);
  t.equal(served.status, 200, 'the running gateway serves it');

  const none = await cli('drafts', 'approve');
  t.equal(none.code, 2);
  t.match(none.err, /name the drafts, or --cloud/);
  const rej = await cli('drafts', 'reject', b!.id, '--reason', 'not yet announced');
  t.equal(rej.code, 0, rej.err);
  t.match((await cli('drafts', 'list')).out, /rejected\s+\S+ \(cli:[^:]+: not yet announced\)/);
  const ok = await cli('drafts', 'approve', '--cloud', 'demo');
  t.equal(ok.code, 0, ok.err);
  t.match(ok.out, new RegExp(`approved and published ${drafts.length - 2}`));
  t.match((await cli('drafts', 'list')).out, /nothing waits for a decision/);

  const keep = await cli('officers', 'remove', 'cli-officer');
  t.equal(keep.code, 1, 'a key that signed a published credential stays');
  t.match(keep.err, /1 published credentials are signed with cli-officer/);
  const rev = await cli('revoke', a!.id, '--reason', 'superseded by contract');
  t.equal(rev.code, 0, rev.err);
  await new Promise((r) => setTimeout(r, 2100)); // another instance's change shows within 2 s (row memory)
  t.equal((await fetch(`${svc.url}${new URL(a!.id).pathname}`)).status, 410);
  const gone = await cli('officers', 'remove', 'cli-officer');
  t.equal(gone.code, 0, gone.err);
  await new Promise((r) => setTimeout(r, 5500)); // the gateway reloads officer keys every 5 s
  const did = (await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as {
    verificationMethod: { id: string }[];
  };
  t.notOk(
    did.verificationMethod.some((m) => m.id.endsWith('#cli-officer')),
    'gone from the DID document',
  );
});

t.test('against the running gateway (--url, --token-file)', async (t) => {
  const r = await cli('drafts', 'list', '--url', svc.url, '--token-file', 'officer.token');
  t.equal(r.code, 0, r.err);
  t.match(r.out, /nothing waits for a decision \(http:\/\/127\.0\.0\.1:\d+\)/);
  const forbidden = await cli('tokens', 'list', '--url', svc.url, '--token-file', 'officer.token');
  t.equal(forbidden.code, 1);
  t.match(forbidden.err, /403 this needs the admin role; token:release-bot has officer/);
  const noToken = await cli('drafts', 'list', '--url', svc.url);
  t.equal(noToken.code, 2);
  t.match(noToken.err, /--url needs a token/);
});

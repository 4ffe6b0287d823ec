// The README's "Keys in an HSM (PKCS#11)" walkthrough, as one script in a scratch folder of the
// checkout (npx finds the project's bin): a SoftHSM2 token initialised there, a key made inside it,
// listed as living in the token, a credential signed through it and verified; the key folder holds
// only the index.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../helpers/root.js';
import { SOFTHSM_MODULE } from '../helpers/softhsm.js';
import { patience } from '../helpers/wait.js';

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.split('## Keys in an HSM (PKCS#11)')[1]!.split('\n## ')[0]!;
const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;

if (!existsSync(SOFTHSM_MODULE)) {
  t.plan(0, 'SoftHSM2 is not installed (apt-get install softhsm2)');
} else {
  const scratch = mkdtempSync(join(root, '.readme-hsm-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  cpSync(join(root, 'examples'), join(scratch, 'examples'), { recursive: true });
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_')));
  delete env.SOFTHSM2_CONF;
  const r = spawnSync('/bin/bash', ['-c', `set -e\n${block}`], {
    cwd: scratch,
    encoding: 'utf8',
    env,
    timeout: patience(120_000),
  });
  t.equal(r.status, 0, `${r.stderr.slice(-1500)}${r.stdout.slice(-500)}`);
  t.match(r.stdout, /created P-256 key provider-p256 in the PKCS#11 token \(label provider-p256\) \(active\)/);
  t.match(r.stdout, /\*\s+provider-p256\s+P-256\s+ES256\s+pkcs11:provider-p256/, 'keys list: where the key lives');
  t.match(r.stdout, /VALID credential .*JsonWebSignature2020/, 'signed through the token, verified');
  t.match(r.stdout, /ok\s+jws: detached JWS, alg ES256/);
  t.same(readdirSync(join(scratch, '.hsm', 'keys')), ['keystore.json'], 'no private key file');
}

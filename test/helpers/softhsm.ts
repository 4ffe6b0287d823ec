import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's SoftHSM2 module (package softhsm2, installed by .ci/run). */
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

/**
 * A SoftHSM2 token initialised for this test file in a temporary folder (SOFTHSM2_CONF points the
 * module at it; set before the module is first loaded in this process). `skip` when SoftHSM2 is not
 * installed.
 */
export function softhsmToken(
  label = 'gx-test',
  pin = '1234',
): { module: string; label: string; pin: string; dir: string; remove(): void } | { skip: string } {
  if (!existsSync(SOFTHSM_MODULE) || spawnSync('softhsm2-util', ['--version']).status !== 0)
    return { skip: 'SoftHSM2 is not installed (apt-get install softhsm2)' };
  const dir = mkdtempSync(join(tmpdir(), 'gxg-softhsm-'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${dir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  process.env.SOFTHSM2_CONF = conf;
  const init = spawnSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', `${pin}-so`],
    { encoding: 'utf8', env: { ...process.env, SOFTHSM2_CONF: conf } },
  );
  if (init.status !== 0) throw new Error(`softhsm2-util --init-token: ${init.stderr}${init.stdout}`);
  return { module: SOFTHSM_MODULE, label, pin, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

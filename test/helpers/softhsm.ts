import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';

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

/**
 * The token opened over its module directly, without the gateway's code (tests and the bench look
 * at what the token holds, or make keys the gateway would not): its slot, a session (read-write with
 * `rw`; the process's login applies), a private key's handle by label.
 */
export function rawToken(module: string, tokenLabel: string, rw = false) {
  const P = pkcs11js;
  const p11 = new P.PKCS11();
  p11.load(module);
  const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === tokenLabel)!;
  const session = p11.C_OpenSession(slot, P.CKF_SERIAL_SESSION | (rw ? P.CKF_RW_SESSION : 0));
  return {
    p11,
    slot,
    session,
    privateKey(label: string): Buffer | undefined {
      p11.C_FindObjectsInit(session, [
        { type: P.CKA_CLASS, value: P.CKO_PRIVATE_KEY },
        { type: P.CKA_LABEL, value: label },
      ]);
      try {
        return p11.C_FindObjects(session) ?? undefined;
      } finally {
        p11.C_FindObjectsFinal(session);
      }
    },
    close: () => p11.C_CloseSession(session),
  };
}

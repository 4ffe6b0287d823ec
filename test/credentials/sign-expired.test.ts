import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loireCredential, tagusCredential, tempGateway } from '../helpers/gateway.js';
import { runCli } from '../helpers/cli.js';

const gw = tempGateway();
t.teardown(() => gw.cleanup());
await gw.service.keys.create({ type: 'Ed25519', id: 'ed' });
const expired = { ...loireCredential(gw.service.did), validUntil: '2020-01-01T00:00:00Z' };

t.test('a credential whose validity has ended is not signed unless asked for', async (t) => {
  await t.rejects(gw.service.signCredential(expired, { suite: 'vc-jose' }), {
    code: 'bad-credential',
    message: /expired on 2020-01-01T00:00:00Z \(validUntil\).*--allow-expired/,
  });
  await t.rejects(
    gw.service.signCredential(
      { ...tagusCredential(gw.service.did), expirationDate: '2021-01-01T00:00:00Z' },
      { suite: 'jws2020', keyId: 'ed' },
    ),
    { message: /\(expirationDate\)/ },
  );
  await t.rejects(
    gw.service.present([expired], { suite: 'vc-jose' }),
    { code: 'bad-credential' },
    'present does not sign it either',
  );
  const signed = await gw.service.signCredential(expired, { suite: 'vc-jose', allowExpired: true });
  t.equal(signed.format, 'jwt');

  writeFileSync(join(gw.dir, 'expired.json'), JSON.stringify(expired));
  let r = await runCli(['--config', gw.configFile, 'sign', '--suite', 'vc-jose', 'expired.json'], { cwd: gw.dir });
  t.equal(r.code, 1);
  t.match(r.err, /refusing to sign it/);
  r = await runCli(['--config', gw.configFile, 'sign', '--suite', 'vc-jose', '--allow-expired', 'expired.json'], {
    cwd: gw.dir,
  });
  t.equal(r.code, 0, r.err);
  t.match(r.err, /warning: signing a credential that expired on 2020-01-01T00:00:00Z/);
});

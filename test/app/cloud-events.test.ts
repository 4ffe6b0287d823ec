// The notification settings are checked at start: a clear error that names what to fix (the
// variable, never its value: the URL holds the broker's password).
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cloudEvents } from '../../src/app/cloud-events.js';
import { loadConfig } from '../../src/config/load.js';
import { createMetrics } from '../../src/http/metrics.js';
import type { CloudRunner } from '../../src/pipeline/runner.js';
import type { Store } from '../../src/store/store.js';

const quiet = { info() {}, warn() {}, error() {} };
const dir = mkdtempSync(join(tmpdir(), 'gxg-cloud-events-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const events = (notifications: Record<string, unknown>, env: Record<string, string>, useSources = true) => {
  const file = join(dir, 'gx-gateway.yaml');
  writeFileSync(
    file,
    stringify({
      publicBaseUrl: 'https://provider.example',
      sources: { openstack: [{ cloud: 'production', notifications }] },
      clouds: [{ id: 'production', useSources }],
    }),
  );
  const loaded = loadConfig({ file, env: {} });
  return cloudEvents(loaded, {
    runner: { holder: 'test' } as CloudRunner,
    store: {} as Store,
    metrics: createMetrics(),
    log: quiet,
    leaseMs: 1000,
    env,
  });
};

t.test('the broker URL: set, amqps, or amqp to loopback', async (t) => {
  t.throws(() => events({ urlEnv: 'OPENSTACK_AMQP_URL' }, {}), {
    code: 'bad-config',
    message: /sources\.openstack\[0\]\.notifications\.urlEnv: the variable OPENSTACK_AMQP_URL is not set/,
  });
  t.throws(() => events({ urlEnv: 'U' }, { U: 'https://rabbit.example' }), { message: /amqps:\/\/ or amqp:\/\// });
  t.throws(() => events({ urlEnv: 'U' }, { U: 'not a url' }), { message: /U does not hold a URL/ });
  let err: Error | undefined;
  try {
    events({ urlEnv: 'U' }, { U: 'amqp://gx:s3cret-password@rabbit.example:5672/openstack' });
  } catch (e) {
    err = e as Error;
  }
  t.match(err, {
    code: 'bad-config',
    message: /amqp:\/\/ \(no TLS\) to another host: use amqps:\/\/, or set .*allowPlaintext/,
  });
  t.notMatch(err?.message, /s3cret/, 'the password is never part of a message');
  const plain = events({ urlEnv: 'U', allowPlaintext: true }, { U: 'amqp://gx:pw@rabbit.example:5672/openstack' });
  t.ok(plain, 'unless the operator allows it');
  t.ok(events({ urlEnv: 'U' }, { U: 'amqp://guest:guest@127.0.0.1:5672/gxosl' }), 'loopback');
  t.ok(events({ urlEnv: 'U' }, { U: 'amqps://gx:pw@rabbit.example:5671/openstack' }), 'TLS');
  t.equal(events({ urlEnv: 'U' }, {}, false), undefined, 'no cloud reads these sources: nothing to consume');
});

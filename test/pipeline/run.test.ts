// The pipeline as a scheduler will call it: introspect the demo cloud, describe both profiles,
// validate as one set, sign what conforms; verified independently of the signing code.
import t from 'tap';
import { demoSources } from '../../src/app/demo.js';
import { DEMO_PROVIDER } from '../../src/config/load.js';
import { startDemoCloud } from '../../src/demo/cloud.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { tempGateway } from '../helpers/gateway.js';

const gw = tempGateway({ signing: { defaultSuite: 'vc-jose' }, provider: DEMO_PROVIDER });
t.teardown(() => gw.cleanup());
await gw.service.keys.create({ type: 'Ed25519', id: 'ed' });
const demo = await startDemoCloud();
t.teardown(() => demo.close());
const { spec, env } = demoSources(demo, { HOME: '/nonexistent' });
const provider = gw.service.loaded.config.provider;
const describeCtx = () => ({
  provider: provider!,
  baseUrl: gw.service.loaded.config.publicBaseUrl,
  issuer: gw.service.did,
  issued: '2026-11-24T00:00:00Z',
});

t.test('introspect → describe → validate → sign, one call', async (t) => {
  t.ok(provider, 'the configuration has a provider');
  const run = await runPipeline(spec, {
    env,
    profiles: ['gaia-x-25.11'],
    describe: describeCtx(),
    canonizer: gw.service.canonizer,
    signer: gw.service,
  });
  t.same(
    run.inventory.sources.map((s) => s.status),
    ['ok', 'ok', 'ok', 'ok'],
  );
  const p = run.profiles[0]!;
  t.equal(p.failed.length, 0);
  t.notOk(p.refused);
  t.equal(p.signed.size, p.set.credentials.length, 'every credential of the set is signed');
  const first = [...p.signed.values()][0]!;
  t.equal(first.format, 'jwt');
  const report = await gw.service.verify(first.format === 'jwt' ? first.jwt : first.document, { skipX5u: true });
  t.ok(report.valid);
  t.ok(run.timings.introspectMs >= 0 && run.timings.signMs >= 0);
});

t.test('without a signer: described and validated only (for an officer to approve)', async (t) => {
  const run = await runPipeline(spec, {
    env,
    profiles: ['tagus-22.10'],
    describe: describeCtx(),
    canonizer: gw.service.canonizer,
  });
  t.equal(run.profiles[0]!.signed.size, 0);
  t.ok(run.profiles[0]!.set.credentials.length > 0);
});

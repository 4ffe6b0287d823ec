import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inventoryProblems } from '../../src/inventory/schema.js';
import { startFakeOpenStack } from '../../src/demo/openstack.js';
import { runCli } from '../helpers/cli.js';
import { fromRoot } from '../helpers/root.js';
import { outputMatching } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'gxg-introspect-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
// In-process, like the bin (the fakes serve from this process while the command runs).
const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, env: { HOME: dir, ...env } });

t.test('introspect --demo: every source, a valid inventory, byte-identical twice', async (t) => {
  const a = await cli(['introspect', '--demo', '-o', 'a.json']);
  t.equal(a.code, 0, a.err);
  t.match(a.err, /openstack:demo: ok/);
  t.match(
    a.err,
    /inventory sha256:[0-9a-f]{64}: 36 flavors, 4 images, 3 volume types, 1 external networks, 1 Kubernetes clusters, 3 datacenters, 1 conformance reports/,
  );
  const b = await cli(['introspect', '--demo', '-q', '-o', 'b.json']);
  t.equal(b.code, 0);
  t.equal(b.err, '', '--quiet');
  const first = readFileSync(join(dir, 'a.json'), 'utf8');
  const normal = (s: string) => s.replace(/127\.0\.0\.1:\d+/g, 'HOST').replace(/"contentHash": "[^"]+"/, '');
  t.equal(
    normal(readFileSync(join(dir, 'b.json'), 'utf8')),
    normal(first),
    "byte-identical but for the demo's random ports (and the hash over them)",
  );
  const inv = JSON.parse(first) as { sources: { status: string }[]; run?: unknown };
  t.same(inventoryProblems(inv), []);
  t.same(
    inv.sources.map((s) => s.status),
    ['ok', 'ok', 'ok', 'ok'],
  );
  t.notOk(inv.run, 'no volatile run block unless --timing');
  const timed = JSON.parse((await cli(['introspect', '--demo', '-q', '--timing'])).out) as {
    run: { sources: { requests: number }[] };
  };
  t.ok(
    timed.run.sources.some((s) => s.requests > 0),
    '--timing adds request counts',
  );
  t.notMatch(
    first + a.err,
    /gx-inventory-secret|netbox-demo-token|BEGIN (EC )?PRIVATE/,
    'no secret in output or progress',
  );
});

t.test('exit codes: non-zero only when every source failed', async (t) => {
  const fake = await startFakeOpenStack();
  t.teardown(() => fake.close());
  writeFileSync(join(dir, 'clouds.yaml'), fake.cloudsYaml('fake'));
  const good = await cli(['introspect', '--cloud', 'fake', '--netbox', 'http://127.0.0.1:9', '-q']);
  t.equal(good.code, 0, 'OpenStack ok, NetBox unreachable → still 0');
  const inv = JSON.parse(good.out) as { sources: { id: string; status: string; errors: string[] }[] };
  t.match(
    inv.sources.find((s) => s.id === 'netbox'),
    { status: 'failed', errors: [/ECONNREFUSED|failed/] },
  );
  const bad = await cli(['introspect', '--cloud', 'fake', '-q'], { OS_PASSWORD: 'wrong' });
  t.equal(bad.code, 1, 'every source failed → 1');
  t.match(JSON.parse(bad.out), {
    sources: [
      { status: 'failed', errors: [/cloud "fake": Keystone at .* rejected the password credentials \(HTTP 401\)/] },
    ],
  });
  t.notMatch(bad.err + bad.out, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  const none = await cli(['introspect']);
  t.equal(none.code, 2);
  t.match(none.err, /nothing to introspect: pass --cloud, --kubeconfig, --netbox or --scs-report/);
  const missing = await cli(['introspect', '--cloud', 'nope']);
  t.equal(missing.code, 2);
  t.match(missing.err, /cloud "nope" is not in .*clouds\.yaml \(it has: fake\)/);
});

t.test('the fakes run on their own, as the README says', async (t) => {
  const { spawn } = await import('node:child_process');
  for (const [name, expect] of [
    ['openstack', /fake OpenStack at http:\/\/127\.0\.0\.1:\d+\n[\s\S]*auth_url/],
    ['kubernetes', /fake Kubernetes API at https:\/\/127\.0\.0\.1:\d+/],
    ['netbox', /fake NetBox at http:\/\/127\.0\.0\.1:\d+ \(token /],
  ] as const) {
    const child = spawn(process.execPath, [fromRoot('dist', 'src', 'demo', `${name}.js`)]);
    const [out] = await outputMatching(child, expect, 20_000);
    t.match(out, expect, `${name} fake starts and prints its address`);
    child.kill();
  }
});

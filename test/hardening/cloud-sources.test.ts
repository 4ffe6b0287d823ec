// Issue 18: a cloud added over the API (operator role) names only the files, secrets and networks
// the configuration offers (api.cloudSources), against a real gateway over HTTP and loopback
// listeners that count what they receive and which headers they saw.
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteDatabase } from '../helpers/databases.js';
import { json, listener } from '../helpers/listener.js';
import { fromRoot } from '../helpers/root.js';
import { ADMIN_TOKEN, removeDir, settledRun, startService } from '../helpers/service.js';

// Secrets of the gateway's process: only the first two are offered to API-added clouds.
process.env.TEST_NETBOX_OFFERED = 'offered-netbox-token';
process.env.TEST_LAB_ONLY = 'lab-only-token';
process.env.TEST_HIDDEN_SECRET = 'hidden-passphrase-do-not-send';

const dir = mkdtempSync(join(tmpdir(), 'gxg-sources-'));
const sources = join(dir, 'sources');
mkdirSync(sources);
mkdirSync(join(sources, 'a-folder'));
writeFileSync(join(dir, 'outside-secret.txt'), 'TOP-SECRET-CONTENT: 42\n');
writeFileSync(
  join(sources, 'kube.yaml'),
  `apiVersion: v1
kind: Config
current-context: k
contexts: [{ name: k, context: { cluster: c, user: u } }]
clusters: [{ name: c, cluster: { server: 'https://k8s.invalid:6443' } }]
users: [{ name: u, user: { token: kube-token } }]
`,
);
writeFileSync(join(sources, 'broken.yaml'), 'apiVersion: v1\npassword: hunter2-SECRET\n  nested: [\n');
copyFileSync(fromRoot('data', 'demo', 'scs-report-iaas.yaml'), join(sources, 'report.yaml'));
symlinkSync(join(dir, 'outside-secret.txt'), join(sources, 'escape.yaml'));

// Somewhere the gateway must never send anything.
const trap = await listener();
const foreign = await listener(undefined, '127.0.0.2');
// A NetBox on loopback (allowed for the cloud `lab` only), whose answers each case sets.
let mode: 'partial' | 'foreign-next' | 'redirect' = 'partial';
const site = (id: number) => ({
  id,
  slug: `site-${id}`,
  name: `Site ${id}`,
  status: { value: 'active' },
  region: null,
  custom_fields: { country_code: 'DE' },
});
const netbox = await listener((req, res, self) => {
  const url = new URL(req.url ?? '/', self.url);
  if (url.pathname === '/api/status/') return json(res, { 'netbox-version': '4.1.0' });
  if (mode === 'redirect' && url.pathname === '/api/dcim/sites/') {
    res.writeHead(302, { location: `${foreign.url}/api/dcim/sites/` });
    return res.end();
  }
  if (url.pathname === '/api/dcim/regions/') return json(res, { detail: 'boom' }, 500);
  if (url.pathname === '/api/dcim/locations/') return json(res, { results: [], next: null });
  if (url.pathname === '/api/dcim/sites/') {
    if (url.searchParams.get('offset') !== '1')
      return json(res, {
        results: [site(1)],
        next:
          mode === 'foreign-next'
            ? `${foreign.url}/api/dcim/sites/?limit=1&offset=1`
            : `${self.url}/api/dcim/sites/?limit=1&offset=1`,
      });
    return json(res, { results: [site(2)], next: null });
  }
  json(res, { detail: 'not found' }, 404);
});

const db = sqliteDatabase();
const svc = await startService(
  db.location,
  {
    clouds: [],
    scheduler: { enabled: false },
    api: {
      adminTokenSha256: createHash('sha256').update(ADMIN_TOKEN).digest('hex'),
      rateLimitPerMinute: 100000,
      authFailuresPerMinute: 100000,
      cloudSources: {
        dir: 'sources',
        secrets: ['TEST_NETBOX_OFFERED', { name: 'TEST_LAB_ONLY', clouds: ['lab'] }],
        networks: [{ cidr: '127.0.0.0/8', clouds: ['lab'] }],
        allowHttp: true,
      },
    },
  },
  dir,
);
t.teardown(async () => {
  await svc.close();
  await Promise.all([trap.close(), foreign.close(), netbox.close()]);
  await db.drop();
  removeDir(dir);
});

const call = async (path: string, token: string, init: { method?: string; body?: unknown } = {}) => {
  const r = await fetch(`${svc.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type') ?? '', text, body: JSON.parse(text || 'null') };
};
const made = async (role: string) =>
  (await call('/admin/tokens', ADMIN_TOKEN, { method: 'POST', body: { name: `as-${role}`, roles: [role] } })).body
    .token as string;
const operator = await made('operator');
const reader = await made('reader');
const putCloud = (id: string, src: unknown) =>
  call('/admin/clouds', operator, { method: 'POST', body: { id, profiles: ['gaia-x-25.11'], sources: src } });
const runOf = async (t: Test, id: string) => {
  const started = await call(`/admin/clouds/${id}/runs`, operator, { method: 'POST' });
  t.equal(started.status, 202, `a run of ${id} starts`);
  await settledRun(svc.url, id);
  const { runs } = (await call(`/admin/runs?cloud=${id}&limit=1`, reader)).body as {
    runs: { state: string; error: string | null; provenance: { errors: string[] }[]; summary: unknown }[];
  };
  return runs[0]!;
};
const storedClouds = async () =>
  ((await call('/admin/clouds', operator)).body.clouds as { id: string }[]).map((c) => c.id).sort();

t.test('secrets: only variables api.cloudSources.secrets offers, for the clouds it offers them to', async (t) => {
  for (const [id, src, why] of [
    ['x', { netbox: { url: 'https://netbox.example', tokenEnv: 'TEST_HIDDEN_SECRET' } }, /api\.cloudSources\.secrets/],
    ['x', { netbox: { url: 'https://netbox.example', tokenEnv: 'GXG_KEY_PASSPHRASE' } }, /api\.cloudSources\.secrets/],
    ['x', { netbox: { url: 'https://netbox.example', tokenEnv: 'PATH' } }, /api\.cloudSources\.secrets/],
    ['other', { netbox: { url: 'https://netbox.example', tokenEnv: 'TEST_LAB_ONLY' } }, /not a secret/],
    ['lab', { netbox: { url: trap.url, tokenEnv: 'TEST_HIDDEN_SECRET' } }, /not a secret/],
  ] as const) {
    const r = await putCloud(id, src);
    t.equal(r.status, 400, `${id} naming ${src.netbox.tokenEnv}: refused`);
    t.match(r.type, /^application\/problem\+json/);
    t.match(r.body.detail, why);
  }
  t.same(await storedClouds(), [], 'nothing stored');
  t.equal(trap.seen.length, 0, 'nothing was sent');
  const ok = await putCloud('lab', { netbox: { url: netbox.url, tokenEnv: 'TEST_LAB_ONLY' } });
  t.equal(ok.status, 201, 'an offered secret, for the cloud it is offered to');
  t.same(ok.body.sources, { netbox: { url: netbox.url, tokenEnv: 'TEST_LAB_ONLY' } }, 'the name, never the value');
  t.notMatch(JSON.stringify(ok.body), /lab-only-token/);
});

t.test('networks: loopback, private, link-local and metadata addresses are refused at input', async (t) => {
  for (const url of [
    'https://169.254.169.254/latest/meta-data/',
    'https://127.0.0.1:5432/',
    'https://127.0.0.1:6379/',
    'https://[::1]:5672/',
    'https://[::ffff:127.0.0.1]/',
    'https://10.0.0.1/',
    'https://192.168.1.1/',
    'https://0.0.0.0/',
    trap.url, // plain http to loopback, for a cloud no network is allowed for
  ]) {
    const r = await putCloud('x', { netbox: { url, tokenEnv: 'TEST_NETBOX_OFFERED' } });
    t.equal(r.status, 400, `${url}: refused`);
    t.match(r.body.detail, /private, loopback and link-local addresses are blocked|must be https/);
  }
  const creds = await putCloud('x', { netbox: { url: 'https://user:pw@netbox.example/' } });
  t.equal(creds.status, 400, 'no credentials in the URL');
  t.same(await storedClouds(), ['lab']);
  t.equal(trap.seen.length, 0);
});

t.test(
  'files: only inside api.cloudSources.dir; no answer tells what a file outside holds or whether it exists',
  async (t) => {
    const outsideDetail = (p: string, d: string) => d.replace(p, '<path>');
    const details = new Set<string>();
    for (const path of [
      '/etc/shadow',
      '/etc/passwd',
      '/etc/no-such-file-at-all',
      '/proc/self/environ',
      '../outside-secret.txt',
      '../gx-gateway.yaml',
      '../keys',
      'escape.yaml', // a link inside that points outside
      'a-folder/../../outside-secret.txt',
    ]) {
      const r = await putCloud('x', { kubernetes: [{ kubeconfig: path }] });
      t.equal(r.status, 400, `kubeconfig ${path}: refused`);
      t.notMatch(r.text, /TOP-SECRET|root:|hunter2|publicBaseUrl|BEGIN/, 'quotes nothing of the file');
      details.add(outsideDetail(path, r.body.detail as string));
    }
    t.equal(details.size, 1, 'the same words for every path outside, existing or not');
    t.match([...details][0], /is not a file of the folder API-added clouds may name \(api\.cloudSources\.dir\)/);
    for (const [src, why] of [
      [{ scsReports: ['/etc/shadow'] }, /api\.cloudSources\.dir/],
      [{ netbox: { url: 'https://netbox.example', caFile: '/etc/ssl/private/server.key' } }, /api\.cloudSources\.dir/],
      [{ scsReports: ['a-folder'] }, /not a readable file/],
      [{ scsReports: ['no-such-report.yaml'] }, /there is no/],
      [{ kubernetes: [{ kubeconfig: 'broken.yaml' }] }, /not valid YAML \(line \d+, column \d+/],
    ] as const) {
      const r = await putCloud('x', src);
      t.equal(r.status, 400, JSON.stringify(src));
      t.match(r.body.detail, why);
      t.notMatch(r.text, /hunter2|TOP-SECRET/, 'no message quotes file content');
    }
    const inside = await putCloud('kube', {
      kubernetes: [{ kubeconfig: 'kube.yaml' }],
      scsReports: ['report.yaml'],
    });
    t.equal(inside.status, 201, 'files inside the folder are accepted');
    t.same(await storedClouds(), ['kube', 'lab']);
  },
);

t.test(
  'a run: the token goes to the configured NetBox only; redirects and foreign next links are not followed',
  async (t) => {
    const lab = await runOf(t, 'lab');
    t.equal(lab.state, 'partial', 'regions failed: partial');
    const summary = JSON.stringify(lab.summary);
    t.match(summary, /names no unknown parts: all it describes is treated as unknown/, 'and it says so');
    t.ok(netbox.seen.length >= 4);
    t.ok(
      netbox.seen.every((s) => s.headers.authorization === 'Token lab-only-token'),
      'every request carries the offered token',
    );
    t.notOk(JSON.stringify(netbox.seen).includes('hidden-passphrase'), 'never another secret');

    mode = 'foreign-next';
    const next = await runOf(t, 'lab');
    t.match(JSON.stringify(next.provenance), /next link leaves http:\/\/127\.0\.0\.1:\d+ \(not followed/);
    t.not(next.state, 'succeeded');
    mode = 'redirect';
    const moved = await runOf(t, 'lab');
    t.match(JSON.stringify(moved.provenance), /answered HTTP 302, a redirect: redirects are not followed/);
    t.notMatch(JSON.stringify(moved.provenance), /not iterable/);
    t.equal(foreign.seen.length, 0, 'the other host received nothing');
  },
);

t.test('run records do not tell a closed port from an open one', async (t) => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const hangup = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => hangup.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => hangup.close(() => resolve())));
  const open = (hangup.address() as AddressInfo).port;
  const texts: string[] = [];
  for (const port of [closed, open]) {
    t.equal((await putCloud('lab', { netbox: { url: `http://127.0.0.1:${port}` } })).status, 200);
    const run = await runOf(t, 'lab');
    const text = JSON.stringify(run.provenance).replaceAll(String(port), '<port>');
    t.notMatch(text, /ECONNREFUSED|other side closed|socket hang up|ECONNRESET/);
    t.match(text, /no answer/);
    texts.push(text);
  }
  t.equal(texts[0], texts[1], 'a refused and a reset connection read the same');
});

t.test(
  'each run checks again: a cloud stored before the policy cannot reach a secret, a file or a network',
  async (t) => {
    const store = svc.gw.service.store;
    const legacy = async (id: string, src: unknown) =>
      store.clouds.put(
        {
          id,
          name: id,
          sources: JSON.stringify(src),
          profiles: '["gaia-x-25.11"]',
          interval_seconds: 3600,
          enabled: 1,
        },
        'test',
      );
    await legacy('old-secret', { netbox: { url: 'https://netbox.example', tokenEnv: 'TEST_HIDDEN_SECRET' } });
    await legacy('old-dns', { netbox: { url: `https://localhost:${trap.port}`, tokenEnv: 'TEST_NETBOX_OFFERED' } });
    await legacy('old-file', { kubernetes: [{ kubeconfig: '/etc/shadow' }] });
    const secret = await runOf(t, 'old-secret');
    t.equal(secret.state, 'failed');
    t.match(secret.error, /api\.cloudSources\.secrets/);
    const dns = await runOf(t, 'old-dns');
    t.match(
      JSON.stringify(dns.provenance),
      /refusing to connect to localhost \(127\.0\.0\.1\)/,
      'a name that resolves to loopback',
    );
    const file = await runOf(t, 'old-file');
    t.match(file.error, /api\.cloudSources\.dir/);
    t.notMatch(JSON.stringify(file), /root:/);
    t.equal(trap.seen.length, 0, 'nothing reached the trap');
  },
);

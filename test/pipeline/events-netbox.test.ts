// Issue 21: NetBox webhooks. NetBox's event rule POSTs a site change to /hooks/netbox/{cloud}, in the
// three body forms of its releases, signed with X-Hook-Signature (HMAC-SHA512 of the body under the
// shared secret); the gateway runs the cloud and the new site is in its inventory. Unsigned, forged,
// replayed, stale, malformed and oversized deliveries are refused with problem+json and counted.
import t from 'tap';
import { createHmac } from 'node:crypto';
import { netboxDelivery, startFakeNetBox } from '../../src/demo/netbox.js';
import { pythonIsoformat, pythonJson } from '../../src/demo/python.js';
import { parseDelivery, signatureHolds } from '../../src/inventory/netbox/webhook.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { removeDir, settledRun, startService, ADMIN } from '../helpers/service.js';
import { until } from '../helpers/openstack-api.js';

const SECRET = 'nb-webhook-secret-0123456789abcdef';
const netbox = await startFakeNetBox();
process.env.GXT_NETBOX_TOKEN = netbox.token;
process.env.GXT_NETBOX_HOOK_SECRET = SECRET;
const db = sqliteDatabase();
const svc = await startService(db.location, {
  clouds: [{ id: 'nb', name: 'NetBox-described cloud', useSources: true, intervalSeconds: 3600 }],
  sources: {
    netbox: { url: netbox.url, tokenEnv: 'GXT_NETBOX_TOKEN', webhook: { secretEnv: 'GXT_NETBOX_HOOK_SECRET' } },
  },
  scheduler: { tickSeconds: 0.2, events: { quietSeconds: 0.2, minIntervalSeconds: 0 } },
});
t.teardown(async () => {
  await svc.close();
  await netbox.close();
  await db.drop();
  removeDir(svc.dir);
});
const hook = `${svc.url}/hooks/netbox/nb`;
const store = svc.gw.service.store;
const post = (url: string, d: { body: Buffer | string; headers: Record<string, string> }) =>
  fetch(url, {
    method: 'POST',
    headers: d.headers,
    body: typeof d.body === 'string' ? d.body : new Uint8Array(d.body),
  });
const signed = (body: string | Buffer, secret = SECRET) => ({
  body,
  headers: {
    'content-type': 'application/json',
    'x-hook-signature': createHmac('sha512', secret).update(body).digest('hex'),
  },
});
const site = { id: 9, url: '/api/dcim/sites/9/', name: 'Other', slug: 'other' };
const latestInventory = async () =>
  (
    await store.db
      .selectFrom('inventories')
      .select(['body', 'created_at'])
      .where('cloud_id', '=', 'nb')
      .orderBy('created_at', 'desc')
      .executeTakeFirst()
  )?.body ?? '';

t.test('the first run reads NetBox', async (t) => {
  const first = await settledRun(svc.url, 'nb', 120_000);
  t.equal(first.state, 'succeeded', JSON.stringify(first.error));
  t.match(await latestInventory(), 'Berlin DC A');
});

for (const release of ['4.0', '4.6', '4.7'] as const)
  t.test(`a site renamed in NetBox ${release}: the webhook is accepted and the cloud runs`, async (t) => {
    netbox.webhooks.splice(0, netbox.webhooks.length, { url: hook, secret: SECRET, release });
    const name = `Berlin DC A (renamed under ${release})`;
    const started = Date.now();
    const [answer] = await netbox.updateSite(1, { name });
    t.equal(answer!.status, 202, answer!.body);
    t.same(JSON.parse(answer!.body), {
      accepted: true,
      type: 'netbox.dcim.site.updated',
      resource: 'dcim.site/1',
      run: true,
    });
    await until('the inventory with the new name', async () =>
      (await latestInventory()).includes(name) ? true : undefined,
    );
    t.comment(`site renamed → webhook → run → inventory: ${Date.now() - started} ms`);

    const runs = (
      (await (await fetch(`${svc.url}/admin/runs?cloud=nb&limit=5`, { headers: ADMIN })).json()) as {
        runs: {
          trigger: string;
          state: string;
          summary: { cause?: { types: Record<string, number>; resources: string[] } };
        }[];
      }
    ).runs;
    t.ok(
      runs.some(
        (r) =>
          r.trigger === 'event' &&
          r.summary.cause?.types['netbox.dcim.site.updated'] &&
          r.summary.cause.resources.includes('dcim.site/1'),
      ),
      'an event run caused by the webhook',
    );
  });

t.test('the deliveries NetBox makes: Python JSON bytes, signature, timestamp', async (t) => {
  t.equal(pythonJson({ a: [1, 'ü'], b: null, c: 52.52 }), '{"a": [1, "\\u00fc"], "b": null, "c": 52.52}');
  t.match(pythonIsoformat(new Date('2026-12-04T20:15:30.123Z')), '2026-12-04T20:15:30.123000+00:00');
  const d = netboxDelivery({
    release: '4.7',
    secret: SECRET,
    event: 'deleted',
    objectType: 'dcim.location',
    data: { id: 2 },
  });
  t.ok(signatureHolds(d.body, d.headers['X-Hook-Signature']!, SECRET));
  t.notOk(signatureHolds(d.body, d.headers['X-Hook-Signature']!, `${SECRET}x`));
  t.notOk(signatureHolds(d.body, 'abc', SECRET), 'a short signature');
  t.match(parseDelivery(d.body), { event: 'deleted', objectType: 'dcim.location', objectId: '2' });
  t.match(
    parseDelivery(
      netboxDelivery({ release: '4.0', secret: '', event: 'created', objectType: 'dcim.region', data: { id: 7 } }).body,
    ),
    {
      objectType: 'dcim.region',
      objectId: '7',
      requestId: /-/,
    },
  );
});

t.test('refused: unsigned, forged, replayed, stale, malformed, oversized, unknown cloud', async (t) => {
  const problem = async (res: Response, status: number, detail: RegExp) => {
    t.equal(res.status, status);
    t.match(res.headers.get('content-type'), /application\/problem\+json/);
    t.match(((await res.json()) as { detail: string }).detail, detail);
  };
  const fresh = () =>
    netboxDelivery({ release: '4.6', secret: SECRET, event: 'updated', objectType: 'dcim.site', data: site });
  const unsigned = netboxDelivery({
    release: '4.6',
    secret: '',
    event: 'updated',
    objectType: 'dcim.site',
    data: site,
  });
  await problem(await post(hook, unsigned), 401, /X-Hook-Signature is missing/);
  const forged = fresh();
  forged.headers['X-Hook-Signature'] = createHmac('sha512', 'a-guessed-secret-0000').update(forged.body).digest('hex');
  await problem(await post(hook, forged), 401, /does not match/);
  // The body changed in transit under a valid signature of the original.
  const tampered = fresh();
  const altered = Buffer.from(tampered.body.toString().replace('"Other"', '"Evil"'));
  await problem(await post(hook, { body: altered, headers: tampered.headers }), 401, /does not match/);

  const once = fresh();
  t.equal((await post(hook, once)).status, 202, 'a delivery');
  await problem(await post(hook, once), 409, /accepted before/);
  await problem(await post(`${svc.url}/hooks/netbox/nb`, once), 409, /accepted before/);

  const old = netboxDelivery({
    release: '4.7',
    secret: SECRET,
    event: 'updated',
    objectType: 'dcim.site',
    data: site,
    timestamp: new Date(Date.now() - 3600_000),
  });
  await problem(await post(hook, old), 409, /more than 300 s old/);
  await problem(await post(hook, signed('not json at all')), 400, /not JSON/);
  await problem(await post(hook, signed(JSON.stringify({ event: 'updated', data: {} }))), 400, /object_type/);
  const big = signed(
    JSON.stringify({
      event: 'updated',
      object_type: 'dcim.site',
      timestamp: pythonIsoformat(new Date()),
      data: { x: 'y'.repeat(300 * 1024) },
    }),
  );
  await problem(await post(hook, big), 413, /./);
  await problem(await post(`${svc.url}/hooks/netbox/elsewhere`, fresh()), 404, /no configured cloud/);

  // Another object type: accepted and counted, no run.
  const device = netboxDelivery({
    release: '4.6',
    secret: SECRET,
    event: 'created',
    objectType: 'dcim.device',
    data: { id: 5 },
  });
  const res = await post(hook, device);
  t.equal(res.status, 202);
  t.match(await res.json(), { type: 'netbox.dcim.device.created', run: false });

  const metrics = await (await fetch(`${svc.url}/metrics`, { headers: ADMIN })).text();
  for (const [outcome, n] of [
    ['unsigned', 1],
    ['forged', 2],
    ['replayed', 2],
    ['stale', 1],
    ['malformed', 2],
    ['oversized', 1],
  ] as const)
    t.match(metrics, new RegExp(`gxg_hooks_total\\{cloud="nb",outcome="${outcome}"\\} ${n}\\b`), outcome);
  t.match(metrics, /gxg_hooks_total\{cloud="\(unknown\)",outcome="unknown-cloud"\} 1\b/);
});

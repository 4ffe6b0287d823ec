// The notification envelope, read defensively. The well-formed messages are those the real services
// of openstack-lite sent (test/fixtures/openstack-notifications.json says how they were recorded),
// not written from the documentation; test/pipeline/events-real.test.ts consumes them live.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { MAX_NOTIFICATION_BYTES, parseNotification } from '../../src/inventory/openstack/notifications.js';
import { fromRoot } from '../helpers/root.js';

interface Recorded {
  exchange: string;
  routingKey: string;
  body: string;
}
const recorded = (
  JSON.parse(readFileSync(fromRoot('test/fixtures/openstack-notifications.json'), 'utf8')) as { messages: Recorded[] }
).messages;
const byType = (type: string) =>
  recorded.find(
    (r) =>
      parseNotification(Buffer.from(r.body), r.exchange).ok &&
      JSON.parse(JSON.parse(r.body)['oslo.message']).event_type === type,
  );

t.test('each recorded notification parses, with the resource it is about', async (t) => {
  t.ok(recorded.length >= 5, `${recorded.length} recorded messages`);
  for (const r of recorded) {
    const p = parseNotification(Buffer.from(r.body), r.exchange);
    t.ok(p.ok, `${r.exchange} ${r.routingKey}`);
  }
  const image = byType('image.activate');
  t.ok(image, 'Glance: image.activate');
  const n = parseNotification(Buffer.from(image!.body), 'glance');
  t.match(n, {
    ok: true,
    notification: { eventType: 'image.activate', effect: 'images', exchange: 'glance', versioned: false },
  });
  t.match((n as { notification: { resourceId: string } }).notification.resourceId, /^[0-9a-f-]{36}$/);
  const flavor = byType('flavor.create');
  t.ok(flavor, 'Nova: flavor.create, versioned');
  t.match(parseNotification(Buffer.from(flavor!.body), 'nova'), {
    ok: true,
    notification: { effect: 'flavors', versioned: true, resourceId: /.+/ },
  });
  const network = byType('network.create.end');
  t.ok(network, 'Neutron: network.create.end');
  t.match(parseNotification(Buffer.from(network!.body), 'neutron'), {
    ok: true,
    notification: { effect: 'networks', resourceId: /.+/ },
  });
  const project = byType('identity.project.created');
  t.ok(project, 'Keystone: identity.project.created (basic: the id only)');
  t.match(parseNotification(Buffer.from(project!.body), 'keystone'), {
    ok: true,
    notification: { effect: 'projects', resourceId: /.+/ },
  });
});

t.test('what is not a notification is a reason, never an exception', async (t) => {
  const bad = (body: string | Buffer) =>
    parseNotification(typeof body === 'string' ? Buffer.from(body) : body, 'glance');
  t.same(bad('not json'), { ok: false, reason: 'not JSON' });
  t.same(bad('[1]'), { ok: false, reason: 'not a JSON object' });
  t.same(bad('{"oslo.message": 5}'), { ok: false, reason: 'oslo.message is not a string' });
  t.same(bad('{"oslo.message": "{"}'), { ok: false, reason: 'oslo.message is not JSON' });
  t.same(bad('{"oslo.message": "[]"}'), { ok: false, reason: 'oslo.message is not a JSON object' });
  t.same(bad(JSON.stringify({ 'oslo.message': JSON.stringify({ message_id: 'x' }) })), {
    ok: false,
    reason: 'no event_type',
  });
  t.same(bad(JSON.stringify({ 'oslo.message': JSON.stringify({ event_type: 'image.create' }) })), {
    ok: false,
    reason: 'no message_id',
  });
  t.match(bad(Buffer.alloc(MAX_NOTIFICATION_BYTES + 1, 32)), { ok: false, reason: /larger than/ });
  const odd = bad(
    JSON.stringify({
      'oslo.message': JSON.stringify({ event_type: 'image.create', message_id: 'm', payload: { id: { nested: 1 } } }),
    }),
  );
  t.match(odd, { ok: true, notification: { eventType: 'image.create', effect: 'images' } });
  t.notOk(
    (odd as { notification: { resourceId?: string } }).notification.resourceId,
    'an id that is not a string is not an id',
  );
  t.match(
    bad(JSON.stringify({ event_type: 'compute.instance.create.end', message_id: 'm' })),
    { ok: true, notification: { effect: undefined } },
    'an unwrapped (messaging v1) message is read too; an event that changes nothing described has no effect',
  );
});

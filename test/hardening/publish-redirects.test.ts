// Issue 18: the clearing-house and catalogue clients follow no redirect (a write sent again to
// another host would carry the body and the token there), over real HTTP from a real gateway; and
// the listing's type filter takes `%` and `_` as themselves.
import t from 'tap';
import { COMPLIANCE_TARGET } from '../../src/publish/deliveries.js';
import { json, listener } from '../helpers/listener.js';
import { gatewayWithPeers, until } from '../helpers/peers.js';
import { settledRun, type ServiceUnderTest } from '../helpers/service.js';

// Where the redirects point: it must receive nothing.
const elsewhere = await listener();
// A catalogue and a clearing house that answer every write with a redirect to elsewhere.
const moved = await listener((req, res) => {
  if (req.url === '/token')
    return json(res, { access_token: 'catalogue-token-0123456789', token_type: 'Bearer', expires_in: 300 });
  res.writeHead(307, { location: `${elsewhere.url}${req.url}` });
  res.end();
});
const gw: { svc?: ServiceUnderTest } = {};
const svc = await gatewayWithPeers(
  t,
  gw,
  {
    publish: {
      catalogues: [
        {
          name: 'moved',
          api: '2025',
          url: moved.url,
          tokenUrl: `${moved.url}/token`,
          clientId: 'gx-gateway',
          allowHttp: true,
        },
      ],
      clearingHouses: [{ name: 'moved-ch', tagusUrl: moved.url, allowHttp: true }],
      outbox: { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50, maxAttempts: 3 },
    },
  },
  [moved, elsewhere],
);
const store = svc.gw.service.store;

t.test('writes to a peer that redirects are not sent on; the error says where it pointed', async (t) => {
  t.equal((await settledRun(svc.url)).state, 'succeeded');
  const failedWith = async (target: string) => {
    let error = '';
    await until(async () => {
      const items = await store.outbox.list({ target, limit: 1000 });
      error = items.find((i) => i.last_error)?.last_error ?? '';
      return error !== '';
    });
    return error;
  };
  const catalogue = await failedWith('moved');
  t.match(
    catalogue,
    /answered 307, a redirect to http:\/\/127\.0\.0\.1:\d+\/self-descriptions: redirects are not followed/,
  );
  const compliance = await failedWith(COMPLIANCE_TARGET);
  t.match(compliance, /moved-ch: .*answered 307, a redirect to .*redirects are not followed/);
  t.ok(
    moved.seen.some(
      (s) => s.method === 'POST' && s.url === '/self-descriptions' && /^Bearer /.test(String(s.headers.authorization)),
    ),
    'the catalogue upload was made, with its token',
  );
  t.ok(moved.seen.some((s) => s.method === 'POST' && s.url.startsWith('/api/credential-offers')));
  t.equal(elsewhere.seen.length, 0, 'nothing (no body, no token) reached the host the redirects named');
});

t.test('the type filter: % and _ are themselves, not wildcards', async (t) => {
  const count = async (type: string) => {
    const r = await fetch(`${svc.url}/credentials?limit=1000&type=${encodeURIComponent(type)}`);
    t.equal(r.status, 200);
    return ((await r.json()) as { items: unknown[] }).items.length;
  };
  t.ok((await count('ServerFlavor')) > 0, 'a type lists its credentials');
  for (const pattern of ['%', '_', 'Server%', 'ServerFlavo_', '%Flavor'])
    t.equal(await count(pattern), 0, `${pattern} matches no type`);
});

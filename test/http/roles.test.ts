// Who may call what: every operation of openapi.yaml × every role, with API tokens and with OIDC
// access tokens from a real (fake) identity provider on loopback; bad OIDC tokens are refused.
import t from 'tap';
import { operations } from '../../src/http/openapi.js';
import { accessOf, type Access } from '../../src/http/route.js';
import { startFakeOidc } from '../../src/demo/oidc.js';
import { createApiToken } from '../../src/approval/access.js';
import { contractErrors } from '../helpers/contract.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { ADMIN, removeDir, startService } from '../helpers/service.js';

const idp = await startFakeOidc({ audience: 'gx-gateway' });
const db = sqliteDatabase();
const svc = await startService(db.location, {
  scheduler: { enabled: false },
  auth: {
    oidc: { issuer: idp.issuer, audience: 'gx-gateway', allowHttp: true, roleMap: { 'gx-compliance': 'officer' } },
  },
});
t.teardown(async () => {
  await svc.close();
  await idp.close();
  await db.drop();
  removeDir(svc.dir);
});

const ROLES = ['admin', 'operator', 'officer', 'reader'] as const;
const IMPLIED: Record<string, string[]> = {
  admin: ['admin', 'operator', 'reader'],
  operator: ['operator', 'reader'],
  officer: ['officer', 'reader'],
  reader: ['reader'],
};

const send = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
  const r = await fetch(`${svc.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, type: r.headers.get('content-type'), body: await r.text(), headers: r.headers };
};

// One API token per role, made through the API by the admin (shown once); an admin is not an
// officer and cannot make one: the officer's token is made on the host, as `gx-gateway tokens create` does.
const tokens: Record<string, string> = {};
/** An officer token made on the gateway host (the store), not through the API. */
const hostOfficerToken = async (name: string) => createApiToken(svc.gw.service.store, name, ['officer'], 'cli');
t.test('an admin makes a token per role, except officer', async (t) => {
  for (const role of ROLES) {
    const r = await send('POST', '/admin/tokens', ADMIN, { name: `matrix-${role}`, roles: [role] });
    t.same(contractErrors('createToken', r.status, r.type, r.body), []);
    if (role === 'officer') {
      t.equal(r.status, 403, 'an admin cannot make an officer token');
      t.match(JSON.parse(r.body).detail, /an admin is not an officer/);
      const mixed = await send('POST', '/admin/tokens', ADMIN, { name: 'matrix-mixed', roles: ['reader', 'officer'] });
      t.equal(mixed.status, 403, 'nor one that holds the officer role among others');
      tokens[role] = (await hostOfficerToken(`matrix-${role}`)).token;
      continue;
    }
    t.equal(r.status, 201, `token for ${role}`);
    t.equal(r.headers.get('cache-control'), 'no-store', 'the token is not cached anywhere');
    tokens[role] = (JSON.parse(r.body) as { token: string }).token;
  }
  const listed = JSON.parse((await send('GET', '/admin/tokens', ADMIN)).body) as { tokens: { name: string }[] };
  t.notOk(
    listed.tokens.some((x) => x.name === 'matrix-mixed'),
    'nothing stored for a refused token',
  );
});

/** A request each operation can take without changing anything: placeholders that answer 400 or 404. */
function requestFor(op: { method: string; path: string; spec: Record<string, unknown> }) {
  const path = op.path
    .replace('{cloudId}', 'no-such-cloud')
    .replace('{runId}', '00000000-0000-4000-8000-000000000000')
    .replace('{keyId}', 'no-such-key')
    .replace('{tokenId}', 'no-such-token')
    .replace('{itemId}', 'no-such-item');
  return { method: op.method, path, body: op.spec.requestBody ? {} : undefined };
}

const bearerOps = operations().filter((o) => accessOf(o).scheme === 'bearer');

t.test('the route × role matrix (API tokens)', async (t) => {
  t.ok(bearerOps.length >= 20, `${bearerOps.length} operations need a role`);
  for (const op of bearerOps) {
    const role = (accessOf(op) as Extract<Access, { role: string }>).role;
    const req = requestFor(op);
    const none = await send(req.method, req.path, {}, req.body);
    t.equal(none.status, 401, `${op.operationId} without a token: 401`);
    t.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    for (const who of ROLES) {
      const r = await send(req.method, req.path, { authorization: `Bearer ${tokens[who]}` }, req.body);
      if (IMPLIED[who]!.includes(role))
        t.not([401, 403].includes(r.status), true, `${op.operationId} as ${who}: allowed (${r.status})`);
      else {
        t.equal(r.status, 403, `${op.operationId} as ${who}: refused`);
        t.same(contractErrors(op.operationId, r.status, r.type, r.body), [], 'a declared problem');
      }
    }
  }
});

t.test('the review page: signed-in officers only', async (t) => {
  const sessionOps = operations().filter((o) => accessOf(o).scheme === 'session');
  t.ok(sessionOps.length >= 5);
  for (const op of sessionOps) {
    const r = await send(op.method, op.path, {}, op.method === 'POST' ? {} : undefined);
    if (op.method === 'GET') {
      t.equal(r.status, 303, `${op.operationId} without a session: to sign-in`);
      t.match(r.headers.get('location'), /\/review\/login$/);
    } else t.equal(r.status, 401, `${op.operationId} without a session: 401`);
  }
  // A reader signs in with a token: the officer's pages refuse it.
  const login = await fetch(`${svc.url}/review/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: tokens.reader! }),
  });
  t.equal(login.status, 303);
  const cookie = login.headers.get('set-cookie')!;
  t.match(cookie, /gxg_session=[\w-]+; Max-Age=\d+; Path=\/review; HttpOnly; SameSite=Lax/);
  const session = cookie.split(';')[0]!;
  t.equal((await send('GET', '/review', { cookie: session })).status, 403, 'a reader cannot review');
  const bad = await fetch(`${svc.url}/review/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: 'not-a-valid-token-at-all' }),
  });
  t.equal(bad.status, 303);
  t.match(bad.headers.get('location'), /\/review\/login$/);
  t.notMatch(bad.headers.get('set-cookie') ?? '', /gxg_session/, 'no session for a bad token');
  t.match(bad.headers.get('set-cookie') ?? '', /gxg_flash=[\w-]+; Max-Age=60; Path=\/review; HttpOnly; SameSite=Lax/);

  // An officer signs in with a store token; revoking the token ends the session at once.
  const made = await hostOfficerToken('page-officer');
  const officer = await fetch(`${svc.url}/review/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: made.token }),
  });
  const officerSession = officer.headers.get('set-cookie')!.split(';')[0]!;
  t.equal((await send('GET', '/review', { cookie: officerSession })).status, 200, 'an officer reviews');
  t.equal((await send('DELETE', `/admin/tokens/${made.row.id}`, ADMIN)).status, 204, 'an admin may revoke it');
  const after = await send('GET', '/review', { cookie: officerSession });
  t.equal(after.status, 303, 'the session ended with its token');
});

t.test('OIDC access tokens: accepted when right, refused with a reason when not', async (t) => {
  const who = async (token: string) => send('GET', '/admin/whoami', { authorization: `Bearer ${token}` });
  const ok = await who(await idp.tokenFor('alice'));
  t.equal(ok.status, 200, ok.body);
  t.same(JSON.parse(ok.body), { name: 'oidc:alice', roles: ['officer'] });
  const mapped = await who(
    await idp.issue({ sub: 'bob', preferred_username: 'bob', roles: ['gx-compliance', 'unknown-role'] }),
  );
  t.same(
    JSON.parse(mapped.body),
    { name: 'oidc:bob', roles: ['officer'] },
    'roles mapped by auth.oidc.roleMap; unknown ones dropped',
  );
  const noRoles = await who(await idp.issue({ sub: 'eve', roles: [] }));
  t.equal(noRoles.status, 403, 'a valid token without a role is known but may do nothing');

  const cases: [string, Promise<string>, RegExp][] = [
    ['wrong issuer', idp.issue({ sub: 'x', roles: ['admin'], iss: 'http://127.0.0.1:1/evil' }), /iss/],
    ['wrong audience', idp.issue({ sub: 'x', roles: ['admin'], aud: 'another-service' }), /aud/],
    ['expired', idp.issue({ sub: 'x', roles: ['admin'] }, { expiresIn: -3600 }), /expired/],
    [
      'signed by a key the provider does not publish',
      idp.issue({ sub: 'x', roles: ['admin'] }, { key: 'foreign' }),
      /not valid|does not publish/,
    ],
    ['no subject', idp.issue({ roles: ['admin'] }), /sub/],
  ];
  for (const [name, token, why] of cases) {
    const r = await who(await token);
    t.equal(r.status, 401, `${name}: 401`);
    t.match(JSON.parse(r.body).detail, why, `${name}: says why`);
    t.match(r.headers.get('www-authenticate'), /error="invalid_token"/);
  }
  const good = await idp.tokenFor('ada');
  const [h, p, s] = good.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['officer'] })).toString('base64url')}.${s}`;
  t.equal((await who(tampered)).status, 401, 'a token whose claims were changed');
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.x`;
  t.equal((await who(none)).status, 401, 'alg none');
});

t.test('a revoked API token is refused at once', async (t) => {
  const made = JSON.parse(
    (await send('POST', '/admin/tokens', ADMIN, { name: 'short-lived', roles: ['reader'] })).body,
  ) as { id: string; token: string };
  t.equal((await send('GET', '/admin/whoami', { authorization: `Bearer ${made.token}` })).status, 200);
  const list = JSON.parse((await send('GET', '/admin/tokens', ADMIN)).body) as { tokens: Record<string, unknown>[] };
  t.ok(
    list.tokens.every((x) => !('token' in x) && !('sha256' in x)),
    'listed without the token or its hash',
  );
  t.equal((await send('DELETE', `/admin/tokens/${made.id}`, ADMIN)).status, 204);
  const after = await send('GET', '/admin/whoami', { authorization: `Bearer ${made.token}` });
  t.equal(after.status, 401);
  t.match(JSON.parse(after.body).detail, /unknown or revoked/);
  const audit = JSON.parse((await send('GET', '/admin/audit?limit=1000', ADMIN)).body) as {
    entries: { action: string; target: string }[];
  };
  t.ok(audit.entries.some((e) => e.action === 'token.revoke' && e.target === made.id));
});

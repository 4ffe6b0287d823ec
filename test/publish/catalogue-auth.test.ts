// Who may call what on the XFSC federated catalogue, as its Spring SecurityConfig says (2025 API at
// commit 8effb88, 2026 API at c243a65), in the forms the real service answers: 401 with an empty
// body and the reason in WWW-Authenticate (the resource server), 403 `{"code":"forbidden_error",…}`
// (its AccessDeniedHandler), reads need a token too, POST /participants is the catalogue admin's
// (Ro-MU-CA) in both generations; and the gateway's client explains each answer to an operator.
import t from 'tap';
import { startFakeOidc } from '../../src/demo/oidc.js';
import { startFakeCatalogue } from '../../src/demo/xfsc.js';
import { startFakeCatalogue2026 } from '../../src/demo/xfsc-2026.js';
import { catalogueError } from '../../src/publish/xfsc.js';

const client = (roles: string[]) => ({
  secret: 's',
  roles: [],
  claims: { resource_access: { 'federated-catalogue': { roles } } },
});
const idp = await startFakeOidc({
  clients: {
    uploader2025: client(['Ro-SD-A']),
    uploader2026: client(['ASSET_CREATE', 'ASSET_READ']),
    admin: client(['Ro-MU-CA']),
    nobody: client([]),
  },
});
const fc2025 = await startFakeCatalogue({ issuer: idp.issuer });
const fc2026 = await startFakeCatalogue2026({ issuer: idp.issuer });
t.teardown(() => Promise.all([idp.close(), fc2025.close(), fc2026.close()]));

const token = async (id: string) => {
  const r = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: 's' }),
  });
  return ((await r.json()) as { access_token: string }).access_token;
};
const call = (base: string, method: string, path: string, bearer?: string, body?: string) =>
  fetch(`${base}${path}`, {
    method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body } : {}),
  });

t.test('no token, or one the catalogue cannot verify: 401, empty body, reason in WWW-Authenticate', async (t) => {
  for (const [base, path] of [
    [fc2025.url, '/self-descriptions'],
    [fc2026.url, '/assets'],
  ] as const) {
    const none = await call(base, 'GET', path);
    t.equal(none.status, 401, `GET ${path} needs a token`);
    t.equal(none.headers.get('www-authenticate'), 'Bearer');
    t.equal(await none.text(), '', 'no body');
    const bad = await call(base, 'GET', path, 'not-a-jwt');
    t.equal(bad.status, 401);
    t.match(bad.headers.get('www-authenticate'), /^Bearer error="invalid_token", error_description="[^"]+"/);
    t.match(
      await catalogueError(bad),
      /^401 the catalogue did not accept the token .*WWW-Authenticate: Bearer error="invalid_token"/,
    );
  }
});

t.test('the roles of each generation; 403 in the catalogue’s own form', async (t) => {
  const u2025 = await token('uploader2025');
  const u2026 = await token('uploader2026');
  const nobody = await token('nobody');
  t.equal((await call(fc2025.url, 'GET', '/self-descriptions', nobody)).status, 200, '2025: any token reads');
  t.equal((await call(fc2026.url, 'GET', '/assets', nobody)).status, 403, '2026: reading needs ASSET_READ');
  t.equal((await call(fc2026.url, 'GET', '/assets', u2026)).status, 200);
  const denied = await call(fc2026.url, 'POST', '/assets', u2025, '{}');
  t.equal(denied.status, 403, "2025's Ro-SD-A uploads nothing to the 2026 API");
  const text = await denied.clone().text();
  t.match(
    text,
    /^\{\n {2}"code" : "forbidden_error"|^\{\n {2}"code": "forbidden_error"/,
    'pretty-printed, as Jackson writes it',
  );
  t.same(JSON.parse(text), {
    code: 'forbidden_error',
    message: 'User does not have permission to execute this request.',
  });
  t.match(await catalogueError(denied), /^403 .*ASSET_CREATE.*\(forbidden_error: User does not have permission/);
  t.equal((await call(fc2025.url, 'POST', '/self-descriptions', u2026, '{}')).status, 403, 'and the reverse');
  t.equal(
    (await call(fc2025.url, 'POST', '/self-descriptions', u2025, '{}')).status,
    400,
    'Ro-SD-A reaches the upload',
  );
});

t.test('registering a participant is the catalogue admin’s (Ro-MU-CA), in both generations', async (t) => {
  const admin = await token('admin');
  for (const [fc, uploader] of [
    [fc2025, await token('uploader2025')],
    [fc2026, await token('uploader2026')],
  ] as const) {
    const r = await call(fc.url, 'POST', '/participants', uploader, '{}');
    t.equal(r.status, 403, `${fc.url}: an uploader cannot register a participant`);
    t.match(await catalogueError(r), /registering the participant: Ro-MU-CA/);
    t.equal((await call(fc.url, 'POST', '/participants', admin, '{}')).status, 400, 'the admin reaches it');
  }
});

t.test('error codes are the catalogue’s own (conflict_error, not_found_error)', async (t) => {
  const admin = await token('uploader2025');
  const r = await call(fc2025.url, 'POST', `/self-descriptions/${'0'.repeat(64)}/revoke`, admin);
  t.equal(r.status, 404);
  t.match(await r.json(), { code: 'not_found_error' });
});

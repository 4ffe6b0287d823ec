// Issue 18: sessions, sign-in, roles and limits, as an attacker would try them against a real
// gateway over HTTP: a session outliving its access token, login CSRF, `__proto__` roles, tokens
// issued in the future, words put on the review page by a link, rate limits per client (and for
// failed authentications), the store's files, and the CLI's own variables.
import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { loadConfig } from '../../src/config/load.js';
import { startFakeOidc } from '../../src/demo/oidc.js';
import { runCli } from '../helpers/cli.js';
import { contractErrors } from '../helpers/contract.js';
import { ADMIN, ADMIN_TOKEN, removeDir, startService } from '../helpers/service.js';

const idp = await startFakeOidc({ audience: 'gx-gateway' });
const dir = mkdtempSync(join(tmpdir(), 'gxg-auth-'));
const dbFile = join(dir, 'store', 'gx.sqlite');
const svc = await startService(
  { file: dbFile },
  {
    clouds: [],
    scheduler: { enabled: false },
    api: {
      adminTokenSha256: createHash('sha256').update(ADMIN_TOKEN).digest('hex'),
      rateLimitPerMinute: 30,
      authFailuresPerMinute: 5,
    },
    auth: {
      oidc: { issuer: idp.issuer, audience: 'gx-gateway', clientId: 'gx-review', allowHttp: true },
    },
  },
  dir,
);
t.teardown(async () => {
  await svc.close();
  await idp.close();
  removeDir(dir);
});

/** A client at its own loopback address (the limits are per client address). */
const client =
  (address: string) =>
  (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
      const req = httpRequest(`${svc.url}${path}`, {
        method: init.method ?? 'GET',
        headers: init.headers ?? {},
        localAddress: address,
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      });
      req.on('error', reject);
      req.end(init.body);
    });
const local = client('127.0.0.1');
const cookieOf = (headers: IncomingHttpHeaders, name: string) =>
  ([] as string[]).concat(headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
const flashOf = (headers: IncomingHttpHeaders) => {
  const c = cookieOf(headers, 'gxg_flash');
  return c
    ? (JSON.parse(Buffer.from(c.split(/[=;]/)[1]!, 'base64url').toString()) as { ok?: string; err?: string })
    : {};
};

t.test('a session made from a pasted OIDC access token ends when the token does', async (t) => {
  const token = await idp.issue({ sub: 'olga', preferred_username: 'olga', roles: ['officer'] }, { expiresIn: 120 });
  const r = await local('/review/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  t.equal(r.status, 303);
  const cookie = cookieOf(r.headers, 'gxg_session')!;
  t.ok(cookie, 'signed in');
  const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1]);
  t.ok(maxAge <= 120, `the cookie lasts ${maxAge} s, no longer than the token (not auth.sessionMinutes)`);
  const id = cookie.split(/[=;]/)[1]!;
  const row = await svc.gw.service.store.db
    .selectFrom('sessions')
    .select('expires_at')
    .where('id_sha256', '=', createHash('sha256').update(id).digest('hex'))
    .executeTakeFirstOrThrow();
  const exp = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
  t.ok(Date.parse(row.expires_at) <= exp * 1000, 'the stored session expires with the token, not in 8 hours');
});

t.test('OIDC sign-in is bound to the browser that started it (no login CSRF)', async (t) => {
  const start = await local('/review/oidc');
  t.equal(start.status, 302);
  const state = new URL(String(start.headers.location)).searchParams.get('state')!;
  const bound = cookieOf(start.headers, 'gxg_login')!;
  t.match(bound, new RegExp(`^gxg_login=${state}; Max-Age=600; Path=/review; HttpOnly; SameSite=Lax`));
  // The attacker's callback URL, opened in the victim's browser (no cookie, or another sign-in's).
  for (const cookie of [undefined, 'gxg_login=someone-elses-state']) {
    const cb = await local(`/review/callback?state=${state}&code=attacker-code`, {
      headers: cookie ? { cookie } : {},
    });
    t.equal(cb.status, 303);
    t.match(String(cb.headers.location), /\/review\/login$/);
    t.notOk(cookieOf(cb.headers, 'gxg_session'), 'no session');
    t.match(flashOf(cb.headers).err, /not started in this browser/);
  }
  // In the browser that started it, the callback goes on to the code exchange (which this fake code fails).
  const second = await local('/review/oidc');
  const s2 = new URL(String(second.headers.location)).searchParams.get('state')!;
  const own = await local(`/review/callback?state=${s2}&code=not-a-code`, { headers: { cookie: `gxg_login=${s2}` } });
  t.match(flashOf(own.headers).err, /^sign-in failed/, 'past the binding check');
});

t.test('roles claims that name object members, and tokens from the future', async (t) => {
  const who = (token: string) => local('/admin/whoami', { headers: { authorization: `Bearer ${token}` } });
  const proto = await who(await idp.issue({ sub: 'p', roles: ['__proto__', 'constructor', 'toString'] }));
  t.equal(proto.status, 403, '__proto__ and constructor name no role: 403, not 500');
  t.same(JSON.parse(proto.text).detail, 'this needs the reader role; oidc:p has none');
  const future = await who(
    await idp.issue({ sub: 'f', roles: ['reader'] }, { issuedAt: Math.floor(Date.now() / 1000) + 3600 }),
  );
  t.equal(future.status, 401);
  t.match(JSON.parse(future.text).detail, /issued in the future/);
  t.equal((await who(await idp.issue({ sub: 'n', roles: ['reader'] }))).status, 200, 'a token of now holds');
});

t.test('a link cannot put words on the review page', async (t) => {
  const page = await local('/review/login?err=Your+session+expired:+sign+in+at+evil.example&ok=Approved');
  t.equal(page.status, 200);
  t.notMatch(page.text, /evil\.example|Approved/);
  t.notMatch(page.text, /class="flash/);
});

t.test('public rate limit: one budget per client for all public routes together', async (t) => {
  const a = client('127.0.0.2');
  const paths = ['/.well-known/did.json', '/credentials', '/changes', '/health'];
  const statuses: number[] = [];
  for (let i = 0; i < 32; i++) statuses.push((await a(paths[i % paths.length]!)).status);
  t.equal(statuses.filter((s) => s !== 429).length, 30, '30 answers across four routes, then 429');
  const limited = await a('/credentials');
  t.equal(limited.status, 429);
  t.match(limited.headers['content-type'], /problem\+json/);
  t.ok(Number(limited.headers['retry-after']) > 0, 'with Retry-After');
  t.same(contractErrors('listCredentials', 429, String(limited.headers['content-type']), limited.text), []);
  t.equal((await client('127.0.0.3')('/credentials')).status, 200, 'another client is not limited');
});

t.test('failed authentications are limited per client', async (t) => {
  const b = client('127.0.0.4');
  for (let i = 0; i < 5; i++)
    t.equal(
      (await b('/admin/clouds', { headers: { authorization: `Bearer guessed-token-${i}-000000000000` } })).status,
      401,
    );
  const sixth = await b('/admin/clouds', { headers: { authorization: `Bearer guessed-token-x-000000000000` } });
  t.equal(sixth.status, 429, 'the sixth guess in a minute: 429');
  t.equal((await b('/admin/clouds', { headers: ADMIN })).status, 429, 'even a right token, from that client, now');
  t.ok(Number(sixth.headers['retry-after']) > 0);
  t.same(
    contractErrors('listClouds', 429, String(sixth.headers['content-type']), sixth.text),
    [],
    'as openapi.yaml says',
  );
  t.equal((await client('127.0.0.5')('/admin/clouds', { headers: ADMIN })).status, 200, 'another client is not');
  // The review page's token form counts too.
  const c = client('127.0.0.6');
  for (let i = 0; i < 6; i++)
    await c('/review/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=guess-${i}-000000000000000`,
    });
  const form = await c('/review/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${ADMIN_TOKEN}`,
  });
  t.notOk(cookieOf(form.headers, 'gxg_session'), 'no session while limited');
  t.match(flashOf(form.headers).err, /too many failed authentications/);
});

t.test('the store is readable by its owner only; the embedded default keeps it beside its keys', async (t) => {
  const mode = (p: string) => statSync(p).mode & 0o777;
  t.equal(mode(join(dir, 'store')), 0o700, 'the folder made for it');
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) t.equal(mode(f), 0o600, `${f.slice(dir.length)} is 0600`);
  const embedded = loadConfig({ cwd: mkdtempSync(join(tmpdir(), 'gxg-embedded-')), env: {} });
  t.equal(embedded.config.database.file, '.gx-gateway/gx-gateway.sqlite', 'not in data/, which the package ships');
});

t.test("the CLI's own variables (GXG_QUIET, GXG_TOKEN) are not taken for configuration keys", async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'gxg-quiet-'));
  t.teardown(() => removeDir(cwd));
  const r = await runCli(['keys', 'list'], { cwd, env: { GXG_QUIET: '1', GXG_TOKEN: 'x' } });
  t.notMatch(r.err, /is not a configuration key/);
  t.equal(r.code, 0, r.err);
  const typo = await runCli(['keys', 'list'], { cwd, env: { GXG_SERVER_PORT: '1' } });
  t.match(typo.err, /GXG_SERVER_PORT is not a configuration key/, 'a typo is still caught');
});

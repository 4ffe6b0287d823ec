// The officer's review page in real Chromium: sign-in through the (fake) OIDC provider with PKCE,
// approve one draft, reject one, sign one elsewhere (OpenSSL) and upload the signature; the states
// change in the store and in the public API. Screenshots of each page go to test-output/review/.
import t from 'tap';
import { mkdirSync, readFileSync } from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import type { Page } from 'playwright-core';
import { startFakeOidc } from '../../src/demo/oidc.js';
import { chromiumMissing, launchChromium } from '../helpers/chromium.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { independentLoader } from '../helpers/independent.js';
import { officerKey, opensslSign } from '../helpers/officer.js';
import { fromRoot } from '../helpers/root.js';
import { ADMIN, freePorts, removeDir, settledRun, startService } from '../helpers/service.js';

const missing = chromiumMissing();
if (missing) t.plan(0, missing);
else {
  const shots = fromRoot('test-output', 'review');
  mkdirSync(shots, { recursive: true });
  const idp = await startFakeOidc({ audience: 'gx-gateway' });
  const [port] = await freePorts(1);
  const base = `http://127.0.0.1:${port}`;
  const db = sqliteDatabase();
  const svc = await startService(db.location, {
    publicBaseUrl: base,
    server: { port, host: '127.0.0.1' },
    signing: { mode: 'approval' },
    auth: { oidc: { issuer: idp.issuer, audience: 'gx-gateway', clientId: 'gx-review', allowHttp: true } },
  });
  const browser = await launchChromium();
  t.teardown(async () => {
    await browser.close();
    await svc.close();
    await idp.close();
    await db.drop();
    removeDir(svc.dir);
  });
  await settledRun(svc.url);
  const ed = officerKey('ed25519', 'review-officer');
  const added = await fetch(`${base}/admin/officer-keys`, {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'alice-card', officer: 'Alice', pem: ed.publicPem }),
  });
  if (added.status !== 201) throw new Error(`officer key: ${added.status} ${await added.text()}`);

  const problems: string[] = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  const shot = (page: Page, name: string) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  const flash = async (page: Page) => (await page.textContent('.flash'))?.trim() ?? '';
  const store = svc.gw.service.store;

  t.test('sign in through the identity provider (authorization code + PKCE)', async (t) => {
    await page.goto(`${base}/review`);
    t.match(page.url(), /\/review\/login$/, 'not signed in: to the sign-in page');
    await shot(page, '1-sign-in');
    // The authorization request, as the browser sent it to oidc-provider's /authorize (which
    // answers with its sign-in interaction).
    const [authorize] = await Promise.all([
      page.waitForRequest((r) => r.url().startsWith(`${idp.issuer}/authorize?`)),
      page.click('text=Sign in with'),
    ]);
    t.match(authorize.url(), /code_challenge_method=S256/, 'PKCE S256');
    t.match(authorize.url(), /client_id=gx-review/);
    await page.waitForURL(new RegExp(`^${idp.issuer}/interaction/`));
    t.pass('at the identity provider');
    await shot(page, '2-identity-provider');
    await page.click('button[value=alice]');
    await page.waitForURL(`${base}/review`);
    t.match(await page.textContent('header'), /oidc:alice · officer/);
    const sets = await page.$$('section.card[data-cloud=demo]');
    t.equal(sets.length, 2, 'a pending set per profile');
    await shot(page, '3-pending');
  });

  const drafts = (await store.drafts.list({ states: ['draft'] })).filter((d) => !d.id.includes('-scs/'));
  const approveMe = drafts.find((d) => d.profile === 'gaia-x-25.11')!;
  const rejectMe = drafts.find((d) => d.profile === 'gaia-x-25.11' && d.id !== approveMe.id)!;
  const signMe = drafts.find((d) => d.profile === 'tagus-22.10')!;
  const draftPage = (id: string) => `${base}/review/draft?id=${encodeURIComponent(id)}`;

  t.test('approve one draft', async (t) => {
    await page.goto(draftPage(approveMe.id));
    t.match(await page.textContent('h2'), /draft/);
    t.match(await page.textContent('main'), /A new resource/);
    await shot(page, '4-draft');
    await page.click('text=Approve (the gateway signs)');
    t.equal(await flash(page), 'approved and published 1');
    t.equal((await store.credentials.get(approveMe.id))!.state, 'published');
    t.equal((await fetch(approveMe.id)).status, 200, 'served publicly');
    await shot(page, '5-approved');
  });

  t.test('reject one with a reason', async (t) => {
    await page.goto(draftPage(rejectMe.id));
    const form = page.locator('form:has(button.danger)');
    await form.locator('input[name=reason]').fill('the licence is not agreed yet');
    await form.locator('button').click();
    t.equal(await flash(page), 'rejected 1');
    const row = (await store.credentials.get(rejectMe.id))!;
    t.equal(row.state, 'rejected');
    t.equal(row.reason, 'the licence is not agreed yet');
    t.equal(row.decided_by, 'oidc:alice');
    t.equal((await fetch(rejectMe.id)).status, 404, 'not public');
    t.match(await page.textContent('main'), /rejected \(by oidc:alice: the licence is not agreed yet\)/);
  });

  t.test('upload a signature made elsewhere', async (t) => {
    await page.goto(draftPage(signMe.id));
    const get = page.locator('form[action$="/review/signing-input"]');
    await get.locator('select[name=suite]').selectOption('ed25519-2020');
    const [download] = await Promise.all([page.waitForEvent('download'), get.locator('button').click()]);
    t.equal(download.suggestedFilename(), 'signing-input.bin');
    const bytes = readFileSync((await download.path())!);
    const signature = opensslSign(ed, bytes).toString('base64');
    const up = page.locator('form:has(textarea[name=signature])');
    await up.locator('select[name=suite]').selectOption('ed25519-2020');
    await up.locator('textarea[name=signature]').fill(`${signature.slice(0, 30)}\n${signature.slice(30)}`);
    await shot(page, '6-signature');
    await up.locator('button').click();
    t.match(await flash(page), /^signature verified; published with did:web:127\.0\.0\.1%3A\d+#alice-card-multikey$/);
    t.equal((await store.credentials.get(signMe.id))!.state, 'published');
    const served = (await (await fetch(signMe.id)).json()) as Record<string, unknown>;
    const did = (await (await fetch(`${base}/.well-known/did.json`)).json()) as Record<string, unknown>;
    const r = await vc.verifyCredential({
      credential: served,
      suite: new Ed25519Signature2020(),
      documentLoader: independentLoader(did),
      checkStatus: async () => ({ verified: true }),
    });
    t.ok(r.verified, 'the published credential verifies under @digitalbazaar/vc');
  });

  t.test('a forged signature and a foreign form are refused', async (t) => {
    const other = drafts.find((d) => d.profile === 'tagus-22.10' && d.id !== signMe.id)!;
    await page.goto(draftPage(other.id));
    const up = page.locator('form:has(textarea[name=signature])');
    await up.locator('select[name=suite]').selectOption('ed25519-2020');
    await up.locator('textarea[name=signature]').fill(Buffer.alloc(64, 7).toString('base64'));
    await up.locator('button').click();
    t.match(await flash(page), /does not verify/);
    t.equal((await store.credentials.get(other.id))!.state, 'draft', 'nothing published');
    const cookie = (await context.cookies()).find((c) => c.name === 'gxg_session')!;
    t.equal(cookie.httpOnly, true);
    t.equal(cookie.sameSite, 'Lax');
    const forged = await fetch(`${base}/review/decide`, {
      method: 'POST',
      headers: { cookie: `gxg_session=${cookie.value}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'approve', cloud: 'demo' }),
    });
    t.equal(forged.status, 403, "a form without the session's CSRF token");
    t.equal((await store.credentials.get(other.id))!.state, 'draft');
  });

  t.test('the audit log and sign-out', async (t) => {
    await page.goto(`${base}/review/audit`);
    const text = (await page.textContent('tbody')) ?? '';
    for (const action of ['draft.approve', 'draft.reject', 'draft.signature']) t.match(text, action);
    await shot(page, '7-audit');
    await page.goto(`${base}/review`);
    const tagus = page.locator('section[data-profile="tagus-22.10"]');
    await tagus.locator('button', { hasText: 'Approve all' }).click();
    t.match(await flash(page), /^approved and published \d+$/);
    t.equal(
      (await store.drafts.list({ profile: 'tagus-22.10', states: ['draft'] })).length,
      0,
      'the Tagus set approved as one',
    );
    t.ok(
      (await store.drafts.list({ profile: 'gaia-x-25.11', states: ['draft'] })).length > 0,
      'the 25.11 set still waits',
    );
    await shot(page, '8-pending-after');
    await page.click('text=Sign out');
    t.match(page.url(), /\/review\/login$/, 'the outcome is not in the URL');
    t.equal(await flash(page), 'signed out');
    await page.reload();
    t.equal(await page.locator('.flash').count(), 0, 'shown once');
    await page.goto(`${base}/review`);
    t.match(page.url(), /\/review\/login$/, 'the session is gone');
    const css = await page.$eval('header', (el) => getComputedStyle(el).display);
    t.equal(css, 'flex', 'the style sheet applies under the CSP');
    t.same(problems, [], 'no console errors, nothing blocked');
  });
}

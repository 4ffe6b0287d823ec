// The docs page in a real browser: every operation listed with who may call it, its link to the
// contract works, and its Content-Security-Policy blocks nothing the page needs.
import t from 'tap';
import { accessLabel } from '../../src/http/route.js';
import { operations } from '../../src/http/openapi.js';
import { chromiumMissing, launchChromium } from '../helpers/chromium.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { removeDir, startService } from '../helpers/service.js';

const missing = chromiumMissing();
if (missing) t.plan(0, missing);
else
  t.test('the docs page in Chromium', async (t) => {
    const db = sqliteDatabase();
    const svc = await startService(db.location, { clouds: [], scheduler: { enabled: false } });
    t.teardown(async () => {
      await svc.close();
      removeDir(svc.dir);
      await db.drop();
    });
    const browser = await launchChromium();
    t.teardown(() => browser.close());
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    const res = await page.goto(`${svc.url}/docs`);
    t.equal(res?.status(), 200);
    t.match(await page.title(), /gx-gateway API/);
    const rows = await page.$$eval('tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    t.same(
      rows.map((r) => `${r[0]} ${r[1]} ${r[2]}`).sort(),
      operations()
        .map((o) => `${o.method} ${o.path} ${accessLabel(o)}`)
        .sort(),
      'every operation, with who may call it',
    );
    const styled = await page.$eval('table', (el) => getComputedStyle(el).borderCollapse);
    t.equal(styled, 'collapse', 'the inline style applies under the page’s CSP');
    t.same(problems, [], 'no console errors, nothing blocked on the page');
    await Promise.all([page.waitForNavigation(), page.click('a[href$="/openapi.json"]')]);
    const spec = JSON.parse((await page.textContent('body')) ?? '{}') as { openapi?: string };
    t.equal(spec.openapi, '3.1.0', 'the link opens the contract');
  });

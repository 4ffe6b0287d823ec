// The Gaia-X notary, over real HTTP: the provider's registration numbers go to the notary of each
// configured clearing house (the next on a 5xx), v1 for the Tagus set (a JSON-LD credential signed
// JsonWebSignature2020) and v2 for the 25.11 set (a VC-JWT); what comes back is verified (issuer,
// signature, x5u chain against the configured anchor, our id, our subject, the number) and published
// as its exact bytes in place of the self-described credential — no status entry, not signed by us —
// and the clearing house's compliance credential covers it. A refusal or an outage loses nothing: the
// self-described number (or the notary's current credential) stands and the run says why; renewal
// asks for the next version before the credential expires.
import t from 'tap';
import { issuedElsewhere } from '../../src/store/store.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import { contractErrors } from '../helpers/contract.js';
import { runCli } from '../helpers/cli.js';
import { verifyJws2020 } from '../helpers/independent.js';
import { decodeJwtOrLd, house, LEI, peerResolver, provider, registrations, scratch } from '../helpers/notary.js';
import { clearingHouse, gatewayWithPeers, sha, until } from '../helpers/peers.js';
import { ADMIN, ADMIN_TOKEN, PUBLIC_BASE, settledRun, type ServiceUnderTest } from '../helpers/service.js';

const dir = scratch(t);

t.test(
  'registration numbers from the notary (both generations): verified, published as its bytes, covered by compliance',
  async (t) => {
    const gw: { svc?: ServiceUnderTest } = {};
    const down = await clearingHouse(gw);
    // The first notary: v1 answers 503, v2 does not answer at all (its timeout: 1 s).
    down.faults.push({ path: /^\/notary\/v1/, status: 503 }, { path: /^\/notary\/v2/, hang: true });
    const lab = await clearingHouse(gw);
    const anchor = join(dir, 'root-1.pem');
    writeFileSync(anchor, lab.rootPem);
    const downAnchor = join(dir, 'root-down.pem');
    writeFileSync(downAnchor, down.rootPem);
    const svc = await gatewayWithPeers(
      t,
      gw,
      {
        provider: provider([
          { type: 'vatID', value: 'DE123456789' },
          { type: 'leiCode', value: LEI },
          { type: 'local', value: 'HRB 12345' },
        ]),
        resolver: peerResolver,
        publish: {
          clearingHouses: [house('down', down, downAnchor, false, 1000), house('lab', lab, anchor)],
          outbox: { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50 },
        },
      },
      [down, lab],
    );
    const run = await settledRun(svc.url);
    t.equal(run.state, 'succeeded', String(run.error));
    t.same(
      down.requests.filter((r) => r.path.startsWith('/notary/v')).map((r) => r.path.slice(0, 10)),
      ['/notary/v2'],
      'the first notary was asked once in the run (it did not answer within 1 s), then passed over',
    );
    t.same(
      lab.notarized.map((n) => `${n.version} ${n.type} ${n.value}`).sort(),
      [`v1 gx:leiCode ${LEI}`, 'v1 gx:vatID DE123456789', `v2 leiCode ${LEI}`, 'v2 vatID DE123456789'],
      'the Tagus number (one credential, both numbers) from v1; each 25.11 number from v2; the local one not',
    );
    const rows = await registrations(svc);
    const issued = rows.filter((r) => issuedElsewhere(r));
    const own = rows.filter((r) => !issuedElsewhere(r));
    t.equal(issued.length, 3, 'three notary credentials published');
    t.same(
      own.map((r) => JSON.parse(r.types)),
      [['LocalRegistrationNumber']],
      'the local number stays self-described (the notary does not issue it)',
    );
    const store = svc.gw.service.store;
    const notaryDoc = (await (await fetch(`${lab.notaryUrl}/did.json`)).json()) as Record<string, unknown>;
    const { x5u: _x5u, ...jwk } = (notaryDoc.verificationMethod as { publicKeyJwk: Record<string, unknown> }[])[0]!
      .publicKeyJwk;
    for (const r of issued) {
      const row = (await store.credentials.get(r.id))!;
      const served = await fetch(r.id.replace(PUBLIC_BASE, svc.url));
      const bytes = await served.text();
      t.equal(bytes, row.body, `${r.id.slice(-45)} served as stored`);
      t.equal(row.signed_with?.startsWith(`${lab.notaryDid}#`), true, 'signed by the notary');
      if (r.profile === 'gaia-x-25.11') {
        t.match(served.headers.get('content-type'), /application\/vc\+jwt/);
        t.equal(lab.notarized.find((n) => n.vcid === r.id)?.version, 'v2');
        await t.resolves(compactVerify(bytes, await importJWK(jwk, 'ES256')), 'the VC-JWT verifies (jose)');
        const vc = decodeJwt(bytes) as { id: string; issuer: string; credentialSubject: { id: string } };
        t.equal(vc.id, r.id, 'issued for the id the run chose');
        t.equal(vc.credentialSubject.id, r.subject, 'about the subject the legal person references');
        t.equal(decodeProtectedHeader(bytes).kid, row.signed_with);
      } else {
        t.match(served.headers.get('content-type'), /application\/vc\+ld\+json/);
        const doc = JSON.parse(bytes) as Record<string, unknown>;
        t.equal(await verifyJws2020(doc, notaryDoc), true, 'the JSON-LD credential verifies (jsonld + jose)');
        t.equal(doc.id, r.id);
      }
      const listed = await fetch(`${svc.url}/credentials?profile=${r.profile}&type=${JSON.parse(r.types)[0]}`);
      const body = await listed.text();
      t.same(contractErrors('listCredentials', listed.status, listed.headers.get('content-type'), body), []);
      const item = (JSON.parse(body) as { items: Record<string, unknown>[] }).items.find((i) => i.id === r.id);
      t.ok(item && !('credentialStatus' in item), 'listed without a status entry of ours');
    }
    // The legal person references the notary's subjects.
    const lp = (await store.credentials.list({ state: 'published', limit: 1000 } as never)).find(
      (r) => r.kind === 'legal-person' && r.profile === 'gaia-x-25.11',
    )!;
    const legal = JSON.parse((await store.credentials.get(lp.id))!.body) as {
      credentialSubject: { registrationNumber: string[] };
    };
    for (const r of rows.filter((x) => x.profile === 'gaia-x-25.11'))
      t.ok(legal.credentialSubject.registrationNumber.includes(r.subject), `the legal person references ${r.subject}`);

    // The Tagus compliance credential covers the notary's credential, by the digest of its bytes.
    await until(async () => (await store.compliance.list({ current: true })).length > 0);
    const [compliance] = await store.compliance.list({ current: true });
    const tagus = issued.find((r) => r.profile === 'tagus-22.10')!;
    t.ok((JSON.parse(compliance!.covered) as string[]).includes(tagus.id), 'the compliance set holds it');
    const vc = JSON.parse(compliance!.body) as { credentialSubject: { id: string; 'gx:integrity': string }[] };
    t.equal(
      vc.credentialSubject.find((s) => s.id === tagus.id)?.['gx:integrity'],
      sha(JSON.parse((await store.credentials.get(tagus.id))!.body)),
    );

    // An unchanged re-run asks nobody and changes nothing.
    const before = lab.notarized.length;
    const again = await (async () => {
      const out = await svc.gw.service.runner.run('demo', 'test');
      if ('busy' in out) throw new Error('busy');
      return out.run;
    })();
    t.equal(again.state, 'succeeded');
    t.equal(lab.notarized.length, before, 'the notary is not asked again while its credentials are valid');
    t.same((await registrations(svc)).map((r) => r.id).sort(), rows.map((r) => r.id).sort());
    const status = await fetch(`${svc.url}/admin/compliance`, { headers: ADMIN });
    const statusBody = await status.text();
    t.same(contractErrors('complianceStatus', status.status, status.headers.get('content-type'), statusBody), []);
    t.same(
      (JSON.parse(statusBody) as { registrationNumbers: { id: string; issuer: string }[] }).registrationNumbers
        .map((n) => `${n.id} ${n.issuer}`)
        .sort(),
      issued.map((r) => `${r.id} ${lab.notaryDid}`).sort(),
      "the notary's credentials in the compliance status",
    );
    const cli = await runCli(['compliance', 'status', '--url', svc.url], { env: { GXG_TOKEN: ADMIN_TOKEN } });
    t.equal(cli.code, 0, cli.err);
    t.ok(
      cli.out.includes(`demo gaia-x-25.11: registration number from the notary ${lab.notaryDid}, valid until 20`),
      `and in \`gx-gateway compliance status\`: ${cli.out}`,
    );
    const metrics = await (await fetch(`${svc.url}/metrics`, { headers: ADMIN })).text();
    for (const r of issued) {
      const until = decodeJwtOrLd((await store.credentials.get(r.id))!.body);
      t.match(
        metrics,
        `gxg_notary_valid_until_seconds{cloud="demo",profile="${r.profile}",credential="${r.base_id}"} ${Math.floor(Date.parse(until) / 1000)}`,
        `its expiry in the metrics (${r.profile})`,
      );
    }
  },
);

t.test(
  'refused, down, renewed: the self-described number or the current credential stands; the run says why',
  async (t) => {
    const gw: { svc?: ServiceUnderTest } = {};
    const lab = await clearingHouse(gw);
    const anchor = join(dir, 'root-2.pem');
    writeFileSync(anchor, lab.rootPem);
    lab.unknownNumbers.add('DE999999999');
    const config = (numbers: object[]) => ({
      provider: provider(numbers),
      publish: {
        clearingHouses: [house('lab', lab, anchor, false)],
        // Longer than the fake notary's 365 days: every run renews.
        notary: { renewBeforeDays: 400 },
      },
    });
    const svc = await gatewayWithPeers(
      t,
      gw,
      config([
        { type: 'vatID', value: 'DE999999999' },
        { type: 'leiCode', value: '5493001KJTIIGC8Y1R13' },
      ]),
      [lab],
    );
    const runNow = async () => {
      const out = await svc.gw.service.runner.run('demo', 'test');
      if ('busy' in out) throw new Error('busy');
      return out.run;
    };
    const notaryRequests = () => lab.requests.filter((r) => r.path.startsWith('/notary/v')).length;
    await settledRun(svc.url);
    const first = await runNow();
    t.equal(first.state, 'partial', 'the run says something needs the operator');
    t.match(first.error, /refused DE999999999: 400: DE999999999 was not found in the registry/);
    t.match(first.error, /Invalid LEI code 5493001KJTIIGC8Y1R13: its check digits do not match/);
    t.match(first.error, /the self-described registration number stands/);
    let rows = await registrations(svc);
    t.equal(rows.length, 3, 'both 25.11 numbers and the Tagus one published, self-described');
    t.ok(
      rows.every((r) => !issuedElsewhere(r)),
      'with status entries of ours',
    );
    const asked = notaryRequests();
    t.equal(asked, 3, 'asked once each (the first, scheduled run)');
    t.match((await runNow()).error, /refused before; asked again when the number changes/);
    t.equal(notaryRequests(), asked, 'a refused number is not sent again until it changes');

    // The provider corrects its numbers while the notary is down: the self-described ones stand.
    svc.gw.credentials.loaded.config.provider!.registrationNumbers = [
      { type: 'vatID', value: 'DE123456789' },
      { type: 'leiCode', value: LEI },
    ];
    lab.faults.push({ path: /^\/notary\/v/, status: 503 });
    const beforeOutage = notaryRequests();
    const outage = await runNow();
    t.equal(notaryRequests() - beforeOutage, 1, 'a notary that does not answer is asked once per run, not per number');
    t.equal(outage.state, 'partial');
    t.match(outage.error, /no notary answered: lab: 503/);
    rows = await registrations(svc);
    t.ok(
      rows.length === 3 && rows.every((r) => !issuedElsewhere(r)),
      'the corrected numbers published, self-described',
    );
    const selfDescribed = rows.map((r) => r.id);

    // The notary is back: its credentials replace the self-described ones (superseded, not revoked).
    lab.faults.length = 0;
    const back = await runNow();
    t.equal(back.state, 'succeeded', String(back.error));
    rows = await registrations(svc);
    t.ok(rows.length === 3 && rows.every((r) => issuedElsewhere(r)), "the notary's credentials now");
    for (const id of selfDescribed) {
      const old = await fetch(id.replace(PUBLIC_BASE, svc.url));
      t.equal(old.headers.get('gx-credential-state'), 'superseded', `${id.slice(-40)} superseded`);
      t.match(old.headers.get('link'), /rel="successor-version"/);
    }

    // Renewal (renewBeforeDays beyond the 365 days the notary gives): the next version, from the notary.
    const issuedBefore = lab.notarized.length;
    const renewed = await runNow();
    t.equal(renewed.state, 'succeeded');
    t.equal(lab.notarized.length, issuedBefore + 4, 'each renewed (the Tagus credential names both numbers)');
    const after = await registrations(svc);
    t.same(after.map((r) => r.version).sort(), rows.map((r) => r.version + 1).sort(), 'as the next versions');
    t.ok(after.every((r) => issuedElsewhere(r)));
    for (const r of rows)
      t.equal((await svc.gw.service.store.credentials.get(r.id))!.state, 'superseded', 'the renewed one superseded');

    // Renewal while the notary is down: the current credentials stay, nothing revoked.
    lab.faults.push({ path: /^\/notary\/v/, status: 503 });
    const late = await runNow();
    t.equal(late.state, 'partial');
    t.match(late.error, /was not renewed \(no notary answered: lab: 503.*\); the current one is valid until/);
    t.same(
      (await registrations(svc)).map((r) => r.id).sort(),
      after.map((r) => r.id).sort(),
      'the same credentials published',
    );
  },
);

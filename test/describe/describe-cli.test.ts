import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeInventory } from '../../src/inventory/build.js';
import { CredentialService } from '../../src/app/credential-service.js';
import { loadConfig } from '../../src/config/load.js';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { independentLoader } from '../helpers/independent.js';
import { demoInventory } from '../helpers/demo-inventory.js';
import { runCli } from '../helpers/cli.js';

// describe / validate / diff / sign as users run them (the bin's program, in-process) in a scratch folder.
const cwd = mkdtempSync(join(tmpdir(), 'gxg-describe-'));
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd, env });
writeFileSync(join(cwd, 'inventory.json'), serializeInventory(await demoInventory()));

t.test('describe writes one file per credential and a manifest; validate and diff read the folder', async (t) => {
  let r = await cli([
    'describe',
    'inventory.json',
    '--profile',
    'gaia-x-25.11',
    '-o',
    'out',
    '--valid-from',
    '2026-11-24T00:00:00Z',
  ]);
  t.equal(r.code, 0, r.err);
  t.match(r.err, /^\d+ credentials \(gaia-x-25\.11; \d+ scs facts for catalogues only\) conform; written to out/m);
  const manifest = JSON.parse(readFileSync(join(cwd, 'out', 'manifest.json'), 'utf8')) as {
    credentials: { file: string; contentHash: string; clearingHouse: boolean }[];
  };
  t.equal(readdirSync(join(cwd, 'out')).length, manifest.credentials.length + 1);
  t.ok(manifest.credentials.every((c) => /^sha256:[0-9a-f]{64}$/.test(c.contentHash)));
  r = await cli(['validate', 'out']);
  t.equal(r.code, 0, r.out);
  r = await cli(['validate', '--each', 'out']);
  t.equal(r.code, 1, 'one by one, references to other credentials do not resolve');
  t.match(r.out, /providedBy/);
  r = await cli([
    'describe',
    'inventory.json',
    '--profile',
    'gaia-x-25.11',
    '-o',
    'again',
    '--valid-from',
    '2027-01-01T00:00:00Z',
  ]);
  t.equal(r.code, 0, r.err);
  r = await cli(['diff', 'out', 'again']);
  t.equal(r.code, 0);
  t.match(r.out, /^0 added, 0 changed, 0 removed, \d+ unchanged/);
  const again = JSON.parse(readFileSync(join(cwd, 'again', 'manifest.json'), 'utf8')) as typeof manifest;
  t.same(
    again.credentials.map((c) => c.contentHash),
    manifest.credentials.map((c) => c.contentHash),
  );
});

t.test('a set with a violation is not written, and the report says why', async (t) => {
  writeFileSync(
    join(cwd, 'bad.yaml'),
    [
      'publicBaseUrl: http://localhost:8080',
      'keys: { generateDevKeys: true }',
      'provider:',
      '  legalName: Bad Cloud',
      '  legalAddress: { countryCode: XX }',
      '  registrationNumbers: [{ type: vatID, value: XX123 }]',
      '  termsAndConditions: { url: "https://bad.example/terms", hash: "0000000000000000000000000000000000000000000000000000000000000000" }',
      '',
    ].join('\n'),
  );
  const r = await cli([
    '--config',
    'bad.yaml',
    'describe',
    'inventory.json',
    '--profile',
    'gaia-x-25.11',
    '-o',
    'bad-out',
  ]);
  t.equal(r.code, 1);
  t.match(r.out, /DOES NOT CONFORM .*legal-person/);
  t.match(r.out, /countryCode.*\(value: XX\)/);
  t.match(r.err, /do not conform; nothing written/);
  t.notOk(existsSync(join(cwd, 'bad-out')), 'nothing written');
  const usage = await cli(['describe', 'inventory.json', '--profile', 'gaia-x-99', '-o', 'x']);
  t.equal(usage.code, 2);
  t.match(usage.err, /--profile must be one of gaia-x-25\.11, tagus-22\.10/);
});

t.test(
  'nothing invalid is ever signed; a valid offering signs with its related credentials and verifies independently',
  async (t) => {
    t.equal((await cli(['keys', 'create', '--type', 'ed25519'])).code, 0);
    const loaded = loadConfig({ cwd, env: {} });
    const svc = CredentialService.open(loaded);
    t.teardown(() => svc.close());
    const dir = join(cwd, 'out');
    const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
    const offering = read('25.11--regions--RegionOne--offerings--compute.json');
    await t.rejects(
      svc.signCredential(offering),
      { code: 'invalid-credential', message: /providedBy/ },
      'alone, its references do not resolve',
    );
    const related = readdirSync(dir)
      .filter((f) => f !== 'manifest.json')
      .map(read);
    const signed = await svc.signCredential(offering, { related, suite: 'eddsa-rdfc-2022' });
    t.equal(signed.format, 'ldp');
    const documentLoader = independentLoader(await svc.didDocument());
    const result =
      signed.format === 'ldp'
        ? await vc.verifyCredential({
            credential: signed.document,
            suite: new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
            documentLoader,
          })
        : undefined;
    t.ok(result?.verified, '@digitalbazaar/vc verifies it');
    const broken = structuredClone(offering) as { credentialSubject: Record<string, unknown> };
    delete broken.credentialSubject.serviceOfferingTermsAndConditions;
    await t.rejects(svc.signCredential(broken, { related }), {
      code: 'invalid-credential',
      message: /serviceOfferingTermsAndConditions/,
    });
    await t.rejects(svc.present([broken], { related }), { code: 'invalid-credential' });
    const r = await cli([
      'sign',
      join(dir, '25.11--regions--RegionOne--offerings--compute.json'),
      '--related',
      'out',
      '--suite',
      'eddsa-rdfc-2022',
      '-o',
      'compute.signed.json',
    ]);
    t.equal(r.code, 0, r.err);
    const s = await cli([
      'sign',
      join(dir, '25.11--regions--RegionOne--offerings--compute.json'),
      '--suite',
      'eddsa-rdfc-2022',
    ]);
    t.equal(s.code, 1);
    t.match(s.err, /refusing to sign/);
  },
);

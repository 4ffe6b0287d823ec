// Publishing with the provider's key in a PKCS#11 token (SoftHSM2): the operator's key ceremony
// (a key pair made in the token, a certificate for its public key, adopted with the chain), then a
// gateway that sends its Tagus presentation and its Loire VP-JWT to a clearing house and its
// credentials to an XFSC catalogue. Every presentation the peers received is signed by the token
// key and verified here by jose (and jsonld + jose for JSON-LD), not by the gateway's verifier.
import t from 'tap';
import { createPublicKey, type JsonWebKey as NodeJsonWebKey } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { createDevChain } from '../../src/credentials/keys/certificates.js';
import { KeyStore } from '../../src/credentials/keys/keystore.js';
import { startFakeOidc } from '../../src/demo/oidc.js';
import { startFakeCatalogue2026 } from '../../src/demo/xfsc-2026.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { verifyJws2020 } from '../helpers/independent.js';
import { clearingHouse, gatewayFetch, gatewayVerifier, until, verifyCompliance } from '../helpers/peers.js';
import { removeDir, settledRun, startService, type ServiceUnderTest } from '../helpers/service.js';
import { softhsmToken } from '../helpers/softhsm.js';

const hsm = softhsmToken('gx-publish', '97531');
if ('skip' in hsm) {
  t.plan(0, hsm.skip);
} else {
  t.test('clearing house and catalogue receive presentations signed in the token', async (t) => {
    t.teardown(() => hsm.remove());
    const dir = mkdtempSync(join(tmpdir(), 'gxg-hsm-publish-'));
    // The ceremony: the key pair made in the token, its certificate issued (a development CA here,
    // the provider's CA in production), the key adopted with its chain.
    const keys = KeyStore.open(join(dir, 'keys'), {
      pkcs11: { module: hsm.module, tokenLabel: hsm.label, pin: hsm.pin },
    });
    const made = keys.token().generate('RSA', 'provider-rsa', 2048);
    const { chainPem } = await createDevChain(
      createPublicKey({ key: made.publicKeyJwk as NodeJsonWebKey, format: 'jwk' }),
      'provider.example',
    );
    await keys.adoptFromToken('provider-rsa', { chainPem, activate: true });

    // The peers: what they are given to verify is kept, to be verified again here independently.
    const received: unknown[] = [];
    const gw: { svc?: ServiceUnderTest } = {};
    const house = await clearingHouse(gw, undefined, received);
    const idp = await startFakeOidc({
      clients: { 'fc-client': { secret: 'client-secret', roles: [] } },
      serviceUsers: {
        'svc-gateway': {
          password: 'service-password',
          claims: {
            resource_access: {
              'federated-catalogue': { roles: ['ASSET_CREATE', 'ASSET_UPDATE', 'ASSET_READ', 'Ro-MU-CA'] },
            },
          },
        },
      },
    });
    // The 2026 API: VP-JWTs of VC-JWTs, JSON-LD presentations of JSON-LD credentials.
    const catalogue = await startFakeCatalogue2026({
      issuer: idp.issuer,
      fetchText: gatewayFetch(gw),
      verify: gatewayVerifier(gw, received),
    });
    const anchor = join(dir, 'house-root.pem');
    writeFileSync(anchor, house.rootPem);
    process.env.GXT_HSM_PUBLISH_PIN = hsm.pin;
    process.env.GXT_HSM_FC_SECRET = 'client-secret';
    process.env.GXT_HSM_FC_PASSWORD = 'service-password';
    const db = sqliteDatabase();
    const svc = (gw.svc = await startService(
      db.location,
      {
        keys: {
          dir: 'keys',
          generateDevKeys: false,
          pkcs11: { module: hsm.module, tokenLabel: hsm.label, pinEnv: 'GXT_HSM_PUBLISH_PIN', sessions: 2 },
        },
        signing: { defaultSuite: 'jws2020', suites: { 'gaia-x-25.11': 'vc-jose' } },
        resolver: { allowPrivateNetworks: true, allowHttp: true },
        publish: {
          clearingHouses: [
            {
              name: 'lab',
              registryUrl: `${house.url}/registry/v1`,
              tagusUrl: `${house.url}/compliance/v1`,
              loireUrl: `${house.url}/compliance/v2`,
              notaryUrl: house.notaryUrl,
              did: house.did,
              allowHttp: true,
              trustAnchorFiles: [anchor],
            },
          ],
          catalogues: [
            {
              name: 'fc',
              url: catalogue.url,
              tokenUrl: `${idp.issuer}/token`,
              clientId: 'fc-client',
              clientSecretEnv: 'GXT_HSM_FC_SECRET',
              username: 'svc-gateway',
              passwordEnv: 'GXT_HSM_FC_PASSWORD',
              allowHttp: true,
              registerParticipant: true,
            },
          ],
          outbox: { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50 },
        },
      },
      dir,
    ));
    t.teardown(async () => {
      await svc.close();
      await Promise.all([house.close(), catalogue.close(), idp.close()]);
      await db.drop();
      removeDir(dir);
    });

    const store = svc.gw.service.store;
    const run = await settledRun(svc.url, 'demo', 120_000);
    t.equal(run.state, 'succeeded', JSON.stringify(run.error));
    await until(async () => (await store.compliance.list({ current: true })).length === 2);
    await until(async () => (await store.outbox.list({ state: 'pending', limit: 1 })).length === 0);
    t.equal(house.counts.refused, 0, 'the clearing house refused nothing');
    const issued = await store.compliance.list({ current: true });
    t.same(
      issued.map((c) => c.profile).sort(),
      ['gaia-x-25.11', 'tagus-22.10'],
      'a compliance credential for each set',
    );
    for (const c of issued) await verifyCompliance(t, c.body, house);
    const published = await store.credentials.list({ state: 'published', clearingHouse: true, limit: 1000 });
    t.same(await store.outbox.list({ state: 'dead', limit: 5 }), [], 'no dead letter');
    t.equal(
      [...catalogue.assets.values()].flat().length,
      published.length,
      `${published.length} uploads to the catalogue`,
    );

    // What the peers were given, verified without the gateway's code, against the DID it serves.
    const did = (await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as Record<string, unknown>;
    const vm = (did.verificationMethod as { id: string; publicKeyJwk: NodeJsonWebKey & { x5u?: string } }[]).find((m) =>
      m.id.endsWith('#provider-rsa'),
    )!;
    t.ok(vm.publicKeyJwk.x5u, 'the DID names the chain of the token key (x5u)');
    const { x5u: _x5u, ...jwk } = vm.publicKeyJwk;
    t.same(jwk.n, made.publicKeyJwk.n, 'the DID document publishes the token key');
    // The notary's registration-number credential travels in the sets too: its key, not ours.
    const ours = (kid: string | undefined) => !kid?.startsWith(house.notaryDid);
    const count = { jwts: 0, presentations: 0, jsonld: 0, notary: 0 };
    for (const input of received) {
      if (typeof input === 'string') {
        const header = decodeProtectedHeader(input);
        if (!ours(header.kid)) {
          count.notary++;
          continue;
        }
        t.equal(header.kid, vm.id, `${header.typ}: signed with the token key`);
        await compactVerify(input, await importJWK(jwk, String(header.alg)));
        count.jwts++;
      } else {
        const doc = input as { type?: string[] | string; proof?: { verificationMethod?: string } };
        if (!ours(doc.proof?.verificationMethod)) {
          count.notary++;
          continue;
        }
        t.equal(doc.proof?.verificationMethod, vm.id, `${String(doc.type)}: signed with the token key`);
        if ([doc.type].flat().includes('VerifiablePresentation')) count.presentations++;
        // The independent loader knows the published contexts, not the gateway's own SCS one.
        if (!JSON.stringify(doc).includes('scs/gx-gateway')) {
          t.ok(await verifyJws2020(doc as Record<string, unknown>, did), 'verified by jsonld + jose');
          count.jsonld++;
        }
      }
    }
    t.ok(count.jwts > 0, `${count.jwts} JWTs (VP-JWTs and VC-JWTs) verified by jose`);
    t.ok(count.presentations > 0, `${count.presentations} JSON-LD presentations`);
    t.ok(count.jsonld > 0, `${count.jsonld} JSON-LD documents verified by jsonld + jose`);
    t.equal(svc.gw.credentials.keys.token().signSessionsOpen, 2, 'keys.pkcs11.sessions: two sign sessions, no more');
    t.same(readdirSync(join(dir, 'keys')).sort(), ['keystore.json', 'provider-rsa.chain.pem'], 'no private key file');
  });
}

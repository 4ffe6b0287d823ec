import t from 'tap';
import { didDocumentPath, didFromBaseUrl, didWebDocumentUrl, x5uUrl } from '../../src/credentials/did-web.js';
import { tempGateway } from '../helpers/gateway.js';

t.test('did:web from the public base URL and back', async (t) => {
  const cases: [string, string, string, string][] = [
    [
      'https://provider.example',
      'did:web:provider.example',
      '/.well-known/did.json',
      'https://provider.example/.well-known/did.json',
    ],
    [
      'https://provider.example/',
      'did:web:provider.example',
      '/.well-known/did.json',
      'https://provider.example/.well-known/did.json',
    ],
    [
      'https://provider.example:8443',
      'did:web:provider.example%3A8443',
      '/.well-known/did.json',
      'https://provider.example:8443/.well-known/did.json',
    ],
    [
      'https://provider.example/gx/prod',
      'did:web:provider.example:gx:prod',
      '/gx/prod/did.json',
      'https://provider.example/gx/prod/did.json',
    ],
    [
      'https://provider.example:8443/gx/',
      'did:web:provider.example%3A8443:gx',
      '/gx/did.json',
      'https://provider.example:8443/gx/did.json',
    ],
  ];
  for (const [base, did, path, url] of cases) {
    t.equal(didFromBaseUrl(base), did, base);
    t.equal(didDocumentPath(base), path);
    t.equal(didWebDocumentUrl(did).href, url);
  }
  t.equal(x5uUrl('https://provider.example/gx', 'rsa-1'), 'https://provider.example/gx/x509/rsa-1.pem');
  t.throws(() => didFromBaseUrl('provider.example'), /not an absolute URL/);
  t.throws(() => didFromBaseUrl('https://u:p@provider.example'), /must not carry/);
  t.throws(() => didWebDocumentUrl('did:web:evil.example%2F@10.0.0.1'), /not a host name|not a valid/);
  t.throws(() => didWebDocumentUrl('did:key:z6Mk'), /not a valid did:web/);
});

t.test('the DID document lists every key under assertionMethod', async (t) => {
  const gw = tempGateway({ publicBaseUrl: 'https://provider.example:8443/gx' });
  t.teardown(() => gw.cleanup());
  await gw.service.keys.create({ type: 'RSA', rsaBits: 2048, id: 'rsa' });
  await gw.service.keys.create({ type: 'Ed25519', id: 'ed' });
  await gw.service.attachDevChain('rsa');
  const doc = (await gw.service.didDocument()) as {
    id: string;
    verificationMethod: Record<string, unknown>[];
    assertionMethod: string[];
  };
  t.equal(doc.id, 'did:web:provider.example%3A8443:gx');
  t.same(
    doc.verificationMethod.map((m) => [m.id, m.type]),
    [
      ['did:web:provider.example%3A8443:gx#rsa', 'JsonWebKey2020'],
      ['did:web:provider.example%3A8443:gx#ed', 'JsonWebKey2020'],
      ['did:web:provider.example%3A8443:gx#ed-multikey', 'Multikey'],
    ],
  );
  t.same(
    doc.assertionMethod,
    doc.verificationMethod.map((m) => m.id),
  );
  const rsa = doc.verificationMethod[0]!.publicKeyJwk as Record<string, string>;
  t.equal(rsa.alg, 'PS256');
  t.equal(rsa.x5u, 'https://provider.example:8443/gx/x509/rsa.pem', 'x5u when a chain is stored');
  t.notOk((doc.verificationMethod[1]!.publicKeyJwk as Record<string, string>).x5u, 'no x5u without a chain');
  t.match(doc.verificationMethod[2]!.publicKeyMultibase, /^z6Mk/);
  t.notMatch(JSON.stringify(doc), /"d":/, 'no private key material');
});

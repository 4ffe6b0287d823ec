import t from 'tap';
import { detectProfile } from '../../src/validate/validate.js';

const TAGUS = 'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#';

t.test('the profile is detected from every context, also inside credentialSubject (notary credentials)', async (t) => {
  // As a Gaia-X notary issues a registration number: the Tagus context only on the subject.
  const notary = {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    type: ['VerifiableCredential'],
    id: 'https://notary.example/lrn/1',
    issuer: 'did:web:notary.example',
    credentialSubject: {
      '@context': TAGUS,
      type: 'gx:legalRegistrationNumber',
      id: 'https://x.example/lrn',
      'gx:vatID': 'DE123',
    },
  };
  t.equal(detectProfile(notary), 'tagus-22.10');
  t.equal(
    detectProfile({ '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'] }),
    'gaia-x-25.11',
  );
  t.equal(
    detectProfile({ '@context': ['https://www.w3.org/2018/credentials/v1'], credentialSubject: { x: 1 } }),
    undefined,
  );
});

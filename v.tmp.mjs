import { validateCredential } from './dist/src/validate/validate.js';
import { renderReport } from './dist/src/validate/report.js';
import { createCanonizer } from './dist/src/credentials/canonize.js';
import { createDocumentLoader } from './dist/src/credentials/document-loader.js';
import { bundledContexts } from './dist/src/credentials/contexts.js';
const canonizer = createCanonizer(createDocumentLoader(bundledContexts().values()));
const base = 'https://provider.example';
const cred = {
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'], id: `${base}/credentials/lp`, issuer: 'did:web:provider.example', validFrom: '2026-01-15T10:00:00Z',
  credentialSubject: { id: `${base}/lp#subject`, type: 'LegalPerson', name: 'Example Cloud GmbH',
    registrationNumber: { id: `${base}/vat#subject`, type: 'VatID', vatID: 'DE123456789', countryCode: 'DE' },
    legalAddress: { type: 'Address', countryCode: 'DE' }, headquartersAddress: { type: 'Address', countryCode: 'DE' } },
};
let t = performance.now();
let r = await validateCredential(cred, { canonizer });
console.log('first', (performance.now()-t).toFixed(0)); console.log(renderReport(r));
t = performance.now(); r = await validateCredential(cred, { canonizer }); console.log('second', (performance.now()-t).toFixed(1));
r = await validateCredential(cred, { canonizer, mergeSubClassOf: false }); console.log(renderReport(r));
const bad = structuredClone(cred); delete bad.credentialSubject.legalAddress; bad.credentialSubject.headquartersAddress.countryCode = 'XX'; bad.validFrom = 'yesterday';
console.log(renderReport(await validateCredential(bad, { canonizer })));

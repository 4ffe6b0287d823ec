// Validation reports for people: each fact once, with the shape that states it; an sh:or says which
// alternatives failed; blank nodes are named by the path to them.
import t from 'tap';
import { createCanonizer } from '../../src/credentials/canonize.js';
import { bundledContexts } from '../../src/credentials/contexts.js';
import { createDocumentLoader } from '../../src/credentials/document-loader.js';
import { renderReport } from '../../src/validate/report.js';
import { validateCredentials } from '../../src/validate/validate.js';
import { sampleLegalPerson } from '../helpers/samples.js';

const canonizer = createCanonizer(createDocumentLoader(bundledContexts().values()));

t.test('a bad country code in a blank address node', async (t) => {
  const cred = sampleLegalPerson() as Record<string, unknown> & { credentialSubject: Record<string, unknown> };
  cred.credentialSubject.legalAddress = { type: 'Address', countryCode: 'XX', locality: 'Berlin' };
  const [report] = await validateCredentials([{ credential: cred }], { canonizer, profile: 'gaia-x-25.11' });
  t.notOk(report!.conforms);
  const or = report!.results.filter((r) => r.constraint.endsWith('OrConstraintComponent'));
  t.equal(or.length, 1, 'reported once, though several shapes apply');
  t.match(or[0]!.message, /^none of the alternatives \(sh:or\) holds: .*\|.*\|/, 'names the failed alternatives');
  t.ok(or[0]!.message.length < 600, 'without pasting the value lists whole');
  t.match(
    or[0]!.focusNode,
    /^https:\/\/provider\.example\/legal-person#subject › gx:legalAddress$/,
    'the blank address by its path',
  );
  t.match(or[0]!.shape, /^gx:\w+Shape › vcard:country-code|^gx:\w+Shape/, 'with its shape');
  const text = renderReport(report!);
  t.notMatch(text, /_:g[0-9a-f]{8}_b\d+/, 'no internal blank node labels');
  t.match(text, /\[sh:OrConstraintComponent; gx:/);
  const lines = text.split('\n').slice(1);
  t.equal(new Set(lines).size, lines.length, 'no line twice');
});

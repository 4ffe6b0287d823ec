import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseConformanceReport } from '../../src/inventory/scs/conformance.js';
import { fromRoot } from '../helpers/root.js';

const text = readFileSync(fromRoot('data', 'demo', 'scs-report-iaas.yaml'), 'utf8');

t.test('a compliance-check report: test cases and a verdict per certificate version', async (t) => {
  const r = parseConformanceReport(text, 'scs-report:x');
  t.match(r, {
    subject: 'gx-demo',
    scope: { uuid: '50393e6f-2ae1-4c5c-a62c-3b75f2abef3f', name: 'SCS-compatible IaaS' },
    checkedAt: '2026-11-20 03:00:12',
    referenceDate: '2026-11-20',
  });
  t.equal(r.testcases.length, 55);
  t.same(
    r.testcases.filter((c) => c.result !== 'pass'),
    [{ id: 'scs-0102-prop-os_purpose', result: 'fail' }],
  );
  const v51 = r.versions.find((v) => v.version === 'v5.1')!;
  t.match(v51, { result: 'pass', failed: 0, missing: 0 });
  t.match(
    r.versions.find((v) => v.version === 'next'),
    { result: 'fail', failed: 1 },
    'the failing test case fails the next version',
  );
});

t.test('missing (0) and duplicated results; unknown scopes; bad input', async (t) => {
  const doc = text
    .replace('scs-0100-syntax-check: 1', 'scs-0100-syntax-check: 0')
    .replace(/invocations:\n/, 'invocations:\n    second:\n      results:\n        scs-0100-semantics-check: -1\n');
  const r = parseConformanceReport(doc, 's');
  t.same(
    r.testcases.find((c) => c.id === 'scs-0100-syntax-check'),
    { id: 'scs-0100-syntax-check', result: 'missing' },
  );
  t.same(
    r.testcases.find((c) => c.id === 'scs-0100-semantics-check'),
    { id: 'scs-0100-semantics-check', result: 'fail' },
    'the worst of two runs counts',
  );
  t.equal(r.versions.find((v) => v.version === 'v5.1')!.result, 'fail');
  const unknown = parseConformanceReport(
    text.replace('50393e6f-2ae1-4c5c-a62c-3b75f2abef3f', '00000000-0000-0000-0000-000000000000'),
    's',
  );
  t.same(unknown.versions, [], 'no verdict per version for a scope that is not bundled');
  t.throws(() => parseConformanceReport('foo: [', 'f'), /not valid YAML/);
  t.throws(() => parseConformanceReport('a: 1\n', 'f'), /not an SCS conformance report/);
});

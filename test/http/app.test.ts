import t from 'tap';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { buildApp } from '../../src/http/app.js';
import { openapi, operations, routeUrl } from '../../src/http/openapi.js';
import { tempGateway } from '../helpers/gateway.js';

const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const spec = openapi();
ajv.addSchema({ $id: 'openapi', components: spec.components }, 'openapi');

function responseSchema(path: string, status: string, contentType: string): object {
  const op = spec.paths[path]!.get as { responses: Record<string, { content: Record<string, { schema: object }> }> };
  const schema = op.responses[status]!.content[contentType]!.schema;
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components/g, '"openapi#/components'));
}

for (const base of ['https://provider.example', 'https://provider.example/gx']) {
  t.test(`routes under ${base}`, async (t) => {
    const gw = tempGateway({ publicBaseUrl: base });
    t.teardown(() => gw.cleanup());
    await gw.service.keys.create({ type: 'RSA', rsaBits: 2048, id: 'rsa' });
    await gw.service.attachDevChain('rsa');
    await gw.service.keys.create({ type: 'Ed25519', id: 'ed' });
    const app = await buildApp({ config: gw.service.loaded.config, credentials: gw.service });
    await app.ready();
    const routes = app.gatewayRoutes;
    t.teardown(() => app.close());
    const prefix = new URL(base).pathname.replace(/\/$/, '');
    const didPath = prefix ? `${prefix}/did.json` : '/.well-known/did.json';

    // Every route is in openapi.yaml and every operation is served (did.json moves with the base path).
    const expected = operations().map((o) => ({
      method: o.method,
      url: o.operationId === 'getDidDocument' ? didPath : prefix + routeUrl(o),
    }));
    t.same(
      routes.map((r) => `${r.method} ${r.url}`).sort(),
      expected.map((r) => `${r.method} ${r.url}`).sort(),
      'routes mirror openapi.yaml',
    );

    const health = await app.inject({ method: 'GET', url: `${prefix}/health` });
    t.equal(health.statusCode, 200);
    const healthOk = ajv.validate(responseSchema('/health', '200', 'application/json'), health.json());
    t.ok(healthOk, `health matches the contract ${ajv.errorsText()}`);

    const did = await app.inject({ method: 'GET', url: didPath });
    t.equal(did.statusCode, 200);
    t.match(did.headers['content-type'], /application\/did\+json/);
    const doc = did.json() as { id: string; verificationMethod: { publicKeyJwk?: { x5u?: string } }[] };
    t.ok(
      ajv.validate(responseSchema('/.well-known/did.json', '200', 'application/did+json'), doc),
      `DID document matches the contract ${ajv.errorsText()}`,
    );
    t.equal(doc.id, gw.service.did);

    const x5u = doc.verificationMethod[0]!.publicKeyJwk!.x5u!;
    const chain = await app.inject({ method: 'GET', url: new URL(x5u).pathname });
    t.equal(chain.statusCode, 200, 'x5u URL is served');
    t.match(chain.body, /-----BEGIN CERTIFICATE-----/);

    for (const url of [
      `${prefix}/x509/ed.pem`,
      `${prefix}/x509/nope.pem`,
      `${prefix}/x509/..%2Fkeystore.json`,
      `${prefix}/nothing-here`,
    ]) {
      const res = await app.inject({ method: 'GET', url });
      t.equal(res.statusCode, 404, `${url} → 404`);
      t.match(res.headers['content-type'], /^application\/problem\+json/);
      t.ok(
        ajv.validate(responseSchema('/x509/{keyFile}', '404', 'application/problem+json'), res.json()),
        'problem+json per RFC 9457',
      );
      t.notMatch(res.body, /PRIVATE KEY/);
    }
  });
}

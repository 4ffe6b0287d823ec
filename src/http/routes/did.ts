import type { FastifyInstance } from 'fastify';
import { excerpt } from '../../core/excerpt.js';
import { HttpProblem } from '../plugins/problem.js';
import { specRoute } from '../route.js';

/** The DID document and the x5u chains (public). Registered under the path of publicBaseUrl. */
export default async function didRoutes(app: FastifyInstance, opts: { prefix?: string }): Promise<void> {
  const deps = app.gateway;
  // did:web puts the document at /.well-known/did.json, or at <path>/did.json under a path.
  // Public documents: browser-based resolvers fetch them cross-origin.
  specRoute(
    app,
    'getDidDocument',
    async (_request, reply) => {
      const doc = await deps.credentials.didDocument();
      return reply
        .type('application/did+json')
        .header('cache-control', 'public, max-age=300')
        .header('access-control-allow-origin', '*')
        .send(JSON.stringify(doc));
    },
    { url: opts.prefix ? '/did.json' : '/.well-known/did.json' },
  );

  specRoute(app, 'getCertificateChain', async (request, reply) => {
    const { keyFile } = request.params as { keyFile: string };
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})\.pem$/.exec(keyFile);
    const keyId = match?.[1];
    const pem = keyId ? deps.credentials.chainFor(keyId) : undefined;
    if (!pem) throw new HttpProblem(404, `no certificate chain for ${excerpt(keyFile, 80)}`);
    return reply
      .type('application/x-pem-file')
      .header('cache-control', 'public, max-age=300')
      .header('access-control-allow-origin', '*')
      .send(pem);
  });
}

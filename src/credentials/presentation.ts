import { CONTEXTS } from './contexts.js';
import { envelope } from './suites/vc-jose.js';
import type { JsonObject, Secured } from './suites/suite.js';

/**
 * A presentation bundling secured credentials. JWT credentials go in as
 * EnvelopedVerifiableCredential (VC Data Model 2.0); JSON-LD credentials are embedded as they are,
 * in a presentation of the same data model as the first credential.
 */
export function buildPresentation(credentials: Secured[], holder: string, id?: string): JsonObject {
  const anyJwt = credentials.some((c) => c.format === 'jwt');
  const firstLd = credentials.find((c): c is Extract<Secured, { format: 'ldp' }> => c.format === 'ldp');
  const firstCtx = firstLd ? ([] as unknown[]).concat(firstLd.document['@context'])[0] : undefined;
  const v2 = anyJwt || firstCtx === CONTEXTS.credentialsV2;
  const presentation: JsonObject = {
    '@context': [v2 ? CONTEXTS.credentialsV2 : CONTEXTS.credentialsV1],
    type: ['VerifiablePresentation'],
  };
  if (id) presentation.id = id;
  presentation.holder = holder;
  presentation.verifiableCredential = credentials.map((c) => (c.format === 'jwt' ? envelope(c.jwt) : c.document));
  return presentation;
}

import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { JsonObject } from '../credentials/suites/suite.js';

/** Envelope members that change without the described resource changing. */
const VOLATILE = ['proof', 'issuanceDate', 'expirationDate', 'validFrom', 'validUntil'];

/** The credential without validity dates and proof: what "the same description" means. */
export function credentialBody(credential: JsonObject): JsonObject {
  const body: JsonObject = {};
  for (const [k, v] of Object.entries(credential)) if (!VOLATILE.includes(k)) body[k] = v;
  return body;
}

/** `sha256:` + hex SHA-256 of the RFC 8785 (JCS) form of the credential body. */
export function contentHash(credential: JsonObject): string {
  return `sha256:${createHash('sha256')
    .update(canonicalize(credentialBody(credential)) ?? '')
    .digest('hex')}`;
}

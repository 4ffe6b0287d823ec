import type { JsonObject, ProfileId } from '../core/ids.js';
import { decodeJwt, withoutJwtClaims } from './suites/vc-jose.js';
import type { Secured } from './suites/suite.js';

/** The media type a signed credential is served with. */
export function mediaTypeOf(secured: Secured, profile: ProfileId): string {
  if (secured.format === 'jwt') return secured.mediaType;
  return profile === 'tagus-22.10' ? 'application/vc+ld+json' : 'application/vc';
}

/** The exact bytes a secured credential is stored and served as. */
export const bodyOf = (secured: Secured): string =>
  secured.format === 'jwt' ? secured.jwt : JSON.stringify(secured.document);

/** The verification method a secured credential's proof names (the JWT's kid). */
export function signedWith(secured: Secured): string | null {
  if (secured.format === 'jwt') {
    const header = JSON.parse(Buffer.from(secured.jwt.split('.')[0]!, 'base64url').toString('utf8')) as {
      kid?: string;
    };
    return header.kid ?? null;
  }
  const proof = secured.document.proof as { verificationMethod?: string } | undefined;
  return proof?.verificationMethod ?? null;
}

/** The credential in stored bytes: the JSON-LD document, or a VC-JWT's payload without its JWT claims. */
export function credentialOfBody(body: string): JsonObject {
  const text = body.trim();
  if (text.startsWith('{')) return JSON.parse(text) as JsonObject;
  return withoutJwtClaims(decodeJwt(text).payload);
}

/** When a secured credential stops being valid (`validUntil`, `expirationDate` or a JWT's `exp`), if it says. */
export function validUntilOf(body: string): Date | undefined {
  const text = body.trim();
  const doc = text.startsWith('{') ? (JSON.parse(text) as JsonObject) : decodeJwt(text).payload;
  const until = doc.validUntil ?? doc.expirationDate;
  if (typeof until === 'string' && !Number.isNaN(Date.parse(until))) return new Date(until);
  if (typeof doc.exp === 'number') return new Date(doc.exp * 1000);
  return undefined;
}

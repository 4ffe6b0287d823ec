import type { ProfileId } from '../core/ids.js';
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

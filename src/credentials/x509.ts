import { X509Certificate, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { fail, notChecked, pass, type Check } from './checks.js';
import { excerpt } from '../core/excerpt.js';

/** A certificate's subject, short and printable (it comes from a fetched chain). */
function subjectOf(c: X509Certificate): string {
  return excerpt(c.subject.replace(/\n/g, ', '), 120);
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** All certificates of a PEM bundle, in order. */
export function parsePemChain(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

export function sameKey(a: KeyObject, b: KeyObject): boolean {
  const pa = a.type === 'private' ? createPublicKey(a) : a;
  const pb = b.type === 'private' ? createPublicKey(b) : b;
  return pa.export({ type: 'spki', format: 'der' }).equals(pb.export({ type: 'spki', format: 'der' }));
}

export interface ChainCheckOptions {
  now?: Date;
  /** Trusted root certificates. When given, the chain must end in (or be issued by) one of them. */
  trustAnchors?: X509Certificate[];
}

/**
 * Check an x5u certificate chain against the JWK it is attached to: leaf key equals the JWK, each
 * certificate is within its validity dates, each is issued and signed by the next, and the chain
 * ends in a self-signed root or a configured trust anchor. Every check is reported.
 */
export function checkX5uChain(jwk: JsonWebKey, pem: string, options: ChainCheckOptions = {}): Check[] {
  const checks: Check[] = [];
  const now = options.now ?? new Date();
  let certs: X509Certificate[];
  try {
    certs = parsePemChain(pem);
  } catch (err) {
    return [
      fail('x5u-parse', `the x5u document is not a PEM certificate chain (${excerpt((err as Error).message, 80)})`),
    ];
  }
  if (certs.length === 0) return [fail('x5u-parse', 'the x5u document holds no PEM certificate')];
  checks.push(pass('x5u-parse', `${certs.length} certificate(s)`));

  const leaf = certs[0]!;
  let jwkKey: KeyObject | undefined;
  try {
    const {
      alg: _alg,
      x5u: _x5u,
      kid: _kid,
      use: _use,
      ...bare
    } = jwk as JsonWebKey & { alg?: string; x5u?: string; kid?: string; use?: string };
    jwkKey = createPublicKey({ key: bare, format: 'jwk' });
  } catch (err) {
    checks.push(
      fail('x5u-leaf-key', `the publicKeyJwk is not a usable public key (${excerpt((err as Error).message, 80)})`),
    );
  }
  if (jwkKey) {
    checks.push(
      sameKey(leaf.publicKey, jwkKey)
        ? pass('x5u-leaf-key', `leaf ${subjectOf(leaf)} carries the verification key`)
        : fail('x5u-leaf-key', `the leaf certificate (${subjectOf(leaf)}) carries a different key than publicKeyJwk`),
    );
  }

  const expired = certs.filter((c) => new Date(c.validTo) < now || new Date(c.validFrom) > now);
  checks.push(
    expired.length === 0
      ? pass('x5u-validity', `all certificates valid on ${now.toISOString()}`)
      : fail(
          'x5u-validity',
          expired.map((c) => `${subjectOf(c)} is valid only from ${c.validFrom} to ${c.validTo}`).join('; '),
        ),
  );

  const broken: string[] = [];
  for (let i = 0; i + 1 < certs.length; i++) {
    const child = certs[i]!;
    const parent = certs[i + 1]!;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      broken.push(`certificate ${i} (${subjectOf(child)}) is not signed by certificate ${i + 1}`);
    }
  }
  const last = certs[certs.length - 1]!;
  const anchors = options.trustAnchors;
  if (broken.length) {
    checks.push(fail('x5u-chain', broken.join('; ')));
  } else if (!anchors || anchors.length === 0) {
    const selfSigned = last.checkIssued(last) && last.verify(last.publicKey);
    checks.push(
      selfSigned
        ? pass('x5u-chain', 'each certificate is signed by the next; the chain ends in a self-signed root')
        : fail(
            'x5u-chain',
            "the chain does not include its root certificate (append the root, e.g. for Let's Encrypt)",
          ),
    );
    if (selfSigned) {
      checks.push(
        notChecked(
          'x5u-trust-anchor',
          `not checked: no trust anchors are configured (resolver.trustAnchorFiles), so any self-signed root passes; this one is ${subjectOf(last)}`,
        ),
      );
    }
  } else {
    checks.push(pass('x5u-chain', 'each certificate is signed by the next'));
  }
  if (anchors && anchors.length > 0) {
    const anchored = anchors.some(
      (a) => a.fingerprint256 === last.fingerprint256 || (last.checkIssued(a) && last.verify(a.publicKey)),
    );
    checks.push(
      anchored
        ? pass('x5u-trust-anchor', 'the chain ends in a configured trust anchor')
        : fail('x5u-trust-anchor', `the chain's root (${subjectOf(last)}) is not a configured trust anchor`),
    );
  }
  return checks;
}

import type { JWK } from 'jose';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { CONTEXTS } from './contexts.js';
import { GatewayError } from '../core/errors.js';
import type { KeyInfo } from './keys/keystore.js';

/**
 * did:web from a public base URL: host, percent-encoded port, path segments joined by ':'.
 * `https://example.com:8443/gx/prov` → `did:web:example.com%3A8443:gx:prov`.
 */
export function didFromBaseUrl(baseUrl: string): string {
  const url = parseBase(baseUrl);
  const host = url.port ? `${url.hostname}%3A${url.port}` : url.hostname;
  const segments = url.pathname.split('/').filter(Boolean).map(encodeURIComponent);
  return ['did', 'web', host, ...segments].join(':');
}

/** Where the DID document lives, relative to the host: `/.well-known/did.json` or `<path>/did.json`. */
export function didDocumentPath(baseUrl: string): string {
  const path = parseBase(baseUrl).pathname.replace(/\/+$/, '');
  return path ? `${path}/did.json` : '/.well-known/did.json';
}

/** The HTTPS URL a did:web resolves to (the inverse of didFromBaseUrl). */
export function didWebDocumentUrl(did: string, scheme: 'https' | 'http' = 'https'): URL {
  const match = /^did:web:([^:#?/]+)((?::[^:#?/]+)*)$/.exec(did);
  if (!match) throw new GatewayError(`"${did}" is not a valid did:web identifier`, 'bad-did');
  const host = decodeURIComponent(match[1]!);
  if (/[/@\\\s]/.test(host)) throw new GatewayError(`did:web host "${host}" is not a host name`, 'bad-did');
  const path = (match[2] ?? '')
    .split(':')
    .filter(Boolean)
    .map((s) => encodeURIComponent(decodeURIComponent(s)));
  const url = new URL(`${scheme}://${host}/`);
  url.pathname = path.length ? `/${path.join('/')}/did.json` : '/.well-known/did.json';
  return url;
}

/** Where a key's PEM certificate chain is served (its `x5u`). */
export function x5uUrl(baseUrl: string, keyId: string): string {
  return `${trimSlash(baseUrl)}/x509/${encodeURIComponent(keyId)}.pem`;
}

export function verificationMethodId(did: string, keyId: string): string {
  return `${did}#${keyId}`;
}

/**
 * The gateway's DID document: every key as a JsonWebKey2020 verification method (publicKeyJwk with
 * `alg`, and `x5u` when a chain is stored), all under assertionMethod. Ed25519 keys are also listed
 * as Multikey (`#<id>-multikey`) for Data Integrity verifiers that expect it.
 */
export async function buildDidDocument(baseUrl: string, keys: KeyInfo[]): Promise<Record<string, unknown>> {
  const did = didFromBaseUrl(baseUrl);
  const methods: Record<string, unknown>[] = [];
  for (const key of keys) {
    const jwk: JWK = { ...key.publicKeyJwk, alg: key.alg };
    if (key.hasChain) jwk.x5u = x5uUrl(baseUrl, key.id);
    methods.push({ id: verificationMethodId(did, key.id), type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk });
    const multibase = key.type === 'Ed25519' ? await ed25519Multibase(key.publicKeyJwk) : undefined;
    if (multibase) {
      methods.push({
        id: verificationMethodId(did, `${key.id}-multikey`),
        type: 'Multikey',
        controller: did,
        publicKeyMultibase: multibase,
      });
    }
  }
  const ids = methods.map((m) => m.id as string);
  return {
    '@context': [CONTEXTS.didV1, CONTEXTS.jws2020, CONTEXTS.multikeyV1],
    id: did,
    verificationMethod: methods,
    authentication: ids,
    assertionMethod: ids,
  };
}

function parseBase(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new GatewayError(`publicBaseUrl "${baseUrl}" is not an absolute URL`, 'bad-config');
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new GatewayError(`publicBaseUrl "${baseUrl}" must not carry a query, fragment or credentials`, 'bad-config');
  }
  return url;
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

async function ed25519Multibase(jwk: JWK): Promise<string> {
  const key = (await Ed25519Multikey.from({ type: 'JsonWebKey2020', publicKeyJwk: jwk })) as {
    export(o: object): Promise<{ publicKeyMultibase: string }>;
  };
  return (await key.export({ publicKey: true })).publicKeyMultibase;
}

// An independent verifier toolkit for cross-checks: built from the npm context packages, jsonld and
// jose directly, without importing anything from src/.
import { readFileSync } from 'node:fs';
import { contexts as credentials } from '@digitalbazaar/credentials-context';
import { contexts as dataIntegrity } from '@digitalbazaar/data-integrity-context';
import { contexts as ed25519 } from 'ed25519-signature-2020-context';
import { contexts as did } from 'did-context';
import { contexts as multikey } from '@digitalbazaar/multikey-context';
import transmute from '@transmute/security-context';
import { contexts as bitstring } from '@digitalbazaar/vc-bitstring-status-list-context';
import { contexts as statusList2021 } from '@digitalbazaar/vc-status-list-context';
import { createHash } from 'node:crypto';
import { flattenedVerify, importJWK, type JWK } from 'jose';
import jsonld from 'jsonld';
import { fromRoot } from './root.js';

const GX_2511 = 'https://w3id.org/gaia-x/development#';
const TAGUS = 'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#';

export function independentContexts(): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const m of [credentials, dataIntegrity, ed25519, did, multikey, transmute.contexts, bitstring, statusList2021])
    for (const [k, v] of m) map.set(k, v);
  map.set(GX_2511, JSON.parse(readFileSync(fromRoot('..', 'shared', 'gaia-x', '25.11', 'gx.context.jsonld'), 'utf8')));
  map.set(TAGUS, JSON.parse(readFileSync(fromRoot('..', 'shared', 'gaia-x', '22.10', 'gx_shacl.json'), 'utf8')));
  return map;
}

/** A document loader over the given contexts and one DID document (VMs by exact id). */
export function independentLoader(didDocument: Record<string, unknown>) {
  const ctx = independentContexts();
  return async (url: string) => {
    if (ctx.has(url)) return { contextUrl: null, documentUrl: url, document: ctx.get(url) };
    if (url === didDocument.id) return { contextUrl: null, documentUrl: url, document: didDocument };
    const vm = (didDocument.verificationMethod as Record<string, unknown>[]).find((m) => m.id === url);
    if (vm) return { contextUrl: null, documentUrl: url, document: { '@context': didDocument['@context'], ...vm } };
    throw new Error(`independent loader: unknown ${url}`);
  };
}

/**
 * Verify a Gaia-X JsonWebSignature2020 proof by the algorithm (URDNA2015 with jsonld, SHA-256 hex,
 * detached JWS with jose), against a DID document: no code of src/ involved.
 */
export async function verifyJws2020(
  document: Record<string, unknown>,
  didDocument: Record<string, unknown>,
): Promise<boolean> {
  const loader = independentLoader(didDocument);
  const { proof, ...unsigned } = document as { proof: Record<string, string> };
  const [protectedHeader, empty, signature] = proof.jws!.split('.');
  if (empty !== '') return false;
  const header = JSON.parse(Buffer.from(protectedHeader!, 'base64url').toString()) as { alg: string };
  const canon = await jsonld.canonize(unsigned, {
    algorithm: 'URDNA2015',
    format: 'application/n-quads',
    documentLoader: loader as never,
    safe: true,
  });
  const payload = Buffer.from(createHash('sha256').update(canon).digest('hex'));
  const vm = (didDocument.verificationMethod as { id: string; publicKeyJwk: JWK }[]).find(
    (m) => m.id === proof.verificationMethod,
  );
  if (!vm) return false;
  try {
    await flattenedVerify(
      { protected: protectedHeader!, payload, signature: signature! },
      await importJWK(vm.publicKeyJwk, header.alg),
    );
    return true;
  } catch {
    return false;
  }
}

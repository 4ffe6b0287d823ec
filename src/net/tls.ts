import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';

/**
 * The CA certificates an outbound TLS connection trusts with extra ones added: Node's bundled roots
 * and the extra PEM (a corporate or test CA). Given alone, `ca` would replace the public roots.
 */
export function trustedCas(extraPem: string): string[] {
  return [...rootCertificates, extraPem];
}

/**
 * resolver.caFile for every outbound call the gateway makes with fetch (clearing houses, notaries,
 * registries, catalogues and their identity providers, the event service, the OIDC provider): the
 * process's global dispatcher trusts it besides the public roots. DID and x5u fetches use it too
 * (their own guarded client). Called once at start, with the file's path.
 */
export function trustExtraCa(caFile: string): void {
  setGlobalDispatcher(new Agent({ connect: { ca: trustedCas(readFileSync(caFile, 'utf8')) } }));
}

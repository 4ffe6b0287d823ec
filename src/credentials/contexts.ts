import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import { contexts as securityContexts } from '@digitalbazaar/security-context';
import { contexts as didContexts } from 'did-context';
import { contexts as ed25519Contexts } from 'ed25519-signature-2020-context';
import { contexts as dataIntegrityContexts } from '@digitalbazaar/data-integrity-context';
import { contexts as multikeyContexts } from '@digitalbazaar/multikey-context';
import { contexts as statusList2021Contexts } from '@digitalbazaar/vc-status-list-context';
import { contexts as bitstringContexts } from '@digitalbazaar/vc-bitstring-status-list-context';
import transmuteSecurity from '@transmute/security-context';
import { GatewayError } from '../core/errors.js';
import { contextsDir } from '../paths.js';

/** Well-known context URLs gx-gateway emits. */
export const CONTEXTS = {
  credentialsV1: 'https://www.w3.org/2018/credentials/v1',
  credentialsV2: 'https://www.w3.org/ns/credentials/v2',
  didV1: 'https://www.w3.org/ns/did/v1',
  securityV1: 'https://w3id.org/security/v1',
  securityV2: 'https://w3id.org/security/v2',
  jws2020: 'https://w3id.org/security/suites/jws-2020/v1',
  ed25519_2020: 'https://w3id.org/security/suites/ed25519-2020/v1',
  dataIntegrityV2: 'https://w3id.org/security/data-integrity/v2',
  multikeyV1: 'https://w3id.org/security/multikey/v1',
  statusList2021: 'https://w3id.org/vc/status-list/2021/v1',
  bitstringStatusList: 'https://www.w3.org/ns/credentials/status/v1',
  gaiaX2511: 'https://w3id.org/gaia-x/development#',
  tagus2210: 'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#',
  /** gx-gateway's own vocabulary for SCS facts (contexts/scs/v1.jsonld). */
  scsV1: 'https://w3id.org/scs/gx-gateway/v1',
} as const;

export interface BundledContext {
  url: string;
  /** Where the document comes from: an npm package name or a file under contexts/. */
  source: string;
  document: object;
}

function fromPackage(map: Map<string, object>, source: string, only?: string[]): BundledContext[] {
  return [...map.entries()]
    .filter(([url]) => !only || only.includes(url))
    .map(([url, document]) => ({ url, source, document }));
}

function fromFile(url: string, relPath: string): BundledContext {
  const file = join(contextsDir, relPath);
  return { url, source: `contexts/${relPath}`, document: JSON.parse(readFileSync(file, 'utf8')) as object };
}

let bundled: ReadonlyMap<string, BundledContext> | undefined;

/**
 * Every context gx-gateway ships, keyed by URL. Standard contexts come from their npm packages,
 * the Gaia-X ones from contexts/ (see contexts/README.md for provenance). Loaded once; immutable.
 */
export function bundledContexts(): ReadonlyMap<string, BundledContext> {
  if (bundled) return bundled;
  const list: BundledContext[] = [
    ...fromPackage(credentialsContexts, '@digitalbazaar/credentials-context'),
    ...fromPackage(securityContexts, '@digitalbazaar/security-context'),
    ...fromPackage(didContexts, 'did-context'),
    ...fromPackage(ed25519Contexts, 'ed25519-signature-2020-context'),
    ...fromPackage(dataIntegrityContexts, '@digitalbazaar/data-integrity-context'),
    ...fromPackage(multikeyContexts, '@digitalbazaar/multikey-context'),
    ...fromPackage(statusList2021Contexts, '@digitalbazaar/vc-status-list-context'),
    ...fromPackage(bitstringContexts, '@digitalbazaar/vc-bitstring-status-list-context'),
    ...fromPackage(transmuteSecurity.contexts, '@transmute/security-context', [CONTEXTS.jws2020]),
    fromFile(CONTEXTS.gaiaX2511, 'gaia-x/25.11/gx.context.jsonld'),
    fromFile(CONTEXTS.tagus2210, 'gaia-x/22.10/trustframework.json'),
    fromFile(CONTEXTS.scsV1, 'scs/v1.jsonld'),
  ];
  const map = new Map<string, BundledContext>();
  for (const c of list) {
    deepFreeze(c.document);
    map.set(c.url, Object.freeze(c));
  }
  bundled = map;
  return map;
}

/**
 * Load contexts named in the configuration (URL → local file). Relative paths are resolved
 * against `baseDir` (the configuration file's folder).
 */
export function loadLocalContexts(entries: Record<string, string>, baseDir: string): BundledContext[] {
  return Object.entries(entries).map(([url, path]) => {
    const file = isAbsolute(path) ? path : resolve(baseDir, path);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new GatewayError(
        `jsonld.localContexts: cannot read ${file} for ${url}: ${(err as Error).message}`,
        'bad-config',
        { cause: err },
      );
    }
    try {
      const document = JSON.parse(text) as object;
      return { url, source: file, document: deepFreeze(document) };
    } catch (err) {
      throw new GatewayError(
        `jsonld.localContexts: ${file} (for ${url}) is not JSON: ${(err as Error).message}`,
        'bad-config',
        { cause: err },
      );
    }
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

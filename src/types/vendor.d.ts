// Minimal declarations for untyped JavaScript dependencies. Only what gx-gateway calls.
declare module 'jsonld' {
  const jsonld: {
    canonize(input: unknown, options: Record<string, unknown>): Promise<string>;
    expand(input: unknown, options: Record<string, unknown>): Promise<unknown[]>;
    toRDF(input: unknown, options: Record<string, unknown>): Promise<unknown>;
  };
  export default jsonld;
}
declare module '@digitalbazaar/vc' {
  export function issue(opts: Record<string, unknown>): Promise<Record<string, unknown>>;
  export function signPresentation(opts: Record<string, unknown>): Promise<Record<string, unknown>>;
  export function verifyCredential(
    opts: Record<string, unknown>,
  ): Promise<{ verified: boolean; error?: unknown; results?: unknown[] }>;
  export function verify(
    opts: Record<string, unknown>,
  ): Promise<{ verified: boolean; error?: unknown; presentationResult?: unknown; credentialResults?: unknown[] }>;
  export function createPresentation(opts: Record<string, unknown>): Record<string, unknown>;
}
declare module '@digitalbazaar/ed25519-signature-2020' {
  export class Ed25519Signature2020 {
    constructor(opts?: Record<string, unknown>);
  }
  export const suiteContext: { CONTEXT_URL: string };
}
declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(opts?: Record<string, unknown>);
  }
}
declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: Record<string, unknown>;
}
declare module '@digitalbazaar/ed25519-multikey' {
  export function from(key: unknown): Promise<unknown>;
}
declare module '@digitalbazaar/ecdsa-multikey' {
  export function from(key: unknown): Promise<unknown>;
}
declare module '@digitalbazaar/did-method-key' {
  export function driver(opts?: Record<string, unknown>): {
    use(opts: { multibaseMultikeyHeader: string; fromMultibase: (k: unknown) => Promise<unknown> }): void;
    get(opts: { did?: string; url?: string }): Promise<Record<string, unknown>>;
  };
}
declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, object>;
}
declare module '@digitalbazaar/security-context' {
  export const contexts: Map<string, object>;
}
declare module 'did-context' {
  export const contexts: Map<string, object>;
}
declare module 'ed25519-signature-2020-context' {
  export const contexts: Map<string, object>;
}
declare module '@digitalbazaar/data-integrity-context' {
  export const contexts: Map<string, object>;
}
declare module '@digitalbazaar/multikey-context' {
  export const contexts: Map<string, object>;
}
declare module '@digitalbazaar/vc-status-list-context' {
  export const contexts: Map<string, object>;
}
declare module '@digitalbazaar/vc-bitstring-status-list-context' {
  export const contexts: Map<string, object>;
}
declare module '@transmute/security-context' {
  const m: { contexts: Map<string, object> };
  export default m;
}
declare module 'jsonld-signatures' {
  const jsigs: {
    verify(
      document: unknown,
      options: Record<string, unknown>,
    ): Promise<{ verified: boolean; error?: unknown; results?: unknown[] }>;
    purposes: { AuthenticationProofPurpose: new (opts: Record<string, unknown>) => unknown };
  };
  export default jsigs;
}
declare module 'shacl-engine' {
  export class Validator {
    constructor(shapes: unknown, options: { factory: unknown; debug?: boolean; details?: boolean });
    validate(data: { dataset: unknown; terms?: unknown[] }): Promise<unknown>;
  }
}
declare module 'rdf-validate-shacl' {
  export default class SHACLValidator {
    constructor(shapes: unknown, options?: Record<string, unknown>);
    validate(data: unknown): Promise<{ conforms: boolean; results: unknown[] }>;
  }
}
declare module 'rdf-canonize' {
  const rdfCanonize: { canonize(dataset: unknown, options: Record<string, unknown>): Promise<unknown> };
  export default rdfCanonize;
}
declare module 'jsonld/lib/ContextResolver.js' {
  /** jsonld.js's resolver of contexts for one operation, over a cache shared between operations. */
  export default class ContextResolver {
    constructor(opts: { sharedCache: { get(key: string): unknown; set(key: string, value: unknown): unknown } });
  }
}

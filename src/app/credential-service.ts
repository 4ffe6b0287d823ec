import type { ProfileId } from '../core/ids.js';
import { type X509Certificate, createPublicKey, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { configPath } from '../config/load.js';
import type { LoadedConfig } from '../config/schema.js';
import { createCanonizer, type CanonizeLimits, type Canonizer } from '../credentials/canonize.js';
import { bundledContexts, loadLocalContexts, type BundledContext } from '../credentials/contexts.js';
import { buildDidDocument, didFromBaseUrl, verificationMethodId, x5uUrl } from '../credentials/did-web.js';
import { createDocumentLoader, withDidResolution } from '../credentials/document-loader.js';
import { GatewayError } from '../core/errors.js';
import { createGuardedFetcher, type GuardedFetcher } from '../net/guarded-fetch.js';
import { createDevChain } from '../credentials/keys/certificates.js';
import { KeyStore, type KeyInfo } from '../credentials/keys/keystore.js';
import type { Signer } from '../credentials/keys/signer.js';
import { buildPresentation } from '../credentials/presentation.js';
import { createDidResolver, type DidResolverService } from '../credentials/resolver.js';
import { getSuite } from '../credentials/suites/index.js';
import {
  attachSignature,
  signingInput,
  type ExternalOptions,
  type SigningInput,
} from '../credentials/suites/external.js';
import {
  isPresentation,
  type JsonObject,
  type Secured,
  type SigningSuite,
  type SuiteId,
  type VerifyEnv,
} from '../credentials/suites/suite.js';
import { parsePemChain } from '../credentials/x509.js';
import { issuerId } from '../credentials/verification-method.js';
import { verifySecured, type VerificationReport } from '../credentials/verify.js';
import { renderReport, type ValidationReport } from '../validate/report.js';
import { credentialsIn, detectProfile, validateCredentials } from '../validate/validate.js';
import { SignPool } from './sign-pool.js';

/** Sets from this size on are signed in the pool (signing.workers); smaller ones cost less signed here. */
const POOL_MIN_SET = 64;

export interface SignRequest {
  /**
   * Credentials the ones to sign reference (the LegalPerson an offering is providedBy, Tagus'
   * registration number): validated together with them, as a clearing house validates a presentation.
   */
  related?: (JsonObject | string)[];
  suite?: SuiteId;
  /** The profile of what is signed: its suite (signing.suites) when no suite is given. */
  profile?: ProfileId;
  /** Key id; default: the active key if the suite can use it, else the first key that fits. */
  keyId?: string;
  created?: Date;
  /** Sign credentials whose validUntil / expirationDate has passed (refused otherwise). */
  allowExpired?: boolean;
}

/** A signature made elsewhere: with one of the gateway's keys (keyId) or a registered officer key. */
export interface ExternalRequest extends SignRequest {
  created: Date;
  officerKey?: string;
  /** The credential was validated with its set when it was drafted: do not validate it alone again. */
  prevalidated?: boolean;
}

export interface PresentRequest extends SignRequest {
  /** Sign the presentation itself too (default true; Tagus clearing houses accept unsigned ones). */
  signPresentation?: boolean;
  challenge?: string;
  domain?: string;
  id?: string;
}

export interface VerifyRequest {
  /** Do not fetch x5u chains (offline verification). */
  skipX5u?: boolean;
  /** The challenge (nonce) and domain (audience) a presentation must be bound to. */
  challenge?: string;
  domain?: string;
  now?: Date;
  /**
   * Resolve DIDs and x5u chains with this resolver and anchor chains in these roots instead of the
   * gateway's (a peer's policy: a clearing house's anchors, the demo peers' loopback resolution).
   */
  dids?: DidResolverService;
  trustAnchors?: X509Certificate[];
}

/** An officer's public key (registered by an admin): in the DID document, never a private key here. */
export interface OfficerKey {
  id: string;
  type: KeyInfo['type'];
  alg: KeyInfo['alg'];
  publicKeyJwk: KeyInfo['publicKeyJwk'];
  chainPem?: string;
}

/**
 * The credential core for one gateway: its keys, DID, offline JSON-LD, signing and verification.
 * Everything comes from the configuration; no global state.
 */
export class CredentialService {
  readonly did: string;
  readonly canonizer: Canonizer;
  /** The configuration's own contexts (jsonld.localContexts), read once. */
  readonly localContexts: BundledContext[];
  /** The JSON-LD bounds of the configuration, as the canonizer takes them. */
  readonly canonizeLimits: CanonizeLimits;
  readonly resolver: DidResolverService;
  private readonly trustAnchors: X509Certificate[];
  private readonly fetcher: GuardedFetcher;
  /** Signing threads for large sets (signing.workers), started with the first one. */
  private pool: SignPool | undefined;

  /** Credentials signed in the signing threads so far. */
  get signedInThreads(): number {
    return this.pool?.signed ?? 0;
  }

  constructor(
    readonly loaded: LoadedConfig,
    readonly keys: KeyStore,
  ) {
    const { config } = loaded;
    this.did = didFromBaseUrl(config.publicBaseUrl);
    this.localContexts = loadLocalContexts(config.jsonld.localContexts, loaded.baseDir);
    this.canonizeLimits = {
      timeoutMs: config.jsonld.canonizeTimeoutMs,
      maxWorkFactor: config.jsonld.maxWorkFactor,
      maxDocumentBytes: config.jsonld.maxDocumentBytes,
      maxNodes: config.jsonld.maxNodes,
      maxInlineContextBytes: config.jsonld.maxInlineContextBytes,
      maxDepth: config.jsonld.maxDepth,
    };
    const contexts = [...bundledContexts().values(), ...this.localContexts];
    this.canonizer = createCanonizer(createDocumentLoader(contexts), this.canonizeLimits, contexts);
    this.fetcher = createGuardedFetcher({
      allowPrivateNetworks: config.resolver.allowPrivateNetworks,
      allowHttp: config.resolver.allowHttp,
      timeoutMs: config.resolver.timeoutMs,
      maxBytes: config.resolver.maxBytes,
      ...(config.resolver.caFile ? { caFile: configPath(loaded, config.resolver.caFile) } : {}),
    });
    const local = new Map<string, () => Promise<Record<string, unknown>>>();
    if (config.resolver.resolveOwnDidLocally) local.set(this.did, () => this.didDocument());
    this.resolver = createDidResolver({
      fetcher: this.fetcher,
      allowHttp: config.resolver.allowHttp,
      cacheTtlMs: config.resolver.cacheTtlSeconds * 1000,
      failureTtlMs: config.resolver.failureCacheSeconds * 1000,
      localDocuments: local,
      ...(config.resolver.resolveOwnDidLocally ? { localText: (url: string) => this.ownChain(url) } : {}),
    });
    this.trustAnchors = (config.resolver.trustAnchorFiles ?? []).flatMap((f) => {
      const file = configPath(loaded, f);
      try {
        return parsePemChain(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new GatewayError(
          `resolver.trustAnchorFiles: cannot read ${file}: ${(err as Error).message}`,
          'bad-config',
        );
      }
    });
  }

  static open(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): CredentialService {
    const { keys } = loaded.config;
    const p11 = (
      keys as { pkcs11?: { module: string; tokenLabel?: string; slot?: number; pinEnv: string; sessions?: number } }
    ).pkcs11;
    const pin = p11 ? env[p11.pinEnv] : undefined;
    if (p11 && p11.tokenLabel === undefined && p11.slot === undefined)
      throw new GatewayError('keys.pkcs11: name the token by tokenLabel or slot', 'bad-config');
    if (p11 && !pin)
      throw new GatewayError(
        `keys.pkcs11.pinEnv: the variable ${p11.pinEnv} is not set (the token's user PIN)`,
        'bad-config',
      );
    const store = KeyStore.open(configPath(loaded, keys.dir), {
      passphrase: env[keys.passphraseEnv] || undefined,
      passphraseEnv: keys.passphraseEnv,
      ...(p11
        ? {
            pkcs11: {
              module: p11.module,
              ...(p11.tokenLabel !== undefined ? { tokenLabel: p11.tokenLabel } : {}),
              ...(p11.slot !== undefined ? { slot: p11.slot } : {}),
              ...(p11.sessions !== undefined ? { sessions: p11.sessions } : {}),
              pin: pin!,
            },
          }
        : {}),
    });
    // The token opens now (module, PIN) and every key in it is checked: an error here, not at the
    // first signature.
    store.checkToken();
    return new CredentialService(loaded, store);
  }

  /** Development keys for the embedded demo: RSA (active, PS256) and Ed25519, each with a dev chain. */
  async ensureDevKeys(): Promise<KeyInfo[]> {
    if (this.keys.list().length > 0) return [];
    const created: KeyInfo[] = [];
    for (const type of ['RSA', 'Ed25519'] as const) {
      const info = await this.keys.create({ type, rsaBits: 2048, activate: type === 'RSA' });
      created.push(await this.attachDevChain(info.id));
    }
    return created;
  }

  async attachDevChain(keyId: string): Promise<KeyInfo> {
    const signer = this.keys.signer(keyId);
    const pub = createPublicKey({ key: signer.publicKeyJwk as JsonWebKey, format: 'jwk' });
    const chain = await createDevChain(pub, `${this.did}#${keyId}`);
    return this.keys.setChain(keyId, chain.chainPem);
  }

  /** The PEM chain this gateway serves at `url`, if `url` is one of its own x5u URLs. */
  ownChain(url: string): string | undefined {
    for (const key of this.keys.list()) {
      if (key.hasChain && x5uUrl(this.loaded.config.publicBaseUrl, key.id) === url) return this.keys.chainPem(key.id);
    }
    for (const key of this.officerKeys)
      if (key.chainPem && x5uUrl(this.loaded.config.publicBaseUrl, key.id) === url) return key.chainPem;
    return undefined;
  }

  /** The chain served at a key's x5u URL: one of the gateway's keys or an officer's. */
  chainFor(keyId: string): string | undefined {
    const own = this.keys.list().find((k) => k.id === keyId);
    if (own) return own.hasChain ? this.keys.chainPem(own.id) : undefined;
    return this.officerKeys.find((k) => k.id === keyId)?.chainPem;
  }

  private officerKeys: OfficerKey[] = [];
  private officerStamp = '';

  /** The officers' public keys as the store has them now (the service refreshes them). */
  setOfficerKeys(keys: OfficerKey[]): void {
    const clash = keys.find((k) => this.keys.list().some((g) => g.id === k.id));
    if (clash) throw new GatewayError(`officer key ${clash.id} has the id of one of the gateway's keys`, 'conflict');
    this.officerKeys = keys;
    this.officerStamp = JSON.stringify(keys.map((k) => [k.id, k.publicKeyJwk, k.chainPem ?? '']));
  }

  /** A registered officer key by id. */
  officerKey(id: string): OfficerKey | undefined {
    return this.officerKeys.find((k) => k.id === id);
  }

  private didCache: { stamp: string; doc: Promise<Record<string, unknown>> } | undefined;

  /**
   * The DID document, built once per state of the key store: rebuilt when a key, the active key or
   * a chain changes (also by another process, e.g. `gx-gateway keys create` beside a running server).
   */
  didDocument(): Promise<Record<string, unknown>> {
    const stamp = `${this.keys.stamp()}\n${this.officerStamp}`;
    if (this.didCache?.stamp !== stamp) {
      const officers: KeyInfo[] = this.officerKeys.map((k) => ({
        id: k.id,
        type: k.type,
        alg: k.alg,
        publicKeyJwk: k.publicKeyJwk,
        hasChain: Boolean(k.chainPem),
        location: 'file' as const,
        created: '',
        active: false,
        encrypted: false,
        thumbprint: '',
      }));
      const doc = buildDidDocument(this.loaded.config.publicBaseUrl, [...this.keys.list(), ...officers]);
      this.didCache = { stamp, doc };
      doc.catch(() => {
        if (this.didCache?.doc === doc) this.didCache = undefined;
      });
    }
    return this.didCache.doc;
  }

  /** Pick the key for a suite: explicit, else active if it fits, else the first that fits. */
  keyFor(suite: SigningSuite, keyId?: string): KeyInfo {
    if (keyId) {
      const info = this.keys.get(keyId);
      if (!suite.keyTypes.includes(info.type)) {
        throw new GatewayError(
          `suite ${suite.id} cannot sign with ${info.type} key ${keyId}; it needs ${suite.keyTypes.join(' or ')}`,
          'wrong-key-type',
        );
      }
      return info;
    }
    const active = this.keys.active();
    if (active && suite.keyTypes.includes(active.type)) return active;
    const fit = this.keys.list().find((k) => suite.keyTypes.includes(k.type));
    if (!fit) {
      throw new GatewayError(
        `no ${suite.keyTypes.join(' or ')} key for suite ${suite.id}: create one with \`gx-gateway keys create --type ${suite.keyTypes[0]!.toLowerCase()}\``,
        'no-key',
      );
    }
    return fit;
  }

  /** The suite a request signs with: its own, its profile's (signing.suites), or signing.defaultSuite. */
  suiteOf(req: { suite?: SuiteId; profile?: ProfileId }): SuiteId {
    const { signing } = this.loaded.config;
    return req.suite ?? (req.profile ? signing.suites[req.profile] : undefined) ?? signing.defaultSuite;
  }

  /** The signer (private key) of the key `keyFor` picks. */
  signerFor(suite: SigningSuite, keyId?: string): Signer {
    return this.keys.signer(this.keyFor(suite, keyId).id);
  }

  async signCredential(credential: JsonObject, req: SignRequest = {}): Promise<Secured> {
    this.assertSignable(credential, req);
    const suite = getSuite(this.suiteOf(req));
    const signer = this.signerFor(suite, req.keyId);
    await this.assertValid([credential], req.related);
    return suite.signCredential(credential, this.signOptions(suite, signer, req), { canonizer: this.canonizer });
  }

  /**
   * Sign credentials that belong together (a described set): validated once, as one graph, then each
   * signed; any violation refuses the whole set and nothing is signed. `reports`, when the caller
   * has just validated exactly this set as one graph (the pipeline has), are used instead of
   * validating it again: one report per credential, in order, each for that credential's id.
   */
  async signSet(
    credentials: JsonObject[],
    req: Omit<SignRequest, 'related'> & { reports?: ValidationReport[] } = {},
  ): Promise<Secured[]> {
    const max = this.loaded.config.limits.maxSetCredentials;
    if (credentials.length > max)
      throw new GatewayError(
        `${credentials.length} credentials are more than one set may hold (limits.maxSetCredentials: ${max})`,
        'too-large',
      );
    const suite = getSuite(this.suiteOf(req));
    const signer = this.signerFor(suite, req.keyId);
    for (const c of credentials) this.assertSignable(c, req);
    const validated =
      req.reports?.length === credentials.length && req.reports.every((r, i) => r.subject === credentials[i]!.id);
    if (validated) refuseFailed(req.reports!.filter((r) => !r.conforms));
    else await this.assertValid(credentials);
    if (credentials.length >= POOL_MIN_SET && this.loaded.config.signing.workers > 0) {
      this.pool ??= new SignPool(this.loaded, this.keys, this.loaded.config.signing.workers);
      return this.pool.sign(credentials, {
        suite: suite.id,
        keyId: signer.keyId,
        ...(req.created ? { created: req.created } : {}),
      });
    }
    const opts = this.signOptions(suite, signer, req);
    const out: Secured[] = [];
    for (const c of credentials) out.push(await suite.signCredential(c, opts, { canonizer: this.canonizer }));
    return out;
  }

  /**
   * Sign credentials this gateway validated when it drafted them (the pipeline's sign gate keeps only
   * conforming sets as drafts; their bytes are stored exactly as validated), after an officer's approval.
   */
  async signValidated(credentials: JsonObject[], req: Omit<SignRequest, 'related'> = {}): Promise<Secured[]> {
    const suite = getSuite(this.suiteOf(req));
    const signer = this.signerFor(suite, req.keyId);
    for (const c of credentials) this.assertSignable(c, req);
    const opts = this.signOptions(suite, signer, req);
    const out: Secured[] = [];
    for (const c of credentials) out.push(await suite.signCredential(c, opts, { canonizer: this.canonizer }));
    return out;
  }

  /**
   * Bundle credentials in a presentation. Unsecured credentials (no proof) are signed first with the
   * same suite; already secured ones (objects with proof, or JWT strings) are taken as they are.
   */
  async present(inputs: (JsonObject | string)[], req: PresentRequest = {}): Promise<Secured> {
    const suite = getSuite(this.suiteOf(req));
    const max = this.loaded.config.limits.maxSetCredentials;
    if (inputs.length > max)
      throw new GatewayError(
        `${inputs.length} credentials are more than one presentation may hold (limits.maxSetCredentials: ${max})`,
        'too-large',
      );
    if (inputs.some((i) => typeof i !== 'string' && isPresentation(i))) {
      throw new GatewayError(
        'a presentation cannot be put inside a presentation: present its credentials',
        'bad-input',
      );
    }
    if ((req.challenge !== undefined || req.domain !== undefined) && req.signPresentation === false) {
      throw new GatewayError(
        'an unsigned presentation cannot carry a challenge or domain (nothing would bind them): drop --unsigned',
        'usage',
      );
    }
    const signer = this.signerFor(suite, req.keyId);
    const opts = this.signOptions(suite, signer, req);
    // The verifier's challenge and domain bind the presentation's own proof, not its credentials.
    const presentationOpts = {
      ...opts,
      ...(req.challenge !== undefined ? { challenge: req.challenge } : {}),
      ...(req.domain !== undefined ? { domain: req.domain } : {}),
    };
    const env = { canonizer: this.canonizer };
    const unsigned = inputs.filter((i): i is JsonObject => typeof i !== 'string' && !i.proof);
    await this.assertValid(unsigned, [
      ...inputs.filter((i) => !unsigned.includes(i as JsonObject)),
      ...(req.related ?? []),
    ]);
    const secured: Secured[] = [];
    for (const input of inputs) {
      if (typeof input === 'string')
        secured.push({ format: 'jwt', jwt: input.trim(), mediaType: 'application/vc+jwt' });
      else if (input.proof) secured.push({ format: 'ldp', document: input });
      else {
        this.assertSignable(input, req);
        secured.push(await suite.signCredential(input, opts, env));
      }
    }
    if (suite.id === 'vc-jose' && secured.some((s) => s.format === 'ldp')) {
      throw new GatewayError(
        'a vp+jwt carries only JWT credentials; sign every credential with --suite vc-jose',
        'mixed-formats',
      );
    }
    if (suite.id !== 'vc-jose' && secured.some((s) => s.format === 'jwt')) {
      throw new GatewayError(`JWT credentials go in a vp+jwt: use --suite vc-jose (not ${suite.id})`, 'mixed-formats');
    }
    const presentation = buildPresentation(secured, this.did, req.id);
    if (req.signPresentation === false) {
      if (suite.id === 'vc-jose') throw new GatewayError('a vp+jwt is always signed', 'bad-request');
      return { format: 'ldp', document: presentation };
    }
    return suite.signPresentation(presentation, presentationOpts, env);
  }

  /**
   * The exact bytes to sign elsewhere (an officer's smartcard or HSM) for a credential, in any suite,
   * with the public facts of one of the gateway's keys. Validated like `signCredential`.
   */
  async signingInput(credential: JsonObject, req: ExternalRequest): Promise<SigningInput> {
    const { suite, opts } = await this.externalOptions(credential, req);
    return signingInput(suite, 'credential', credential, opts, { canonizer: this.canonizer });
  }

  /** The credential secured with a signature made elsewhere over `signingInput` (same options). */
  async attachSignature(credential: JsonObject, req: ExternalRequest, signature: Uint8Array): Promise<Secured> {
    const { suite, opts } = await this.externalOptions(credential, req);
    return attachSignature(suite, 'credential', credential, opts, signature, { canonizer: this.canonizer });
  }

  private async externalOptions(credential: JsonObject, req: ExternalRequest) {
    this.assertSignable(credential, req);
    const suite = getSuite(this.suiteOf(req));
    // The key's public facts only: its private key (if the gateway has one) is not touched.
    const info = req.officerKey ? this.officerKeyFor(suite, req.officerKey) : this.keyFor(suite, req.keyId);
    if (!req.prevalidated) await this.assertValid([credential], req.related);
    const opts: ExternalOptions = {
      key: { keyId: info.id, type: info.type, alg: info.alg, publicKeyJwk: info.publicKeyJwk },
      did: this.did,
      verificationMethod: this.methodId(suite, info.id),
      created: req.created,
    };
    return { suite, opts };
  }

  private officerKeyFor(suite: SigningSuite, keyId: string): Pick<KeyInfo, 'id' | 'type' | 'alg' | 'publicKeyJwk'> {
    const key = this.officerKey(keyId);
    if (!key) throw new GatewayError(`no officer key ${keyId} is registered (or it was removed)`, 'not-found');
    if (!suite.keyTypes.includes(key.type))
      throw new GatewayError(
        `suite ${suite.id} cannot use the ${key.type} key ${keyId}; it needs ${suite.keyTypes.join(' or ')}`,
        'wrong-key-type',
      );
    return key;
  }

  /**
   * Nothing invalid is ever signed: Gaia-X credentials (and gx-gateway's scs facts) are validated
   * against their profile's shapes and the credential JSON Schema, together with the related
   * credentials they reference; any violation refuses the signature with the report.
   */
  private async assertValid(toSign: JsonObject[], related: (JsonObject | string)[] = []): Promise<void> {
    const gx = toSign.filter((c) => detectProfile(c));
    if (!gx.length) return;
    // The same credential in another form (its JWT beside its JSON) is not a second description.
    const ids = new Set(gx.map((c) => c.id));
    const context = related
      .flatMap((r) => credentialsIn(r))
      .filter((c) => {
        if (!detectProfile(c)) return false;
        if (c.id === undefined) return true;
        if (ids.has(c.id)) return false;
        ids.add(c.id);
        return true;
      });
    const reports = await validateCredentials(
      [...gx, ...context].map((credential) => ({ credential })),
      { canonizer: this.canonizer },
    );
    refuseFailed(reports.slice(0, gx.length).filter((r) => !r.conforms));
  }

  /**
   * What every way of signing checks first: a credential (not a presentation), issued by this
   * gateway's DID, not expired (unless asked for).
   */
  private assertSignable(credential: JsonObject, req: { allowExpired?: boolean; created?: Date }): void {
    if (isPresentation(credential)) {
      throw new GatewayError(
        'this is a presentation, not a credential: bundle and sign presentations with `gx-gateway present`',
        'bad-input',
      );
    }
    this.assertIssuer(credential);
    if (!req.allowExpired) assertNotExpired(credential, req.created ?? new Date());
  }

  /** Verifiers require the issuer to be the DID of the signing key: refuse to sign anything else. */
  private assertIssuer(credential: JsonObject): void {
    const issuer = issuerId(credential);
    if (issuer === undefined)
      throw new GatewayError(`the credential has no issuer; set "issuer": "${this.did}"`, 'bad-credential');
    if (issuer !== this.did) {
      throw new GatewayError(
        `the credential's issuer ${issuer} is not this gateway's DID; set "issuer": "${this.did}"`,
        'bad-credential',
      );
    }
  }

  /** Verify within verify.timeoutMs; never throws for bad input. */
  verify(input: unknown, req: VerifyRequest = {}): Promise<VerificationReport> {
    return verifySecured(input, this.verifyEnv(req), this.loaded.config.verify.timeoutMs);
  }

  verifyEnv(req: VerifyRequest = {}): VerifyEnv {
    const now = req.now;
    const v = this.loaded.config.verify;
    const dids = req.dids ?? this.resolver;
    return {
      canonizer: this.canonizer,
      dids,
      verifyLoader: withDidResolution(this.canonizer.documentLoader, dids),
      trustAnchors: req.trustAnchors ?? this.trustAnchors,
      now: () => now ?? new Date(),
      maxPresentationCredentials: v.maxPresentationCredentials,
      concurrency: v.concurrency,
      clockSkewSeconds: v.clockSkewSeconds,
      ...(req.skipX5u ? { skipX5u: true } : {}),
      ...(req.challenge !== undefined ? { challenge: req.challenge } : {}),
      ...(req.domain !== undefined ? { domain: req.domain } : {}),
    };
  }

  /** The verification method a suite's proofs name: the key's JsonWebKey2020 or its Multikey. */
  private methodId(suite: SigningSuite, keyId: string): string {
    return verificationMethodId(this.did, suite.verificationMethodType === 'Multikey' ? `${keyId}-multikey` : keyId);
  }

  private signOptions(suite: SigningSuite, signer: Signer, req: SignRequest) {
    return {
      signer,
      did: this.did,
      verificationMethod: this.methodId(suite, signer.keyId),
      ...(req.created ? { created: req.created } : {}),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.fetcher.close(), this.canonizer.close(), this.pool?.close()]);
  }
}

/** The sign gate's refusal: any report that does not conform stops the signature, with the reports. */
function refuseFailed(failed: ValidationReport[]): void {
  if (!failed.length) return;
  throw new GatewayError(
    `refusing to sign: ${failed.length === 1 ? 'the credential does' : `${failed.length} credentials do`} not conform to the Gaia-X shapes\n${failed.map(renderReport).join('\n')}`,
    'invalid-credential',
  );
}

/** Nobody should be handed a credential that is already expired: refuse to sign one. */
function assertNotExpired(credential: JsonObject, now: Date): void {
  const until = credential.validUntil ?? credential.expirationDate;
  if (typeof until !== 'string') return;
  const t = Date.parse(until);
  if (Number.isNaN(t))
    throw new GatewayError(
      `the credential's validity end ${JSON.stringify(until).slice(0, 60)} is not a date-time`,
      'bad-credential',
    );
  if (t < now.getTime()) {
    throw new GatewayError(
      `the credential expired on ${until} (${credential.validUntil !== undefined ? 'validUntil' : 'expirationDate'}); refusing to sign it: move the date, or pass --allow-expired`,
      'bad-credential',
    );
  }
}

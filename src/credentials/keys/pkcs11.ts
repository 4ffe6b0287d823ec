// Keys in a PKCS#11 token (an HSM, a cloud HSM, SoftHSM2): generated inside it (sensitive, not
// extractable), addressed by label, used to sign through the module — the private key never enters
// this process. One login per token and process; per thread, a session for look-ups and a few for
// signatures in flight (in libuv's pool). A session the token lost (removed and put back, the module
// restarted) is opened and logged into again, and the call tried once more.
import { createHash, createPublicKey, randomBytes, type JsonWebKey as NodeJsonWebKey } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import type { JWK } from 'jose';
import { GatewayError } from '../../core/errors.js';
import { publicJwk, type JwsAlg, type KeyType } from './key-types.js';
import { signerOf, type Signer } from './signer.js';

const P = pkcs11js;
/** PKCS#11 3.0 values pkcs11js does not name. */
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
const CKK_EC_EDWARDS = 0x40;
/** DER OIDs of the curves (CKA_EC_PARAMS). */
const P256_OID = Buffer.from('06082a8648ce3d030107', 'hex');
const ED25519_OID = Buffer.from('06032b6570', 'hex');

/** Per key type: its CKK, the mechanism that makes its key pair, its curve (CKA_EC_PARAMS). */
const KEY_TYPES: Record<KeyType, { ckk: number; generate: number; curve?: Buffer }> = {
  RSA: { ckk: P.CKK_RSA, generate: P.CKM_RSA_PKCS_KEY_PAIR_GEN },
  'P-256': { ckk: P.CKK_EC, generate: P.CKM_EC_KEY_PAIR_GEN, curve: P256_OID },
  Ed25519: { ckk: CKK_EC_EDWARDS, generate: CKM_EC_EDWARDS_KEY_PAIR_GEN, curve: ED25519_OID },
};

/** The mechanism each JWS algorithm signs with, and the key type it signs with. */
const MECHANISMS: Record<JwsAlg, { sign: number; type: KeyType; name: string }> = {
  ES256: { sign: P.CKM_ECDSA, type: 'P-256', name: 'CKM_ECDSA' },
  RS256: { sign: P.CKM_SHA256_RSA_PKCS, type: 'RSA', name: 'CKM_SHA256_RSA_PKCS' },
  PS256: { sign: P.CKM_SHA256_RSA_PKCS_PSS, type: 'RSA', name: 'CKM_SHA256_RSA_PKCS_PSS' },
  EdDSA: { sign: CKM_EDDSA, type: 'Ed25519', name: 'CKM_EDDSA' },
};

/** The C_SignInit mechanism of a JWS algorithm (PS256: PSS with MGF1-SHA256 and a 32-byte salt). */
export function signMechanism(alg: JwsAlg): pkcs11js.Mechanism {
  if (alg !== 'PS256') return { mechanism: MECHANISMS[alg].sign };
  return {
    mechanism: P.CKM_SHA256_RSA_PKCS_PSS,
    parameter: { type: P.CK_PARAMS_RSA_PSS, hashAlg: P.CKM_SHA256, mgf: P.CKG_MGF1_SHA256, saltLen: 32 },
  } as pkcs11js.Mechanism;
}

/** What the module signs for a JWS algorithm: ES256's CKM_ECDSA takes the SHA-256 digest, the rest the data. */
export function signInput(alg: JwsAlg, data: Uint8Array): Buffer {
  return alg === 'ES256'
    ? createHash('sha256').update(data).digest()
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export interface Pkcs11Options {
  /** The PKCS#11 module (shared library), e.g. /usr/lib/softhsm/libsofthsm2.so. */
  module: string;
  /** The token, by label (or by slot id). */
  tokenLabel?: string;
  slot?: number;
  /** The user PIN (from the variable keys.pkcs11.pinEnv; never logged). */
  pin: string;
  /** Signatures in flight at once per thread, each on a session of its own (SIGN_SESSIONS). */
  sessions?: number;
  /** The module's gate of the process (ModuleGate), for a worker thread opening the same token. */
  shared?: SharedArrayBuffer;
}

/** Public facts of a key in the token. */
export interface TokenKey {
  label: string;
  /** CKA_ID, hex. */
  id: string;
  type: KeyType;
  publicKeyJwk: JWK;
}

/** Errors that mean the session (or the token behind it) is gone, not that the request is wrong. */
const LOST = new Set([
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_DEVICE_ERROR',
  'CKR_OBJECT_HANDLE_INVALID',
  'CKR_KEY_HANDLE_INVALID',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
]);
/** Errors that mean the token (or the module's state of it) failed as a whole. */
const BROKEN = new Set(['CKR_GENERAL_ERROR', 'CKR_DEVICE_REMOVED', 'CKR_TOKEN_NOT_PRESENT', 'CKR_DEVICE_ERROR']);
const codeOf = (err: unknown) => /CKR_[A-Z_]+/.exec((err as Error)?.message ?? '')?.[0] ?? '';

/** Tokens logged in in this process: the digest of the PIN that did. */
const loggedIn = new Map<string, string>();

/**
 * Sessions a token opens per thread for signatures in flight at once, by default (keys.pkcs11.sessions):
 * as many as libuv's pool has threads, where the module's C_Sign runs.
 */
const SIGN_SESSIONS = 4;
/** How long a re-initialisation waits for the calls of every thread to end before it goes ahead. */
const DRAIN_MS = 10_000;

/** Atomics.waitAsync (Node 16+; typed from ES2024, past this project's lib). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, index: number, value: number, timeout: number): { value: Promise<string> | string };
  }
).waitAsync;

/**
 * What every thread of the process shares about a module, in a SharedArrayBuffer handed to worker
 * threads: calls in flight (any thread), a flag raised while one thread initialises the module
 * again, and how often that happened. C_Finalize while another thread is inside the module is
 * undefined behaviour (PKCS#11 3.0, 5.4), so a re-initialisation raises the flag, waits until no
 * call is in flight, and runs once however many threads saw the token fail.
 */
export class ModuleGate {
  private readonly a: Int32Array;
  constructor(readonly shared: SharedArrayBuffer = new SharedArrayBuffer(12)) {
    this.a = new Int32Array(shared);
  }
  private static readonly CALLS = 0;
  private static readonly RESTARTING = 1;
  private static readonly GENERATION = 2;

  get generation(): number {
    return Atomics.load(this.a, ModuleGate.GENERATION);
  }
  /** Enter a call; false while the module is being initialised again. */
  tryEnter(): boolean {
    Atomics.add(this.a, ModuleGate.CALLS, 1);
    if (Atomics.load(this.a, ModuleGate.RESTARTING) === 0) return true;
    this.leave();
    return false;
  }
  /** Enter a call, waiting (without blocking the thread) while the module is initialised again. */
  async enter(): Promise<void> {
    while (!this.tryEnter()) await waitAsync(this.a, ModuleGate.RESTARTING, 1, DRAIN_MS).value;
  }
  leave(): void {
    if (Atomics.sub(this.a, ModuleGate.CALLS, 1) === 1) Atomics.notify(this.a, ModuleGate.CALLS);
  }
  /**
   * Initialise the module again (`fn`) unless another thread did since `seen`; the caller holds no
   * call. Waits for every thread's calls to end (at most DRAIN_MS: a call that long is stuck).
   */
  async restart(seen: number, fn: () => void): Promise<void> {
    if (!this.raise()) {
      while (Atomics.load(this.a, ModuleGate.RESTARTING) === 1)
        await waitAsync(this.a, ModuleGate.RESTARTING, 1, DRAIN_MS).value;
      return;
    }
    try {
      for (const until = Date.now() + DRAIN_MS; this.generation === seen && Date.now() < until;) {
        const calls = Atomics.load(this.a, ModuleGate.CALLS);
        if (calls === 0) break;
        await waitAsync(this.a, ModuleGate.CALLS, calls, 100).value;
      }
      this.run(seen, fn);
    } finally {
      this.lower();
    }
  }
  /** The same, for a caller that cannot wait: only when no call of any thread is in flight. */
  restartNow(seen: number, fn: () => void): boolean {
    if (!this.raise()) return false;
    try {
      if (this.generation === seen && Atomics.load(this.a, ModuleGate.CALLS) !== 0) return false;
      this.run(seen, fn);
      return true;
    } finally {
      this.lower();
    }
  }
  /** Raise the flag; false when another thread holds it. */
  private raise(): boolean {
    return Atomics.compareExchange(this.a, ModuleGate.RESTARTING, 0, 1) === 0;
  }
  private lower(): void {
    Atomics.store(this.a, ModuleGate.RESTARTING, 0);
    Atomics.notify(this.a, ModuleGate.RESTARTING);
  }
  /** `fn` and a new generation, unless a re-initialisation already followed the failure `seen`. */
  private run(seen: number, fn: () => void): void {
    if (this.generation !== seen) return;
    fn();
    Atomics.add(this.a, ModuleGate.GENERATION, 1);
  }
}

interface LoadedModule {
  p11: pkcs11js.PKCS11;
  gate: ModuleGate;
}

/** One loaded module per path in the thread; its gate is the process's (handed to worker threads). */
const modules = new Map<string, LoadedModule>();

function load(module: string, shared?: SharedArrayBuffer): LoadedModule {
  const known = modules.get(module);
  if (known) return known;
  const p11 = new P.PKCS11();
  try {
    p11.load(module);
  } catch (err) {
    throw new GatewayError(`keys.pkcs11.module: cannot load ${module} (${(err as Error).message})`, 'bad-config');
  }
  initialize(p11);
  const loaded = { p11, gate: new ModuleGate(shared) };
  modules.set(module, loaded);
  return loaded;
}

function initialize(p11: pkcs11js.PKCS11): void {
  try {
    // The module locks for itself: sessions may be used from more than one thread.
    p11.C_Initialize({ flags: P.CKF_OS_LOCKING_OK });
  } catch (err) {
    if (codeOf(err) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw err;
  }
}

/** An error of the module that says the token or session is gone (and which), or undefined. */
function lostCode(err: unknown): string | undefined {
  if (err instanceof GatewayError) return err.code === 'unavailable' ? 'CKR_TOKEN_NOT_PRESENT' : undefined;
  const code = codeOf(err);
  return LOST.has(code) || BROKEN.has(code) ? code : undefined;
}

export class Pkcs11Token {
  /** The session of the thread's synchronous calls (find, generate, attributes). */
  private session: Buffer | undefined;
  /** Sessions for signatures: idle ones, how many are open, callers waiting for one. */
  private idle: Buffer[] = [];
  private signSessions = 0;
  private waiting: ((s: Buffer | undefined) => void)[] = [];
  /** The module's generation the sessions and handles were opened in. */
  private generation: number;
  /** Counts the times this thread forgot its sessions: a session opened before is not given back. */
  private epoch = 0;
  private readonly handles = new Map<string, Buffer>();
  private readonly p11: pkcs11js.PKCS11;
  private readonly gate: ModuleGate;

  private constructor(
    loaded: LoadedModule,
    private readonly opts: Pkcs11Options,
    private readonly where: string,
  ) {
    this.p11 = loaded.p11;
    this.gate = loaded.gate;
    this.generation = loaded.gate.generation;
  }

  /**
   * Open the token and log in: a module that does not load, a token that is not there or a wrong PIN
   * is a clear error now, not at the first signature. `shared` is the module's gate of the process
   * (a worker thread gets it from the thread that started it).
   */
  static open(opts: Pkcs11Options): Pkcs11Token {
    const loaded = load(opts.module, opts.shared);
    const where = opts.tokenLabel !== undefined ? `token "${opts.tokenLabel}"` : `slot ${opts.slot}`;
    // A PKCS#11 login holds for every session of the process: a second login with another PIN would
    // be answered "already logged in". The PIN that logged in is remembered (as a digest) to refuse it.
    const key = `${opts.module}|${where}`;
    const pin = createHash('sha256').update(opts.pin).digest('hex');
    const known = loggedIn.get(key);
    if (known !== undefined && known !== pin)
      throw new GatewayError(`keys.pkcs11: the PIN of ${where} is wrong (keys.pkcs11.pinEnv)`, 'bad-config');
    const token = new Pkcs11Token(loaded, opts, where);
    token.withSession(() => undefined);
    loggedIn.set(key, pin);
    return token;
  }

  /** What a worker thread needs to open this token: the options, the PIN and the module's gate. */
  threadOptions(): Pkcs11Options {
    return { ...this.opts, shared: this.gate.shared };
  }

  private slot(): Buffer {
    const slots = this.p11.C_GetSlotList(true);
    for (const s of slots) {
      if (this.opts.slot !== undefined && ulong(s) !== this.opts.slot) continue;
      if (this.opts.tokenLabel !== undefined && this.p11.C_GetTokenInfo(s).label.trim() !== this.opts.tokenLabel)
        continue;
      return s;
    }
    throw new GatewayError(
      `keys.pkcs11: no ${this.where} in ${this.opts.module} (tokens present: ${
        slots
          .map((s) => this.p11.C_GetTokenInfo(s).label.trim())
          .filter((label) => label !== '') // a free slot (SoftHSM2 keeps one) holds no token yet
          .map((label) => `"${label}"`)
          .join(', ') || 'none'
      })`,
      'unavailable',
    );
  }

  private login(): void {
    const slot = this.slot();
    const session = this.p11.C_OpenSession(slot, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION);
    try {
      this.p11.C_Login(session, P.CKU_USER, this.opts.pin);
    } catch (err) {
      const code = codeOf(err);
      if (code !== 'CKR_USER_ALREADY_LOGGED_IN') {
        this.p11.C_CloseSession(session);
        if (code === 'CKR_PIN_INCORRECT' || code === 'CKR_PIN_LEN_RANGE')
          throw new GatewayError(`keys.pkcs11: the PIN of ${this.where} is wrong (keys.pkcs11.pinEnv)`, 'bad-config');
        if (code === 'CKR_PIN_LOCKED')
          throw new GatewayError(`keys.pkcs11: the user PIN of ${this.where} is locked`, 'bad-config');
        throw new GatewayError(
          `keys.pkcs11: cannot log in to ${this.where} (${code || (err as Error).message})`,
          'unavailable',
        );
      }
    }
    this.session = session;
    this.handles.clear();
  }

  /**
   * Forget every session and handle of this thread (the token lost them, or the module was
   * initialised again): the next call opens and logs in again.
   */
  private forget(close: boolean): void {
    const sessions = [...(this.session ? [this.session] : []), ...this.idle];
    const generation = this.gate.generation;
    // Handles of an earlier generation may since name another thread's sessions: never closed.
    if (close && this.generation === generation && this.gate.tryEnter())
      try {
        for (const s of sessions)
          try {
            this.p11.C_CloseSession(s);
          } catch {
            /* already gone */
          }
      } finally {
        this.gate.leave();
      }
    this.session = undefined;
    this.idle = [];
    this.signSessions = 0;
    this.handles.clear();
    this.epoch++;
    this.generation = generation;
    // Callers waiting for a session open their own.
    for (const w of this.waiting.splice(0)) w(undefined);
  }

  /** The sessions fit the module's current generation (another thread may have initialised it again). */
  private current(): void {
    if (this.generation !== this.gate.generation) this.forget(false);
  }

  private reinitialize = (): void => {
    try {
      this.p11.C_Finalize();
    } catch {
      /* not initialised, or already broken */
    }
    initialize(this.p11);
  };

  /** A clear "not available" error for a token that failed twice in a row. */
  private unavailable(code: string): GatewayError {
    return new GatewayError(
      `keys.pkcs11: ${this.where} is not available (${code}); signing resumes once it is back`,
      'unavailable',
    );
  }

  /** The second failure of a call: the token is not available (the next call starts afresh), or the error as it is. */
  private giveUp(second: unknown): never {
    const code = lostCode(second);
    if (second instanceof GatewayError || !code) throw second;
    this.forget(false);
    throw this.unavailable(code);
  }

  /**
   * Run `fn` on the thread's logged-in session. A session the token lost is opened again and `fn`
   * tried once more; a token that failed as a whole (removed, the module's state broken: SoftHSM2
   * answers CKR_GENERAL_ERROR once its token went away) has the module initialised again first,
   * when no other thread is inside it. Still failing, it is a clear "not available" error; the next
   * call tries again.
   */
  private withSession<T>(fn: (session: Buffer) => T): T {
    const attempt = () => {
      if (!this.gate.tryEnter()) throw this.unavailable('the module is being initialised again');
      try {
        this.current();
        if (!this.session) this.login();
        return fn(this.session!);
      } finally {
        this.gate.leave();
      }
    };
    const seen = this.gate.generation;
    try {
      return attempt();
    } catch (err) {
      const code = lostCode(err);
      if (!code) throw err;
      try {
        if (BROKEN.has(code) && !this.gate.restartNow(seen, this.reinitialize)) throw this.unavailable(code);
        this.forget(true);
        return attempt();
      } catch (second) {
        return this.giveUp(second);
      }
    }
  }

  /** The algorithms the token can both make keys for and sign with. */
  algorithms(): JwsAlg[] {
    const mechanisms = new Set(this.withSession(() => this.p11.C_GetMechanismList(this.slot())));
    return (Object.keys(MECHANISMS) as JwsAlg[]).filter(
      (a) => mechanisms.has(MECHANISMS[a].sign) && mechanisms.has(KEY_TYPES[MECHANISMS[a].type].generate),
    );
  }

  /** A clear error when the token cannot sign with `alg` (checked at start, not at the first signature). */
  assertSupports(alg: JwsAlg): void {
    if (!this.algorithms().includes(alg))
      throw new GatewayError(
        `keys.pkcs11: ${this.where} does not offer ${MECHANISMS[alg].name} (${alg}); it offers ${this.algorithms().join(', ') || 'none of ES256, RS256, PS256, EdDSA'}`,
        'bad-config',
      );
  }

  /** Make a key pair inside the token: the private key sensitive, not extractable, a token object. */
  generate(type: KeyType, label: string, rsaBits = 3072): TokenKey {
    if (this.find(label))
      throw new GatewayError(`keys.pkcs11: ${this.where} already holds a key "${label}"`, 'conflict');
    const id = randomBytes(16);
    const common = [
      { type: P.CKA_TOKEN, value: true },
      { type: P.CKA_LABEL, value: label },
      { type: P.CKA_ID, value: id },
    ];
    const { ckk: keyType, generate: mechanism, curve } = KEY_TYPES[type];
    const publicTemplate = [
      ...common,
      { type: P.CKA_CLASS, value: P.CKO_PUBLIC_KEY },
      { type: P.CKA_KEY_TYPE, value: keyType },
      { type: P.CKA_VERIFY, value: true },
      ...(curve
        ? [{ type: P.CKA_EC_PARAMS, value: curve }]
        : [
            { type: P.CKA_MODULUS_BITS, value: rsaBits },
            { type: P.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
          ]),
    ];
    const privateTemplate = [
      ...common,
      { type: P.CKA_CLASS, value: P.CKO_PRIVATE_KEY },
      { type: P.CKA_KEY_TYPE, value: keyType },
      { type: P.CKA_PRIVATE, value: true },
      { type: P.CKA_SENSITIVE, value: true },
      { type: P.CKA_EXTRACTABLE, value: false },
      { type: P.CKA_SIGN, value: true },
    ];
    this.withSession((s) => this.p11.C_GenerateKeyPair(s, { mechanism }, publicTemplate, privateTemplate));
    return this.find(label)!;
  }

  private object(session: Buffer, label: string, cls: number): Buffer | undefined {
    this.p11.C_FindObjectsInit(session, [
      { type: P.CKA_CLASS, value: cls },
      { type: P.CKA_LABEL, value: label },
    ]);
    try {
      return this.p11.C_FindObjects(session) ?? undefined;
    } finally {
      this.p11.C_FindObjectsFinal(session);
    }
  }

  /** A key pair of the token by label, its public facts (undefined when there is none). */
  find(label: string): TokenKey | undefined {
    return this.withSession((s) => {
      const pub = this.object(s, label, P.CKO_PUBLIC_KEY);
      const priv = this.object(s, label, P.CKO_PRIVATE_KEY);
      if (!pub || !priv) return undefined;
      const [kt, id] = this.p11.C_GetAttributeValue(s, pub, [{ type: P.CKA_KEY_TYPE }, { type: P.CKA_ID }]);
      const keyType = ulong(kt!.value as Buffer);
      let jwk: NodeJsonWebKey;
      let type: KeyType;
      if (keyType === P.CKK_RSA) {
        const [n, e] = this.p11.C_GetAttributeValue(s, pub, [{ type: P.CKA_MODULUS }, { type: P.CKA_PUBLIC_EXPONENT }]);
        jwk = { kty: 'RSA', n: b64u(n!.value as Buffer), e: b64u(e!.value as Buffer) };
        type = 'RSA';
      } else if (keyType === P.CKK_EC || keyType === CKK_EC_EDWARDS) {
        const [point] = this.p11.C_GetAttributeValue(s, pub, [{ type: P.CKA_EC_POINT }]);
        const raw = unwrapOctetString(point!.value as Buffer);
        if (keyType === P.CKK_EC) {
          if (raw.length !== 65 || raw[0] !== 4)
            throw new GatewayError(`keys.pkcs11: "${label}" is not a P-256 key`, 'bad-key');
          jwk = { kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33)) };
          type = 'P-256';
        } else {
          jwk = { kty: 'OKP', crv: 'Ed25519', x: b64u(raw) };
          type = 'Ed25519';
        }
      } else throw new GatewayError(`keys.pkcs11: "${label}" is a key type gx-gateway does not sign with`, 'bad-key');
      this.handles.set(label, priv);
      return {
        label,
        id: (id!.value as Buffer).toString('hex'),
        type,
        publicKeyJwk: publicJwk(createPublicKey({ key: jwk, format: 'jwk' })),
      };
    });
  }

  /** The protection attributes of a key's private half (what an auditor asks for). */
  protection(label: string): {
    sign: boolean;
    sensitive: boolean;
    extractable: boolean;
    alwaysSensitive: boolean;
    neverExtractable: boolean;
  } {
    return this.withSession((s) => {
      const priv = this.object(s, label, P.CKO_PRIVATE_KEY);
      if (!priv) throw new GatewayError(`keys.pkcs11: ${this.where} holds no key "${label}"`, 'not-found');
      const flag = (v: unknown) => (v as Buffer)[0] === 1;
      const [sign, sensitive, extractable, always, never] = this.p11.C_GetAttributeValue(s, priv, [
        { type: P.CKA_SIGN },
        { type: P.CKA_SENSITIVE },
        { type: P.CKA_EXTRACTABLE },
        { type: P.CKA_ALWAYS_SENSITIVE },
        { type: P.CKA_NEVER_EXTRACTABLE },
      ]);
      return {
        sign: flag(sign!.value),
        sensitive: flag(sensitive!.value),
        extractable: flag(extractable!.value),
        alwaysSensitive: flag(always!.value),
        neverExtractable: flag(never!.value),
      };
    });
  }

  /** Sign sessions this thread holds open (idle or in use). */
  get signSessionsOpen(): number {
    return this.signSessions;
  }

  /** A session for a signature: an idle one, a new one (up to `sessions`), or the next one freed. */
  private async acquire(): Promise<Buffer> {
    for (;;) {
      const idle = this.idle.pop();
      if (idle) return idle;
      if (this.signSessions < (this.opts.sessions ?? SIGN_SESSIONS)) {
        this.signSessions++;
        try {
          return this.p11.C_OpenSession(this.slot(), P.CKF_SERIAL_SESSION);
        } catch (err) {
          this.signSessions--;
          throw err;
        }
      }
      const freed = await new Promise<Buffer | undefined>((resolve) => this.waiting.push(resolve));
      if (freed) return freed;
    }
  }

  private release(session: Buffer, epoch: number, ok: boolean): void {
    if (epoch !== this.epoch) {
      // Opened before this thread forgot its sessions: closed, unless the module was initialised
      // again since (its handle may name a new session now).
      if (this.generation === this.gate.generation)
        try {
          this.p11.C_CloseSession(session);
        } catch {
          /* already gone */
        }
      return;
    }
    if (!ok) {
      this.signSessions--;
      try {
        this.p11.C_CloseSession(session);
      } catch {
        /* already gone */
      }
      this.waiting.shift()?.(undefined);
      return;
    }
    const next = this.waiting.shift();
    if (next) next(session);
    else this.idle.push(session);
  }

  /** One signature: the key's handle, a session of its own, C_Sign in libuv's pool (the thread goes on). */
  private async signOnce(label: string, mechanism: pkcs11js.Mechanism, input: Buffer): Promise<Uint8Array> {
    await this.gate.enter();
    try {
      this.current();
      // A cached handle means a logged-in session of this generation; a look-up logs in if need be.
      let key = this.handles.get(label);
      if (!key) {
        if (!this.find(label))
          throw new GatewayError(`keys.pkcs11: ${this.where} holds no key "${label}"`, 'not-found');
        key = this.handles.get(label)!;
      }
      const epoch = this.epoch;
      const session = await this.acquire();
      let ok = false;
      try {
        this.p11.C_SignInit(session, mechanism, key);
        const signature = await this.p11.C_SignAsync(session, input, Buffer.alloc(1024));
        ok = true;
        return new Uint8Array(signature);
      } finally {
        this.release(session, epoch, ok);
      }
    } finally {
      this.gate.leave();
    }
  }

  /**
   * Sign `data` with the key `label` in JWS form (ES256: r‖s; EdDSA: pure Ed25519). The signature is
   * made in libuv's thread pool, so the thread keeps serving while the token works; up to
   * SIGN_SESSIONS signatures are in flight at once. A lost session is opened again (a broken token
   * has the module initialised again, once, after every thread's calls ended) and tried once more.
   */
  async sign(label: string, alg: JwsAlg, data: Uint8Array): Promise<Uint8Array> {
    const input = signInput(alg, data);
    const mechanism = signMechanism(alg);
    const seen = this.gate.generation;
    try {
      return await this.signOnce(label, mechanism, input);
    } catch (err) {
      const code = lostCode(err);
      if (!code) throw err;
      try {
        if (BROKEN.has(code)) await this.gate.restart(seen, this.reinitialize);
        this.forget(true);
        return await this.signOnce(label, mechanism, input);
      } catch (second) {
        return this.giveUp(second);
      }
    }
  }

  /** A Signer of a key in the token: the one interface every signing path uses. */
  signer(key: { label: string; keyId: string; type: KeyType; alg: JwsAlg; publicKeyJwk: JWK }): Signer {
    this.assertSupports(key.alg);
    return signerOf({ ...key, id: key.keyId }, (data) => this.sign(key.label, key.alg, data));
  }

  /**
   * Close this thread's sessions. The login is the process's (other threads sign under it), so it
   * ends with the process, not here.
   */
  close(): void {
    this.forget(true);
  }
}

const b64u = (b: Buffer) => b.toString('base64url');
/** A CK_ULONG as the module's platform lays it out (little-endian, 4 or 8 bytes). */
const ulong = (b: Buffer) => (b.length === 8 ? Number(b.readBigUInt64LE(0)) : b.readUIntLE(0, b.length));

/** CKA_EC_POINT is a DER OCTET STRING (most modules); some return the bare point. */
function unwrapOctetString(v: Buffer): Buffer {
  if (v[0] !== 0x04) return v;
  if (v[1]! < 0x80 && v[1] === v.length - 2) return v.subarray(2);
  if (v[1] === 0x81 && v[2] === v.length - 3) return v.subarray(3);
  return v;
}

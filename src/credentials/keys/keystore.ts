import { createPrivateKey, createPublicKey, type X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { GatewayError } from '../../core/errors.js';
import {
  ALGS_FOR,
  assertAlgForType,
  generateKey,
  keyTypeOf,
  publicJwk,
  type JwsAlg,
  type KeyType,
} from './key-types.js';
import { encryptPrivateKeyPem } from './pkcs8.js';
import { Pkcs11Token, type Pkcs11Options } from './pkcs11.js';
import { createSigner, type Signer } from './signer.js';
import { parsePemChain, sameKey } from '../x509.js';

/** Public facts about a stored key. Never holds private material. */
export interface KeyInfo {
  id: string;
  type: KeyType;
  alg: JwsAlg;
  created: string;
  active: boolean;
  encrypted: boolean;
  publicKeyJwk: JWK;
  thumbprint: string;
  /** True when an X.509 chain (leaf first) is stored for this key; it is served at the key's x5u URL. */
  hasChain: boolean;
  /** Where the private key lives: a PEM file of the key folder, or a PKCS#11 token (by its label). */
  location: 'file' | 'pkcs11';
  /** Its label in the token (location pkcs11). */
  label?: string;
  /** A token key the token lets be exported wrapped (CKA_EXTRACTABLE), adopted on purpose. */
  extractable?: true;
}

interface IndexEntry {
  id: string;
  type: KeyType;
  alg: JwsAlg;
  created: string;
  encrypted: boolean;
  publicKeyJwk: JWK;
  thumbprint: string;
  /** In a PKCS#11 token, by label (no PEM file); extractable when adopted so on purpose. */
  pkcs11?: { label: string; extractable?: true };
}
interface IndexFile {
  version: 1;
  active?: string;
  keys: IndexEntry[];
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const INDEX = 'keystore.json';

export interface KeyStoreOptions {
  /** Passphrase that encrypts new private keys and decrypts encrypted ones (from the environment). */
  passphrase?: string;
  /** The environment variable the passphrase comes from, named in error messages. */
  passphraseEnv?: string;
  /** The PKCS#11 token keys may live in (keys.pkcs11; the PIN from its variable). */
  pkcs11?: Pkcs11Options;
}

export interface CreateKeyOptions {
  type: KeyType;
  id?: string;
  alg?: JwsAlg;
  rsaBits?: number;
  /** Make it the active key (default: when it is the first key). */
  activate?: boolean;
}

export interface ImportKeyOptions {
  /** Private key, PEM (PKCS#8, PKCS#1 or SEC1). */
  pem: string;
  /** Passphrase of an encrypted PEM being imported. */
  pemPassphrase?: string;
  /** Certificate chain, PEM, leaf first. */
  chainPem?: string;
  id?: string;
  alg?: JwsAlg;
  activate?: boolean;
}

/**
 * Keys on disk: one PKCS#8 PEM per key (mode 0600, encrypted when a passphrase is configured),
 * an index of public facts, an optional certificate chain per key. Every write is atomic.
 */
export class KeyStore {
  /** Decrypted signers, kept in memory so signing does not re-read and re-parse the PEM. */
  private readonly signers = new Map<string, Signer>();

  private constructor(
    readonly dir: string,
    private index: IndexFile,
    private readonly options: KeyStoreOptions,
  ) {}

  /** Open the key directory; it is created (0700) only when the first key is written. */
  static open(dir: string, options: KeyStoreOptions = {}): KeyStore {
    const store = new KeyStore(dir, { version: 1, keys: [] }, options);
    if (existsSync(dir)) {
      const st = statSync(dir);
      if (!st.isDirectory()) throw new GatewayError(`keys.dir ${dir} is not a directory`, 'bad-keystore');
      if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
      store.index = readIndex(dir);
      store.seen = dirStamp(dir);
    }
    return store;
  }

  private seen = '';

  /**
   * What a worker thread needs to open this same key folder (src/app/sign-pool.ts): the passphrase
   * goes from memory to memory, never to a file, a log or an answer.
   */
  workerOptions(): { dir: string; options: KeyStoreOptions } {
    // A token's threads share the module's gate of the process (a re-initialisation waits for them).
    const pkcs11 = this.options.pkcs11 ? { pkcs11: this.token().threadOptions() } : {};
    return { dir: this.dir, options: { ...this.options, ...pkcs11 } };
  }

  /**
   * A token that changes whenever the stored keys change, here or in another process (every write
   * renames a file into the folder). A change seen here reloads the index.
   */
  stamp(): string {
    const now = dirStamp(this.dir);
    if (now !== this.seen) {
      this.seen = now;
      if (now) this.index = readIndex(this.dir);
    }
    return now;
  }

  private ensureDir(): void {
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  list(): KeyInfo[] {
    return this.index.keys.map((k) => this.info(k));
  }

  get(id: string): KeyInfo {
    return this.info(this.entry(id));
  }

  active(): KeyInfo | undefined {
    const id = this.index.active;
    return id ? this.get(id) : undefined;
  }

  async create(opts: CreateKeyOptions): Promise<KeyInfo> {
    const privateKey = await generateKey(opts.type, opts.rsaBits);
    return this.add(privateKey, opts);
  }

  async import(opts: ImportKeyOptions): Promise<KeyInfo> {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(
        opts.pemPassphrase ? { key: opts.pem, format: 'pem', passphrase: opts.pemPassphrase } : opts.pem,
      );
    } catch (err) {
      throw new GatewayError(
        `cannot read the private key PEM: ${keyReadProblem(err, Boolean(opts.pemPassphrase))}`,
        'bad-key',
      );
    }
    const type = keyTypeOf(privateKey);
    if (opts.chainPem) checkChainFitsKey(opts.chainPem, privateKey);
    const info = await this.add(privateKey, { ...opts, type });
    if (opts.chainPem) this.setChain(info.id, opts.chainPem);
    return this.get(info.id);
  }

  /** Store the X.509 chain (PEM, leaf first) for a key; the leaf must carry this key. */
  setChain(id: string, chainPem: string): KeyInfo {
    const entry = this.entry(id);
    const pub = createPublicKey({ key: entry.publicKeyJwk as JsonWebKey, format: 'jwk' });
    checkChainFitsKey(chainPem, pub);
    this.ensureDir();
    writeAtomic(join(this.dir, `${id}.chain.pem`), normalizePem(chainPem), 0o644);
    return this.get(id);
  }

  chainPem(id: string): string | undefined {
    this.entry(id);
    const file = join(this.dir, `${id}.chain.pem`);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  activate(id: string): KeyInfo {
    this.entry(id);
    this.index = { ...this.index, active: id };
    this.saveIndex();
    return this.get(id);
  }

  remove(id: string): void {
    this.entry(id);
    this.signers.delete(id);
    const keys = this.index.keys.filter((k) => k.id !== id);
    const active = this.index.active === id ? keys[0]?.id : this.index.active;
    this.index = { version: 1, keys, ...(active ? { active } : {}) };
    this.saveIndex();
    rmSync(join(this.dir, `${id}.key.pem`), { force: true });
    rmSync(join(this.dir, `${id}.chain.pem`), { force: true });
  }

  private tokenHandle: Pkcs11Token | undefined;

  /** The PKCS#11 token (opened and logged in on first use; a wrong PIN is an error then). */
  token(): Pkcs11Token {
    if (!this.options.pkcs11)
      throw new GatewayError(
        'no PKCS#11 token is configured (keys.pkcs11: module, tokenLabel or slot, pinEnv)',
        'usage',
      );
    this.tokenHandle ??= Pkcs11Token.open(this.options.pkcs11);
    return this.tokenHandle;
  }

  /**
   * Check the keys that live in the token, at start: the token opens (module, PIN), each key is
   * there under its label with the public key recorded, and the token signs with its algorithm.
   */
  checkToken(): void {
    const inToken = this.index.keys.filter((k) => k.pkcs11);
    if (!this.options.pkcs11) {
      if (inToken.length)
        throw new GatewayError(
          `keys ${inToken.map((k) => k.id).join(', ')} live in a PKCS#11 token, but keys.pkcs11 is not configured`,
          'bad-config',
        );
      return;
    }
    const token = this.token();
    for (const e of inToken) {
      const found = token.find(e.pkcs11!.label);
      if (!found)
        throw new GatewayError(`key ${e.id}: the token holds no key "${e.pkcs11!.label}" (keys.pkcs11)`, 'bad-config');
      if (JSON.stringify(found.publicKeyJwk) !== JSON.stringify(e.publicKeyJwk))
        throw new GatewayError(
          `key ${e.id}: the token's key "${e.pkcs11!.label}" is another key than the one recorded`,
          'bad-config',
        );
      token.assertSupports(e.alg);
    }
  }

  /** Generate a key pair inside the token (non-extractable, sensitive); `label` defaults to the key id. */
  async createInToken(opts: CreateKeyOptions & { label?: string }): Promise<KeyInfo> {
    const alg = opts.alg ?? ALGS_FOR[opts.type][0]!;
    assertAlgForType(opts.type, alg);
    const token = this.token();
    token.assertSupports(alg);
    const label =
      opts.label ?? opts.id ?? `gx-gateway-${opts.type.toLowerCase().replace('-', '')}-${Date.now().toString(36)}`;
    const key = token.generate(opts.type, label, opts.rsaBits);
    return this.register(
      { type: key.type, alg, publicKeyJwk: key.publicKeyJwk, pkcs11: { label } },
      { ...opts, id: opts.id ?? label },
    );
  }

  /**
   * Adopt a key pair the token already holds, by label. Its private half must sign and never be
   * read out (CKA_SIGN, CKA_SENSITIVE true); one the token would export wrapped under another key
   * (CKA_EXTRACTABLE true, as some HSMs back keys up) only with `allowExtractable`.
   */
  async adoptFromToken(
    label: string,
    opts: { id?: string; alg?: JwsAlg; activate?: boolean; chainPem?: string; allowExtractable?: boolean } = {},
  ): Promise<KeyInfo> {
    const token = this.token();
    const key = token.find(label);
    if (!key) throw new GatewayError(`the PKCS#11 token holds no key "${label}"`, 'no-key');
    const p = token.protection(label);
    if (!p.sign) throw new GatewayError(`the token's key "${label}" may not sign (CKA_SIGN is false)`, 'bad-key');
    if (!p.sensitive)
      throw new GatewayError(
        `the token's key "${label}" can be read out of the token by anyone with the PIN (CKA_SENSITIVE is false): make a new key with \`keys create --pkcs11\`, or set CKA_SENSITIVE true first`,
        'bad-key',
      );
    if (p.extractable && !opts.allowExtractable)
      throw new GatewayError(
        `the token's key "${label}" may be exported wrapped under another key (CKA_EXTRACTABLE is true): add --extractable to adopt it anyway (an HSM that backs keys up by wrapping needs it), or set CKA_EXTRACTABLE false first`,
        'bad-key',
      );
    const alg = opts.alg ?? ALGS_FOR[key.type][0]!;
    assertAlgForType(key.type, alg);
    token.assertSupports(alg);
    if (opts.chainPem)
      checkChainFitsKey(opts.chainPem, createPublicKey({ key: key.publicKeyJwk as JsonWebKey, format: 'jwk' }));
    const info = await this.register(
      {
        type: key.type,
        alg,
        publicKeyJwk: key.publicKeyJwk,
        pkcs11: { label, ...(p.extractable ? { extractable: true as const } : {}) },
      },
      { id: opts.id ?? label, ...(opts.activate !== undefined ? { activate: opts.activate } : {}) },
    );
    if (opts.chainPem) this.setChain(info.id, opts.chainPem);
    return this.get(info.id);
  }

  /** A signer for the key (default: the active key). Decrypts the private key if needed. */
  signer(id?: string): Signer {
    const keyId = id ?? this.index.active;
    if (!keyId) throw new GatewayError('no active key: create one with `gx-gateway keys create`', 'no-key');
    const cached = this.signers.get(keyId);
    if (cached) return cached;
    const entry = this.entry(keyId);
    if (entry.pkcs11) {
      const signer = this.token().signer({ ...entry, label: entry.pkcs11.label, keyId: entry.id });
      this.signers.set(keyId, signer);
      return signer;
    }
    const pem = readFileSync(join(this.dir, `${keyId}.key.pem`), 'utf8');
    let privateKey: KeyObject;
    try {
      privateKey = entry.encrypted
        ? createPrivateKey({ key: pem, format: 'pem', passphrase: this.requirePassphrase(keyId) })
        : createPrivateKey(pem);
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new GatewayError(
        entry.encrypted
          ? `cannot decrypt key ${keyId}: wrong passphrase in ${this.options.passphraseEnv ?? 'the passphrase variable'}`
          : `cannot read key ${keyId}: ${keyReadProblem(err, false)}`,
        'bad-key',
      );
    }
    const signer = createSigner(entry, privateKey);
    this.signers.set(keyId, signer);
    return signer;
  }

  private requirePassphrase(id: string): string {
    if (!this.options.passphrase) {
      throw new GatewayError(
        `key ${id} is encrypted: set ${this.options.passphraseEnv ?? 'the key passphrase variable'}`,
        'key-locked',
      );
    }
    return this.options.passphrase;
  }

  private async add(
    privateKey: KeyObject,
    opts: { type: KeyType; id?: string; alg?: JwsAlg; activate?: boolean },
  ): Promise<KeyInfo> {
    const type = keyTypeOf(privateKey);
    const alg = opts.alg ?? ALGS_FOR[type][0]!;
    assertAlgForType(type, alg);
    const encrypted = Boolean(this.options.passphrase);
    return this.register({ type, alg, publicKeyJwk: publicJwk(privateKey), encrypted }, opts, (id) => {
      const pem = encrypted
        ? encryptPrivateKeyPem(privateKey, this.options.passphrase!)
        : (privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      this.ensureDir();
      writeAtomic(join(this.dir, `${id}.key.pem`), pem, 0o600);
    });
  }

  /** Record a key in the index (after `write` stored its private half, for a file key). */
  private async register(
    key: { type: KeyType; alg: JwsAlg; publicKeyJwk: JWK; encrypted?: boolean; pkcs11?: { label: string } },
    opts: { id?: string; activate?: boolean },
    write?: (id: string) => void,
  ): Promise<KeyInfo> {
    const { type, alg, publicKeyJwk: jwk } = key;
    const thumbprint = await calculateJwkThumbprint(jwk, 'sha256');
    const id = opts.id ?? `${type.toLowerCase().replace('-', '')}-${thumbprint.slice(0, 10)}`;
    if (!ID_PATTERN.test(id))
      throw new GatewayError(`key id "${id}" may only use letters, digits, '.', '_' and '-' (max 64)`, 'bad-key-id');
    if (this.index.keys.some((k) => k.id === id))
      throw new GatewayError(`a key with id "${id}" exists already`, 'duplicate-key');
    if (this.index.keys.some((k) => k.thumbprint === thumbprint)) {
      throw new GatewayError(`this key is stored already (thumbprint ${thumbprint})`, 'duplicate-key');
    }
    write?.(id);
    const entry: IndexEntry = {
      id,
      type,
      alg,
      created: new Date().toISOString(),
      encrypted: Boolean(key.encrypted),
      publicKeyJwk: jwk,
      thumbprint,
      ...(key.pkcs11 ? { pkcs11: key.pkcs11 } : {}),
    };
    const activate = opts.activate ?? !this.index.active;
    this.index = {
      version: 1,
      keys: [...this.index.keys, entry],
      ...(activate ? { active: id } : this.index.active ? { active: this.index.active } : {}),
    };
    this.saveIndex();
    return this.info(entry);
  }

  private entry(id: string): IndexEntry {
    const e = this.index.keys.find((k) => k.id === id);
    if (!e) {
      const known = this.index.keys.map((k) => k.id).join(', ') || 'none';
      throw new GatewayError(`no key "${id}" in ${this.dir} (keys: ${known})`, 'no-key');
    }
    return e;
  }

  private info(e: IndexEntry): KeyInfo {
    return {
      id: e.id,
      type: e.type,
      alg: e.alg,
      created: e.created,
      active: this.index.active === e.id,
      encrypted: e.encrypted,
      publicKeyJwk: e.publicKeyJwk,
      thumbprint: e.thumbprint,
      hasChain: existsSync(join(this.dir, `${e.id}.chain.pem`)),
      location: e.pkcs11 ? 'pkcs11' : 'file',
      ...(e.pkcs11 ? { label: e.pkcs11.label } : {}),
      ...(e.pkcs11?.extractable ? { extractable: true as const } : {}),
    };
  }

  private saveIndex(): void {
    this.ensureDir();
    writeAtomic(join(this.dir, INDEX), `${JSON.stringify(this.index, null, 2)}\n`, 0o600);
  }
}

/** What went wrong reading a PEM key, in words rather than OpenSSL's error codes. */
function keyReadProblem(err: unknown, withPassphrase: boolean): string {
  const m = (err as Error).message ?? '';
  if (/bad decrypt|wrong password|mac verify/i.test(m)) return 'the passphrase is wrong';
  if (
    /passphrase required|interrupted or cancelled|no passphrase/i.test(m) ||
    (err as { code?: string }).code === 'ERR_MISSING_PASSPHRASE'
  ) {
    return 'the key is encrypted: give its passphrase (--pem-passphrase-env VAR)';
  }
  if (/unsupported/i.test(m))
    return 'not a readable PEM private key, or a key type or encryption gx-gateway does not support (RSA, P-256 and Ed25519 as PKCS#8, PKCS#1 or SEC1 PEM)';
  return withPassphrase
    ? 'not a readable PEM private key, or the passphrase is wrong'
    : 'not a PEM private key (PKCS#8, PKCS#1 or SEC1)';
}

function readIndex(dir: string): IndexFile {
  const indexPath = join(dir, INDEX);
  if (!existsSync(indexPath)) return { version: 1, keys: [] };
  let index: IndexFile;
  try {
    index = JSON.parse(readFileSync(indexPath, 'utf8')) as IndexFile;
  } catch (err) {
    throw new GatewayError(`key index ${indexPath} is not valid JSON: ${(err as Error).message}`, 'bad-keystore');
  }
  if (index.version !== 1 || !Array.isArray(index.keys)) {
    throw new GatewayError(`key index ${indexPath} has an unknown format`, 'bad-keystore');
  }
  return index;
}

function dirStamp(dir: string): string {
  try {
    const st = statSync(dir);
    return `${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
  } catch {
    return '';
  }
}

function writeAtomic(file: string, content: string, mode: number): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, content, { mode, flag: 'wx' });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

function normalizePem(pem: string): string {
  return pem.trim().replace(/\r\n/g, '\n') + '\n';
}

function checkChainFitsKey(chainPem: string, key: KeyObject): void {
  let certs: X509Certificate[];
  try {
    certs = parsePemChain(chainPem);
  } catch (err) {
    throw new GatewayError(`the certificate chain is not valid PEM: ${(err as Error).message}`, 'bad-chain');
  }
  const leaf = certs[0];
  if (!leaf) throw new GatewayError('the certificate chain holds no certificate', 'bad-chain');
  if (!sameKey(leaf.publicKey, key)) {
    throw new GatewayError(
      'the first certificate of the chain does not carry this key (leaf first, then intermediates, then root)',
      'bad-chain',
    );
  }
}

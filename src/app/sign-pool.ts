import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { LoadedConfig } from '../config/schema.js';
import type { KeyStore } from '../credentials/keys/keystore.js';
import type { JsonObject, Secured, SuiteId } from '../credentials/suites/suite.js';
import type { SignSlice } from './sign-worker.js';

/** Credentials per task: small enough to share a set between the threads evenly, large enough to cost little to post. */
const SLICE = 50;

/**
 * Signing in worker threads (piscina): a large set is cut into slices signed on every core, while
 * the main thread keeps answering HTTP. Threads start with the first set and end after `idleMs`
 * without one, so their memory goes with them between runs. Each thread opens the same key folder
 * (sign-worker.ts); a private key never crosses a thread boundary.
 */
export class SignPool {
  private pool: Piscina | undefined;
  /** Credentials the threads have signed (the tests and the bench read it). */
  signed = 0;

  constructor(
    private readonly loaded: LoadedConfig,
    private readonly keys: KeyStore,
    readonly threads: number = Math.min(2, availableParallelism()),
    private readonly idleMs = 15_000,
  ) {}

  /** Sign credentials already validated, in order: the same as CredentialService.signValidated, on every core. */
  async sign(credentials: JsonObject[], req: { suite: SuiteId; keyId: string; created?: Date }): Promise<Secured[]> {
    const pool = this.start();
    const slices: Promise<Secured[]>[] = [];
    for (let i = 0; i < credentials.length; i += SLICE) {
      const slice: SignSlice = {
        credentials: credentials.slice(i, i + SLICE),
        suite: req.suite,
        keyId: req.keyId,
        ...(req.created ? { created: req.created.toISOString() } : {}),
      };
      slices.push(pool.run(slice) as Promise<Secured[]>);
    }
    const out = (await Promise.all(slices)).flat();
    this.signed += out.length;
    return out;
  }

  private start(): Piscina {
    this.pool ??= new Piscina({
      filename: new URL('./sign-worker.js', import.meta.url).href,
      workerData: { loaded: this.loaded, keys: this.keys.workerOptions() },
      minThreads: 0,
      maxThreads: this.threads,
      idleTimeout: this.idleMs,
    });
    return this.pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }
}

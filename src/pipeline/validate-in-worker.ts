import { Worker } from 'node:worker_threads';
import { GatewayError, isErrorCode } from '../core/errors.js';
import type { ProfileId } from '../core/ids.js';
import type { CanonizeLimits } from '../credentials/canonize.js';
import type { BundledContext } from '../credentials/contexts.js';
import type { ValidationReport } from '../validate/report.js';
import type { SetMember } from '../validate/validate.js';

/** Validates a set as one graph (the same function as in-process), somewhere else. */
export type SetValidator = (
  members: SetMember[],
  opts: { profile: ProfileId; strict: boolean },
) => Promise<ValidationReport[]>;

type Answer =
  { id: number; ok: true; reports: ValidationReport[] } | { id: number; ok: false; message: string; code: string };

/**
 * A validator running in a worker thread, started when a set comes and ended after `idleMs`
 * without one: a run neither holds the event loop (HTTP keeps answering) nor leaves its memory
 * behind once the runs stop; runs close together share the worker (shapes loaded once).
 */
export function workerValidator(
  setup: { localContexts: BundledContext[]; limits: CanonizeLimits },
  idleMs = 15_000,
): SetValidator & { close(): Promise<void> } {
  let worker: Worker | undefined;
  let idle: NodeJS.Timeout | undefined;
  let next = 0;
  /** Jobs waiting for an answer, each with the worker it was posted to. */
  const pending = new Map<
    number,
    { worker: Worker; resolve: (r: ValidationReport[]) => void; reject: (e: Error) => void }
  >();
  const waitingOn = (w: Worker) => [...pending].filter(([, p]) => p.worker === w);
  /** Fail the jobs of one worker: a worker ended when idle must not take a newer one's jobs with it. */
  const failAll = (w: Worker, err: Error) => {
    for (const [id, p] of waitingOn(w)) {
      pending.delete(id);
      p.reject(err);
    }
  };
  const stop = async () => {
    clearTimeout(idle);
    const w = worker;
    worker = undefined;
    if (w) await w.terminate();
  };
  const start = () => {
    const w = new Worker(new URL('./validate-worker.js', import.meta.url), { workerData: setup });
    w.on('message', (m: Answer) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.reports);
      else p.reject(new GatewayError(m.message, isErrorCode(m.code) ? m.code : 'internal'));
      if (waitingOn(w).length === 0 && worker === w) {
        // Idle: it no longer keeps the process alive, and ends after idleMs.
        w.unref();
        idle = setTimeout(() => void stop(), idleMs).unref();
      }
    });
    w.on('error', (err) => {
      if (worker === w) worker = undefined;
      failAll(w, new GatewayError(`validation worker: ${err.message}`, 'internal', { cause: err }));
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(w, new GatewayError(`validation worker exited (${code}) without an answer`, 'internal'));
    });
    return w;
  };
  const validate = ((members, opts) =>
    new Promise<ValidationReport[]>((resolve, reject) => {
      clearTimeout(idle);
      worker ??= start();
      worker.ref();
      const id = next++;
      pending.set(id, { worker, resolve, reject });
      worker.postMessage({ id, members, profile: opts.profile, strict: opts.strict });
    })) as SetValidator & { close(): Promise<void> };
  validate.close = stop;
  return validate;
}

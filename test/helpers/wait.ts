import type { ChildProcess } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';

/**
 * A deadline for an event that takes real work (a run, a process start), stretched by how busy the
 * machine is now: on a laptop doing other things the same test gets longer to see the same event.
 * The deadline only turns a hang into a message; tests wait for the event, never for the clock.
 */
export function patience(ms: number): number {
  const busy = (loadavg()[0] ?? 0) / availableParallelism();
  return Math.round(ms * Math.min(5, Math.max(1, busy)));
}

/** Poll `what` (a state in the store, an answer) until it holds; a message after `patience(ms)`. */
export async function until(
  what: () => boolean | Promise<boolean>,
  ms = 90_000,
  label = 'the awaited state',
): Promise<void> {
  const end = Date.now() + patience(ms);
  for (;;) {
    if (await what()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${label} (${patience(ms)} ms)`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The first match of `pattern` in a child's output (stdout and stderr), as soon as it is printed;
 * rejected when the child exits first, or after `patience(ms)`.
 */
export function outputMatching(child: ChildProcess, pattern: RegExp, ms = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${patience(ms)} ms: ${out.slice(-1500)}`)),
      patience(ms),
    );
    timer.unref();
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ${pattern}: ${out.slice(-1500)}`));
    });
  });
}

import type { Store } from '../store/store.js';
import { deadLocalHolder, leaseName, type CloudRunner, type RunOutcome } from './runner.js';

export interface SchedulerOptions {
  tickMs: number;
  log?: { warn(o: object, m: string): void; error(o: object, m: string): void };
}

/**
 * Runs each enabled cloud when it is due (its interval since the last run's start has passed, or
 * it never ran, or its last run was abandoned). One run at a time per instance; the runner's lease
 * keeps instances sharing a database from running one cloud twice.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly runner: CloudRunner,
    private readonly opts: SchedulerOptions,
  ) {}

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.tick()
        .catch((err: Error) => this.opts.log?.error({ err: err.message }, 'scheduler tick failed'))
        .finally(() => this.schedule(this.opts.tickMs));
    }, ms);
  }

  /** Clouds due now, oldest first. */
  async due(now = Date.now()): Promise<string[]> {
    const out: { id: string; at: number }[] = [];
    for (const cloud of await this.store.clouds.list()) {
      if (!cloud.enabled) continue;
      const last = await this.store.runs.last(cloud.id);
      if (!last) {
        out.push({ id: cloud.id, at: 0 });
        continue;
      }
      if (last.state === 'running') continue;
      const at = Date.parse(last.started_at);
      if (last.state === 'abandoned' || at + cloud.interval_seconds * 1000 <= now) out.push({ id: cloud.id, at });
    }
    return out.sort((a, b) => a.at - b.at).map((c) => c.id);
  }

  /** One pass: orphaned runs marked abandoned, then every due cloud run in turn. */
  async tick(): Promise<RunOutcome[]> {
    await this.store.runs.abandonOrphaned(leaseName, deadLocalHolder);
    const outcomes: RunOutcome[] = [];
    for (const id of await this.due()) {
      if (this.stopped) break;
      outcomes.push(await this.runner.run(id, 'schedule', { signal: this.abort.signal, actor: 'scheduler' }));
    }
    return outcomes;
  }

  /**
   * Stop: no new runs; the current one finishes its stage and ends (abandoned, nothing published)
   * or, when already publishing, commits. Waits at most `graceMs`.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    if (this.current)
      await Promise.race([this.current, new Promise((r) => setTimeout(r, graceMs).unref())]).catch(() => undefined);
  }
}

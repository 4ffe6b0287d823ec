/** Sets at least this large report their progress on stderr. */
export const PROGRESS_FROM = 500;

/**
 * A progress callback for a set of `total` credentials: a line on stderr about every tenth of the
 * way, for sets of PROGRESS_FROM or more; nothing for smaller sets or with GXG_QUIET.
 */
export function progress(total: number): ((done: number, total: number, phase: string) => void) | undefined {
  if (total < PROGRESS_FROM || process.env.GXG_QUIET) return undefined;
  const step = Math.max(1, Math.ceil(total / 10));
  let last = -1;
  const started = Date.now();
  return (done, all, phase) => {
    const bucket = Math.floor(done / step);
    if (bucket === last && done !== all) return;
    last = bucket;
    process.stderr.write(`${phase}: ${done}/${all} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  };
}

/** Run `fn` repeatedly for at least `minMs` (after a warm-up) and return milliseconds per operation. */
export async function measure(fn: () => Promise<unknown> | unknown, minMs = 800, warmup = 20): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs || n < 10) {
    await fn();
    n++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return elapsed / n;
}

export function fmt(ms: number): string {
  return `${(1000 / ms).toFixed(0).padStart(7)} ops/s (${ms.toFixed(3)} ms)`;
}

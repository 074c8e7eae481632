/** One benchmark: `run` returns the figures printed as one JSON object (with `bench: name`). */
export interface BenchModule {
  readonly name: string;
  run(): Promise<Record<string, unknown>>;
}

/** Figures in seconds (or ratios) as printed: three decimals. */
export const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Every measurement loops at least this long so timer resolution and JIT warm-up do not dominate. */
export const MIN_MEASURE_MS = 1000;

/** Runs `batch` (which returns how many operations it did) until MIN_MEASURE_MS has elapsed. */
export function measure(batch: () => number, minMs = MIN_MEASURE_MS): { ops: number; ms: number; perSec: number } {
  const start = process.hrtime.bigint();
  let ops = 0;
  let ms = 0;
  while (ms < minMs) {
    ops += batch();
    ms = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return { ops, ms: Math.round(ms), perSec: Math.round((ops * 1000) / ms) };
}

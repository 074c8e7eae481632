/** Figures of the soak report: a least-squares slope and percentiles. */

const MS_PER_MIN = 60_000;

/** Slope of the least-squares line through (atMs, value), in value units per minute; 0 for fewer than 2 points. */
export function slopePerMin(points: ReadonlyArray<{ atMs: number; value: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((s, p) => s + p.atMs, 0) / n;
  const meanY = points.reduce((s, p) => s + p.value, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.atMs - meanX) * (p.value - meanY);
    sxx += (p.atMs - meanX) ** 2;
  }
  return sxx === 0 ? 0 : (sxy / sxx) * MS_PER_MIN;
}

/** The p-th percentile (0..100) by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const fmt = (x: number, digits = 1): string => x.toFixed(digits);

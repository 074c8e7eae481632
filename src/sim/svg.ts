/** Minimal SVG line charts for docs/scale/ (no dependency: a polyline per series, axes, ticks, legend). */

export interface Series {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly yMax?: number;
  /** A vertical dashed line (e.g. a goal), with its label. */
  readonly marker?: { readonly x: number; readonly label: string };
  /** Draw as steps (a CDF of discrete values). */
  readonly steps?: boolean;
}

const W = 640;
const H = 400;
const PAD = { left: 60, right: 20, top: 40, bottom: 50 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceStep(range: number): number {
  const raw = range / 5;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toFixed(2)}`;
}

export function lineChart(series: readonly Series[], options: ChartOptions): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xMax = Math.max(1e-9, ...xs, (options.marker?.x ?? 0) * 1.2);
  const yMax = options.yMax ?? Math.max(1e-9, ...ys);
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const sx = (x: number): number => PAD.left + (x / xMax) * pw;
  const sy = (y: number): number => PAD.top + ph - (y / yMax) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(options.title)}</text>`,
    `<line x1="${PAD.left}" y1="${PAD.top + ph}" x2="${PAD.left + pw}" y2="${PAD.top + ph}" stroke="black"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + ph}" stroke="black"/>`,
    `<text x="${PAD.left + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(options.xLabel)}</text>`,
    `<text x="15" y="${PAD.top + ph / 2}" text-anchor="middle" transform="rotate(-90 15 ${PAD.top + ph / 2})">${esc(options.yLabel)}</text>`,
  ];
  const xStep = niceStep(xMax);
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    out.push(`<line x1="${sx(x)}" y1="${PAD.top + ph}" x2="${sx(x)}" y2="${PAD.top + ph + 5}" stroke="black"/><text x="${sx(x)}" y="${PAD.top + ph + 18}" text-anchor="middle">${fmt(x)}</text>`);
  }
  const yStep = niceStep(yMax);
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    out.push(`<line x1="${PAD.left - 5}" y1="${sy(y)}" x2="${PAD.left + pw}" y2="${sy(y)}" stroke="#ddd"/><text x="${PAD.left - 8}" y="${sy(y) + 4}" text-anchor="end">${fmt(y)}</text>`);
  }
  if (options.marker !== undefined) {
    const x = sx(options.marker.x);
    out.push(`<line x1="${x}" y1="${PAD.top}" x2="${x}" y2="${PAD.top + ph}" stroke="#555" stroke-dasharray="4 4"/><text x="${x + 4}" y="${PAD.top + 12}">${esc(options.marker.label)}</text>`);
  }
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts: string[] = [];
    let prevY: number | undefined;
    for (const [x, y] of s.points) {
      if (options.steps === true && prevY !== undefined) pts.push(`${sx(x).toFixed(1)},${sy(prevY).toFixed(1)}`);
      pts.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      prevY = y;
    }
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(' ')}"/>`);
    out.push(`<rect x="${PAD.left + pw - 190}" y="${PAD.top + 8 + i * 18}" width="12" height="3" fill="${colour}"/><text x="${PAD.left + pw - 172}" y="${PAD.top + 13 + i * 18}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** CDF points of sorted values, thinned to at most ~400 points. */
export function cdf(sortedValues: readonly number[]): Array<[number, number]> {
  const n = sortedValues.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.floor(n / 400));
  const points: Array<[number, number]> = [[0, 0]];
  for (let i = 0; i < n; i += step) points.push([sortedValues[i], (i + 1) / n]);
  points.push([sortedValues[n - 1], 1]);
  return points;
}

// Display formats: numbers with separators, short hashes, ages, sizes.

const nf = new Intl.NumberFormat('en-US');

export const num = (n) => (n === null || n === undefined ? '–' : nf.format(n));

/** First and last characters of a hash, the whole one in a tooltip. */
export const short = (hash, n = 10) => (typeof hash === 'string' && hash.length > 2 * n + 1 ? `${hash.slice(0, n)}…${hash.slice(-n)}` : String(hash ?? '–'));

export function bytes(n) {
  if (n === null || n === undefined) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** "12 s ago", "3 min ago", "2 h ago" from unix seconds. */
export function ago(unixSec, nowMs = Date.now()) {
  if (unixSec === null || unixSec === undefined) return '–';
  const s = Math.max(0, Math.round(nowMs / 1000 - unixSec));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export const dateTime = (unixSec) => (unixSec === null || unixSec === undefined ? '–' : new Date(unixSec * 1000).toLocaleString());

/** Amounts are whole units: JSON numbers (or decimal strings from an older node), shown with separators. */
export function amount(a) {
  if (a === null || a === undefined) return '–';
  if (typeof a === 'number') return nf.format(a);
  return /^-?[0-9]+$/.test(String(a)) ? nf.format(BigInt(a)) : String(a);
}

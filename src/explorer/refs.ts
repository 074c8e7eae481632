/** Parsing what a caller names: a block (hash or height), a txid, a page cursor, a page size. */
import { ExplorerError } from './errors.js';
import type { HistoryCursor } from './types.js';

const HASH_HEX = /^[0-9a-fA-F]{64}$/;
const DIGITS = /^[0-9]{1,10}$/;
const CURSOR = /^([0-9]{1,10})-([0-9a-fA-F]{64})$/;
const MAX_HEIGHT = 0xffff_ffff;

export type BlockRef = { readonly hash: Buffer } | { readonly height: number };

const show = (v: unknown): string => {
  const s = typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? String(v));
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
};

/** A block hash (64 hex digits) or a height (a whole number, as a number or digits). */
export function parseBlockRef(ref: unknown): BlockRef {
  if (typeof ref === 'number' && Number.isSafeInteger(ref) && ref >= 0 && ref <= MAX_HEIGHT) return { height: ref };
  if (typeof ref === 'string') {
    const s = ref.trim();
    if (HASH_HEX.test(s)) return { hash: Buffer.from(s, 'hex') };
    if (DIGITS.test(s) && Number(s) <= MAX_HEIGHT) return { height: Number(s) };
  }
  throw new ExplorerError('bad-ref', `${show(ref)} is neither a block hash (64 hex digits) nor a block height (a whole number ≥ 0)`);
}

export function parseTxid(txid: unknown): Buffer {
  if (typeof txid === 'string' && HASH_HEX.test(txid.trim())) return Buffer.from(txid.trim(), 'hex');
  throw new ExplorerError('bad-ref', `${show(txid)} is not a txid (64 hex digits)`);
}

/** `before`: a height (entries below it) or the `next` cursor of a previous page ("height-txid"). */
export function parseCursor(before: unknown): HistoryCursor | undefined {
  if (before === undefined || before === null) return undefined;
  if (typeof before === 'number' && Number.isSafeInteger(before) && before >= 0 && before <= MAX_HEIGHT) return { height: before };
  if (typeof before === 'string') {
    const s = before.trim();
    if (DIGITS.test(s) && Number(s) <= MAX_HEIGHT) return { height: Number(s) };
    const m = CURSOR.exec(s);
    if (m && Number(m[1]) <= MAX_HEIGHT) return { height: Number(m[1]), txid: Buffer.from(m[2]!, 'hex') };
  }
  throw new ExplorerError('bad-ref', `before must be a height or the "next" value of a previous page, got ${show(before)}`);
}

export function formatCursor(height: number, txid: Buffer): string {
  return `${height}-${txid.toString('hex')}`;
}

/** A page size in 1..max; `fallback` when absent. */
export function parseLimit(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' && DIGITS.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > max) throw new ExplorerError('out-of-range', `${name} must be a whole number from 1 to ${max}, got ${show(value)}`);
  return n;
}

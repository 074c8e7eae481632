/**
 * Block summaries ({height, hash, time, txs, size}) without decoding the block: the header and the
 * transaction count are the first bytes of the stored encoding (header | varint txCount | txs) and
 * the size is its length, so only ~90 bytes are copied out of the store. 100 summaries of ~880 kB
 * blocks: ~6-13 ms of CPU this way, ~100-300 ms reading the whole blocks, ~340-590 ms decoding
 * them (measured on a loaded 2-core machine). Remembered by hash in a bounded cache: a hash names its bytes, so a summary
 * never goes stale, whatever reorg happens.
 */
import { BlockHeader, HEADER_BYTES } from '../primitives/block.js';
import { BufferReader } from '../primitives/encoding.js';
import { SUMMARY_CACHE_ENTRIES } from './constants.js';
import type { BlockSummaryView, ExplorerChain } from './types.js';

/** A header and the longest varint: all a summary reads of the stored block. */
const SUMMARY_PREFIX_BYTES = HEADER_BYTES + 9;

/** Insertion order = recency: the first key is the one used least recently. */
const cache = new Map<string, BlockSummaryView>();

/**
 * The summary of a stored encoding (Block.encode()) from its first bytes (`prefix`: at least the
 * header and the tx count) and its full length; throws DecodeError when the prefix is too short.
 */
export function summaryFromBytes(hashHex: string, prefix: Buffer, length = prefix.length): BlockSummaryView {
  const r = new BufferReader(prefix);
  const header = BlockHeader.read(r);
  const txs = r.varint('block transactions');
  return { height: header.height, hash: hashHex, time: header.timestamp, txs, size: length };
}

/** The summary of a stored block by hash (cached); undefined when its data is not stored. */
export function storedSummary(chain: Pick<ExplorerChain, 'getBlockPrefix'>, hash: Buffer): BlockSummaryView | undefined {
  const hashHex = hash.toString('hex');
  const hit = cache.get(hashHex);
  if (hit !== undefined) {
    cache.delete(hashHex);
    cache.set(hashHex, hit);
    return hit;
  }
  const stored = chain.getBlockPrefix(hash, SUMMARY_PREFIX_BYTES);
  if (stored === undefined) return undefined;
  const summary = summaryFromBytes(hashHex, stored.prefix, stored.length);
  remember(summary);
  return summary;
}

/** True when the block's summary is cached (a `blocks` request for it reads nothing). */
export function isSummaryCached(hash: Buffer): boolean {
  return cache.has(hash.toString('hex'));
}

/** Keeps a summary built elsewhere (a connected block's event), so the page's next `blocks` finds it. */
export function remember(summary: BlockSummaryView): void {
  cache.delete(summary.hash);
  cache.set(summary.hash, summary);
  while (cache.size > SUMMARY_CACHE_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
}

/** For tests: how many summaries are held (bounded by SUMMARY_CACHE_ENTRIES). */
export function summaryCacheSize(): number {
  return cache.size;
}

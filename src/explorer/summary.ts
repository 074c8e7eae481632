/**
 * Block summaries ({height, hash, time, txs, size}) without decoding the block: the header and the
 * transaction count are the first bytes of the stored encoding (header | varint txCount | txs) and
 * the size is its length. A 1 MB block decodes in ~70 ms; its summary this way is a read and a few
 * fixed-offset fields. Remembered by hash in a bounded cache: a hash names its bytes, so a summary
 * never goes stale, whatever reorg happens.
 */
import { BlockHeader } from '../primitives/block.js';
import { BufferReader } from '../primitives/encoding.js';
import { SUMMARY_CACHE_ENTRIES } from './constants.js';
import type { BlockSummaryView, ExplorerChain } from './types.js';

/** Insertion order = recency: the first key is the one used least recently. */
const cache = new Map<string, BlockSummaryView>();

/** The summary of a stored encoding (Block.encode()); throws DecodeError when the bytes are too short to hold a header and a count. */
export function summaryFromBytes(hashHex: string, bytes: Buffer): BlockSummaryView {
  const r = new BufferReader(bytes);
  const header = BlockHeader.read(r);
  const txs = r.varint('block transactions');
  return { height: header.height, hash: hashHex, time: header.timestamp, txs, size: bytes.length };
}

/** The summary of a stored block by hash (cached); undefined when its data is not stored. */
export function storedSummary(chain: Pick<ExplorerChain, 'getBlockBytes'>, hash: Buffer): BlockSummaryView | undefined {
  const hashHex = hash.toString('hex');
  const hit = cache.get(hashHex);
  if (hit !== undefined) {
    cache.delete(hashHex);
    cache.set(hashHex, hit);
    return hit;
  }
  const bytes = chain.getBlockBytes(hash);
  if (bytes === undefined) return undefined;
  const summary = summaryFromBytes(hashHex, bytes);
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

/** Block views: a summary line, a block with its txids or full txs, and a page of summaries by height. */
import type { Block } from '../primitives/block.js';
import { BLOCKS_PAGE_DEFAULT, BLOCKS_PAGE_MAX } from './constants.js';
import { ExplorerError } from './errors.js';
import { type BlockRef, parseBlockRef, parseLimit } from './refs.js';
import { remember, storedSummary } from './summary.js';
import { isActive, spentByPosition, txView } from './tx-view.js';
import type { BlockSummaryView, BlockView, ExplorerChain, ExplorerSources } from './types.js';

const CHAIN_WORK_HEX_DIGITS = 64;

/** The summary of a decoded block (a connected block's event): remembered, so the page's next `blocks` reads nothing. */
export function blockSummary(block: Block): BlockSummaryView {
  const summary = { height: block.height, hash: block.hashHex, time: block.header.timestamp, txs: block.transactions.length, size: block.size };
  remember(summary);
  return summary;
}

function requireTip(chain: ExplorerChain): number {
  const tip = chain.tip;
  if (!tip) throw new ExplorerError('no-genesis', 'this node has no chain yet: create the genesis block (genesis_block) or wait for peers to send the chain');
  return tip.height;
}

/** The block a ref names: a height of the active chain, or any stored block by hash. */
export function findBlock(chain: ExplorerChain, ref: BlockRef): Block {
  const tipHeight = requireTip(chain);
  if ('height' in ref) {
    const hash = chain.getHashAtHeight(ref.height);
    const block = hash ? chain.getBlock(hash) : undefined;
    if (!block) throw new ExplorerError('out-of-range', `there is no block at height ${ref.height}; the chain tip is at height ${tipHeight}`);
    return block;
  }
  const block = chain.getBlock(ref.hash);
  if (!block) throw new ExplorerError('not-found', `Block not found: no block ${ref.hash.toString('hex')} is stored on this node`);
  return block;
}

/** getblock: `ref` is a hash or a height; verbose lists full tx views instead of txids. */
export function blockView(src: ExplorerSources, ref: unknown, verbose = false): BlockView {
  const { chain } = src;
  const block = findBlock(chain, parseBlockRef(ref));
  const tipHeight = requireTip(chain);
  const active = isActive(chain, block);
  const { header } = block;
  const work = chain.getChainWork(block.hash);
  let txs: BlockView['txs'];
  if (verbose) {
    const spent = spentByPosition(block, active ? chain.getUndo(block.hash) : undefined);
    txs = block.transactions.map((tx, i) => txView(tx, tx.size, spent[i], { status: 'confirmed', block, active, tipHeight }));
  } else {
    txs = block.transactions.map((tx) => tx.txidHex);
  }
  return {
    hash: block.hashHex,
    height: block.height,
    confirmations: active ? tipHeight - block.height + 1 : -1,
    version: header.version,
    prevHash: header.prevHash.toString('hex'),
    nextHash: active ? (chain.getHashAtHeight(block.height + 1)?.toString('hex') ?? null) : null,
    merkleRoot: header.merkleRoot.toString('hex'),
    time: header.timestamp,
    bits: `0x${header.bits.toString(16).padStart(8, '0')}`,
    nonce: header.nonce,
    size: block.size,
    work: (work ?? 0n).toString(16).padStart(CHAIN_WORK_HEX_DIGITS, '0'),
    txCount: block.transactions.length,
    txs,
  };
}

/** getblocks (the course's blocks?start): `count` summaries of the active chain from height `start` up, ending at the tip. */
export function blocksView(src: ExplorerSources, start: unknown, count?: unknown): BlockSummaryView[] {
  const { chain } = src;
  const tipHeight = requireTip(chain);
  const ref = parseBlockRef(start);
  if (!('height' in ref)) throw new ExplorerError('bad-ref', 'start must be a block height (a whole number ≥ 0)');
  const n = parseLimit(count, 'count', BLOCKS_PAGE_DEFAULT, BLOCKS_PAGE_MAX);
  if (ref.height > tipHeight) throw new ExplorerError('out-of-range', `there is no block at height ${ref.height}; the chain tip is at height ${tipHeight}`);
  const out: BlockSummaryView[] = [];
  for (let h = ref.height; h <= tipHeight && out.length < n; h++) {
    const hash = chain.getHashAtHeight(h);
    // From the stored bytes' first fields and length, never a decode: 100 full blocks would hold the main thread for seconds.
    const summary = hash ? storedSummary(chain, hash) : undefined;
    if (!summary) break; // the tip moved back meanwhile (a reorg to a shorter, heavier branch)
    out.push(summary);
  }
  return out;
}

/** The newest `count` block summaries, newest first (the status page's recent blocks). */
export function recentBlocksView(src: ExplorerSources, count?: unknown): BlockSummaryView[] {
  const tip = src.chain.tip;
  if (!tip) return [];
  const n = parseLimit(count, 'count', BLOCKS_PAGE_DEFAULT, BLOCKS_PAGE_MAX);
  return blocksView(src, Math.max(0, tip.height - n + 1), n).reverse();
}

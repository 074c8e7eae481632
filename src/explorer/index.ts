/**
 * The block explorer: one module that the RPC methods, the CLI (through RPC) and the status page's
 * WebSocket all read, so a block, a transaction or an address looks the same everywhere. Views
 * are pure reads over narrow interfaces (types.ts); the transaction and address indexes they use
 * are kept by ChainIndexer (indexer/), in their own LMDB environment.
 */
export * from './constants.js';
export * from './errors.js';
export * from './types.js';
export { parseBlockRef, parseTxid, parseCursor, parseLimit, formatCursor, type BlockRef } from './refs.js';
export { blockSummary, blockView, blocksView, recentBlocksView, findBlock } from './block-view.js';
export { isSummaryCached, storedSummary, summaryCacheSize, summaryFromBytes } from './summary.js';
export { transactionView, throwIfIndexBehind } from './tx-view.js';
export { addressView, type AddressQuery } from './address-view.js';
export { ChainIndexer, type ChainIndexerOptions, type IndexerChain } from './indexer/indexer.js';

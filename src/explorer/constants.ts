/** getblocks without a count lists this many blocks (the course's blocks?start page). */
export const BLOCKS_PAGE_DEFAULT = 10;
/** getblocks lists at most this many blocks per call: each one not cached is a read of the stored block (no decode: summary.ts). */
export const BLOCKS_PAGE_MAX = 100;
/** getaddress without a limit lists this many history entries. */
export const ADDRESS_PAGE_DEFAULT = 25;
/** getaddress lists at most this many history entries per page (Core's explorers page the same way). */
export const ADDRESS_PAGE_MAX = 100;
/**
 * An RPC asking the index for something waits at most this long for it to reach the chain tip when
 * it is only a few blocks behind (Core's BlockUntilSyncedToCurrentChain): a lookup right after
 * `mine` sees the new block instead of "still being built".
 */
export const INDEX_SETTLE_WAIT_MS = 3_000;
/** Catch-up writes at most this many blocks per LMDB commit (one fsync each; a kill -9 loses at most one chunk). */
export const INDEX_CHUNK_BLOCKS = 500;
/** A catch-up chunk ends after this much work so the event loop (RPC, peers, the chain) stays served. */
export const INDEX_SLICE_MS = 20;
/**
 * Between chunks, while the chain's tip is moving (a sync connecting blocks), the index waits
 * this long instead of going on at once: it then takes at most ~INDEX_SLICE_MS of every
 * INDEX_SLICE_MS + this of the main thread, so the chain's hot path keeps the rest (a catch-up at
 * full speed indexes ~7,000 two-tx blocks/s here, as much as the chain connects empty ones).
 */
export const INDEX_BUSY_CHAIN_DELAY_MS = 80;
/** Catch-up logs its progress at most this often. */
export const INDEX_LOG_INTERVAL_MS = 2_000;
/** Layout version of the index database (meta 'format'): another version is dropped and rebuilt. */
export const INDEX_FORMAT_VERSION = 1;
/** Named LMDB sub-databases of the index env (with headroom). */
export const INDEX_MAX_DBS = 8;
/**
 * Block summaries remembered (by hash: a hash names its bytes, so a summary never goes stale).
 * The page asks for the newest 100 on every load and after every skipped block event: 1,024
 * (~200 KB) covers ten pages, so a repeat costs a map lookup instead of a block read.
 */
export const SUMMARY_CACHE_ENTRIES = 1_024;

/** Constants of compact block relay (BIP152, src/p2p/compact/). */

/**
 * Compact block relay (BIP152, src/p2p/compact/). Peers we ask for high-bandwidth mode (new
 * blocks sent unasked as cmpct-block), and peers we send to in that mode: BIP152's 3 — the
 * three that last gave us a new block first; more would multiply duplicate compact blocks.
 */
export const MAX_HIGH_BANDWIDTH_PEERS = 3;
/** Compact blocks being rebuilt from one peer at once (waiting for its block-txn); beyond, the full block is asked for. */
export const MAX_PENDING_COMPACT_BLOCKS_PER_PEER = 3;
/**
 * Compact blocks being rebuilt from all peers together: each holds its prefilled txs (up to a
 * 4 MiB frame) and a slot per claimed tx for up to COMPACT_BLOCK_TXN_TIMEOUT_MS, so the per-peer
 * bound alone grows with the peer count. Honest relay rebuilds one new block at a time.
 */
export const MAX_PENDING_COMPACT_BLOCKS = 8;
/**
 * Peers asked with get-block-txn for the same block at once (Core's 3 in flight per block): a
 * second or third covers one that stalls; more would fetch one block's txs from everyone.
 */
export const MAX_COMPACT_REBUILDS_PER_BLOCK = 3;
/**
 * A get-block-txn not answered by then is given up and the full block asked for (from that
 * peer's and others' announcements): the peer had the block a moment ago, an honest one answers
 * in a round trip, and a block must not wait on a stalling peer for REQUEST_EXPIRY_MS.
 */
export const COMPACT_BLOCK_TXN_TIMEOUT_MS = 5_000;
/**
 * Blocks we sent as cmpct-block or served from, kept (as their compact form and each
 * transaction's bytes, not decoded: compact-sender.ts) so a get-block-txn is answered
 * before the chain has stored them (high-bandwidth mode relays before full validation), and so
 * requests cycling through the COMPACT_SERVE_DEPTH_BLOCKS + 1 servable blocks of our chain all
 * hit: with 8, asking for the 11 in turn made every 40-byte request decode a whole block.
 */
export const RECENT_COMPACT_BLOCKS = 16;
/** Block hashes we asked a peer's block-txn for, remembered so a late answer is ignored rather than called unsolicited. */
export const BLOCK_TXN_REQUESTS_REMEMBERED = 16;
/** Blocks whose compact form could not be rebuilt, remembered so they are fetched whole (a few blocks' worth). */
export const FULL_ONLY_BLOCKS_REMEMBERED = 64;
/**
 * Blocks whose rebuild failed through one peer's own message (its short ids, its block-txn, its
 * silence), remembered per peer: that peer's compact form of them is not rebuilt again, but another
 * peer's is. Marked for everyone, one peer first with a junk compact block made every honest one be
 * fetched whole from that peer, which could stall it for REQUEST_EXPIRY_MS. As BLOCK_TXN_REQUESTS_REMEMBERED.
 */
export const FULL_ONLY_BLOCKS_PER_PEER_REMEMBERED = 16;
/**
 * Blocks rebuilt from compact blocks, remembered so a repeat is ignored: one found invalid never
 * enters the chain, and each replay of its cmpct-block would cost a pass over the whole pool.
 */
export const REBUILT_BLOCKS_REMEMBERED = 64;
/**
 * cmpct-block and get-block-txn are answered from blocks at most this deep below our tip (Core's
 * MAX_BLOCKTXN_DEPTH): a peer rebuilds only new blocks from its pool. An older block goes whole,
 * so a peer cannot make us decode old blocks for a few bytes of request.
 */
export const COMPACT_SERVE_DEPTH_BLOCKS = 10;
/**
 * A get-block-txn weighs one serve-queue item per this many indexes (at least one): queued, it
 * holds its index list (8 B per index) until served, and a peer that does not read its replies
 * could otherwise queue MAX_SERVE_QUEUE_ITEMS lists of 100,000 indexes (~8 GB) as 10,000 "items".
 * With it, the queue holds at most ~8 MB of indexes; a request for every tx of the largest block
 * (1,000 items) still fits, so no honest request is refused.
 */
export const GET_BLOCK_TXN_INDEXES_PER_SERVE_ITEM = 100;

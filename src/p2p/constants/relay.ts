/** Constants of inventory and tx relay: what each peer knows, get-data, recent rejects and the retry of txs a block can make valid. */

/** Hashes remembered per peer as "it has this" (to never announce back); oldest forgotten first. */
export const KNOWN_INVENTORY_PER_PEER = 10_000;
/** Objects served per get-data: a request for more than this is answered in part (it is also bounded by MAX_INV_ITEMS). */
export const MAX_GET_DATA_ITEMS = 2_000;
/** Size of the recently-rejected-tx filter (do not re-request txs we just refused). */
export const RECENT_REJECTS_SIZE = 5_000;
/**
 * Txids of recently connected blocks, in memory (Core's m_recent_confirmed_transactions, 48,000):
 * what an announcement of a just-confirmed tx is checked against. It was an LMDB coin read per
 * announced item (~5 µs), which a peer could make us do for every item it announces (10,000 a
 * second) by naming confirmed txids, which never enter any per-peer bound. ~10 full blocks.
 */
export const RECENT_CONFIRMED_TXS = 48_000;
/** Txs refused for a reason a block can lift (tx-retry.ts), asked again after a later block. */
export const MAX_RETRY_AFTER_BLOCK_TXS = 500;
/** One peer's share of that list (an eighth): a stranger's refused junk cannot crowd out honest senders' txs. */
export const MAX_RETRY_AFTER_BLOCK_TXS_PER_PEER = Math.floor(MAX_RETRY_AFTER_BLOCK_TXS / 8);
/** Asks per refused txid: one block that did not lift the reason gets one more chance, then it is forgotten. */
export const MAX_RETRY_AFTER_BLOCK_ATTEMPTS = 2;
/**
 * Txs asked of one peer per retry (the rest wait for the next block). Should the peer have
 * dropped them all meanwhile, it answers not-found and counts each against the unknown-data
 * budget it grants us (its UNKNOWN_REQUESTS_PER_SEC, 100/s): 50 per block is half of one
 * second's refill, even for blocks a second apart, so an honest peer never discourages us.
 */
export const MAX_RETRY_AFTER_BLOCK_BATCH_PER_PEER = 50;
/** The retry waits this long after a block: a burst of blocks (a sync) makes one retry, not one each. */
export const RETRY_AFTER_BLOCK_DELAY_MS = 200;

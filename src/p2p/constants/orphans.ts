/** Constants of the orphan pools: blocks and transactions held until their parent arrives. */

export const DEFAULT_ORPHAN_POOL_SIZE = 100;
/**
 * All orphan blocks together, encoded (decoded they take ~6×). The count bound alone let 100
 * blocks of 1 MB, cheap to mine where the PoW is easy, hold ~650 MB for ORPHAN_EXPIRY_MS; an
 * honest orphan is a block or two that raced its parent.
 */
export const MAX_ORPHAN_BLOCKS_TOTAL_BYTES = 8_000_000;
/**
 * Blocks one peer sent unasked (not sync's) that may wait for the chain at once; more are dropped.
 * An honest peer relays a new tip or two at a time (a race, a short reorg); sync's batches do not
 * count. 16 = the per-peer sync window.
 */
export const MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER = 16;
/** An orphan whose parent has not shown up by then is probably on a dead branch. */
export const ORPHAN_EXPIRY_MS = 5 * 60 * 1000;
/**
 * Transactions whose parents we lack (Bitcoin's mapOrphanTransactions): held until a parent is
 * accepted. Bounded in count, total bytes and age, and each one's size, so announcing
 * unconnected txs cannot grow our memory; a full pool evicts a random orphan of the peer holding
 * the largest share (tx-orphans.ts), so one peer's flood cannot flush the others'.
 */
export const MAX_ORPHAN_TXS = 100;
/** A larger orphan is not held: an honest child that size is rare, and it can be relayed again. */
export const MAX_ORPHAN_TX_BYTES = 100_000;
/** All orphan txs together (a quarter of what MAX_ORPHAN_TXS × MAX_ORPHAN_TX_BYTES would allow). */
export const MAX_ORPHAN_TXS_TOTAL_BYTES = 2_500_000;
/** An orphan tx whose parent has not shown up by then is dropped (Bitcoin: 20 minutes). */
export const ORPHAN_TX_EXPIRY_MS = 20 * 60 * 1000;

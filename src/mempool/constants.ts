/**
 * Bytes selectForBlock leaves free for the header (84), the tx-count varint (≤ 9) and the
 * coinbase (≤ ~200 with 100 bytes of coinbase data and one output), with a wide margin.
 */
export const COINBASE_RESERVE_BYTES = 1000;
/** Default pool capacity in transactions when the node's configuration does not say. */
export const DEFAULT_MEMPOOL_MAX_TXS = 50_000;

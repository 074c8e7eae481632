/**
 * Bytes selectForBlock leaves free for the header (84), the tx-count varint (≤ 9) and the
 * coinbase (≤ ~200 with 100 bytes of coinbase data and one output), with a wide margin.
 */
export const COINBASE_RESERVE_BYTES = 1000;
/** Default pool capacity in transactions when the node's configuration does not say. */
export const DEFAULT_MEMPOOL_MAX_TXS = 50_000;

/**
 * Memory estimate per pool entry beyond the transaction's encoding (which the tx caches): the
 * entry and link objects, the txid buffer and the map keys. Per input: the prevout, key and
 * signature buffers and the spent-by map entry; per output: its object, hash buffer and
 * address-index entry. Measured on Node 20: 10,000 decoded 1-in-2-out payments (197 bytes each)
 * grew heap + buffers by ~2,080 bytes per entry; these give 2,097. What matters is that the bound
 * counts objects, not only bytes, so a flood of tiny transactions cannot slip past it.
 */
export const ENTRY_OVERHEAD_BYTES = 1000;
export const INPUT_OVERHEAD_BYTES = 500;
export const OUTPUT_OVERHEAD_BYTES = 200;

/**
 * An unconfirmed package (a tx with its in-pool ancestors, or with its descendants) may exceed
 * the largest standard tx by this much: Bitcoin Core's 101 kvB against its 100 kvB tx limit.
 */
export const PACKAGE_MARGIN_BYTES = 1000;

/**
 * Fee rates are coins per this many bytes (Core: satoshis per 1000 vbytes), so the rolling
 * minimum of a pool full of zero-fee txs becomes 1 coin/kB: a typical 200-byte payment then
 * needs a fee of 1 coin.
 */
export const FEE_RATE_UNIT_BYTES = 1000;
/**
 * Added to an evicted package's fee rate to give the new minimum (Core's incremental relay fee,
 * 1 sat/vB): replacing what was evicted must pay for the bandwidth of relaying both.
 */
export const INCREMENTAL_FEE_RATE = 1;
/**
 * The rolling minimum fee rate halves every this long once a block has arrived since the last
 * raise (Core: 12 h, a long time for blocks every 10 minutes; blocks here come every few
 * seconds, so an hour), 2× / 4× faster while the pool is under half / a quarter full.
 */
export const MIN_FEE_HALF_LIFE_MS = 60 * 60 * 1000;
/** The decay is applied at most this often (Core: 10 s), so a burst of txs sees one value. */
export const MIN_FEE_UPDATE_INTERVAL_MS = 10_000;

/** Policy limits; the node takes them from conf `txpool.*` (see docs for the reasons of each default). */
export interface MempoolPolicy {
  /** Largest standard transaction (Core: 100 kvB). */
  readonly maxTxBytes: number;
  readonly maxTxInputs: number;
  readonly maxTxOutputs: number;
  /** Memory bound of the pool: tx bytes plus the per-entry estimate above. */
  readonly maxBytes: number;
  /** In-pool ancestors + the tx itself (Core: 25). */
  readonly maxAncestors: number;
  /** In-pool descendants of any ancestor, the ancestor included (Core: 25). */
  readonly maxDescendants: number;
  /** Entries older than this leave the pool with their descendants (Core: 336 h). */
  readonly expiryMs: number;
}

export const DEFAULT_MEMPOOL_POLICY: MempoolPolicy = {
  maxTxBytes: 100_000,
  maxTxInputs: 700,
  maxTxOutputs: 3000,
  maxBytes: 20_000_000,
  maxAncestors: 25,
  maxDescendants: 25,
  expiryMs: 72 * 60 * 60 * 1000,
};

/**
 * A removal of more txs than this at once (a long chain evicted or dropped after a reorg) marks
 * the descendant totals stale for one recount of the pool (PoolIndex.settleTotals) instead of
 * walking each removed tx's ancestors: that walk is O(chain length) per tx, quadratic for a
 * 5,000-tx chain. Normal packages stay within the ancestor/descendant limits (25) and below this.
 */
export const BULK_TOTALS_MIN_REMOVED_TXS = 64;

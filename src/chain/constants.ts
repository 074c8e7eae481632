/** Consensus: a block's timestamp must exceed the median of this many previous blocks (Bitcoin's rule). */
export const MEDIAN_TIME_SPAN_BLOCKS = 11;
/** Locator: this many consecutive hashes from the tip before the step starts doubling. */
export const LOCATOR_DENSE_HASHES = 10;
/** Named LMDB sub-databases we open (with headroom for later additions). */
export const LMDB_MAX_DBS = 16;
/** Headers kept by HeaderCache: a few times the median-time-past span, for a sync's run of blocks. */
export const HEADER_CACHE_ENTRIES = 64;
/** verifychain without a depth re-checks this many blocks from the tip (Bitcoin Core's old -checkblocks default); 0 = all. */
export const VERIFY_DEFAULT_DEPTH_BLOCKS = 288;
/** Long checks (verifychain, gettxoutsetinfo, reindex) yield to the event loop after this much work, so RPC and peers stay served. */
export const CHECK_SLICE_MS = 20;
/** Coins read per chunk of a UTXO-set scan: a chunk is one synchronous range read of a held snapshot. */
export const UTXO_SCAN_CHUNK_COINS = 2_000;
/** Blocks re-connected per commit during a reindex: one fsync per chunk, and the progress a kill -9 can lose. */
export const REINDEX_CHUNK_BLOCKS = 200;
/** A reindex logs its height and rate at most this often. */
export const REINDEX_LOG_INTERVAL_MS = 2_000;
/** verifychain sorts its replayed UTXO set in runs of this many coins, yielding between runs (sorted-cursor.ts): ~10 ms of sorting each. */
export const UTXO_SORT_RUN_KEYS = 16_384;
/**
 * The chain database's layout version (meta 'format'): a build refuses a database with a higher one instead of misreading it.
 * 2: a block that spent nothing has no undo record (format 1 wrote an empty one; a format-1 build would take its absence for damage).
 * 3: block data keyed by a sequence the index entry names, address-index keys with the coin's height (store/layout.ts),
 *    so the records a new block adds append instead of dirtying pages all over trees that grow with the chain.
 * This build upgrades formats 1 and 2 once at open (store/upgrade.ts).
 */
export const STORE_FORMAT_VERSION = 3;
/**
 * A reorg disconnecting at least this many blocks writes its "started" line out synchronously
 * before the switch holds the thread (flushLogsSync, one write attempt, which may fsync a log
 * file): a shorter switch is over in well under a second, its line right after it.
 */
export const REORG_LOG_FLUSH_MIN_BLOCKS = 100;
/** How long a failed commit waits for lmdb-js's commitError (the real cause) before reporting its generic error. */
export const COMMIT_ERROR_WAIT_MS = 1_000;
/**
 * Commit groups (commit-group.ts) are sized by work, not by a block count: a group ends before
 * the input that would pass this many (UTXO reads, spends and undo entries on the calling
 * thread). ~50 blocks of 40 inputs; bounds the time one commit holds the thread and the latency
 * of its first block's promise.
 */
export const COMMIT_GROUP_MAX_INPUTS = 2_000;
/** …and before the encoded bytes would pass this: bounds the dirty pages one LMDB commit writes and fsyncs. */
export const COMMIT_GROUP_MAX_BYTES = 4 * 1024 * 1024;
/**
 * …and at this many blocks whatever their size: a coinbase-only block costs almost nothing to
 * connect, so the commit's fsync (~1-10 ms) is its whole cost and the more share one the better;
 * this only bounds the arrays of one group.
 */
export const COMMIT_GROUP_MAX_BLOCKS = 1_024;
/**
 * A bulk sync keeps blocks handed to processBlock ahead of the chain's commits (submit-window.ts):
 * up to this many inputs, three commit groups' worth. One group is being connected and fsynced
 * while the signature workers verify the next (its blocks must be submitted already, or the
 * workers idle through the commit), and a third keeps them busy across the hand-over. A window of
 * 16 blocks (the per-peer download window it used to share) left the workers idle ~30-45 % of a run.
 */
export const SUBMIT_AHEAD_MAX_INPUTS = 3 * COMMIT_GROUP_MAX_INPUTS;
/** …and this many encoded bytes: bounds the submitted blocks held in memory (decoded, ~3-4× this). */
export const SUBMIT_AHEAD_MAX_BYTES = 2 * COMMIT_GROUP_MAX_BYTES;
/** …and this many blocks whatever their size: two full groups of coinbase-only blocks, whose cost is the commit alone. */
export const SUBMIT_AHEAD_MAX_BLOCKS = 2 * COMMIT_GROUP_MAX_BLOCKS;
/**
 * Transactions whose signatures the mempool verified, remembered so a block made of them is not
 * verified again (Bitcoin Core's signature cache). The cache keeps the newest half of its
 * capacity at least (two generations, bounded-hash-set.ts): twice the default pool's size, so
 * every pooled tx stays in it; ~100 bytes an entry (a 32-char key and its slot), ~10 MB full.
 */
export const SIGNATURE_CACHE_MAX_TXS = 100_000;

/**
 * Nonces the worker tries between checks of the abort flag: ~10 ms of hashing, so stop() and a
 * new tip take effect quickly without an atomic load per hash.
 */
export const NONCE_BATCH_SIZE = 10_000;
/** Random bytes in each coinbase: two miners (or two templates) never hash the same header. */
export const COINBASE_EXTRA_NONCE_BYTES = 8;
/** Header version this node mines. */
export const BLOCK_VERSION = 1;
/** Header field offsets the worker patches in place (see BlockHeader encoding). */
export const HEADER_TIMESTAMP_OFFSET = 4 + 32 + 32;
export const MAX_NONCE = 0xffff_ffff;
/**
 * The proof-of-work worker thread stops after this long without a search and starts again on the
 * next one (~30 ms): an idle node that mined once does not keep a second V8 isolate (~10 MB
 * resident, measured with the idle-memory bench's node after one `mine`).
 */
export const POW_WORKER_IDLE_MS = 60_000;

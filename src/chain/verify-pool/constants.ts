import { HASH_BYTES } from '../../primitives/hash.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../../primitives/secp256k1.js';

/** A verify job's header (segment count) and each segment's header (first input, input count, tx length); see job.ts. */
export const JOB_HEADER_BYTES = 4;
export const JOB_SEGMENT_HEADER_BYTES = 12;

/**
 * One pre-hashed verification item: signature[64] | digest[32] | publicKey[33]. The pool no
 * longer ships these (workers hash from the transaction bytes); the raw-rate benches use the layout.
 */
export const VERIFY_ITEM_SIGNATURE_OFFSET = 0;
export const VERIFY_ITEM_DIGEST_OFFSET = SIGNATURE_BYTES;
export const VERIFY_ITEM_PUBKEY_OFFSET = SIGNATURE_BYTES + HASH_BYTES;
export const VERIFY_ITEM_BYTES = SIGNATURE_BYTES + HASH_BYTES + PUBLIC_KEY_BYTES;

/**
 * Batches with fewer signatures verify on the calling thread: a worker round trip (~50-100 µs of
 * messaging and wake-ups) costs more than the ~70 µs per signature it would spread.
 */
export const VERIFY_INLINE_MAX_ITEMS = 16;
/** A batch is split over the verifying threads in chunks no smaller than this (and no costlier than VERIFY_MAX_CHUNK_COST). */
export const VERIFY_MIN_ITEMS_PER_CHUNK = 8;
/**
 * A chunk costs at most this many cost units (below): the calling thread verifies whole chunks
 * between its other work, so a chunk is what it can hold up its sockets and commits for (~15 ms
 * at ~18k signatures/s per core); a worker pays one message per chunk, ~10-70 µs, nothing
 * against 256 verifies.
 */
export const VERIFY_MAX_CHUNK_COST = 256;
/**
 * A cost unit is one signature check, or this many bytes of a transaction hashed into its inputs'
 * sighashes: a chunk hashes each transaction it touches once (its inputs' preimages share all but
 * the index; primitives/hash.ts PrefixHash256), so a chunk of a 500 KB transaction's inputs costs
 * ~30 units more than its signatures (16 KiB of SHA-256 takes about as long as a verify without
 * SHA extensions). Chunks and the work a worker holds are bounded in these units, so the jobs of
 * huge transactions (each carries its transactions whole) stay few in flight.
 */
export const VERIFY_SIGHASH_BYTES_PER_COST_UNIT = 16_384;
/**
 * Cost units (about signatures, below) a worker may hold at once (its queued chunks; one chunk is always allowed, whatever
 * its size). Enough that a worker never idles while the main thread runs a commit group's body
 * (up to COMMIT_GROUP_MAX_INPUTS connected synchronously, 20-90 ms on the dev machine) and cannot
 * answer its replies: ~50 ms of verifying at ~20k/s per core. Four 20-signature chunks (the
 * earlier bound) covered ~4 ms, and the workers sat idle 27-46 % of a block-connect run.
 * Bounded at all so the chunks spread over the workers as they free up.
 */
export const VERIFY_MAX_ITEMS_IN_FLIGHT_PER_WORKER = 1_024;

/**
 * A verify worker with no chunk for this long stops. Each is a V8 isolate of ~15 MB resident; a
 * node that synced once would otherwise keep one per core forever. A minute covers the gaps in a
 * sync (a stalled peer is replaced within seconds) and between relayed blocks on a busy chain;
 * starting a worker again costs a few milliseconds.
 */
export const VERIFY_WORKER_IDLE_MS = 60_000;

/**
 * After a worker fails (its code did not load, it crashed, it broke the protocol) no worker
 * starts for this long, doubled per failure in a row up to VERIFY_WORKER_RESTART_MAX_MS; the
 * calling thread verifies everything meanwhile. A worker whose code cannot load would otherwise
 * be replaced at once, over and over: an isolate every ~50 ms and a warning each time.
 */
export const VERIFY_WORKER_RESTART_BASE_MS = 100;
/** The longest wait between worker restarts after failures in a row (one warning a minute at most, then). */
export const VERIFY_WORKER_RESTART_MAX_MS = 60_000;

/** Constants of block sync: the download window and buffers, stall detection, peer cool-downs, progress events and the IBD test. */

export const DEFAULT_SYNC_STALL_TIMEOUT_MS = 15_000;
/** Bodies requested at once during sync: hides the round trip without flooding the peer. */
export const DEFAULT_MAX_BLOCKS_IN_FLIGHT = 16;
/**
 * The block the chain needs next has been in flight from one peer this long while others could
 * serve it: that peer stalls the whole download, so its blocks go to the others and it is
 * dropped (Core's BLOCK_STALLING_TIMEOUT is 2 s too). At thousands of blocks a second an honest
 * peer on loopback or a LAN answers in milliseconds; 2 s costs a sync at most that once per staller.
 */
export const DEFAULT_BLOCK_STALL_TIMEOUT_MS = 2_000;
/**
 * The block-stall timeout doubles after each staller dropped, up to this (Core's
 * BLOCK_STALLING_TIMEOUT_MAX, 64 s): when our own link is the bottleneck every peer looks like a
 * staller, and a fixed 2 s dropped them one after another.
 */
export const MAX_BLOCK_STALL_TIMEOUT_MS = 64_000;
/** Each block connected shrinks a raised block-stall timeout by this factor, back to the configured one (Core's 0.85). */
export const BLOCK_STALL_TIMEOUT_DECAY = 0.85;
/**
 * Blocks a multi-peer sync may request ahead of the next one the chain needs (Core's
 * BLOCK_DOWNLOAD_WINDOW): far enough that several peers stay busy, near enough that a slow
 * peer's block does not leave a huge gap of downloaded blocks waiting behind it.
 */
export const SYNC_GLOBAL_WINDOW_BLOCKS = 1_024;
/**
 * Downloaded blocks waiting for their predecessors (or for room in the chain's submit window)
 * are held in memory up to this many encoded bytes (the global window alone allows 1,024 maximal
 * blocks): requests pause above it. A decoded block takes ~2.5× its encoded size (a 6.8 KB block
 * of 20 2-in/2-out txs: its transactions' bytes and ~9 KB of heap, its fields read on demand:
 * primitives/tx.ts), so this is ~10 MB of memory; 64 MB (the earlier bound) let the sync bench's
 * 1,024-block window alone hold ~45 MB. 4 MiB still keeps the submit window (~1 MB of such
 * blocks) full from several peers.
 */
export const SYNC_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/**
 * Headers a sync keeps queued ahead of the next block to connect (about 200 bytes each, so
 * ~10 MB): headers-first runs this far ahead of the bodies, which also lets assumevalid see its
 * block early; more headers are asked for as blocks connect.
 */
export const SYNC_MAX_QUEUED_HEADERS = 50_000;
/**
 * The block the chain needs next, in flight this long from one peer while another that could send
 * it has half its window free, is asked of that one too, with the rest of the first's run
 * (sync-hedging.ts): a quarter of the block-stall timeout, far above a loopback or
 * LAN round trip, well under what a slow peer holds the chain.
 */
export const SYNC_HEDGE_AFTER_MS = 500;
/** How often a sync looks for a peer that stalls the download (a fraction of the stall timeout). */
export const SYNC_STALL_CHECK_INTERVAL_MS = 250;
/** Sync progress is logged at info at most this often: a person reads a line every few seconds (the status page has the live bar). */
export const SYNC_PROGRESS_LOG_INTERVAL_MS = 5_000;
/** A peer whose sync stalled is not chosen again for this long (unless it is the only one ahead). */
export const SYNC_STALLED_PEER_COOLDOWN_MS = 60_000;
/**
 * A peer whose sync gained us nothing while it claimed more work (an empty or useless headers
 * reply) waits as long before it is preferred again: claimed work only orders the candidates, so
 * without this a peer re-claiming ever more work in each ping would be picked first every time
 * and an honest peer with the real chain would never get its turn.
 */
export const SYNC_FRUITLESS_PEER_COOLDOWN_MS = 60_000;
/**
 * A sync source whose next header was more than maxFutureBlockTimeSec ahead of our clock is not a
 * sync source again for this long, whatever work it claims: its chain cannot become acceptable
 * before the clock catches up, and without a pause a peer claiming ever more work behind one
 * future-dated header had us re-sync from it ~90 times a second. Not punished (Core's
 * time-too-new: our clock may be the wrong one).
 */
export const SYNC_TIME_TOO_NEW_RETRY_MS = 60_000;
/**
 * Fruitless syncs in a row (no work gained while the peer claimed more) tolerated from one peer,
 * as Core tolerates MAX_NUM_UNCONNECTING_HEADERS_MSGS: a race or two is honest (a reorg between
 * its ping and our get-blocks), more is a peer making us sync for nothing; it is then punished.
 */
export const MAX_FRUITLESS_SYNCS_IN_A_ROW = 10;
/** `sync:progress` events (status page, WebSocket) at most this often while syncing: a live bar, not a flood. */
export const SYNC_STATUS_EVENT_INTERVAL_MS = 1_000;
/** A tip older than this means initial block download (Bitcoin Core's DEFAULT_MAX_TIP_AGE: 24 h). */
export const IBD_MAX_TIP_AGE_SEC = 24 * 60 * 60;
/**
 * A tip this many blocks below the best header we hold proof-of-work for means initial block
 * download too (a day of blocks at Bitcoin's pace): claims alone never count, a header batch
 * that passed its PoW check does.
 */
export const IBD_MAX_BLOCKS_BEHIND = 144;
/** Blocks a sync must start behind by for its blocks to be logged at debug (one new block at the tip stays at info). */
export const CATCHING_UP_MIN_BLOCKS = 2;

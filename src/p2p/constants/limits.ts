/** Constants that bound what one peer can make us spend: send buffer, frames, announcements, requests, serving and rejects. */
import { MAX_REJECT_CODE_BYTES, MAX_REJECT_REASON_BYTES } from '../wire/constants.js';
import { HANDSHAKE_ACK_BYTES } from '../wire/messages/handshake-ack.js';
import { MAX_HANDSHAKE_BYTES } from '../wire/messages/handshake.js';
import { PROBE_BYTES } from '../wire/messages/traversal.js';

/*
 * Exhaustion limits (Bitcoin Core's net.cpp / net_processing.cpp are the model, scaled). A peer
 * dropped for a resource reason is disconnected (see DisconnectCode in resource-codes.ts); one
 * that floods is misbehaving (FloodCode).
 */
/**
 * Bytes we let pile up unsent for one peer before dropping it (Core's -maxsendbuffer is 5 MB):
 * twice the largest frame (MAX_PAYLOAD_BYTES, 4 MiB), so one maximal block always fits.
 */
export const DEFAULT_MAX_SEND_BUFFER_BYTES = 8 * 1024 * 1024;
/**
 * The largest reject: messageType u8, varint 1 + code ≤ 64, varint 3 + reason ≤ 256, hash 32
 * (357 bytes; the decoder refuses non-canonical varints, so no encoding is longer).
 */
const MAX_REJECT_PAYLOAD_BYTES = 1 + 1 + MAX_REJECT_CODE_BYTES + 3 + MAX_REJECT_REASON_BYTES + 32;
/**
 * Payload a frame may announce before the session opens (handshake, handshake-ack, reject,
 * probe: the largest is the handshake's 1 KiB). Checked on the 13-byte header, so an
 * unauthenticated connection cannot make us buffer (and hash) up to MAX_PAYLOAD_BYTES; 32
 * inbound slots would otherwise hold 128 MiB. Raised to MAX_PAYLOAD_BYTES once the session opens.
 */
export const MAX_PRE_SESSION_PAYLOAD_BYTES = Math.max(MAX_HANDSHAKE_BYTES, HANDSHAKE_ACK_BYTES, MAX_REJECT_PAYLOAD_BYTES, PROBE_BYTES);
/** A frame whose first byte arrived must be complete by then: 4 MiB in 30 s is ~140 KB/s, slower is a slowloris. */
export const DEFAULT_FRAME_TIMEOUT_MS = 30_000;
/**
 * Announcements a peer may send per second (inv items), and at once: one full inv
 * (MAX_INV_ITEMS, e.g. a mempool offered on connect), then 4× the tx rate our RPC sustains.
 */
export const INV_ITEMS_PER_SEC = 10_000;
export const INV_ITEMS_BURST = 50_000;
/** Announced items we still mean to fetch from one peer (Core's MAX_PEER_TX_ANNOUNCEMENTS); more are forgotten. */
export const MAX_PEER_PENDING_ANNOUNCEMENTS = 5_000;
/** Items requested from one peer and not yet delivered (Core's MAX_PEER_TX_REQUEST_IN_FLIGHT is 100). */
export const MAX_PEER_REQUESTS_IN_FLIGHT = 100;
/**
 * A tx announced by an inbound peer is not requested from it for this long (Core's
 * NONPREF_PEER_TX_DELAY): anyone can dial in, so without it a spy or a staller that always
 * announces first would own every tx request (for REQUEST_EXPIRY_MS if it never answers), and
 * our outbound peers, which we chose, would never get their turn.
 */
export const INBOUND_TX_REQUEST_DELAY_MS = 2_000;
/** A requested item not delivered by then may be requested from another announcer (Core's GETDATA_TX_INTERVAL is 60 s). */
export const REQUEST_EXPIRY_MS = 30_000;
/**
 * Pool txs that have waited this long are offered again to every peer, whatever we believe it
 * knows: a peer can lose a tx we announced (it was confirmed on a branch it then left, or it came
 * before its parent did), and an announcement is never repeated otherwise. Core rebroadcasts wallet
 * txs every ~12-36 h, for blocks every 10 minutes; blocks here come every few seconds. The soak test
 * found a tx stuck in two of five pools for good without it.
 */
export const REBROADCAST_INTERVAL_MS = 10_000;
export const REBROADCAST_MIN_AGE_MS = 10_000;
/** Oldest first (parents first) per round: a backlog waiting for block space costs each peer at most ~33 KB of inv per round. */
export const REBROADCAST_MAX_TXS = 1_000;
/**
 * Items (get-data entries, get-block requests) served per peer per second and at once. High:
 * an honest sync asks for thousands of small blocks per second; it bounds the lookups a flood
 * costs us, the send buffer and the serve queue bound the memory.
 */
export const SERVE_ITEMS_PER_SEC = 50_000;
export const SERVE_ITEMS_BURST = 50_000;
/** Items queued for serving to one peer (replies wait for a slow reader): more means it does not read, so it is dropped. */
export const MAX_SERVE_QUEUE_ITEMS = 10_000;
/**
 * Replies to one get-data collect in the socket (corked) up to this many bytes, then leave in one
 * writev; when the kernel does not take them at once the serving waits for 'drain'. Per block
 * (a write, and on loopback a wake-up of the reader, each) a sync source spent more on the
 * socket than on reading the block; 64 KiB per peer is far below maxSendBufferBytes.
 */
export const SERVE_FLUSH_BYTES = 64 * 1024;
/**
 * Requests for data we do not have (answered not-found): an honest peer asks for a tx that was
 * just mined now and then; hundreds per second is probing or a broken peer.
 */
export const UNKNOWN_REQUESTS_PER_SEC = 100;
export const UNKNOWN_REQUESTS_BURST = 1_000;
/**
 * Txs a reorg put back into the pool that we re-announce to each peer once it settles, in one
 * inv: half of the receiver's MAX_PEER_PENDING_ANNOUNCEMENTS (the rest of its per-announcer
 * queue stays free for ordinary announcements) and far below its INV_ITEMS_BURST. Beyond this
 * they are not re-announced: they reach peers in our blocks, through a peer's reconnection
 * (announcePool), or as the tail of a chain the receiver refused and retries (tx-retry.ts).
 */
export const MAX_REORG_REANNOUNCE_TXS = 2_500;
/** get-blocks served per peer per second and at once (each costs up to 2,000 header reads); more are ignored. */
export const GET_BLOCKS_PER_SEC = 20;
export const GET_BLOCKS_BURST = 50;
/** Headers messages that connect to nothing we know, in a row, before the peer is punished (Core's MAX_NUM_UNCONNECTING_HEADERS_MSGS). */
export const MAX_UNCONNECTING_HEADERS_MSGS = 10;
/** Rejects we write to one peer per second and at once: it may see why, but cannot make us write megabytes of them. */
export const REJECTS_PER_SEC = 5;
export const REJECTS_BURST = 20;

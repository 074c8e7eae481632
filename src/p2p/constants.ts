/**
 * Constants of the TCP peer layer (peer sessions, peer set, relay, sync). Defaults for
 * P2PConfig live here too; intervals follow the tutorial's seconds, not Bitcoin's minutes,
 * because this is a small teaching network.
 */
import { MAX_REJECT_CODE_BYTES, MAX_REJECT_REASON_BYTES } from './wire/constants.js';
import { HANDSHAKE_ACK_BYTES } from './wire/messages/handshake-ack.js';
import { MAX_HANDSHAKE_BYTES } from './wire/messages/handshake.js';
import { PROBE_BYTES } from './wire/messages/traversal.js';

/** Default TCP port (the UDP discovery port is the same number). */
export const DEFAULT_TCP_PORT = 9000;
/** Listen on every interface: peers on other hosts must reach us. Tests pass 127.0.0.1. */
export const DEFAULT_LISTEN_HOST = '0.0.0.0';
export const DEFAULT_MAX_OUTBOUND_PEERS = 8;
export const DEFAULT_MAX_INBOUND_PEERS = 32;
/**
 * Quiet (no message from the peer) after which the dialling end pings (the accepting end waits
 * twice as long; a busy session is pinged every 4 intervals): a dead peer noticed within ~1 min,
 * a missed block announcement within 30 s, far below any NAT's idle timeout (RFC 5382: ≥ 2 h),
 * at 1/6 of the old 5 s period's traffic — half of all simulator events at 10,000 nodes
 * (docs/protocol.md "Heartbeat", docs/scale.md).
 */
export const DEFAULT_PING_INTERVAL_MS = 30_000;
/** A pong later than this drops the peer: far above any round trip plus a busy peer's event loop. */
export const DEFAULT_PEER_TIMEOUT_MS = 20_000;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;
export const DEFAULT_BAN_DURATION_MS = 60 * 60 * 1000;
export const DEFAULT_RECONNECT_BACKOFF_MIN_MS = 1_000;
/**
 * Longest wait between redials of a manual peer. Core retries addnodes every 60 s; scaled to
 * this network's seconds (DIAL_INTERVAL_MS) it is 10 s: after a partition heals, a network joined
 * only by addpeer found itself again 20–60 s late with 60 s (the partition lab test), and one
 * SYN per 10 s to a dead address costs nothing.
 */
export const DEFAULT_RECONNECT_BACKOFF_MAX_MS = 10_000;
/**
 * Each redial waits its backoff less up to this fraction of it, at random: nodes cut off at the
 * same moment would otherwise redial in lockstep for good (and all at once into a restarted
 * peer), and the first of many spread-out redials finds a healed link sooner.
 */
export const RECONNECT_JITTER_FRACTION = 0.25;
export const DEFAULT_SYNC_STALL_TIMEOUT_MS = 15_000;
/** Bodies requested at once during sync: hides the round trip without flooding the peer. */
export const DEFAULT_MAX_BLOCKS_IN_FLIGHT = 16;
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
/**
 * The block the chain needs next has been in flight from one peer this long while others could
 * serve it: that peer stalls the whole download, so its blocks go to the others and it is
 * dropped (Core's BLOCK_STALLING_TIMEOUT is 2 s too). At thousands of blocks a second an honest
 * peer on loopback or a LAN answers in milliseconds; 2 s costs a sync at most that once per staller.
 */
export const DEFAULT_BLOCK_STALL_TIMEOUT_MS = 2_000;
/**
 * Blocks a multi-peer sync may request ahead of the next one the chain needs (Core's
 * BLOCK_DOWNLOAD_WINDOW): far enough that several peers stay busy, near enough that a slow
 * peer's block does not leave a huge gap of downloaded blocks waiting behind it.
 */
export const SYNC_GLOBAL_WINDOW_BLOCKS = 1_024;
/**
 * Downloaded blocks waiting for their predecessors (or for room in the chain's submit window)
 * are held in memory up to this many encoded bytes (the global window alone allows 1,024 maximal
 * blocks): requests pause above it. A decoded block takes ~6.5× its encoded size (a 6.8 KB block
 * of 20 2-in/2-out txs holds 30 KB of heap and 13 KB of buffers), so this is ~26 MB of memory;
 * 64 MB (the earlier bound, ~400 MB decoded) let the sync bench's 1,024-block window alone hold
 * ~45 MB. 4 MiB still keeps the submit window (~1 MB of such blocks) full from several peers.
 */
export const SYNC_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/**
 * Headers a sync keeps queued ahead of the next block to connect (about 200 bytes each, so
 * ~10 MB): headers-first runs this far ahead of the bodies, which also lets assumevalid see its
 * block early; more headers are asked for as blocks connect.
 */
export const SYNC_MAX_QUEUED_HEADERS = 50_000;
/** How often a sync looks for a peer that stalls the download (a fraction of the stall timeout). */
export const SYNC_STALL_CHECK_INTERVAL_MS = 250;

/** An orphan whose parent has not shown up by then is probably on a dead branch. */
export const ORPHAN_EXPIRY_MS = 5 * 60 * 1000;
/** Hashes remembered per peer as "it has this" (to never announce back); oldest forgotten first. */
export const KNOWN_INVENTORY_PER_PEER = 10_000;
/** How often the peer set tops up outbound connections from discovery's known nodes. */
export const DIAL_INTERVAL_MS = 10_000;
/** A TCP connect that has not completed by then is abandoned (the handshake timeout starts after). */
export const CONNECT_TIMEOUT_MS = 5_000;
/**
 * The automatic dialer does not dial again, for this long, an address whose dial failed (no
 * answer, refused): discovery offers its most recently seen nodes every round, and without this
 * a NATed or departed one cost an outbound slot CONNECT_TIMEOUT_MS every DIAL_INTERVAL_MS
 * (docs/scale.md defect 10). Core's addrman makes a recent try 100× less likely for 10 minutes;
 * this network's rounds are 6× Core's, so 1 minute. Manual peers keep their own redial backoff.
 */
export const FAILED_DIAL_COOLDOWN_MS = 60_000;
/**
 * An outbound session that ends within this time of its connect was, on a healthy network,
 * evicted or refused by a full node (or lost a simultaneous-dial tie-break): such an address
 * goes on cool-down (EARLY_CLOSE_COOLDOWN_MS) instead of being dialled at the next round.
 */
export const EARLY_CLOSE_MS = 30_000;
/**
 * How long the dialer leaves an address alone that closed our session early: dialling it again
 * at once evicts another of its inbound peers, which redials in turn (docs/scale.md defect 9:
 * two dialers took turns evicting each other). Core's 10-minute recent-try penalty, halved.
 */
export const EARLY_CLOSE_COOLDOWN_MS = 5 * 60 * 1000;
/**
 * Connect timeout of an automatic dial to an address that never accepted one of ours (in this
 * run): a NATed node never answers a SYN, and each such dial held an outbound slot for the full
 * CONNECT_TIMEOUT_MS (docs/scale.md defect 10). 2 s is one lost SYN (Linux retransmits after
 * 1 s) plus a round trip of up to a second; an address that once connected gets the full 5 s.
 */
export const FIRST_CONNECT_TIMEOUT_MS = 2_000;
/** Addresses whose dial once connected, remembered for the longer timeout; the oldest forgotten first. */
export const MAX_REACHED_ADDRESSES = 1_024;
/** Addresses on dial cool-down remembered; the oldest is forgotten first (memory bound against a flood of addresses). */
export const MAX_DIAL_COOLDOWN_ENTRIES = 1_024;
/**
 * A bootstrap node stays an outbound peer only while we have fewer than this many other ready
 * outbound peers (and is dialled only then): every joining node knows the bootstrap nodes first,
 * so they were full and evicted on every join (52 % of all evictions in the simulator). Core
 * disconnects its seed nodes once they gave addresses. Half of DEFAULT_MAX_OUTBOUND_PEERS: a
 * small network (a few local nodes) keeps its bootstrap node as a peer.
 */
export const BOOTSTRAP_RELEASE_OUTBOUND = 4;
/**
 * A newly verified bootstrap node is dialled only if, after this grace, we still have fewer than
 * BOOTSTRAP_GRACE_DIAL_BELOW_OUTBOUND outbound sessions: its lookup answers usually verify other
 * nodes first (a few round trips), so a joining node need not take one of the bootstrap's inbound
 * slots at all.
 */
export const BOOTSTRAP_DIAL_GRACE_MS = 2_000;
/**
 * Two, not one: a node's reachability verdict and its observed address need two peers in distinct
 * networks (traversal), and in a small network the bootstrap nodes are those peers — with one, a
 * node behind NAT waited for the next dial round (10 s) before it could punch (punch lab: 13 s).
 */
export const BOOTSTRAP_GRACE_DIAL_BELOW_OUTBOUND = 2;
/** Bootstrap nodes verified during one grace that are dialled when it ends (the configured list is short). */
export const MAX_BOOTSTRAP_GRACE_NODES = 16;
/**
 * After an outbound session ends, the free slot is refilled by a dial round this much later
 * instead of at the next DIAL_INTERVAL_MS (docs/scale.md defect 11); at most one such round is
 * pending, so a burst of closes costs one round, not one per close.
 */
export const OUTBOUND_REFILL_DELAY_MS = 1_000;
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
 * Fruitless syncs in a row (no work gained while the peer claimed more) tolerated from one peer,
 * as Core tolerates MAX_NUM_UNCONNECTING_HEADERS_MSGS: a race or two is honest (a reorg between
 * its ping and our get-blocks), more is a peer making us sync for nothing; it is then punished.
 */
export const MAX_FRUITLESS_SYNCS_IN_A_ROW = 10;
/** Objects served per get-data: a request for more than this is answered in part (it is also bounded by MAX_INV_ITEMS). */
export const MAX_GET_DATA_ITEMS = 2_000;
/** Size of the recently-rejected-tx filter (do not re-request txs we just refused). */
export const RECENT_REJECTS_SIZE = 5_000;
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
/**
 * Transactions whose parents we lack (Bitcoin's mapOrphanTransactions): held until a parent is
 * accepted. Bounded in count, total bytes and age, and each one's size, so announcing
 * unconnected txs cannot grow our memory; a full pool evicts a random orphan.
 */
export const MAX_ORPHAN_TXS = 100;
/** A larger orphan is not held: an honest child that size is rare, and it can be relayed again. */
export const MAX_ORPHAN_TX_BYTES = 100_000;
/** All orphan txs together (a quarter of what MAX_ORPHAN_TXS × MAX_ORPHAN_TX_BYTES would allow). */
export const MAX_ORPHAN_TXS_TOTAL_BYTES = 2_500_000;
/** An orphan tx whose parent has not shown up by then is dropped (Bitcoin: 20 minutes). */
export const ORPHAN_TX_EXPIRY_MS = 20 * 60 * 1000;

/** Inbound connections from one IP (loopback exempt): one host cannot take every slot. */
export const DEFAULT_MAX_INBOUND_PER_IP = 4;
/** Inbound connections from one /16 (IPv4) or /32 (IPv6) (loopback exempt): what an attacker's addresses cost. */
export const DEFAULT_MAX_INBOUND_PER_NETGROUP = 8;
/** How long a misbehaving address stays discouraged (Bitcoin Core's filter is reset about daily too). */
export const DEFAULT_DISCOURAGE_DURATION_MS = 24 * 60 * 60 * 1000;
/** Discouraged keys remembered; the oldest is forgotten first (Bitcoin Core's rolling filter holds 50 000). */
export const MAX_DISCOURAGED_ENTRIES = 50_000;
/** Manual bans held: an operator's list, so a generous bound that still caps memory and the file. */
export const MAX_BAN_ENTRIES = 10_000;
/**
 * Manual peers (addpeer) kept: each is dialled at once and holds an outbound session beside the
 * automatic ones, so the operator's list is capped like every other table (Core caps its addnode
 * connections at 8 but dials the rest later; ours dials all, so the cap is on the list).
 */
export const MAX_MANUAL_PEERS = 64;
/** A manual peer refused for a reason retrying will not fix (another genesis) is redialled this rarely. */
export const MANUAL_PEER_PERMANENT_RETRY_MS = 60 * 60 * 1000;
/**
 * Two connections to one node id opened within this of each other are a simultaneous dial, and
 * the one dialled by the lower node id replaces the other at both ends. An older, established
 * connection is never replaced: handshake-acks can be relayed, so a newcomer claiming the same
 * proven id may be a stranger in the middle. Two handshake timeouts covers any honest pair.
 */
export const DUPLICATE_TIEBREAK_WINDOW_MS = 10_000;
/**
 * Inbound eviction (Bitcoin Core's AttemptToEvictConnection): peers protected from eviction by
 * distinct netgroup, lowest ping, latest block and latest tx; then half of the rest by uptime.
 */
export const EVICTION_PROTECT_NETGROUPS = 4;
export const EVICTION_PROTECT_PING = 8;
export const EVICTION_PROTECT_BLOCK = 4;
export const EVICTION_PROTECT_TX = 4;
/**
 * An inbound peer connected for less than this is not evicted: a full node refuses the newcomer
 * instead (it dials elsewhere and leaves this address alone, EARLY_CLOSE_COOLDOWN_MS). Core has
 * no such rule; without it every new dial to a full node evicted its youngest peer — usually the
 * last newcomer — which redialled and evicted someone else: in the simulator evictions were the
 * commonest reason a session ended (docs/scale.md defect 9). 15 s against 60 s, 200 simulated
 * nodes: 60 s ended evictions but refused so many joiners that they took longer to fill their
 * slots (p50 6.2 s, p90 17 s) than with no rule; 15 s halved evictions and cut p90 to 9.5 s.
 */
export const EVICTION_MIN_AGE_MS = 15_000;
/**
 * An inbound session from a public netgroup that began another less than this before gets no
 * young-peer grace (EVICTION_MIN_AGE_MS): sybils that close and reopen every 14 s would otherwise
 * keep every unprotected slot young, never evictable, and a full node would refuse every honest
 * newcomer for ever. 5 min, as EARLY_CLOSE_COOLDOWN_MS: an honest node closed early redials no
 * sooner, so only a second node of the same /16 within 5 min loses the grace (and is evictable, as in Core).
 */
export const EVICTION_YOUNG_REPEAT_WINDOW_MS = 5 * 60 * 1000;
/** Netgroups whose last inbound session start is remembered (the least recent forgotten first): flushing it takes 1,000 /16s. */
export const EVICTION_YOUNG_REPEAT_KEYS = 1_000;
/** The secret salt of eviction's netgroup ranking: 256 bits, as sha256 gives, so it cannot be guessed. */
export const EVICTION_KEY_BYTES = 32;
/** A refused inbound address and reason is warned about once per this interval (repeats: debug). */
export const INBOUND_REFUSAL_WARN_INTERVAL_MS = 60_000;
/** Addresses the refusal-log throttle remembers; the least recent is forgotten first. */
export const INBOUND_REFUSAL_WARN_KEYS = 1_000;
/**
 * A misbehaving or refused session is warned about once per address and code per this interval;
 * repeats go to debug. A stranger reconnecting in a loop (loopback and private addresses are
 * only disconnected, and a discouraged public one may reconnect while slots are free) would
 * otherwise write a warn line per connection: the live fuzz campaign made 14,000 a minute.
 */
export const SESSION_FAULT_WARN_INTERVAL_MS = 60_000;
/** (address, code) pairs that throttle remembers; the least recent is forgotten first. */
export const SESSION_FAULT_WARN_KEYS = 1_000;
/**
 * An inbound session's 'peer ready' line is logged at info once per address per this interval,
 * repeats at debug (outbound ones, which we chose, always at info): a stranger reconnecting in a
 * loop made 60,000 info lines in four minutes of the live fuzz campaign.
 */
export const INBOUND_READY_LOG_INTERVAL_MS = 60_000;
/** Addresses that throttle remembers; the least recent is forgotten first. */
export const INBOUND_READY_LOG_KEYS = 1_000;
/**
 * A block sync's start and end lines are at info once per peer address per this interval, repeats
 * at debug: every peer claiming more work starts one, and a liar reconnecting in a loop made two
 * info lines per connection in the live fuzz campaign (progress lines are logged apart).
 */
export const SYNC_START_LOG_INTERVAL_MS = 60_000;
/** Addresses that throttle remembers; the least recent is forgotten first. */
export const SYNC_START_LOG_KEYS = 1_000;
/**
 * A peer's rejects are logged at info at most this often per session (burst RECEIVED_REJECT_LOG_BURST),
 * the rest at debug: they cost the peer nothing, so without a bound one session could write a
 * log line per frame (the live fuzz campaign: 5,000 rejects, 5,000 lines). The first ones, which
 * say why a handshake or a relayed object was refused, always show.
 */
export const RECEIVED_REJECT_LOGS_PER_SEC = 1;
export const RECEIVED_REJECT_LOG_BURST = 10;
/**
 * A block refused without penalty (too far in the future, another genesis) is logged at info once
 * per address and code per this interval, repeats at debug: a peer can send such blocks in a loop
 * and keep its session (300 future blocks made 300 info lines in the live fuzz campaign).
 */
export const REFUSED_BLOCK_LOG_INTERVAL_MS = 60_000;
/** (address, code) pairs that throttle remembers; the least recent is forgotten first. */
export const REFUSED_BLOCK_LOG_KEYS = 1_000;
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

/**
 * Outbound slots hole punching may fill, as a share of maxOutbound: a punched link's far end may
 * be chosen by a stranger (we accept punches), while outbound slots are what keeps a node from
 * being surrounded by one operator's peers, so at least half stay dials of our own choosing.
 */
export const MAX_PUNCHED_OUTBOUND_SHARE = 0.5;

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
/**
 * A failed dial (connect refused, timeout) is warned about once per address per this interval,
 * repeats at debug: a manual peer redialled with backoff says what is wrong once, not every time.
 */
export const DIAL_FAILURE_WARN_INTERVAL_MS = 10 * 60 * 1000;
export const DIAL_FAILURE_WARN_KEYS = 1_000;
/**
 * Dial-failure warnings across all addresses, per minute and at once: a peer table full of stale
 * addresses (discovery) must not fill the log either; the rest go to debug.
 */
export const DIAL_FAILURE_WARNS_PER_MIN = 6;
export const DIAL_FAILURE_WARN_BURST = 10;
/** A handshake refusal from the far end is warned about once per address and code per this interval. */
export const REMOTE_REFUSAL_WARN_INTERVAL_MS = 60_000;

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

/** Constants of outbound connections: redial backoff, the dial rounds and their cool-downs, bootstrap nodes, manual peers, punched slots. */

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
/**
 * Manual peers (addpeer) kept: each is dialled at once and holds an outbound session beside the
 * automatic ones, so the operator's list is capped like every other table (Core caps its addnode
 * connections at 8 but dials the rest later; ours dials all, so the cap is on the list).
 */
export const MAX_MANUAL_PEERS = 64;
/** A manual peer refused for a reason retrying will not fix (another genesis) is redialled this rarely. */
export const MANUAL_PEER_PERMANENT_RETRY_MS = 60 * 60 * 1000;
/**
 * Outbound slots hole punching may fill, as a share of maxOutbound: a punched link's far end may
 * be chosen by a stranger (we accept punches), while outbound slots are what keeps a node from
 * being surrounded by one operator's peers, so at least half stay dials of our own choosing.
 */
export const MAX_PUNCHED_OUTBOUND_SHARE = 0.5;

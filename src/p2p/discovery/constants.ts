/**
 * Constants of UDP discovery (docs/protocol.md describes the packets). Modeled on Ethereum's
 * discv4, with shorter timers because this is a small teaching network.
 */

/** Sent in ping; lets a future version change packets without confusing old nodes. */
export const DISCOVERY_VERSION = 1;

/** Node ids are sha256 of the 33-byte compressed node public key. */
export const NODE_ID_BYTES = 32;
export const NODE_ID_BITS = NODE_ID_BYTES * 8;
/** One bucket per possible log2 XOR distance (1 … 2^256). */
export const BUCKET_COUNT = NODE_ID_BITS;
/** Kademlia's k: entries per bucket and nodes per neighbours answer. */
export const K_BUCKET_SIZE = 16;
/** Lookups query this many nodes in parallel. */
export const ALPHA = 3;
/**
 * A lookup asks its closest candidate once more when that query fails (lookup.ts retryClosest).
 * A query is a chain of ~6 datagrams (ping, pong, ping-back, pong, find-node, neighbours), so at
 * 1 % loss one in ~17 fails with the node alive, and when that node is the one looked for, nobody
 * else can answer for it: in the simulator (1,000 nodes, docs/scale.md defect 6) most failed
 * lookups for a live public node had lost one datagram of the target's own query. Only the
 * closest: with the 3 closest (ALPHA) the simulated 500-node start, which is CPU-bound like the
 * real-socket bench, sent 16 % more datagrams (queries time out there while answers queue); with
 * the closest alone, 3 %; and nothing more once a thin table's lookups do not retry (Discovery.lookup).
 */
export const LOOKUP_RETRY_CLOSEST = 1;

/** Minimum IPv6 MTU: a datagram this size is never fragmented on the way. */
export const MAX_PACKET_BYTES = 1280;
/** Packets carry an absolute expiry this far ahead; a packet older than that is a replay or a very slow path. */
export const PACKET_EXPIRY_SEC = 20;

/** hash(32) | signature(64) | sender compressed pubkey(33), then type(1) | payload. */
export const PACKET_HASH_BYTES = 32;
export const PACKET_SIGNATURE_BYTES = 64;
export const PACKET_PUBKEY_BYTES = 33;
export const PACKET_SIGNATURE_OFFSET = PACKET_HASH_BYTES;
export const PACKET_PUBKEY_OFFSET = PACKET_SIGNATURE_OFFSET + PACKET_SIGNATURE_BYTES;
export const PACKET_TYPE_OFFSET = PACKET_PUBKEY_OFFSET + PACKET_PUBKEY_BYTES;
export const PACKET_HEADER_BYTES = PACKET_TYPE_OFFSET + 1;

/** Packet type numbers (discv4's). */
export const PacketType = { Ping: 1, Pong: 2, FindNode: 3, Neighbours: 4 } as const;
export type PacketTypeNumber = (typeof PacketType)[keyof typeof PacketType];

/** The node key file inside the data dir: hex private key, owner-only. */
export const NODE_KEY_FILE_NAME = 'nodekey';
export const NODE_KEY_FILE_MODE = 0o600;

// Timers for the discovery service (next step of issue #3); here so every discovery number lives in one place.
/** A ping unanswered this long counts as a failure. */
export const PING_TIMEOUT_MS = 1_000;
/** A pong proves the sender's endpoint for this long; find-node is answered only within it (no reflection amplification). */
export const ENDPOINT_PROOF_TTL_MS = 12 * 60 * 60 * 1000;
/** Random-target lookups refresh the table this often. */
export const BUCKET_REFRESH_INTERVAL_MS = 60_000;
/**
 * While the table is thin (fewer verified entries than k, K_BUCKET_SIZE = 16: less than one full
 * find-node answer, and only twice the peer set's 8 outbound, leaving few spares for dial
 * failures and netgroup diversity), the self-lookup is retried this soon instead of waiting for
 * the refresh interval: a node's first lookup often runs when its bootstrap knows nobody yet.
 * The delay doubles after each retry up to the refresh interval (so a dead or empty network is
 * not stormed) and starts again here when the table drops below k after having been full.
 */
export const THIN_TABLE_RETRY_MIN_MS = 1_000;
/**
 * The thin-table retry stops doubling here rather than at the refresh interval: a node left with
 * only its bootstrap after a burst (its lookups timed out while everyone started at once) waited
 * 32 s then 60 s between tries, so the 200-node bench still had stuck nodes a minute in. A retry
 * costs one self-lookup (~20 find-nodes), so one every ~8 s per thin node is cheap.
 */
export const THIN_TABLE_RETRY_MAX_MS = 8_000;
/**
 * Each thin-table retry waits between (1 - this) and 1 times its delay: nodes started together
 * (a restart of a data centre, a bench) would otherwise retry in lock-step bursts on the bootstrap.
 */
export const THIN_TABLE_RETRY_JITTER = 0.5;
/** A find-node unanswered (no neighbours packet) this long counts as a failure of that node. */
export const FIND_NODE_TIMEOUT_MS = 1_000;
/**
 * After our ping is answered, wait this long for the node's ping-back before sending find-node:
 * it answers find-node only once our pong to its ping-back arrived. It sends that ping right after
 * its pong, so it comes within a few ms or not at all: a node whose table is still closed to inbound
 * contacts does not ping back unasked (handlers.ts, docs/scale.md defect 3), and drops our find-node and
 * pings back then, after which Discovery.findNode asks again. Was 500 ms, which such a node would
 * add to every lookup query.
 */
export const BOND_WAIT_MS = 50;
/** A random table entry's liveness is rechecked this often (one ping per tick). */
export const REVALIDATE_INTERVAL_MS = 10_000;
/** While the table is empty (bootstrap down or not yet up), the bootstrap nodes are re-pinged this often. */
export const BOOTSTRAP_RETRY_INTERVAL_MS = 5_000;
/** Consecutive unanswered pings / find-nodes after which a table entry is removed. */
export const MAX_NODE_FAILURES = 3;
/** Outstanding pings at once; beyond it, nodes learned from neighbours are not pinged (bounds a flood of fake entries). */
export const MAX_PENDING_PINGS = 512;
/**
 * A pong that comes after PING_TIMEOUT_MS still proves the endpoint (it is signed, echoes our
 * ping's hash and comes from the address we pinged) if it comes within this long (as long as a
 * packet stays valid; a find-node's late neighbours likewise show the node alive): the ping has
 * already counted as failed, but the node enters (or stays in) the table. A busy node reads its
 * socket late (timers run before I/O after a long task), and a busy bootstrap answers late; before
 * this, every such pong was dropped as unsolicited (80 % of pongs in the 200-node bench) and the
 * entries it would have refreshed were removed as dead, so the table drained under load.
 */
export const LATE_PONG_GRACE_MS = PACKET_EXPIRY_SEC * 1000;
/** Late-pong records kept (the oldest go first): as many as pings may be outstanding. */
export const MAX_LATE_PINGS = 512;
/**
 * Endpoint-proof records kept in each of two lists — nodes that answered our ping, and nodes that
 * only pinged us (endpoint-proofs.ts) — the least recently touched forgotten first. ~170 heap
 * bytes a record (endpoint-proofs.test.ts; up to ~210 with the map's slack): ~4 MB at most.
 */
export const MAX_ENDPOINT_PROOFS = 10_000;
/** Nodes taken from the neighbours answers to one find-node (discv4 caps at k as well). */
export const MAX_NEIGHBOURS_PER_FIND_NODE = K_BUCKET_SIZE;

/**
 * Entries that entered by contacting us unsolicited (EntryOrigin 'inbound') a bucket may hold: a
 * quarter of k (go-ethereum's discv4 allows 2 per /24 per bucket; ours is per origin, not
 * address). Anyone can ping, and an attacker's nodes ping persistently while honest nodes contact
 * us only when a lookup of theirs passes by, so without a bound the buckets that hold the most of
 * the network (255, 254, …: half, a quarter, … of all ids) filled with whoever pinged first and
 * most (simulator, 1,000 nodes: 10 % of the ids took 52 of a joining victim's 93 entries, every
 * one of them inbound; with k/4 per bucket 9–12 of ~70, and 3–4 once the first refresh also fills
 * the far buckets, INITIAL_RANDOM_LOOKUPS). An eighth of k made lookups for new nodes fail more
 * often (83 % success in one run) and did not lower the attacker's share. Geth's discv4 admits
 * inbound nodes only to free slots and not before its first refresh; Bitcoin Core keeps
 * unsolicited addresses out of its tried table. Not zero because inbound contacts are how a new
 * node becomes known to the nodes near it, which is what makes lookups for it succeed; the buckets
 * near us, where that matters, hold fewer nodes than this anyway.
 */
export const MAX_INBOUND_PER_BUCKET = Math.floor(K_BUCKET_SIZE / 4);
// A far bucket (k or more entries below it, NodeTable.inboundPlaces) admits no inbound contacts:
// inbound places are needed where the nodes near us are (so lookups for us end at nodes that know
// us), not where half, a quarter, … of all ids are. Simulator, 1,000 nodes, seed 1: with k/4
// inbound places in every bucket the attacker, whose nodes ping persistently while honest nodes
// seldom ping a newcomer, held 17 inbound places in buckets 249–255 of a victim's 59 entries.

/**
 * Random-target lookups that follow the first self-lookup that leaves the table not thin
 * (go-ethereum's doRefresh does the same: lookupSelf, then 3 random lookups). The self-lookup only
 * fills the buckets near us; the far ones (255, 254, …, each a half, a quarter, … of all ids)
 * stayed nearly empty of nodes we found for the first refresh interval, and inbound contacts (an
 * attacker's pings) took them. Inbound contacts are admitted from the end of the self-lookup on,
 * but not to far buckets (NodeTable.inboundPlaces), which these fill with nodes we found.
 */
export const INITIAL_RANDOM_LOOKUPS = 3;
/**
 * The INITIAL_RANDOM_LOOKUPS run one per refresh tick this far apart (jittered down to half), not
 * back to back. Back to back, every node of a network that starts together ran its 4 lookups at
 * once: the simulated 200-node start (loopback-like links) sent 55,944 datagrams until every table
 * held 8 entries instead of 19,970 without them, and on real sockets, where each datagram costs
 * ~0.2 ms of ECDSA at both ends, the 200-node bench took 8.1 s instead of 4.3 s. Spaced, they come
 * after the burst of first lookups (the table is not thin by then) at no cost to convergence.
 */
export const SEED_LOOKUP_SPACING_MS = 2_000;

/**
 * Table entries that one node's neighbours answers may have introduced (Introduction.source): one.
 * An honest answer names up to k nodes, most of which we find through other answers too; an
 * attacker's answer names only its own nodes. Like Bitcoin Core's addrman, which lets the
 * addresses from one source group reach only a few of its buckets, this bounds what one liar can
 * add however often it is asked. Measured (simulator, 1,000 nodes, 10 % attacker ids, 2 runs):
 * with 4 per source, 16 and 21 of a victim's ~77 entries were attackers named by attackers, 1–4
 * were attackers named by honest nodes; with 2 per source still 3–16. Every node a lookup asks is
 * an introducer, so one each still fills the table. Nodes a configured bootstrap node names are
 * not bounded (the operator chose to trust it; that keeps joining fast).
 */
export const MAX_ENTRIES_PER_SOURCE = 1;

/**
 * Entries of one network group (netgroup.ts: the /16 of a public IPv4 address, the /32 of IPv6)
 * a bucket may hold, and the whole table. Addresses are what an attacker pays for: one with a few
 * address blocks and many node ids (ids are free) otherwise fills every bucket its ids fall in.
 * go-ethereum's discv4 table allows 2 per /24 per bucket and 10 per /24 in the table; Bitcoin
 * Core's addrman spreads one source group over a few buckets. Per /16 as our peer set and address
 * manager count (one outbound peer per netgroup). Loopback and private addresses are not limited:
 * a LAN, a test network on 127.0.x.y, or many nodes behind one address (the 200-node bench on
 * 127.0.0.1) are not an attacker's address blocks.
 */
export const MAX_BUCKET_ENTRIES_PER_NETGROUP = 2;
export const MAX_TABLE_ENTRIES_PER_NETGROUP = 10;

/** How much larger than the routing table its endpoint index may grow (stale keys of nodes that moved) before it is rebuilt. */
export const ENDPOINT_INDEX_SLACK = 4;

/**
 * Inbound requests (ping, find-node) a node serves per second; beyond it they are dropped before
 * the signature check. Each costs a verify and one or two signed answers (~0.2 ms here), so this
 * is at most ~half a core however large the burst; 500 nodes starting at once on one bootstrap
 * send it ~2 requests each.
 */
export const MAX_INBOUND_REQUESTS_PER_SEC = 2_000;
/**
 * Requests per second one sender address (ip:port, i.e. one node) may make of us: a lookup asks
 * a node once, bonding adds a ping, so 20/s is far above any honest pace and keeps one flooder
 * from taking the whole budget.
 */
export const MAX_REQUESTS_PER_SENDER_PER_SEC = 20;
/**
 * Sender shares tracked at once (the stalest go first; a forgotten sender starts with a full share).
 * A share refilled to its burst is forgotten too (keyed-limits.ts), so only the senders of the last
 * ~2 s are held: this bound matters under a flood of fresh addresses, not in the steady state.
 */
export const MAX_BUDGET_SENDERS = 10_000;

/**
 * Addresses our pings reached lately, remembered so a change of our advertised TCP port (the
 * reachability verdict: behind a NAT → 0) can be told to them: each holds our old port from our
 * last ping. As many as pings may be pending at once (MAX_PENDING_PINGS): the announcement cannot
 * send more in one go; ~150 heap bytes each (announce.test.ts).
 */
export const MAX_ANNOUNCE_TARGETS = 512;
/**
 * IPv4 address texts kept for reuse by endpoint decoding (ip-text.ts), the oldest forgotten first:
 * ~60 bytes each, ~1 MB at most per process. Every received packet carries one to sixteen
 * endpoints, mostly of nodes already known; a node talks to a few thousand addresses.
 */
export const MAX_IPV4_TEXTS = 16_384;

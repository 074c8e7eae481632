/**
 * Constants of NAT traversal (src/p2p/traversal): observed address, dial-back reachability,
 * hole punching.
 */

// ---------------------------------------------------------------------------------------------
// Decision logic: observed-address book (observed.ts) and reachability verdict (reachability.ts)
// ---------------------------------------------------------------------------------------------

/**
 * Observations kept per transport (one per voter — a public IP, or a node id behind loopback or
 * a private IP — and transport), oldest evicted first. TCP and UDP are capped apart so the UDP
 * discovery pongs of a large network cannot push out the few TCP port samples. 64 is four times
 * the outbound + discovery peers that report at once, so honest reports are never pushed out by
 * normal churn, and a flood of fresh node ids or IPs costs at most 64 small entries per transport.
 */
export const DEFAULT_MAX_OBSERVERS = 64;
/**
 * An observation older than this no longer counts: home routers change the external address
 * (DHCP lease, reconnect) about daily, and peers that still talk to us report again far sooner.
 */
export const DEFAULT_OBSERVATION_TTL_MS = 60 * 60 * 1000;
/**
 * Distinct observers that must agree on our IP before we believe it (libp2p's identify and
 * Bitcoin Core's address discovery both want more than one voice: one peer can lie or be wrong).
 */
export const MIN_AGREEING_OBSERVERS = 2;
/**
 * Distinct /16 groups the agreeing observers must span when the observers as a whole span that
 * many: peers of one network (one hoster, one attacker's /16) must not decide alone.
 */
export const MIN_AGREEING_GROUPS = 2;
/** Port samples (distinct observers) needed before a yes/no on port preservation. */
export const MIN_PORT_SAMPLES = 2;
/**
 * Fraction of samples that must show the local port unchanged for "the NAT keeps ports": one
 * clash in four (another LAN host already held the port, so the NAT picked another) is normal
 * for a port-preserving NAT and still lets hole punching work most of the time.
 */
export const MIN_PORT_PRESERVED_FRACTION = 0.75;
/** Changed-port samples needed before "the NAT changes ports" (one could be a clash or a lie). */
export const MIN_PORT_CHANGED_SAMPLES = 2;
/** Distinct peers whose dial-back must fail before we call ourselves behind a NAT. */
export const MIN_DIAL_BACK_FAILURES = 2;
/**
 * A dial-back result older than this no longer counts: a mapping, a firewall rule or the
 * address may have changed since; half the observation TTL, because this verdict is what we
 * advertise (tcpPort 0 or not) and a stale "public" wastes every peer's dials.
 */
export const DEFAULT_DIAL_BACK_RESULT_TTL_MS = 30 * 60 * 1000;
/**
 * One peer is asked for a dial-back at most this often, and a verdict backed by results this
 * young is not re-checked: each check costs the peer a TCP dial (AutoNAT's refresh is 15 min).
 */
export const DEFAULT_DIAL_BACK_RECHECK_INTERVAL_MS = 10 * 60 * 1000;
/** A peer that refused (busy, rate limit) or did not answer a dial-back request may be asked again this soon. */
export const DIAL_BACK_RETRY_UNANSWERED_MS = 30 * 1000;
/** Dial-back results kept (latest per peer id), and peers remembered as asked; oldest first out. */
export const DEFAULT_MAX_DIAL_BACK_RESULTS = 64;
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Reachability checks (dial-back-server.ts, dial-back-client.ts) and hole punching (punch-relay.ts,
// puncher.ts, punch-try.ts, simultaneous-open.ts, candidates.ts)
// ---------------------------------------------------------------------------------------------

/**
 * Dial-backs answered per requester host (its IPv4 address, or the /64 of an IPv6 one: netgroup.ts
 * hostKey): one per 5 s (burst 8). We only ever dial the requester's
 * own IP, so this bounds our work, not harm to others; it must leave room for several nodes behind
 * one home router (or a node restarted a few times) that each check once, every 10 minutes.
 */
export const DIAL_BACK_PER_IP_PER_SEC = 1 / 5;
export const DIAL_BACK_PER_IP_BURST = 8;
/** Requester IPs remembered by that limit. */
export const DIAL_BACK_LIMIT_KEYS = 1_024;
/** Dial-backs we make at once, for everyone together: beyond that we answer 'refused'. */
export const MAX_DIAL_BACKS_IN_FLIGHT = 4;
/**
 * Of those, at most this many for requesters in one public /16: a few addresses of one network
 * asking for dials to ports that never answer (3 s each) otherwise held all four slots and every
 * other peer was refused. An honest node refused for it asks again after DIAL_BACK_RETRY_UNANSWERED_MS.
 */
export const MAX_DIAL_BACKS_IN_FLIGHT_PER_NETGROUP = 1;
/** A dial-back connect that takes longer counts as failed: a home router that drops the SYN never answers. */
export const DIAL_BACK_CONNECT_TIMEOUT_MS = 3_000;
/** The probe connection is closed by then even if the other side never reads. */
export const DIAL_BACK_LINGER_MS = 1_000;

/** Our own dial-back requests awaiting an answer (bounded: one per peer, a few peers at a time). */
export const MAX_PENDING_DIAL_BACKS = 8;
/** No result by then: the peer did not answer (neither success nor failure). */
export const DIAL_BACK_ANSWER_TIMEOUT_MS = 8_000;
/** A 'connected' claim whose probe has not arrived by then did not reach us (someone else at that address). */
export const DIAL_BACK_PROBE_GRACE_MS = 2_000;
/** How often the client looks whether a peer should be asked (new peers are asked when they become ready). */
export const DIAL_BACK_TICK_MS = 30_000;

/** Punch messages a relay forwards per sender (burst): a punch's three tries send two each. */
export const PUNCH_RELAY_PER_PEER_PER_SEC = 1;
export const PUNCH_RELAY_PER_PEER_BURST = 6;
/**
 * Punch messages a relay forwards for everyone together, shared equally by the netgroups of its
 * ready peers (fair-share.ts): 20 sybil sessions in 20 networks used to take all of a first-come
 * 20/s and refuse every honest punch; now they get 20 of 21 shares and an honest network its own.
 */
export const PUNCH_RELAY_TOTAL_PER_SEC = 20;
/** What one netgroup may forward at once after a quiet spell: one sender's whole punch (three tries). */
export const PUNCH_RELAY_PER_NETGROUP_BURST = 6;
/** get-punch-candidates answered per asker: one every 2 s (burst 3) serves the 1 s start-up polling of two peers. */
export const CANDIDATES_PER_PEER_PER_SEC = 0.5;
export const CANDIDATES_PER_PEER_BURST = 3;
/** A peer we could not dial back stays a punch candidate this long. */
export const UNREACHABLE_MEMORY_MS = 30 * 60_000;
/** Peers remembered as unreachable (bounded; the oldest are forgotten). */
export const MAX_UNREACHABLE_REMEMBERED = 1_024;

/** A port picked ahead for the next punch try is picked again when older than this (the kernel may have given it away). */
export const SPARE_PORT_MAX_AGE_MS = 10_000;
/** Tries of one punch (each with a fresh port), as DCUtR. */
export const PUNCH_MAX_TRIES = 3;
/** Punches in flight at once (either role); more are refused as 'busy'. */
export const MAX_PUNCHES_IN_FLIGHT = 4;
/**
 * Of the responder's, at most this many with far ends in one public /16 (the network the relay saw
 * them in): a stranger's connects, each holding a slot until its sync times out, otherwise filled
 * all of them through a few relays. Two NATed nodes of one network punching us at once is rare;
 * the second waits out 'busy' (PUNCH_MAX_BUSY_WAITS) as for any full node.
 */
export const MAX_RESPONDER_PUNCHES_PER_NETGROUP = 1;
/** The far end must answer connect (accept) or send sync within this, through the relay. */
export const PUNCH_SIGNAL_TIMEOUT_MS = 5_000;
/** The simultaneous open must complete within this after the agreed moment. */
export const PUNCH_DIAL_WINDOW_MS = 4_000;
/** Pause between connect retries inside the window (an RST from a NAT that answered too early). */
export const PUNCH_REDIAL_DELAY_MS = 150;
/** Connects of one try at most: a relay that lies about the far end's address gets a few SYNs sent, not a stream. */
export const PUNCH_MAX_CONNECTS_PER_TRY = 5;
/**
 * Punches one relay may lead us to start (from its candidate lists), and punches one relay may
 * start with us (as responder) for far ends in one network (the /16 the relay says it saw them
 * in): one per 5 s, burst 3 — one punch's three tries. Keyed by the far end's network as well
 * because a single budget per relay was used up by any stranger connected to that relay, and an
 * honest punch through it was then refused 'rate-limited'.
 */
export const PUNCHES_PER_RELAY_PER_SEC = 0.2;
export const PUNCHES_PER_RELAY_BURST = 3;
/**
 * Punches one relay may start with us for all far ends together: a relay is trusted to relay,
 * not to tell the truth about addresses, and a lying one can name a new network per connect, so
 * what it can make us dial is bounded by this (5 × the per-network rate: strangers need far ends
 * in five networks at that relay to use it up, and the initiator then moves to its next relay).
 */
export const PUNCHES_PER_RELAY_TOTAL_PER_SEC = 1;
export const PUNCHES_PER_RELAY_TOTAL_BURST = 6;
/** New punch targets taken from one candidates answer. */
export const MAX_PUNCHES_PER_CANDIDATE_LIST = 2;
/** The session on a punched socket must be ready (handshake + ack) by then. */
export const PUNCH_READY_TIMEOUT_MS = 10_000;
/** A target whose punch failed all its tries is left alone this long (doubling up to the max). */
export const PUNCH_BACKOFF_MS = 10 * 60_000;
export const PUNCH_MAX_BACKOFF_MS = 60 * 60_000;
/** Targets remembered with a backoff (bounded). */
export const MAX_PUNCH_BACKOFFS = 1_024;
/** Polling relays for candidates: every second at first (two NATed nodes come up together), doubling to a minute. */
export const CANDIDATE_POLL_MIN_MS = 1_000;
export const CANDIDATE_POLL_MAX_MS = 60_000;
/** Polls at the minimum interval before the backoff starts. */
export const CANDIDATE_POLL_FAST_ROUNDS = 10;
/** Keys (relay IPs, asker ids) a per-key rate limit remembers; the oldest bucket goes first. */
export const RATE_LIMIT_KEYS = 1_024;
/** Pause before the next try when the far end answered 'busy' (its previous try is still ending). */
export const PUNCH_BUSY_RETRY_DELAY_MS = 500;
/** 'busy' answers waited out per punch (not counted as tries): 12 × 0.5 s covers a far end's 5 s wait for a sync. */
export const PUNCH_MAX_BUSY_WAITS = 12;

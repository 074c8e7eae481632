/**
 * Limits and timings of the reachability check and of hole punching (docs/nat.md explains each).
 */

/** A dial-back answered per requester IP: one a minute (burst 2) is plenty for a check every 10 min, and caps what one host can make us dial. */
export const DIAL_BACK_PER_IP_PER_SEC = 1 / 60;
export const DIAL_BACK_PER_IP_BURST = 2;
/** Requester IPs remembered by that limit. */
export const DIAL_BACK_LIMIT_KEYS = 1_024;
/** Dial-backs we make at once, for everyone together: beyond that we answer 'refused'. */
export const MAX_DIAL_BACKS_IN_FLIGHT = 4;
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

/** Punch messages a relay forwards per sender (burst) and for everyone together. */
export const PUNCH_RELAY_PER_PEER_PER_SEC = 1;
export const PUNCH_RELAY_PER_PEER_BURST = 6;
export const PUNCH_RELAY_TOTAL_PER_SEC = 20;
export const PUNCH_RELAY_TOTAL_BURST = 20;
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
/** The far end must answer connect (accept) or send sync within this, through the relay. */
export const PUNCH_SIGNAL_TIMEOUT_MS = 5_000;
/** The simultaneous open must complete within this after the agreed moment. */
export const PUNCH_DIAL_WINDOW_MS = 4_000;
/** Pause between connect retries inside the window (an RST from a NAT that answered too early). */
export const PUNCH_REDIAL_DELAY_MS = 150;
/** Connects of one try at most: a relay that lies about the far end's address gets a few SYNs sent, not a stream. */
export const PUNCH_MAX_CONNECTS_PER_TRY = 5;
/**
 * Punches one relay may start with us (as responder) or lead us to start (from its candidate
 * list): one per 5 s, burst 3. A relay is trusted to relay, not to tell the truth about
 * addresses, so what a lying relay can make us dial is bounded by this.
 */
export const PUNCHES_PER_RELAY_PER_SEC = 0.2;
export const PUNCHES_PER_RELAY_BURST = 3;
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

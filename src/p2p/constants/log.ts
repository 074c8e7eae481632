/** Constants of the log throttles: repeated warnings and info lines a peer could cause go to debug after the first. */

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

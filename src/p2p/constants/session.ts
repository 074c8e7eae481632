/** Constants of one TCP peer session: the listen defaults, slot counts, heartbeat and timeouts (P2PConfig defaults). */

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
/**
 * The accepting end waits this many pingIntervalMs of quiet before it pings: longer than the
 * dialler's interval plus a round trip, so the dialler's ping (which resets our quiet) comes
 * first and a quiet session carries one ping and one pong per interval instead of two of each
 * (Lighthouse pings outbound peers every 15 s, inbound every 20 s, for the same reason). The
 * dialler is also the end behind a NAT if either is, so its pings keep the NAT's mapping alive.
 */
export const INBOUND_IDLE_PING_FACTOR = 2;
/**
 * A busy session (never quiet) is still pinged when our last ping is this many pingIntervalMs
 * old — 2 min at the default 30 s, Bitcoin Core's and btcd's PING_INTERVAL — so the round trip
 * (eviction keeps the fastest peers) and the peer's best height and work (sync starts on a peer
 * ahead of us) are never older than that.
 */
export const PING_REFRESH_FACTOR = 4;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;
/**
 * Two connections to one node id opened within this of each other are a simultaneous dial, and
 * the one dialled by the lower node id replaces the other at both ends. An older, established
 * connection is never replaced: handshake-acks can be relayed, so a newcomer claiming the same
 * proven id may be a stranger in the middle. Two handshake timeouts covers any honest pair.
 */
export const DUPLICATE_TIEBREAK_WINDOW_MS = 10_000;

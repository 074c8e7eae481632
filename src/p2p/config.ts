import {
  DEFAULT_BAN_DURATION_MS,
  DEFAULT_DISCOURAGE_DURATION_MS,
  DEFAULT_FRAME_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_LISTEN_HOST,
  DEFAULT_BLOCK_STALL_TIMEOUT_MS,
  DEFAULT_MAX_BLOCKS_IN_FLIGHT,
  DEFAULT_MAX_INBOUND_PEERS,
  DEFAULT_MAX_INBOUND_PER_IP,
  DEFAULT_MAX_INBOUND_PER_NETGROUP,
  DEFAULT_MAX_OUTBOUND_PEERS,
  DEFAULT_MAX_SEND_BUFFER_BYTES,
  DEFAULT_ORPHAN_POOL_SIZE,
  DEFAULT_PEER_TIMEOUT_MS,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_RECONNECT_BACKOFF_MAX_MS,
  DEFAULT_RECONNECT_BACKOFF_MIN_MS,
  DEFAULT_SYNC_STALL_TIMEOUT_MS,
  DEFAULT_TCP_PORT,
} from './constants.js';

/** Settings of the TCP peer layer; the node fills it from conf/ (resolveP2PConfig supplies defaults). */
export interface P2PConfig {
  readonly listenHost: string;
  /** TCP port; 0 = an ephemeral port (P2PNetwork.tcpPort reports the actual one). */
  readonly port: number;
  readonly maxOutbound: number;
  readonly maxInbound: number;
  readonly pingIntervalMs: number;
  /** A ping not answered with its pong within this drops the peer (not banned). */
  readonly peerTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  /** Length of an operator's ban without --duration (misbehaviour discourages instead). */
  readonly banDurationMs: number;
  /** Manual peers are redialled after min, doubling up to max. */
  readonly reconnectBackoffMs: { readonly min: number; readonly max: number };
  /** No block (or headers) from the sync peer for this long → try another peer. */
  readonly syncStallTimeoutMs: number;
  /** Block bodies requested from one peer at once during sync (its download window). */
  readonly maxBlocksInFlight: number;
  /** The block the chain needs next not delivered by its peer within this → reassigned, the peer dropped. */
  readonly blockStallTimeoutMs: number;
  readonly orphanPoolSize: number;
  /** Inbound connections per IP and per netgroup (/16, /32 for IPv6); loopback is exempt. */
  readonly maxInboundPerIp: number;
  readonly maxInboundPerNetgroup: number;
  /** How long misbehaviour discourages an address (never a node id: acks can be relayed). */
  readonly discourageDurationMs: number;
  /** Where manual bans persist (<datadir>/banlist.json); undefined = in memory only. */
  readonly banFile: string | undefined;
  /** Unsent bytes a peer may let pile up before it is dropped as not reading; at least one maximal frame. */
  readonly maxSendBufferBytes: number;
  /** A frame whose first byte arrived must be complete within this (slowloris). */
  readonly frameTimeoutMs: number;
}

export const DEFAULT_P2P_CONFIG: P2PConfig = {
  listenHost: DEFAULT_LISTEN_HOST,
  port: DEFAULT_TCP_PORT,
  maxOutbound: DEFAULT_MAX_OUTBOUND_PEERS,
  maxInbound: DEFAULT_MAX_INBOUND_PEERS,
  pingIntervalMs: DEFAULT_PING_INTERVAL_MS,
  peerTimeoutMs: DEFAULT_PEER_TIMEOUT_MS,
  handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
  banDurationMs: DEFAULT_BAN_DURATION_MS,
  reconnectBackoffMs: { min: DEFAULT_RECONNECT_BACKOFF_MIN_MS, max: DEFAULT_RECONNECT_BACKOFF_MAX_MS },
  syncStallTimeoutMs: DEFAULT_SYNC_STALL_TIMEOUT_MS,
  maxBlocksInFlight: DEFAULT_MAX_BLOCKS_IN_FLIGHT,
  blockStallTimeoutMs: DEFAULT_BLOCK_STALL_TIMEOUT_MS,
  orphanPoolSize: DEFAULT_ORPHAN_POOL_SIZE,
  maxInboundPerIp: DEFAULT_MAX_INBOUND_PER_IP,
  maxInboundPerNetgroup: DEFAULT_MAX_INBOUND_PER_NETGROUP,
  discourageDurationMs: DEFAULT_DISCOURAGE_DURATION_MS,
  banFile: undefined,
  maxSendBufferBytes: DEFAULT_MAX_SEND_BUFFER_BYTES,
  frameTimeoutMs: DEFAULT_FRAME_TIMEOUT_MS,
};

/** Defaults for whatever `partial` leaves out. */
export function resolveP2PConfig(partial: Partial<P2PConfig> = {}): P2PConfig {
  return { ...DEFAULT_P2P_CONFIG, ...partial, reconnectBackoffMs: { ...DEFAULT_P2P_CONFIG.reconnectBackoffMs, ...partial.reconnectBackoffMs } };
}

import type { Peer, PeerDirection } from './peer.js';

/** One row of `cli peers`. Work is a decimal string (JSON has no bigint). */
export interface PeerInfo {
  /** Only once its handshake-ack proved it: a claimed id may be an impostor's. */
  readonly nodeId: string | undefined;
  readonly address: string;
  readonly listenPort: number | undefined;
  readonly direction: PeerDirection;
  readonly ready: boolean;
  readonly manual: boolean;
  /** Its address is discouraged: it is evicted first when slots run out. */
  readonly discouraged: boolean;
  readonly handshakeHeight: number | undefined;
  readonly handshakeWork: string | undefined;
  readonly bestHeight: number;
  readonly bestWork: string;
  readonly pingRttMs: number | undefined;
  readonly connectedSinceMs: number;
  /** A hole punch made this connection, through the relay with this node id (hex). */
  readonly punched?: { readonly relay: string } | undefined;
}

export function describePeer(p: Peer, manual: boolean, discouraged = false): PeerInfo {
  return {
    nodeId: p.provenNodeId?.toString('hex'),
    address: p.label,
    listenPort: p.remoteHandshake?.listenPort,
    direction: p.direction,
    ready: p.isReady,
    manual,
    discouraged,
    handshakeHeight: p.remoteHandshake?.bestHeight,
    handshakeWork: p.remoteHandshake?.chainWork.toString(),
    bestHeight: p.bestHeight,
    bestWork: p.bestWork.toString(),
    pingRttMs: p.pingRttMs,
    connectedSinceMs: p.connectedAtMs,
    punched: p.punchedVia === undefined ? undefined : { relay: p.punchedVia },
  };
}

/** A peer added with `addpeer`: whether it is connected, why not, and when we try again. */
export interface ManualPeerInfo {
  readonly address: string;
  readonly state: 'connected' | 'connecting' | 'waiting';
  readonly lastError: string | undefined;
  readonly nextRetryAtMs: number | undefined;
}

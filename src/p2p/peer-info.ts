import type { Peer, PeerDirection } from './peer.js';

/** One row of `cli peers`. Work is a decimal string (JSON has no bigint). */
export interface PeerInfo {
  readonly nodeId: string | undefined;
  readonly address: string;
  readonly listenPort: number | undefined;
  readonly direction: PeerDirection;
  readonly ready: boolean;
  readonly manual: boolean;
  readonly handshakeHeight: number | undefined;
  readonly handshakeWork: string | undefined;
  readonly bestHeight: number;
  readonly bestWork: string;
  readonly pingRttMs: number | undefined;
  readonly connectedSinceMs: number;
}

export function describePeer(p: Peer, manual: boolean): PeerInfo {
  return {
    nodeId: p.nodeId?.toString('hex'),
    address: p.label,
    listenPort: p.remoteHandshake?.listenPort,
    direction: p.direction,
    ready: p.isReady,
    manual,
    handshakeHeight: p.remoteHandshake?.bestHeight,
    handshakeWork: p.remoteHandshake?.chainWork.toString(),
    bestHeight: p.bestHeight,
    bestWork: p.bestWork.toString(),
    pingRttMs: p.pingRttMs,
    connectedSinceMs: p.connectedAtMs,
  };
}

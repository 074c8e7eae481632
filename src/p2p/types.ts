import type { Endpoint } from './discovery/endpoint.js';

/**
 * A node that discovery has verified (it answered our ping, so its endpoint is real).
 * This is the whole contract between UDP discovery and TCP dialing: discovery announces
 * nodes, the peer set decides whom to dial.
 */
export interface DiscoveredNode {
  readonly nodeId: Buffer;
  /** Absent for addresses the peer table remembers (a TCP handshake leaves us its node id, not its key). */
  readonly publicKey?: Buffer;
  /** IP plus the UDP port it answered on and the TCP port its signed ping advertised. */
  readonly endpoint: Endpoint;
}

/** What the peer set needs from discovery (tests pass a fake of this interface). */
export interface PeerSource {
  /** Verified nodes, closest-first or random; the peer set filters out connected / banned ones. */
  knownNodes(limit: number): DiscoveredNode[];
  on(event: 'node:verified', listener: (node: DiscoveredNode) => void): unknown;
  off(event: 'node:verified', listener: (node: DiscoveredNode) => void): unknown;
}

import type { Endpoint } from './discovery/endpoint.js';
import type { Peer } from './peer.js';

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
  /**
   * Discovery knows it only because it contacted us first (it pinged us, we bonded back): our
   * answers reached it through the hole its own packets opened in its NAT, so nothing says a
   * dial reaches it. 60 % of such nodes in the simulator were behind NAT (docs/scale.md defect 10).
   */
  readonly unsolicited?: boolean;
}

/** What the peer set needs from discovery (tests pass a fake of this interface). */
export interface PeerSource {
  /** Verified nodes, closest-first or random; the peer set filters out connected / banned ones. */
  knownNodes(limit: number): DiscoveredNode[];
  /**
   * The dialer is about to dial `node` (from knownNodes or node:verified). Only then does a
   * source count a connection attempt: the dialer skips many nodes it is offered (netgroup
   * already used, discouraged, banned, outbound slots full), and those were never tried.
   */
  dialing?(node: DiscoveredNode): void;
  /**
   * `node` is one of the configured bootstrap nodes: every joining node knows it first, so the
   * dialer keeps it as an outbound peer only while it has few others (outbound-policy.ts).
   */
  isBootstrapNode?(node: DiscoveredNode): boolean;
  on(event: 'node:verified', listener: (node: DiscoveredNode) => void): unknown;
  off(event: 'node:verified', listener: (node: DiscoveredNode) => void): unknown;
}

/** What a peer gave us that counts for inbound eviction (Core's nLastBlockTime / nLastTXTime). */
export type UsefulKind = 'block' | 'tx';

/**
 * `peer` gave us something new and valid: a block stored in our block tree (connected, or a
 * side branch), or a tx admitted to the mempool. Only that earns eviction protection: a peer
 * re-sending our tip or a known tx must not take the slots of the peers that are useful.
 */
export type OnUseful = (peer: Peer, kind: UsefulKind) => void;

/**
 * The peer set's PeerSource when the address manager is on: anchors first (the peers we were
 * connected to longest before the last clean stop), then addresses from the table (tried and new
 * at even odds), then whatever discovery knows. So a restarted node reconnects to the peers it
 * had, and discovery (or a bootstrap list an attacker controls) cannot decide alone whom we dial.
 */
import type { PeerInfo } from '../peer-info.js';
import type { DiscoveredNode, PeerSource } from '../types.js';
import { ANCHOR_DIAL_ROUNDS, ANCHOR_OFFER_ROUNDS, DISCOVERY_CANDIDATES } from './constants.js';
import { type PeerAddress, addressKey } from './entry.js';
import type { AddressTable } from './table.js';
import { CRYPTO_RANDOM } from '../../util/random-source.js';

/** What the source needs to know about current connections (P2PNetwork, or a fake in tests). */
export interface ConnectedPeers {
  peers(): PeerInfo[];
}

export interface AddressBookSourceOptions {
  table: AddressTable;
  anchors: readonly PeerAddress[];
  /** Discovery's own source (may be empty until discovery starts). */
  discovery: PeerSource;
  /** Undefined until the peer layer exists. */
  connected: () => ConnectedPeers | undefined;
  maxOutbound: number;
  /** Uniform in [0, 1): the order discovery's nodes are offered in. Default the CSPRNG (a predictable order could be gamed). */
  random?: () => number;
}

interface PendingAnchor {
  readonly address: PeerAddress;
  /** Dials started (dialing()). */
  rounds: number;
  /** Dial rounds it was handed out in, dialled or not. */
  offers: number;
}

/** "ip:port" of a PeerInfo's remote end (IPv6 labels are not bracketed: split at the last colon). */
export function splitPeerAddress(address: string): { ip: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { ip: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

export class AddressBookSource implements PeerSource {
  private readonly options: AddressBookSourceOptions;
  private readonly pending: PendingAnchor[];

  constructor(options: AddressBookSourceOptions) {
    this.options = options;
    this.pending = options.anchors.map((address) => ({ address, rounds: 0, offers: 0 }));
  }

  /** Anchors still to be dialled (tests and the start-up log). */
  get pendingAnchors(): number {
    return this.pending.length;
  }

  knownNodes(limit: number): DiscoveredNode[] {
    const { table, discovery, maxOutbound } = this.options;
    const peers = this.options.connected()?.peers() ?? [];
    const busy = busyKeys(peers);
    const isBusy = (a: PeerAddress): boolean => busy.has(a.nodeId) || busy.has(addressKey(a.ip, a.tcpPort));
    let free = maxOutbound - peers.filter((p) => p.direction === 'outbound').length;

    const out: PeerAddress[] = [];
    for (const anchor of [...this.pending]) {
      if (isBusy(anchor.address) || anchor.rounds >= ANCHOR_DIAL_ROUNDS || anchor.offers >= ANCHOR_OFFER_ROUNDS) {
        this.pending.splice(this.pending.indexOf(anchor), 1);
        continue;
      }
      if (free <= 0) break;
      anchor.offers++;
      out.push(anchor.address);
      free--;
    }
    const taken = new Set(out.map((a) => a.nodeId));
    // Only as many as there are free slots; an attempt is counted when the dialer dials (dialing()).
    for (const address of table.select(Math.max(0, free), (e) => isBusy(e) || taken.has(e.nodeId))) {
      taken.add(address.nodeId);
      out.push(address);
    }
    const nodes = out.map(toDiscoveredNode);
    // In random order, as Core's Select: in "most recently seen" order every node dialled the
    // same busy few first, and they sat full and evicted on every dial (docs/scale.md defect 9).
    for (const node of shuffled(discovery.knownNodes(DISCOVERY_CANDIDATES), this.options.random ?? CRYPTO_RANDOM.fraction)) {
      if (nodes.length >= limit) break;
      if (!taken.has(node.nodeId.toString('hex'))) nodes.push(node);
    }
    return nodes.slice(0, limit);
  }

  /**
   * A dial of `node` starts: an anchor uses up one of its rounds, a table address counts an
   * attempt (Core's Attempt). Success is counted by the manager on 'peer:ready' (Good).
   */
  dialing(node: DiscoveredNode): void {
    const { ip, tcpPort } = node.endpoint;
    const key = addressKey(ip, tcpPort);
    const anchor = this.pending.find((p) => addressKey(p.address.ip, p.address.tcpPort) === key);
    if (anchor) anchor.rounds++;
    this.options.table.attempt(ip, tcpPort);
  }

  isBootstrapNode(node: DiscoveredNode): boolean {
    return this.options.discovery.isBootstrapNode?.(node) ?? false;
  }

  on(event: 'node:verified', listener: (node: DiscoveredNode) => void): this {
    this.options.discovery.on(event, listener);
    return this;
  }

  off(event: 'node:verified', listener: (node: DiscoveredNode) => void): this {
    this.options.discovery.off(event, listener);
    return this;
  }
}

/** Node ids and dialable addresses we are already connected to (inbound peers by their listen port). */
function busyKeys(peers: readonly PeerInfo[]): Set<string> {
  const busy = new Set<string>();
  for (const p of peers) {
    if (p.nodeId !== undefined) busy.add(p.nodeId);
    const { ip, port } = splitPeerAddress(p.address);
    if (p.direction === 'outbound') busy.add(addressKey(ip, port));
    else if (p.listenPort !== undefined) busy.add(addressKey(ip, p.listenPort));
  }
  return busy;
}

function toDiscoveredNode(a: PeerAddress): DiscoveredNode {
  // The UDP port is unknown for a TCP-learned address; the peer set dials tcpPort only.
  return { nodeId: Buffer.from(a.nodeId, 'hex'), endpoint: { ip: a.ip, udpPort: 0, tcpPort: a.tcpPort } };
}

/** A copy of `list` in random order (Fisher–Yates). */
function shuffled<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

import { PACKET_TYPE_OFFSET, PacketType } from '../p2p/discovery/constants.js';
import { nodeIdFromPublicKey } from '../p2p/discovery/node-key.js';
import { type PacketSigner, SECP256K1_SIGNER, decodePacket } from '../p2p/discovery/packet.js';
import type { Host } from './network.js';
import type { Population, SimNode } from './population.js';
import type { VirtualClock } from './virtual-clock.js';

interface Tracked {
  readonly target: Buffer;
  /** Hop depth at which a node was first heard of in this lookup (the lookup's seeds, from its own table, are 1). */
  readonly depth: Map<string, number>;
  /** Depth of each node this lookup sent find-node to. */
  readonly queried: Map<string, number>;
}

export interface LookupResult {
  readonly success: boolean;
  /** Hops to the closest node found: 1 = a node from our own table answered with it. */
  readonly hops: number;
  readonly queried: number;
  readonly ms: number;
}

/**
 * Runs lookups through the real Discovery.lookup and measures their hops from the outside, by
 * watching the lookup's packets on the simulated wire (the production code is not instrumented):
 * a node first named in a neighbours answer from a depth-d node has depth d + 1.
 */
export class LookupTracker {
  private readonly active = new Map<string, Tracked>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly population: Population,
    private readonly signer: PacketSigner = SECP256K1_SIGNER,
  ) {}

  /** For SimNetwork.tap (never replaces the datagram). */
  observe(from: Host, toIp: string, bytes: Buffer): void {
    const type = bytes[PACKET_TYPE_OFFSET];
    // Only find-node from a looking node and neighbours to one matter: skip decoding the rest.
    const out = type === PacketType.FindNode ? this.active.get(from.ip) : undefined;
    const inbound = type === PacketType.Neighbours ? this.active.get(toIp) : undefined;
    if (out === undefined && inbound === undefined) return;
    let decoded;
    try {
      decoded = decodePacket(bytes, this.clock.nowMs() / 1000, this.signer);
    } catch {
      return;
    }
    const { packet } = decoded;
    if (out !== undefined && packet.type === 'find-node' && packet.target.equals(out.target)) {
      const to = this.population.byIp.get(toIp);
      if (to !== undefined) {
        const key = to.id.toString('hex');
        if (!out.queried.has(key)) out.queried.set(key, out.depth.get(key) ?? 1);
      }
    }
    if (inbound !== undefined && packet.type === 'neighbours') {
      const senderDepth = inbound.queried.get(decoded.nodeId.toString('hex'));
      if (senderDepth === undefined) return;
      for (const node of packet.nodes) {
        const key = nodeIdFromPublicKey(node.publicKey).toString('hex');
        const d = inbound.depth.get(key);
        if (d === undefined || d > senderDepth + 1) inbound.depth.set(key, senderDepth + 1);
      }
    }
  }

  /** `from` looks up `target`'s id with the production lookup; success = the target itself is among the results. */
  async lookup(from: SimNode, target: SimNode): Promise<LookupResult> {
    const tracked: Tracked = { target: target.id, depth: new Map(), queried: new Map() };
    this.active.set(from.host.ip, tracked);
    const startedMs = this.clock.elapsedMs;
    try {
      const found = await from.discovery.lookup(target.id);
      const success = found.length > 0 && found[0].nodeId.equals(target.id);
      const closest = found[0]?.nodeId.toString('hex');
      const hops = closest === undefined ? 0 : (tracked.queried.get(closest) ?? tracked.depth.get(closest) ?? 1);
      return { success, hops, queried: tracked.queried.size, ms: this.clock.elapsedMs - startedMs };
    } finally {
      this.active.delete(from.host.ip);
    }
  }
}

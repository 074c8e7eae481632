import type { DiscoveredNode } from '../types.js';
import type { Endpoint } from './endpoint.js';
import type { EntryOrigin, Introduction } from './introduction.js';

/** A routing-table entry: a node that proved its endpoint, plus liveness bookkeeping. */
export interface TableEntry extends DiscoveredNode {
  /** Discovery always knows it (the signed ping carried it). */
  readonly publicKey: Buffer;
  /** Same buffer as nodeId (RoutingTable keys on `id`). */
  readonly id: Buffer;
  lastSeenMs: number;
  /** Consecutive unanswered pings / find-nodes; reset by any pong. */
  failures: number;
  /** How it entered the table, kept for the entry's life: a later ping does not change how we came to know it. */
  readonly origin: EntryOrigin;
  /** The node whose neighbours answer named it (hex id), if that is how we found it. */
  readonly source?: string;
}

/**
 * The entry's key and id in one small buffer of its own. A decoded packet's key is a 33-byte
 * slice of Node's shared 8 KB Buffer pool slab, and a table entry outlives the packet: each entry
 * kept a whole slab alive (~8 KB per entry, ~200 KB per node in the 1,000-node simulation,
 * docs/scale.md). One allocation for both also saves the id's own ArrayBuffer (~250 bytes of
 * bookkeeping per entry).
 */
export function ownKeyAndId(publicKey: Buffer, nodeId: Buffer): { readonly publicKey: Buffer; readonly nodeId: Buffer } {
  const out = Buffer.allocUnsafeSlow(publicKey.length + nodeId.length);
  publicKey.copy(out, 0);
  nodeId.copy(out, publicKey.length);
  return { publicKey: out.subarray(0, publicKey.length), nodeId: out.subarray(publicKey.length) };
}

/** How the entry came to our attention alone: `intro` may be a whole table entry (a known node keeps its own). */
export function pickIntro(intro: Introduction): Introduction {
  return intro.source === undefined ? { origin: intro.origin } : { origin: intro.origin, source: intro.source };
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.ip === b.ip && a.udpPort === b.udpPort && a.tcpPort === b.tcpPort;
}

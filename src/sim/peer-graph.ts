import { DEFAULT_MAX_INBOUND_PEERS, DEFAULT_MAX_INBOUND_PER_NETGROUP, DEFAULT_MAX_OUTBOUND_PEERS } from '../p2p/constants.js';
import { netGroup } from '../p2p/netgroup.js';
import type { Population, SimNode } from './population.js';
import type { Rng } from './rng.js';

export interface PeerGraph {
  /** Alive nodes in the graph, by index into `adjacency`. */
  readonly nodes: SimNode[];
  /** Undirected TCP connections (relay flows both ways). */
  readonly adjacency: number[][];
  readonly outbound: number[][];
  /** Nodes with no connection at all. */
  readonly isolated: number;
  readonly meanDegree: number;
}

/**
 * MODEL, not the production peer code (docs/scale.md says so): each node dials up to 8 entries
 * of its real discovery table in random order, one per /16 (netgroup.ts), and a dial succeeds
 * only to a live host not behind NAT with inbound slots left (32, at most 8 per netgroup).
 */
export function buildPeerGraph(population: Population, rng: Rng, include: (n: SimNode) => boolean = () => true): PeerGraph {
  const nodes = population.alive.filter(include);
  const indexOf = new Map<string, number>(nodes.map((n, i) => [n.host.ip, i]));
  const adjacency: number[][] = nodes.map(() => []);
  const outbound: number[][] = nodes.map(() => []);
  const inbound = new Array<number>(nodes.length).fill(0);
  const inboundPerGroup = nodes.map(() => new Map<string, number>());
  for (const i of rng.shuffle(nodes.map((_, i) => i))) {
    const self = nodes[i];
    const groups = new Set<string>();
    const entries = rng.shuffle(self.discovery.knownNodes(Number.MAX_SAFE_INTEGER));
    for (const entry of entries) {
      if (outbound[i].length >= DEFAULT_MAX_OUTBOUND_PEERS) break;
      const j = indexOf.get(entry.endpoint.ip);
      if (j === undefined || j === i || adjacency[i].includes(j)) continue;
      const target = nodes[j];
      const group = netGroup(self.host.ip);
      if (groups.has(netGroup(target.host.ip))) continue;
      if (target.host.natted || inbound[j] >= DEFAULT_MAX_INBOUND_PEERS) continue;
      const fromGroup = inboundPerGroup[j].get(group) ?? 0;
      if (fromGroup >= DEFAULT_MAX_INBOUND_PER_NETGROUP) continue;
      inboundPerGroup[j].set(group, fromGroup + 1);
      inbound[j]++;
      groups.add(netGroup(target.host.ip));
      outbound[i].push(j);
      adjacency[i].push(j);
      adjacency[j].push(i);
    }
  }
  const degrees = adjacency.map((a) => a.length);
  return {
    nodes,
    adjacency,
    outbound,
    isolated: degrees.filter((d) => d === 0).length,
    meanDegree: degrees.reduce((s, d) => s + d, 0) / Math.max(1, nodes.length),
  };
}

import type { Population, SimNode } from './population.js';
import { percentile } from './percentile.js';

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
 * The peer graph as it is: the ready sessions of every alive node's real PeerSet (over SimTcp),
 * an edge per session that is ready at its dialler (the far end is ready within the same round
 * trip). Only sessions between nodes that pass `include` count.
 */
export function buildPeerGraph(population: Population, include: (n: SimNode) => boolean = () => true): PeerGraph {
  const nodes = population.alive.filter(include);
  const indexOf = new Map<string, number>(nodes.map((n, i) => [n.host.ip, i]));
  const adjacency: number[][] = nodes.map(() => []);
  const outbound: number[][] = nodes.map(() => []);
  nodes.forEach((node, i) => {
    for (const peer of node.peers.ready()) {
      if (peer.direction !== 'outbound') continue;
      const j = indexOf.get(peer.ip);
      if (j === undefined || j === i || adjacency[i].includes(j)) continue;
      outbound[i].push(j);
      adjacency[i].push(j);
      adjacency[j].push(i);
    }
  });
  const degrees = adjacency.map((a) => a.length);
  return {
    nodes,
    adjacency,
    outbound,
    isolated: degrees.filter((d) => d === 0).length,
    meanDegree: degrees.reduce((s, d) => s + d, 0) / Math.max(1, nodes.length),
  };
}

/** The peer sets at one instant: outbound per node, inbound per public node. */
export interface PeerSample {
  readonly tMs: number;
  readonly nodes: number;
  readonly outboundMean: number;
  readonly outboundP10: number;
  readonly outboundMin: number;
  /** Share of nodes with maxOutbound (8) ready outbound sessions. */
  readonly outboundFullShare: number;
  /**
   * The same counting only sessions whose far end is still alive: a node that powered off stays a
   * ready session until the heartbeat's pong timeout notices (≤ 50 s at the dialling end), so the
   * counts above hide a silent mass leave for that long.
   */
  readonly outboundLiveMean: number;
  readonly outboundLiveFullShare: number;
  /** Outbound slots taken (sessions in any state + dials under way), mean: a dial to a NATed or departed entry holds one until it times out. */
  readonly outboundTakenMean: number;
  /** Inbound sessions of public nodes (NATed ones get none): mean, p50, p90, max. */
  readonly inboundMean: number;
  readonly inboundP50: number;
  readonly inboundP90: number;
  readonly inboundMax: number;
  /** Share of public nodes whose inbound slots are all taken. */
  readonly inboundFullShare: number;
}

/** Counts the sessions of `nodes` now. */
export function samplePeers(nodes: readonly SimNode[], tMs: number, maxOutbound: number, maxInbound: number, isAlive: (id: Buffer) => boolean): PeerSample {
  const outbound: number[] = [];
  const live: number[] = [];
  const inbound: number[] = [];
  let taken = 0;
  for (const node of nodes) {
    let out = 0;
    let outLive = 0;
    let inb = 0;
    for (const peer of node.peers.ready()) {
      if (peer.direction === 'outbound') {
        out++;
        if (peer.provenNodeId !== undefined && isAlive(peer.provenNodeId)) outLive++;
      } else inb++;
    }
    outbound.push(out);
    live.push(outLive);
    taken += node.peers.outboundCount();
    if (!node.host.natted) inbound.push(inb);
  }
  outbound.sort((a, b) => a - b);
  inbound.sort((a, b) => a - b);
  const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
  return {
    tMs,
    nodes: nodes.length,
    outboundMean: mean(outbound),
    outboundP10: percentile(outbound, 0.1) ?? 0,
    outboundMin: outbound[0] ?? 0,
    outboundFullShare: outbound.filter((o) => o >= maxOutbound).length / Math.max(1, outbound.length),
    outboundLiveMean: mean(live),
    outboundLiveFullShare: live.filter((o) => o >= maxOutbound).length / Math.max(1, live.length),
    outboundTakenMean: taken / Math.max(1, nodes.length),
    inboundMean: mean(inbound),
    inboundP50: percentile(inbound, 0.5) ?? 0,
    inboundP90: percentile(inbound, 0.9) ?? 0,
    inboundMax: inbound[inbound.length - 1] ?? 0,
    inboundFullShare: inbound.filter((i) => i >= maxInbound).length / Math.max(1, inbound.length),
  };
}

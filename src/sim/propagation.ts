import type { Host, SimNetwork } from './network.js';
import type { PeerGraph } from './peer-graph.js';
import type { Rng } from './rng.js';
import { VirtualClock } from './virtual-clock.js';
import { KadchainError } from '../util/errors.js';
import { MESSAGE_OVERHEAD_BYTES, ONE_ITEM_PAYLOAD_BYTES } from './constants.js';


export interface PropagationParams {
  readonly kind: 'block' | 'tx';
  readonly bytes: number;
  /** Time to check the item before announcing it (design.md: a hop in < 10 ms). */
  readonly validateMs: number;
}

export interface PropagationResult extends PropagationParams {
  readonly nodes: number;
  readonly reached: number;
  readonly t50Ms: number | undefined;
  readonly t90Ms: number | undefined;
  readonly t100Ms: number | undefined;
  /** Announcements (inv) received for an item the node already had or had asked for, per node. */
  readonly duplicateInvPerNode: number;
  /** Full bodies received twice, per node (the one-announcer-at-a-time rule keeps this at 0). */
  readonly duplicateBodiesPerNode: number;
  /** Bytes sent + received per node, mean. */
  readonly bytesPerNode: number;
  /** Arrival times (ms after the origin had it), sorted; for the CDF plot. */
  readonly arrivalsMs: number[];
}

interface Link {
  upFreeMs: number;
  downFreeMs: number;
}

/**
 * MODEL of src/p2p/relay.ts over the peer graph (not the production TCP code): an item is
 * announced with inv to every peer not known to have it, fetched with getdata from the first
 * announcer only, and relayed after validateMs. Messages queue through each end's bandwidth
 * and take the link's one-way delay (the same network model as the discovery run).
 */
export async function propagate(graph: PeerGraph, network: SimNetwork, rng: Rng, params: PropagationParams): Promise<PropagationResult> {
  const clock = new VirtualClock();
  const n = graph.nodes.length;
  const hosts: Host[] = graph.nodes.map((node) => node.host);
  const links: Link[] = hosts.map(() => ({ upFreeMs: 0, downFreeMs: 0 }));
  const hasAtMs = new Array<number | undefined>(n).fill(undefined);
  const requested = new Array<boolean>(n).fill(false);
  const knows = graph.nodes.map(() => new Set<number>());
  let duplicateInv = 0;
  let duplicateBodies = 0;
  let bytes = 0;

  const send = (from: number, to: number, payloadBytes: number, onArrive: () => void): void => {
    const wire = payloadBytes + MESSAGE_OVERHEAD_BYTES;
    bytes += 2 * wire; // counted at both ends
    const now = clock.nowMs();
    const up = links[from];
    up.upFreeMs = Math.max(now, up.upFreeMs) + (wire * 8 * 1000) / hosts[from].uplinkBps;
    const down = links[to];
    const arrival = up.upFreeMs + network.oneWayMs(hosts[from], hosts[to]);
    down.downFreeMs = Math.max(arrival, down.downFreeMs) + (wire * 8 * 1000) / hosts[to].downlinkBps;
    clock.setTimeout(onArrive, down.downFreeMs - now);
  };

  const announce = (at: number, except: number | undefined): void => {
    for (const peer of graph.adjacency[at]) {
      if (peer === except || knows[at].has(peer)) continue;
      knows[at].add(peer);
      send(at, peer, ONE_ITEM_PAYLOAD_BYTES, () => onInv(peer, at));
    }
  };
  const onInv = (at: number, from: number): void => {
    knows[at].add(from);
    if (hasAtMs[at] !== undefined || requested[at]) {
      duplicateInv++;
      return;
    }
    requested[at] = true;
    send(at, from, ONE_ITEM_PAYLOAD_BYTES, () => send(from, at, params.bytes, () => onBody(at, from)));
  };
  const onBody = (at: number, from: number): void => {
    if (hasAtMs[at] !== undefined) {
      duplicateBodies++;
      return;
    }
    hasAtMs[at] = clock.elapsedMs;
    clock.setTimeout(() => announce(at, from), params.validateMs);
  };

  // The item starts at a node with at least one connection: an isolated node (a NAT'd node whose
  // table held only other NAT'd nodes, say) cannot send anything, and starting there measured
  // the graph's isolated share, not propagation (CI once drew one: 1 of 1,001 reached).
  const connected = graph.adjacency.flatMap((peers, i) => (peers.length > 0 ? [i] : []));
  if (connected.length === 0) throw new KadchainError('sim-no-connections', 'the simulated peer graph has no connection at all, so nothing can propagate');
  const origin = connected[rng.int(connected.length)];
  hasAtMs[origin] = 0;
  announce(origin, undefined);
  await clock.runUntil(120_000);

  const arrivalsMs = hasAtMs.filter((t): t is number => t !== undefined).sort((a, b) => a - b);
  const at = (share: number): number | undefined => {
    const need = Math.ceil(share * n);
    return arrivalsMs.length >= need ? arrivalsMs[need - 1] : undefined;
  };
  return {
    ...params,
    nodes: n,
    reached: arrivalsMs.length,
    t50Ms: at(0.5),
    t90Ms: at(0.9),
    t100Ms: at(1),
    duplicateInvPerNode: duplicateInv / n,
    duplicateBodiesPerNode: duplicateBodies / n,
    bytesPerNode: bytes / n,
    arrivalsMs,
  };
}

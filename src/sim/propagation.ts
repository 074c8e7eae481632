import type { Host, SimNetwork } from './network.js';
import type { PeerGraph } from './peer-graph.js';
import type { Rng } from './rng.js';
import { VirtualClock } from './virtual-clock.js';
import { KadchainError } from '../util/errors.js';
import { COMPACT_BLOCK_FIXED_BYTES, COMPACT_CHECK_MS, COMPACT_SHORT_ID_SIM_BYTES, MESSAGE_OVERHEAD_BYTES, ONE_ITEM_PAYLOAD_BYTES } from './constants.js';
import { MAX_HIGH_BANDWIDTH_PEERS } from '../p2p/constants.js';


export interface PropagationParams {
  readonly kind: 'block' | 'tx';
  readonly bytes: number;
  /** Time to check the item before announcing it (design.md: a hop in < 10 ms). */
  readonly validateMs: number;
  /** A block relayed as compact blocks (BIP152, src/p2p/compact/) instead of inv → get-data → block. */
  readonly compact?: CompactModel;
}

/**
 * MODEL of src/p2p/compact/compact-relay.ts: every node asks up to 3 of its peers for
 * high-bandwidth mode and each node pushes to at most 3 of the peers that asked it. A node that
 * has the block (rebuilt, or whole) pushes a cmpct-block (header + 6-byte short ids + coinbase)
 * to those peers after COMPACT_CHECK_MS (header, PoW, merkle root), before full validation; its
 * other peers get inv after validateMs and ask for the cmpct-block with get-data (low-bandwidth
 * mode). A receiver misses each tx with probability missRate and asks the missing
 * ones with get-block-txn (one more round trip); a node asks every peer that pushed to it before
 * it had rebuilt the block, as the real code does.
 */
export interface CompactModel {
  /** Chance that one tx of the block is not in the receiver's mempool (0, 0.05…). */
  readonly missRate: number;
  /** Mean tx size: the block holds bytes / txBytes transactions. */
  readonly txBytes: number;
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
  /** Compact mode: blocks rebuilt after a get-block-txn round trip, per node. */
  readonly blockTxnRoundTripsPerNode?: number;
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
    // Compact mode: the block is asked for as a cmpct-block (low-bandwidth mode), not whole.
    if (params.compact) send(at, from, ONE_ITEM_PAYLOAD_BYTES, () => send(from, at, compactBytes, () => onCompact(at, from)));
    else send(at, from, ONE_ITEM_PAYLOAD_BYTES, () => send(from, at, params.bytes, () => onBody(at, from)));
  };
  const onBody = (at: number, from: number): void => {
    if (hasAtMs[at] !== undefined) {
      duplicateBodies++;
      return;
    }
    hasAtMs[at] = clock.elapsedMs;
    if (params.compact) clock.setTimeout(() => pushCompact(at, from), COMPACT_CHECK_MS);
    clock.setTimeout(() => announce(at, from), params.validateMs);
  };

  // Compact mode (see CompactModel). hbTo[x]: the peers x pushes to (at most 3 that asked it).
  const compact = params.compact;
  const hbTo: number[][] = graph.nodes.map(() => []);
  if (compact) {
    for (const [i, peers] of graph.adjacency.entries()) {
      for (const j of rng.shuffle([...peers]).slice(0, MAX_HIGH_BANDWIDTH_PEERS)) if (hbTo[j].length < MAX_HIGH_BANDWIDTH_PEERS) hbTo[j].push(i);
    }
  }
  const txCount = compact ? Math.max(1, Math.round(params.bytes / compact.txBytes)) : 0;
  const compactBytes = COMPACT_BLOCK_FIXED_BYTES + COMPACT_SHORT_ID_SIM_BYTES * txCount;
  let roundTrips = 0;
  const pushCompact = (at: number, from: number): void => {
    for (const peer of hbTo[at]) {
      if (peer === from || knows[at].has(peer)) continue;
      knows[at].add(peer);
      send(at, peer, compactBytes, () => onCompact(peer, at));
    }
  };
  const onCompact = (at: number, from: number): void => {
    knows[at].add(from);
    if (hasAtMs[at] !== undefined) {
      duplicateInv++;
      return;
    }
    requested[at] = true; // an inv now is not fetched: the block is being rebuilt
    let missing = 0;
    for (let i = 0; i < txCount; i++) if (rng.next() < compact!.missRate) missing++;
    if (missing === 0) return onBody(at, from);
    roundTrips++;
    send(at, from, ONE_ITEM_PAYLOAD_BYTES + 3 * missing, () => send(from, at, 32 + 3 + missing * compact!.txBytes, () => onBody(at, from)));
  };

  // The item starts at a node with at least one connection: an isolated node (a NAT'd node whose
  // table held only other NAT'd nodes, say) cannot send anything, and starting there measured
  // the graph's isolated share, not propagation (CI once drew one: 1 of 1,001 reached).
  const connected = graph.adjacency.flatMap((peers, i) => (peers.length > 0 ? [i] : []));
  if (connected.length === 0) throw new KadchainError('sim-no-connections', 'the simulated peer graph has no connection at all, so nothing can propagate');
  const origin = connected[rng.int(connected.length)];
  hasAtMs[origin] = 0;
  if (compact) pushCompact(origin, -1);
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
    ...(compact ? { blockTxnRoundTripsPerNode: roundTrips / n } : {}),
  };
}

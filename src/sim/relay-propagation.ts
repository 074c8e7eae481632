/**
 * Block and tx propagation measured on the production relay code (SimRelayNode: RelayStack over
 * the nodes' real sessions): one item at a time starts at one node, and each node's arrival is
 * the moment its stand-in chain connects the block or its stand-in mempool admits the tx. The
 * messages the relay receives are counted on the way in (SimRelayNode's tap) for duplicates;
 * bytes are the simulated TCP bytes of the window (every session's, pings included).
 */
import type { Peer } from '../p2p/peer.js';
import type { WireMessage } from '../p2p/wire/index.js';
import { KadchainError } from '../util/errors.js';
import type { SimRelayNode } from './relay-node.js';
import type { Rng } from './rng.js';
import { mineSimBlock, type SimLedger, SimTxFactory } from './sim-blocks.js';
import { SharedPool } from './stand-in-mempool.js';
import type { VirtualClock } from './virtual-clock.js';
import { HEADER_BYTES } from '../primitives/block.js';
import { SHORT_ID_BYTES } from '../p2p/compact/short-id.js';
import { FRAME_HEADER_BYTES } from '../p2p/wire/constants.js';
import { PROPAGATION_QUIET_MS, PROPAGATION_STEP_MS, PROPAGATION_TAIL_MS, PROPAGATION_TIMEOUT_MS, SIM_BLOCK_FIXED_BYTES, SIM_INV_ITEM_BYTES } from './constants.js';

export interface RelayItem {
  readonly kind: 'block' | 'tx';
  /** Encoded size: a block holds (bytes − header and coinbase) / txBytes transactions. */
  readonly bytes: number;
  readonly txBytes: number;
  /** Block only: the chance that one of its txs is missing from a receiver's pool (0, 0.05). */
  readonly missRate?: number;
}

export interface PropagationResult extends RelayItem {
  readonly nodes: number;
  readonly reached: number;
  readonly t50Ms: number | undefined;
  readonly t90Ms: number | undefined;
  readonly t100Ms: number | undefined;
  /** inv items and cmpct-blocks naming the item beyond the first one each node got, per node. */
  readonly duplicateAnnouncementsPerNode: number;
  /** Bodies (block, block-txn, transaction messages) beyond the first each node got, per node. */
  readonly duplicateBodiesPerNode: number;
  /**
   * Bytes of the messages naming the item (inv, cmpct-block, get-block-txn answers, block,
   * transaction; payload + the 13-byte frame header), sent + received, per node: what relaying
   * this item cost. Requests (get-data, get-block-txn) are not counted.
   */
  readonly bytesPerNode: number;
  /** Simulated TCP bytes of every session over the window, sent + received, per node (pings, handshakes, pool announcements to new sessions included). */
  readonly tcpBytesPerNode: number;
  /** From the origin's arrival to the last arrival + PROPAGATION_TAIL_MS (or the quiet / time-out end). */
  readonly windowMs: number;
  /** Arrival times (ms after the origin had it), sorted; for the CDF plot. */
  readonly arrivalsMs: number[];
  /** Every message the relays received during the window, by kind, per node (what else the window carried). */
  readonly receivedPerNode: Readonly<Record<string, number>>;
  /** Block only: block-txn answers received (get-block-txn round trips), per node. */
  readonly blockTxnRoundTripsPerNode?: number;
  /** Block only: full block messages received (a compact block could not be rebuilt, or a version-2 peer), per node. */
  readonly fullBlocksPerNode?: number;
}

interface Counts {
  bytes: number;
  announcements: number;
  bodies: number;
  blockTxn: number;
  fullBlocks: number;
}

export interface RelayPropagationOptions {
  readonly clock: VirtualClock;
  readonly ledger: SimLedger;
  readonly rng: Rng;
  /** Simulated TCP bytes delivered so far, all hosts (SimTcp stats). */
  readonly tcpBytes: () => number;
}

export class RelayPropagation {
  private readonly txs = new SimTxFactory();
  private readonly tracked = new WeakSet<SimRelayNode>();
  private current: { key: string; hash: Buffer; counts: Map<SimRelayNode, Counts>; arrivals: Map<SimRelayNode, number>; byKind: Map<string, number> } | undefined;

  constructor(private readonly options: RelayPropagationOptions) {}

  /** SimRelayNode's tap: counts the messages naming the current item. */
  readonly tap = (node: SimRelayNode, _peer: Peer, msg: WireMessage): void => {
    const cur = this.current;
    if (cur === undefined) return;
    cur.byKind.set(msg.kind, (cur.byKind.get(msg.kind) ?? 0) + 1);
    const { hash } = cur;
    let announce = 0;
    let body = 0;
    let blockTxn = 0;
    let full = 0;
    let bytes = FRAME_HEADER_BYTES;
    switch (msg.kind) {
      case 'inv':
        for (const item of msg.items) if (item.hash.equals(hash)) announce++;
        bytes += 3 + SIM_INV_ITEM_BYTES * msg.items.length;
        break;
      case 'cmpct-block':
        if (msg.header.hash.equals(hash)) announce++;
        bytes += HEADER_BYTES + 8 + 6 + SHORT_ID_BYTES * msg.shortIds.length + msg.prefilled.reduce((s, p) => s + 3 + p.tx.size, 0);
        break;
      case 'block':
        if (msg.block.hash.equals(hash)) body = full = 1;
        bytes += msg.block.size;
        break;
      case 'block-txn':
        if (msg.blockHash.equals(hash)) body = blockTxn = 1;
        bytes += 32 + 3 + msg.transactions.reduce((s, tx) => s + tx.size, 0);
        break;
      case 'transaction':
        if (msg.transaction.txid.equals(hash)) body = 1;
        bytes += msg.transaction.size;
        break;
      default:
        return;
    }
    if (announce + body === 0) return;
    let counts = cur.counts.get(node);
    if (!counts) cur.counts.set(node, (counts = { bytes: 0, announcements: 0, bodies: 0, blockTxn: 0, fullBlocks: 0 }));
    counts.bytes += bytes;
    counts.announcements += announce;
    counts.bodies += body;
    counts.blockTxn += blockTxn;
    counts.fullBlocks += full;
  };

  private track(node: SimRelayNode): void {
    if (this.tracked.has(node)) return;
    this.tracked.add(node);
    const arrived = (hash: Buffer): void => {
      const cur = this.current;
      if (cur !== undefined && !cur.arrivals.has(node) && hash.toString('latin1') === cur.key) cur.arrivals.set(node, this.options.clock.elapsedMs);
    };
    node.chain.on('block:connected', (block) => arrived(block.hash));
    node.mempool.on('tx:added', (entry) => arrived(entry.tx.txid));
  }

  /**
   * Starts `item` at `origin` and runs the clock until every node has it, nothing arrived for
   * PROPAGATION_QUIET_MS, or PROPAGATION_TIMEOUT_MS passed. Every node's chain catches up to the
   * ledger first (the stand-in for sync, see SimChain.catchUp).
   */
  async run(nodes: readonly SimRelayNode[], origin: SimRelayNode, item: RelayItem): Promise<PropagationResult> {
    const { clock, ledger, rng } = this.options;
    if (!nodes.includes(origin)) throw new KadchainError('sim-origin-not-live', 'the propagation origin is not among the live relay nodes');
    for (const node of nodes) {
      this.track(node);
      node.chain.catchUp();
      node.mempool.clearPrefill();
    }
    const n = nodes.length;
    let hash: Buffer;
    let start: () => void;
    if (item.kind === 'block') {
      const count = Math.max(1, Math.round((item.bytes - SIM_BLOCK_FIXED_BYTES) / item.txBytes));
      const txs = this.txs.many(count, item.txBytes);
      const pool = new SharedPool(txs, clock.nowMs());
      const missRate = item.missRate ?? 0;
      for (const node of nodes) {
        const lacking = new Set<string>();
        if (node !== origin && missRate > 0) for (const tx of txs) if (rng.next() < missRate) lacking.add(tx.txid.toString('latin1'));
        node.mempool.prefill(pool, lacking);
      }
      const block = mineSimBlock(ledger.tip, txs, Math.floor(clock.nowMs() / 1000));
      ledger.append(block);
      hash = block.hash;
      start = () => void origin.chain.processBlock(block);
    } else {
      const tx = this.txs.make(item.txBytes);
      hash = tx.txid;
      start = () => void origin.mempool.addTransaction(tx);
    }
    const cur = { key: hash.toString('latin1'), hash, counts: new Map<SimRelayNode, Counts>(), arrivals: new Map<SimRelayNode, number>(), byKind: new Map<string, number>() };
    this.current = cur;
    const bytesBefore = this.options.tcpBytes();
    const startedMs = clock.elapsedMs;
    start();
    let lastArrivals = 0;
    let lastChangeMs = startedMs;
    let endMs = startedMs + PROPAGATION_TIMEOUT_MS;
    while (clock.elapsedMs < endMs) {
      await clock.runUntil(Math.min(endMs, clock.elapsedMs + PROPAGATION_STEP_MS));
      if (cur.arrivals.size !== lastArrivals) {
        lastArrivals = cur.arrivals.size;
        lastChangeMs = clock.elapsedMs;
      }
      const everyone = nodes.every((node) => cur.arrivals.has(node));
      if (everyone || clock.elapsedMs - lastChangeMs >= PROPAGATION_QUIET_MS) endMs = Math.min(endMs, Math.max(clock.elapsedMs, lastChangeMs + PROPAGATION_TAIL_MS));
    }
    this.current = undefined;
    const originMs = cur.arrivals.get(origin) ?? startedMs;
    const arrivalsMs = nodes.flatMap((node) => {
      const at = cur.arrivals.get(node);
      return at === undefined ? [] : [at - originMs];
    });
    arrivalsMs.sort((a, b) => a - b);
    const at = (share: number): number | undefined => {
      const need = Math.ceil(share * n);
      return arrivalsMs.length >= need ? arrivalsMs[need - 1] : undefined;
    };
    let dupAnnouncements = 0;
    let dupBodies = 0;
    let blockTxn = 0;
    let fullBlocks = 0;
    let itemBytes = 0;
    for (const c of cur.counts.values()) {
      itemBytes += c.bytes;
      dupAnnouncements += Math.max(0, c.announcements - 1);
      dupBodies += Math.max(0, c.bodies - 1);
      blockTxn += c.blockTxn;
      fullBlocks += c.fullBlocks;
    }
    return {
      ...item,
      nodes: n,
      reached: arrivalsMs.length,
      t50Ms: at(0.5),
      t90Ms: at(0.9),
      t100Ms: at(1),
      duplicateAnnouncementsPerNode: dupAnnouncements / n,
      duplicateBodiesPerNode: dupBodies / n,
      bytesPerNode: (2 * itemBytes) / n,
      tcpBytesPerNode: (2 * (this.options.tcpBytes() - bytesBefore)) / n,
      windowMs: clock.elapsedMs - originMs,
      receivedPerNode: Object.fromEntries([...cur.byKind].map(([kind, count]) => [kind, count / n])),
      arrivalsMs,
      ...(item.kind === 'block' ? { blockTxnRoundTripsPerNode: blockTxn / n, fullBlocksPerNode: fullBlocks / n } : {}),
    };
  }
}

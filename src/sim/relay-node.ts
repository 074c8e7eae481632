/**
 * The relay of one simulated node: the production RelayStack (tx intake, Relay with compact
 * blocks and high-bandwidth selection, block intake, their message routing — what P2PNetwork
 * runs) over the node's real peer sessions, a stand-in chain and a stand-in mempool, on the
 * simulator's clock. What is not here is sync (the stand-in chain catches up between measured
 * blocks instead, see SimChain.catchUp) and NAT traversal.
 */
import { DEFAULT_ORPHAN_POOL_SIZE, ORPHAN_EXPIRY_MS } from '../p2p/constants.js';
import { OrphanPool } from '../p2p/orphans.js';
import type { Peer } from '../p2p/peer.js';
import type { RelayPeers } from '../p2p/relay-deps.js';
import { RelayStack } from '../p2p/relay-stack.js';
import type { UsefulKind } from '../p2p/types.js';
import type { WireMessage } from '../p2p/wire/index.js';
import type { LocalStatus } from '../p2p/handshake.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { RandomSource } from '../util/random-source.js';
import type { SimLedger } from './sim-blocks.js';
import { SimChain } from './stand-in-chain.js';
import { SimMempool } from './stand-in-mempool.js';

/** What the relay needs of the node's peer set (PeerSet satisfies it). */
export interface RelayPeerEvents extends RelayPeers {
  on(event: 'peer:ready', listener: (peer: Peer) => void): unknown;
  on(event: 'peer:closed', listener: (peer: Peer, reason: string) => void): unknown;
  on(event: 'peer:message', listener: (peer: Peer, msg: WireMessage) => void): unknown;
  /** A new valid block or tx from `peer`: inbound eviction protection. */
  noteUseful(peer: Peer, kind: UsefulKind): void;
}

export interface SimRelayNodeOptions {
  readonly peers: RelayPeerEvents;
  readonly ledger: SimLedger;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The node's seeded source (compact-block nonces, orphan-tx eviction). */
  readonly random: RandomSource;
  /** Sees every message before the relay does (the scenario counts duplicates with it). */
  readonly tap?: (node: SimRelayNode, peer: Peer, msg: WireMessage) => void;
}

export class SimRelayNode {
  readonly chain: SimChain;
  readonly mempool: SimMempool;
  readonly stack: RelayStack;
  private running = false;
  private readonly genesisHash: Buffer;

  constructor(options: SimRelayNodeOptions) {
    const { peers, ledger, clock, logger, random, tap } = options;
    this.genesisHash = ledger.genesis.hash;
    this.chain = new SimChain(ledger, clock);
    this.chain.catchUp();
    this.mempool = new SimMempool(clock, (txid) => {
      const height = ledger.confirmedAt(txid);
      return height !== undefined && height <= this.chain.tip.height;
    });
    // The node wires the chain to the pool the same way (node.ts: block:connected → mempool.blockConnected).
    this.chain.on('block:connected', (block) => this.mempool.blockConnected(block));
    this.stack = new RelayStack({
      chain: this.chain,
      mempool: this.mempool,
      peers,
      orphans: new OrphanPool<Peer>(DEFAULT_ORPHAN_POOL_SIZE, ORPHAN_EXPIRY_MS, clock.nowMs),
      logger,
      clock,
      random,
      onUseful: (peer, kind) => peers.noteUseful(peer, kind),
      onUnknownParent: () => undefined,
      onConnected: () => undefined,
    });
    peers.on('peer:ready', (peer) => {
      if (this.running) this.stack.onPeerReady(peer);
    });
    peers.on('peer:closed', (peer) => this.stack.onPeerClosed(peer));
    peers.on('peer:message', (peer, msg) => {
      if (!this.running) return;
      tap?.(this, peer, msg);
      this.stack.route(peer, msg);
    });
  }

  /** What the node's handshakes and pongs announce: the stand-in chain's tip (every block has the same work). */
  status(): LocalStatus {
    const { height } = this.chain.tip;
    return { genesisHash: this.genesisHash, bestHeight: height, chainWork: BigInt(height + 1) };
  }

  start(): void {
    this.running = true;
    this.stack.start();
  }

  stop(): void {
    this.running = false;
    this.stack.stop();
  }
}

/**
 * The relay half of a node, built and wired once: tx intake, the relay (inv / get-data, compact
 * blocks, serving) and block intake, and the routing of their messages. P2PNetwork adds the
 * peer set, sync and NAT traversal around it; the simulator (src/sim/relay-node.ts) runs the
 * same stack over stand-in chains and mempools, so what it measures is this code.
 */
import type { Block } from '../primitives/block.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { RandomSource } from '../util/random-source.js';
import { BlockIntake } from './block-intake.js';
import type { OrphanPool } from './orphans.js';
import type { Peer } from './peer.js';
import { Relay } from './relay.js';
import type { IntakeChain, RelayChain, RelayMempool, RelayPeers } from './relay-deps.js';
import { TxIntake } from './tx-intake.js';
import type { OnUseful } from './types.js';
import type { WireMessage } from './wire/index.js';

export interface RelayStackOptions {
  chain: RelayChain & IntakeChain;
  mempool: RelayMempool;
  peers: RelayPeers;
  orphans: OrphanPool<Peer>;
  logger: Logger;
  /** Only new valid blocks and txs earn inbound eviction protection: the intakes know the outcome. */
  onUseful: OnUseful;
  /** A block from `peer` builds on something we lack (sync asks that peer for the missing blocks). */
  onUnknownParent: (peer: Peer, block: Block) => void;
  /** A block joined the active chain. */
  onConnected: (block: Block) => void;
  /** A whole block arrived: true when sync asked for it and took it (then the intake does not see it). */
  takenBySync?: (peer: Peer, block: Block) => boolean;
  /** Timers and time of the relay and tx intake; default SYSTEM_CLOCK. */
  clock?: Clock;
  /** Compact-block nonces and orphan-tx eviction picks (the simulator's seeded source); default CRYPTO_RANDOM. */
  random?: RandomSource;
}

export class RelayStack {
  readonly txs: TxIntake;
  readonly relay: Relay;
  readonly intake: BlockIntake;
  /** Unasked blocks dropped: their sender had MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER waiting already. */
  unsolicitedDropped = 0;

  constructor(private readonly options: RelayStackOptions) {
    const { chain, mempool, peers, orphans, logger, onUseful, clock, random } = options;
    const withClock = { ...(clock ? { clock } : {}), ...(random ? { random } : {}) };
    // The relay is made next; the intake asks for an orphan's parents through its tracker.
    this.txs = new TxIntake({ chain, mempool, logger, onUseful, requestParents: (peer, txids) => this.relay.requestParents(peer, txids), ...withClock });
    this.relay = new Relay({
      chain,
      mempool,
      peers,
      orphans,
      txs: this.txs,
      logger,
      deliverCompact: (peer, block) => this.onBlockMessage(peer, block, true),
      refusedBlock: (hash) => this.intake.refusedAsLight(hash),
      ...withClock,
    });
    this.intake = new BlockIntake({
      chain,
      orphans,
      // Components that name themselves take the parent logger; the intake logs as 'p2p'.
      logger: logger.child({ component: 'p2p' }),
      onUnknownParent: options.onUnknownParent,
      onConnected: options.onConnected,
      onUseful,
    });
  }

  start(): void {
    this.relay.start();
    this.txs.start();
  }

  stop(): void {
    this.relay.stop();
    this.txs.stop();
  }

  onPeerReady(peer: Peer): void {
    this.relay.compact.onPeerReady(peer);
    this.relay.announcePool(peer);
  }

  onPeerClosed(peer: Peer): void {
    // Its orphan blocks go with it (orphans.ts removeForPeer): held, they kept the dead session alive.
    this.options.orphans.removeForPeer(peer);
    this.txs.onPeerClosed(peer);
    this.relay.onPeerClosed(peer);
  }

  /** The relay's messages; any other kind is not the relay's and is ignored here. */
  route(peer: Peer, msg: WireMessage): void {
    switch (msg.kind) {
      case 'inv': return this.relay.onInv(peer, msg.items);
      case 'get-data': return this.relay.onGetData(peer, msg.items);
      case 'get-block': return this.relay.onGetBlock(peer, msg);
      case 'transaction': return this.relay.onTransaction(peer, msg.transaction);
      case 'not-found': return this.relay.onNotFound(peer, msg.items);
      case 'block': return this.onBlockMessage(peer, msg.block, false);
      case 'send-compact': return this.relay.compact.onSendCompact(peer, msg);
      case 'cmpct-block': return this.relay.compact.onCompactBlock(peer, msg);
      case 'get-block-txn': return this.relay.compact.onGetBlockTxn(peer, msg);
      case 'block-txn': return this.relay.compact.onBlockTxn(peer, msg);
      default: return;
    }
  }

  /**
   * A block from a peer, sent whole or rebuilt from a compact block: a request of ours for it is
   * done; sync takes it if it asked for it, otherwise it goes to the intake — after being pushed
   * on to high-bandwidth peers when it extends our tip (compact-relay.ts relayEarly).
   */
  private onBlockMessage(peer: Peer, block: Block, viaCompact: boolean): void {
    const askedOf = this.relay.onBlock(block);
    if (!viaCompact) this.relay.compact.onFullBlock(peer, block.hash);
    // A rebuilt block is never taken by sync, even when sync is fetching the same block (header
    // sync and a rebuild can race): sync submits as a plain block, so an invalid body would get
    // the compact relayer discouraged, which BIP152 forbids. Sync's own copy then arrives as a
    // duplicate: waste, no harm.
    if (!viaCompact && this.options.takenBySync?.(peer, block) === true) return;
    if (!viaCompact) this.relay.compact.relayEarly(peer, block);
    // Judged as a compact block also when it answers our fallback from one: a peer serves a block
    // it pushed on before validating it (relay-serve.ts), and BIP152 does not punish for that.
    const lenient = viaCompact || this.relay.compact.askedWholeAfterCompact(peer, block.hash);
    const outcome = this.intake.submitUnsolicited(peer, block, { ...(lenient ? { viaCompact: true } : {}), ...(askedOf === peer ? { requested: true } : {}) });
    if (!outcome) {
      this.unsolicitedDropped++;
      return;
    }
    void outcome.then((status) => {
      // New to us from this peer, and valid: it earns a high-bandwidth slot (a duplicate says 'duplicate').
      if (status === 'connected' || status === 'reorganized') this.relay.compact.deliveredFirst(peer);
    });
  }
}

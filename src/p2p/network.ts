/**
 * P2PNetwork: the facade the node constructs. It owns the peer set, relay, block intake and
 * sync, and routes each ready peer's messages to them; the logic lives in those files (its
 * options, events and stats types: network-types.ts).
 */
import { EventEmitter } from 'node:events';
import type { Block } from '../primitives/block.js';
import { ZERO_HASH } from '../primitives/hash.js';
import type { BanEntry } from './bans.js';
import { ORPHAN_EXPIRY_MS } from './constants.js';
import type { DiscouragedEntry } from './discouraged.js';
import { OrphanPool } from './orphans.js';
import type { LocalStatus } from './handshake.js';
import type { Peer } from './peer.js';
import type { P2PNetworkEvents, P2PNetworkOptions, P2PStats } from './network-types.js';
import type { ManualPeerInfo, PeerInfo } from './peer-info.js';
import { PeerSet } from './peers.js';
import { RelayStack } from './relay-stack.js';
import { BlockSync } from './sync.js';
import type { SyncStatus } from './sync-status.js';
import { Traversal, type PunchResult, type TraversalState } from './traversal/index.js';
import type { TxIntake } from './tx-intake.js';
import type { UdpObservation } from './traversal/index.js';
import type { UsefulKind } from './types.js';
import type { WireMessage } from './wire/index.js';

export type { P2PNetworkEvents, P2PNetworkOptions, P2PStats } from './network-types.js';

export class P2PNetwork extends EventEmitter<P2PNetworkEvents> {
  private readonly options: P2PNetworkOptions;
  private readonly peerSet: PeerSet;
  /** Tx intake, relay and block intake (relay-stack.ts); `txs` is its part. */
  private readonly relayStack: RelayStack;
  private readonly sync: BlockSync;
  private readonly orphans: OrphanPool<Peer>;
  private readonly txs: TxIntake;
  private readonly traversal: Traversal;
  private readonly received: Record<string, number> = {};
  private running = false;
  private readonly onBlockConnected = (block: Block): void => {
    if (block.height === 0) this.dropOtherGenesis(block.hash);
  };

  constructor(options: P2PNetworkOptions) {
    super();
    this.options = options;
    const { chain, mempool, config, logger } = options;
    // Components that name themselves (peer set 'p2p', relay, sync) take the parent logger:
    // a pino child of a child repeats the "component" key in every line.
    this.peerSet = new PeerSet({
      config,
      nodeKey: options.nodeKey,
      status: () => this.localStatus(),
      peerSource: options.peerSource,
      logger,
      ...(options.classifyAddress === undefined ? {} : { classifyAddress: options.classifyAddress }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.transport === undefined ? {} : { transport: options.transport }),
    });
    this.orphans = new OrphanPool<Peer>(config.orphanPoolSize, ORPHAN_EXPIRY_MS);
    // Only new valid blocks and txs earn inbound eviction protection: the intakes know the outcome.
    const onUseful = (peer: Peer, kind: UsefulKind): void => this.peerSet.noteUseful(peer, kind);
    this.relayStack = new RelayStack({
      chain,
      mempool,
      peers: this.peerSet,
      orphans: this.orphans,
      logger,
      onUseful,
      onUnknownParent: (peer) => this.sync.onUnknownParent(peer),
      onConnected: (block) => this.sync.onConnected(block),
      takenBySync: (peer, block) => this.sync.onBlock(peer, block),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    this.txs = this.relayStack.txs;
    this.sync = new BlockSync({ chain, peers: this.peerSet, intake: this.relayStack.intake, config, logger, onStatus: (status) => this.emit('sync:progress', status), assumeValid: options.assumeValid ?? null });
    this.traversal = new Traversal({
      peers: this.peerSet,
      ownIdHex: options.nodeKey.nodeId.toString('hex'),
      listenPort: () => this.peerSet.tcpPort,
      classify: options.classifyAddress,
      logger,
    });
    this.traversal.on('reachability', (state) => this.emit('reachability', state));
    this.peerSet.on('peer:probe', (nonce) => this.traversal.onProbe(nonce));
    this.peerSet.on('peer:ready', (peer) => {
      this.relayStack.onPeerReady(peer);
      this.traversal.onPeerReady(peer);
      this.emit('peer:ready', this.peerSet.describe(peer));
      this.sync.maybeStart();
    });
    this.peerSet.on('peer:status', () => this.sync.maybeStart());
    this.peerSet.on('peer:closed', (peer, reason) => {
      this.sync.onPeerClosed(peer);
      this.relayStack.onPeerClosed(peer);
      this.traversal.onPeerClosed(peer);
      this.emit('peer:closed', peer.label, reason);
    });
    this.peerSet.on('peer:banned', (entry) => this.emit('peer:banned', entry));
    this.peerSet.on('peer:discouraged', (entry) => this.emit('peer:discouraged', entry));
    this.peerSet.on('peer:message', (peer, msg) => this.route(peer, msg));
  }

  /** The TCP port actually listened on (after start). */
  get tcpPort(): number {
    return this.peerSet.tcpPort;
  }

  /** NAT mapped our TCP port to another external one: announce that in handshakes (undefined = the bound port). */
  setAdvertisedListenPort(port: number | undefined): void {
    this.peerSet.setAdvertisedListenPort(port);
  }

  /** UPnP/NAT-PMP mapped our TCP port to `port` (undefined: no mapping now). */
  setMappedPort(port: number | undefined): void {
    this.traversal.setMappedPort(port);
  }

  /** Discovery's verified pong: how a pinged node saw our UDP endpoint. */
  observeUdp(observation: UdpObservation): void {
    this.traversal.observeUdp(observation);
  }

  /** Observed address, reachability and hole punching, for getinfo / `cli nat`. */
  traversalState(): TraversalState {
    return this.traversal.state();
  }

  /** `cli punch`: a direct connection to `nodeIdHex` through a peer both of us are connected to. */
  punch(nodeIdHex: string): Promise<PunchResult> {
    return this.traversal.punch(nodeIdHex);
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.peerSet.start();
    this.traversal.start();
    this.relayStack.start();
    this.options.chain.on('block:connected', this.onBlockConnected);
    this.running = true;
  }

  /** Closes the server and every connection; safe to call twice. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.options.chain.off('block:connected', this.onBlockConnected);
    this.traversal.stop();
    this.relayStack.stop();
    this.sync.stop();
    await this.peerSet.stop();
  }

  addPeer(host: string, port: number): void {
    this.peerSet.addPeer(host, port);
  }

  /** True when our connection to it was open and is now closed. */
  removePeer(host: string, port: number): boolean {
    return this.peerSet.removePeer(host, port);
  }

  peers(): PeerInfo[] {
    return this.peerSet.peers();
  }

  bans(): BanEntry[] {
    return this.peerSet.bans.list();
  }

  /** The operator's ban of an IP or node id (hex); persisted when the config names a ban file. */
  ban(key: string, reason?: string, durationMs?: number): BanEntry {
    return this.peerSet.ban(key, reason, durationMs);
  }

  unban(key: string): boolean {
    return this.peerSet.unban(key);
  }

  clearBans(): number {
    return this.peerSet.clearBans();
  }

  /** Resolves once every ban change so far is written to the ban file. */
  flushBans(): Promise<void> {
    return this.peerSet.flushBans();
  }

  /** An IP or proven node id (hex) that misbehaved recently. */
  isDiscouraged(key: string): boolean {
    return this.peerSet.discouraged.isDiscouraged(key);
  }

  discouraged(): DiscouragedEntry[] {
    return this.peerSet.discouraged.list();
  }

  manualPeers(): ManualPeerInfo[] {
    return this.peerSet.manualPeers();
  }

  isBanned(key: string): boolean {
    return this.peerSet.isBanned(key);
  }

  /** Headers, blocks, progress, initial-download flag and the running sync (getblockchaininfo, status page). */
  syncStatus(): SyncStatus {
    return this.sync.status();
  }

  /** A sync that started more than a block behind is running (the node logs its blocks at debug). */
  get isCatchingUp(): boolean {
    return this.sync.isCatchingUp;
  }

  stats(): P2PStats {
    const all = this.peerSet.peers();
    return {
      peers: all.length,
      readyPeers: all.filter((p) => p.ready).length,
      inbound: all.filter((p) => p.direction === 'inbound').length,
      outbound: all.filter((p) => p.direction === 'outbound').length,
      bans: this.bans().length,
      discouraged: this.discouraged().length,
      orphans: this.orphans.size,
      orphanTxs: this.txs.orphans.size,
      syncing: this.sync.isSyncing,
      syncPeer: this.sync.syncPeerLabel,
      peakBlocksInFlight: this.sync.peakBlocksInFlight,
      syncWaitedForBlocksMs: Math.round(this.sync.waitedForBlocksMs),
      blockStallTimeoutMs: this.sync.blockStallTimeoutMs,
      received: { ...this.received },
      unsolicitedBlocksDropped: this.relayStack.unsolicitedDropped,
    };
  }

  private localStatus(): LocalStatus {
    const { chain } = this.options;
    const tip = chain.tip;
    return { genesisHash: chain.genesisHash ?? ZERO_HASH, pinnedGenesis: chain.params.genesisHash, bestHeight: tip?.height ?? 0, chainWork: tip?.chainWork ?? 0n };
  }

  private route(peer: Peer, msg: WireMessage): void {
    this.received[msg.kind] = (this.received[msg.kind] ?? 0) + 1;
    switch (msg.kind) {
      case 'not-found':
        this.relayStack.route(peer, msg);
        return this.sync.onNotFound(peer, msg.items);
      case 'get-blocks': return this.sync.serveGetBlocks(peer, msg);
      case 'headers': return this.sync.onHeaders(peer, msg.headers);
      case 'dial-back':
      case 'dial-back-result':
      case 'probe':
      case 'punch':
      case 'get-punch-candidates':
      case 'punch-candidates':
        return this.traversal.onMessage(peer, msg);
      default:
        return this.relayStack.route(peer, msg); // inv, get-data, blocks, txs, compact blocks; ping/pong are answered by the peer itself
    }
  }

  /** We just got a genesis (adopted from a peer or created): peers of another network must go. */
  private dropOtherGenesis(genesis: Buffer): void {
    for (const peer of this.peerSet.ready()) {
      const theirs = peer.remoteHandshake?.genesisHash;
      if (theirs && !theirs.equals(ZERO_HASH) && !theirs.equals(genesis)) {
        peer.refuse('different-genesis', `our chain now starts at genesis ${genesis.toString('hex')}, the peer's at ${theirs.toString('hex')}`);
      }
    }
  }
}

/**
 * The peer set: the TCP server and the sessions, one connection per *proven* node id, and
 * discouragement of misbehaving addresses. It re-emits the ready peers' messages for relay and
 * sync. Admission of inbound connections (inbound.ts), one session per node id (proven-peers.ts),
 * outbound dialing (outbound.ts), manual peers (manual-peers.ts), persisted bans (ban-store.ts),
 * what a misbehaving session costs its address (peer-faults.ts) and how a socket becomes a session
 * (session-factory.ts) are its parts.
 */
import { EventEmitter } from 'node:events';
import { SYSTEM_CLOCK, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { CRYPTO_RANDOM, type RandomSource } from '../util/random-source.js';
import { BanStore } from './ban-store.js';
import type { BanEntry, BanList } from './bans.js';
import type { P2PConfig } from './config.js';
import { MAX_PUNCHED_OUTBOUND_SHARE, MAX_DISCOURAGED_ENTRIES } from './constants.js';
import type { NodeKey } from './discovery/node-key.js';
import { normalizeIp } from './discovery/endpoint.js';
import { DiscouragedSet, type DiscouragedEntry } from './discouraged.js';
import { P2PError } from './errors.js';
import { InboundGate } from './inbound.js';
import { ManualPeers } from './manual-peers.js';
import { classifyAddress, type AddressClassifier } from './netgroup.js';
import { OutboundDialer } from './outbound.js';
import type { LocalStatus } from './handshake.js';
import type { Peer, PeerDirection } from './peer.js';
import { PeerFaults } from './peer-faults.js';
import { describePeer, type ManualPeerInfo, type PeerInfo } from './peer-info.js';
import { ProvenPeers } from './proven-peers.js';
import { SessionFactory } from './session-factory.js';
import { NODE_TCP_TRANSPORT, type PeerStream, type TcpListener, type TcpTransport } from './tcp-transport.js';
import type { PeerSource, UsefulKind } from './types.js';
import type { WireMessage } from './wire/index.js';

export interface PeerSetOptions {
  config: P2PConfig;
  nodeKey: NodeKey;
  status: () => LocalStatus;
  peerSource?: PeerSource;
  logger: Logger;
  /** What an IP is (loopback, private, public); tests call some loopback addresses public. */
  classifyAddress?: AddressClassifier;
  /** Time and timers of the sessions, dials and redials (the simulator's virtual clock); default SYSTEM_CLOCK. */
  clock?: Clock;
  /** How connections are made and accepted (the simulator's streams); default NODE_TCP_TRANSPORT (node:net). */
  transport?: TcpTransport;
  /** The sessions' nonces, the eviction key and the redial jitter (the simulator's seeded source); default CRYPTO_RANDOM. */
  random?: RandomSource;
}

export interface PeerSetEvents {
  'peer:ready': [peer: Peer];
  'peer:closed': [peer: Peer, reason: string];
  'peer:message': [peer: Peer, msg: WireMessage];
  /** An inbound connection carried only a dial-back probe (NAT traversal's reachability check). */
  'peer:probe': [nonce: bigint];
  'peer:status': [peer: Peer];
  'peer:banned': [entry: BanEntry];
  'peer:discouraged': [entry: DiscouragedEntry];
}

export class PeerSet extends EventEmitter<PeerSetEvents> {
  readonly bans: BanList;
  readonly discouraged: DiscouragedSet;
  private readonly options: PeerSetOptions;
  private readonly logger: Logger;
  private readonly classify: AddressClassifier;
  private readonly banStore: BanStore;
  private readonly all = new Set<Peer>();
  /** One session per proven node id (proven-peers.ts). */
  private readonly provenPeers: ProvenPeers;
  private readonly ownIdHex: string;
  private server: TcpListener | undefined;
  private readonly transport: TcpTransport;
  private port = 0;
  private running = false;
  private readonly inbound: InboundGate;
  private readonly outbound: OutboundDialer;
  private readonly manual: ManualPeers;
  /** What a misbehaving or refused session costs its address, and its log line (peer-faults.ts). */
  private readonly faults: PeerFaults;
  /** Makes the sessions of connected sockets (session-factory.ts). */
  private readonly sessions: SessionFactory;

  constructor(options: PeerSetOptions) {
    super();
    this.options = options;
    this.logger = options.logger.child({ component: 'p2p' });
    this.ownIdHex = options.nodeKey.nodeId.toString('hex');
    const clock = options.clock ?? SYSTEM_CLOCK;
    this.transport = options.transport ?? NODE_TCP_TRANSPORT;
    const random = options.random ?? CRYPTO_RANDOM;
    this.classify = options.classifyAddress ?? classifyAddress;
    this.banStore = new BanStore(options.config.banFile, this.logger);
    this.bans = this.banStore.list;
    this.discouraged = new DiscouragedSet(MAX_DISCOURAGED_ENTRIES, options.config.discourageDurationMs, clock.nowMs);
    this.provenPeers = new ProvenPeers(this.ownIdHex, this.bans, this.all, clock.nowMs);
    const { config } = options;
    const { bans, discouraged, classify, logger } = this;
    const isRunning = (): boolean => this.running;
    this.faults = new PeerFaults({
      discouraged, classify, logger, nowMs: clock.nowMs,
      isManual: (peer) => this.manual.isManual(peer),
      onDiscouraged: (entry) => this.emit('peer:discouraged', entry),
    });
    this.inbound = new InboundGate({ config, bans, discouraged, classify, logger, clock, random });
    this.outbound = new OutboundDialer({
      config, ownIdHex: this.ownIdHex, peerSource: options.peerSource, bans, discouraged, classify, logger, isRunning,
      peers: () => this.all,
      isConnected: (idHex) => this.provenPeers.has(idHex),
      attach: (socket) => this.attach(socket, 'outbound'),
      isManual: (peer) => this.manual.isManual(peer),
      clock,
      transport: this.transport,
    });
    this.manual = new ManualPeers({
      reconnectBackoffMs: config.reconnectBackoffMs, logger, isRunning, clock, random: random.fraction,
      isBanned: (key) => bans.isBanned(key),
      connectedNode: (idHex) => this.provenPeers.get(idHex),
      dial: (host, port, onPeer) => this.outbound.dial(host, port, onPeer),
    });
    this.sessions = new SessionFactory({
      config, nodeKey: options.nodeKey, status: options.status, provenPeers: this.provenPeers, faults: this.faults, clock, random, logger,
      boundPort: () => this.port,
    });
  }

  get tcpPort(): number {
    return this.port;
  }

  /** The listen port new handshakes announce (a NAT's external port); undefined = the bound one. */
  setAdvertisedListenPort(port: number | undefined): void {
    this.sessions.setAdvertisedListenPort(port);
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.banStore.load();
    const { listenHost, port } = this.options.config;
    const server = await this.transport
      .listen(listenHost, port, (socket) => this.onInbound(socket), (err) => this.logger.error({ err: err.message }, 'peer server error'))
      .catch((err: Error) => {
        throw new P2PError('listen-failed', `cannot listen for peers on ${listenHost}:${port}: ${err.message}`, { cause: err });
      });
    this.server = server;
    this.port = server.port;
    this.running = true;
    this.outbound.start();
    this.logger.info({ host: listenHost, port: this.port }, 'listening for peers');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.outbound.stop();
    this.manual.stop();
    for (const peer of [...this.all]) peer.close('shutting down');
    const server = this.server;
    this.server = undefined;
    if (server) await server.close();
    await this.banStore.flush();
  }

  /** Ready peers (handshake complete both ways). */
  ready(): Peer[] {
    return [...this.all].filter((p) => p.isReady);
  }

  /** The ready session whose ack proved `idHex`, if any. */
  byNodeId(idHex: string): Peer | undefined {
    const peer = this.provenPeers.get(idHex);
    return peer?.isReady ? peer : undefined;
  }

  /** Outbound slots a hole punch may take (see TraversalPeers.punchRoom). */
  punchRoom(): number {
    const { maxOutbound } = this.options.config;
    const punched = [...this.all].filter((p) => p.punchedVia !== undefined).length;
    // At least one: with a single outbound slot, a node behind a NAT may still punch its one link.
    return Math.min(maxOutbound - this.outbound.count(), Math.max(1, Math.floor(maxOutbound * MAX_PUNCHED_OUTBOUND_SHARE)) - punched);
  }

  /** Outbound sessions plus dials under way: what the dialer counts against maxOutbound. */
  outboundCount(): number {
    return this.outbound.count();
  }

  /** Inbound slots still free (a full set evicts someone for the next inbound connection). */
  inboundRoom(): number {
    return this.options.config.maxInbound - [...this.all].filter((p) => p.direction === 'inbound').length;
  }

  outboundGroupTaken(ip: string): boolean {
    return this.outbound.netGroupTaken(ip, false);
  }

  /** A socket a hole punch connected: a session like an outbound dial's, marked with the relay. */
  attachPunched(socket: PeerStream, relayIdHex: string): Peer {
    return this.attach(socket, 'outbound', relayIdHex);
  }

  /** The seeds' "register" op: dial host:port now and keep redialling it with backoff. */
  addPeer(host: string, port: number): void {
    this.manual.add(host, port);
  }

  /** Stops redialling a manual peer and closes our connection to it (true if one was open); throws P2PError for an unknown one. */
  removePeer(host: string, port: number): boolean {
    return this.manual.remove(host, port);
  }

  /**
   * The operator's ban (Core's setban add) of an IP or a node id (64 hex digits): persisted,
   * and every connection it matches is closed.
   */
  ban(rawKey: string, reason = 'banned by operator', durationMs = this.options.config.banDurationMs): BanEntry {
    const entry = this.banStore.ban(rawKey, reason, durationMs);
    for (const peer of [...this.all]) {
      if (peer.ip === entry.key || peer.nodeId?.toString('hex') === entry.key) peer.close(`banned: ${reason}`);
    }
    this.emit('peer:banned', entry);
    return entry;
  }

  /** Lifts a ban; false when `key` was not banned. */
  unban(rawKey: string): boolean {
    return this.banStore.unban(rawKey);
  }

  /** Lifts every ban; returns how many there were. */
  clearBans(): number {
    return this.banStore.clear();
  }

  /** Resolves once every ban change so far is on disk. */
  async flushBans(): Promise<void> {
    await this.banStore.flush();
  }

  isBanned(key: string): boolean {
    return this.bans.isBanned(key);
  }

  isDiscouraged(ip: string): boolean {
    return this.discouraged.isDiscouraged(ip);
  }

  peers(): PeerInfo[] {
    return [...this.all].map((p) => this.describe(p));
  }

  /** One peer's row, as peers() lists it and the status page's peer-up event carries it. */
  describe(peer: Peer): PeerInfo {
    return describePeer(peer, this.manual.isManual(peer), this.discouraged.isDiscouraged(peer.ip));
  }

  manualPeers(): ManualPeerInfo[] {
    return this.manual.describe();
  }

  /** `peer` gave us a new valid block or tx (the intakes tell): inbound eviction protects recent givers. */
  noteUseful(peer: Peer, kind: UsefulKind): void {
    this.inbound.noteUseful(peer, kind);
  }

  /** Sends `msg` to every ready peer for which `filter` is true. */
  broadcast(msg: WireMessage, filter: (peer: Peer) => boolean = () => true): number {
    let sent = 0;
    for (const peer of this.ready()) if (filter(peer) && peer.send(msg)) sent++;
    return sent;
  }

  private onInbound(socket: PeerStream): void {
    const ip = normalizeIp(socket.remoteAddress ?? '0.0.0.0');
    const refusal = this.running ? this.inbound.refusal(ip, this.all) : 'the node is shutting down';
    if (refusal !== undefined) {
      this.inbound.logRefusal(ip, socket.remotePort, refusal);
      socket.destroy();
      return;
    }
    this.inbound.admitted(this.attach(socket, 'inbound'));
  }

  private attach(socket: PeerStream, direction: PeerDirection, punchedVia?: string): Peer {
    const peer = this.sessions.create(socket, direction, punchedVia);
    this.all.add(peer);
    peer.on('ready', () => this.emit('peer:ready', peer));
    peer.on('message', (msg) => this.emit('peer:message', peer, msg));
    peer.on('status', () => this.emit('peer:status', peer));
    peer.on('probe', (nonce) => this.emit('peer:probe', nonce));
    peer.on('misbehaviour', (code, reason) => this.faults.onMisbehaviour(peer, code, reason));
    peer.on('close', (reason) => {
      this.all.delete(peer);
      this.provenPeers.forget(peer);
      this.outbound.sessionClosed(peer);
      // A dial-back probe was never a peer: nobody needs to hear that it went.
      if (!peer.wasProbe) this.emit('peer:closed', peer, reason);
    });
    peer.start();
    return peer;
  }
}

/**
 * The peer set: TCP server (inbound up to maxInbound), outbound dialing from discovery (up to
 * maxOutbound) and manual peers (kept, redialled with exponential backoff), one connection per
 * node id, timed bans. It re-emits the ready peers' messages for relay and sync.
 */
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { BanList, type BanEntry } from './bans.js';
import type { P2PConfig } from './config.js';
import { CONNECT_TIMEOUT_MS, DIAL_INTERVAL_MS } from './constants.js';
import { dialTcp, peerAddressKey } from './dial.js';
import type { NodeKey } from './discovery/node-key.js';
import { normalizeIp } from './discovery/endpoint.js';
import { P2PError, type RefusalCode } from './errors.js';
import { Peer, type LocalStatus, type PeerDirection } from './peer.js';
import { describePeer, type PeerInfo } from './peer-info.js';
import type { DiscoveredNode, PeerSource } from './types.js';
import type { HandshakeMessage, WireMessage } from './wire/index.js';

export interface PeerSetOptions {
  config: P2PConfig;
  nodeKey: NodeKey;
  status: () => LocalStatus;
  peerSource?: PeerSource;
  logger: Logger;
}

export interface PeerSetEvents {
  'peer:ready': [peer: Peer];
  'peer:closed': [peer: Peer, reason: string];
  'peer:message': [peer: Peer, msg: WireMessage];
  'peer:status': [peer: Peer];
  'peer:banned': [entry: BanEntry];
}



interface ManualPeer {
  readonly host: string;
  readonly port: number;
  backoffMs: number;
  timer: NodeJS.Timeout | undefined;
  peer: Peer | undefined;
  /** Learned from its handshake: lets us skip redialling while connected the other way. */
  nodeIdHex: string | undefined;
}

export class PeerSet extends EventEmitter<PeerSetEvents> {
  readonly bans = new BanList();
  private readonly options: PeerSetOptions;
  private readonly logger: Logger;
  private readonly all = new Set<Peer>();
  private readonly byNodeId = new Map<string, Peer>();
  private readonly manual = new Map<string, ManualPeer>();
  private readonly dialing = new Set<string>();
  private readonly ownIdHex: string;
  private server: Server | undefined;
  private dialTimer: NodeJS.Timeout | undefined;
  private port = 0;
  /** What handshakes announce as our listen port when NAT mapped another external one. */
  private advertisedPort: number | undefined;
  private running = false;
  private readonly onVerified = (node: DiscoveredNode): void => this.maybeDial(node);

  constructor(options: PeerSetOptions) {
    super();
    this.options = options;
    this.logger = options.logger.child({ component: 'p2p' });
    this.ownIdHex = options.nodeKey.nodeId.toString('hex');
  }

  get tcpPort(): number {
    return this.port;
  }

  /** The listen port new handshakes announce (a NAT's external port); undefined = the bound one. */
  setAdvertisedListenPort(port: number | undefined): void {
    this.advertisedPort = port;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { listenHost, port } = this.options.config;
    const server = createServer((socket) => this.onInbound(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new P2PError('listen-failed', `cannot listen for peers on ${listenHost}:${port}: ${err.message}`, { cause: err })));
      server.listen(port, listenHost, () => resolve());
    });
    server.on('error', (err) => this.logger.error({ err: err.message }, 'peer server error'));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.running = true;
    this.options.peerSource?.on('node:verified', this.onVerified);
    this.dialTimer = setInterval(() => this.dialKnown(), DIAL_INTERVAL_MS);
    this.dialKnown();
    this.logger.info({ host: listenHost, port: this.port }, 'listening for peers');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.dialTimer);
    this.options.peerSource?.off('node:verified', this.onVerified);
    for (const m of this.manual.values()) clearTimeout(m.timer);
    for (const peer of [...this.all]) peer.close('shutting down');
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Ready peers (handshake complete both ways). */
  ready(): Peer[] {
    return [...this.all].filter((p) => p.isReady);
  }

  /** The seeds' "register" op: dial host:port now and keep redialling it with backoff. */
  addPeer(host: string, port: number): void {
    const key = peerAddressKey(host, port);
    if (!this.running) throw new P2PError('not-started', 'the peer layer is not running; start the node before adding peers');
    let entry = this.manual.get(key);
    if (!entry) {
      entry = { host, port, backoffMs: this.options.config.reconnectBackoffMs.min, timer: undefined, peer: undefined, nodeIdHex: undefined };
      this.manual.set(key, entry);
    }
    if (!entry.peer) {
      clearTimeout(entry.timer);
      this.dialManual(entry);
    }
  }

  /** Bans a node id (hex) or IP and disconnects its peers. */
  ban(key: string, reason = 'banned by operator', durationMs = this.options.config.banDurationMs): BanEntry {
    const entry = this.bans.ban(key, durationMs, reason);
    this.logger.warn({ key, reason, untilMs: entry.untilMs }, 'banned');
    for (const peer of [...this.all]) {
      if (peer.ip === key || peer.nodeId?.toString('hex') === key) peer.close(`banned: ${reason}`);
    }
    this.emit('peer:banned', entry);
    return entry;
  }

  isBanned(key: string): boolean {
    return this.bans.isBanned(key);
  }

  peers(): PeerInfo[] {
    const manualPeers = new Set([...this.manual.values()].map((m) => m.peer));
    return [...this.all].map((p) => describePeer(p, manualPeers.has(p)));
  }

  /** Sends `msg` to every ready peer for which `filter` is true. */
  broadcast(msg: WireMessage, filter: (peer: Peer) => boolean = () => true): number {
    let sent = 0;
    for (const peer of this.ready()) if (filter(peer) && peer.send(msg)) sent++;
    return sent;
  }

  private onInbound(socket: Socket): void {
    const ip = normalizeIp(socket.remoteAddress ?? '0.0.0.0');
    const inbound = [...this.all].filter((p) => p.direction === 'inbound').length;
    if (!this.running || this.bans.isBanned(ip) || inbound >= this.options.config.maxInbound) {
      this.logger.debug({ ip, inbound, banned: this.bans.isBanned(ip) }, 'inbound connection refused');
      socket.destroy();
      return;
    }
    this.attach(socket, 'inbound');
  }

  private attach(socket: Socket, direction: PeerDirection): Peer {
    const { config, nodeKey, status } = this.options;
    const peer = new Peer({
      socket,
      direction,
      nodeKey,
      listenPort: this.advertisedPort ?? this.port,
      pingIntervalMs: config.pingIntervalMs,
      peerTimeoutMs: config.peerTimeoutMs,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      frameTimeoutMs: config.frameTimeoutMs,
      maxSendBufferBytes: config.maxSendBufferBytes,
      status,
      admit: (p, hs) => this.admit(p, hs),
      logger: this.logger,
    });
    this.all.add(peer);
    peer.on('ready', () => this.emit('peer:ready', peer));
    peer.on('message', (msg) => this.emit('peer:message', peer, msg));
    peer.on('status', () => this.emit('peer:status', peer));
    peer.on('misbehaviour', (code, reason, nodeIdProven) => this.onMisbehaviour(peer, code, reason, nodeIdProven));
    peer.on('close', (reason) => {
      this.all.delete(peer);
      const id = peer.nodeId?.toString('hex');
      if (id && this.byNodeId.get(id) === peer) this.byNodeId.delete(id);
      this.emit('peer:closed', peer, reason);
    });
    peer.start();
    return peer;
  }

  private admit(peer: Peer, hs: HandshakeMessage): { code: RefusalCode; reason: string } | undefined {
    const idHex = hs.nodeId.toString('hex');
    if (idHex === this.ownIdHex || [...this.all].some((p) => p !== peer && p.nonce === hs.nonce)) {
      return { code: 'self-connection', reason: 'connected to ourselves (the handshake carries our own nonce or node id)' };
    }
    if (this.bans.isBanned(idHex)) return { code: 'banned', reason: `node ${idHex} is banned` };
    const existing = this.byNodeId.get(idHex);
    if (existing && !existing.isClosed) {
      // Simultaneous dials both ways: both ends keep the one dialled by the lower node id.
      const lowerDials = (peer.direction === 'outbound') === this.ownIdHex < idHex;
      if (existing.direction === peer.direction || !lowerDials) {
        return { code: 'duplicate-connection', reason: `already connected to node ${idHex} (${existing.label})` };
      }
      existing.refuse('duplicate-connection', `replaced by the connection dialled by the lower node id (${peer.label})`);
    }
    this.byNodeId.set(idHex, peer);
    return undefined;
  }

  private onMisbehaviour(peer: Peer, code: string, reason: string, nodeIdProven: boolean): void {
    const { banDurationMs } = this.options.config;
    const why = `${code}: ${reason}`;
    // An unproven node id may belong to an honest node someone impersonates: ban the IP only.
    const keys = [peer.ip, ...(nodeIdProven && peer.nodeId ? [peer.nodeId.toString('hex')] : [])];
    for (const key of keys) this.emit('peer:banned', this.bans.ban(key, banDurationMs, why));
    this.logger.warn({ peer: peer.label, keys, code }, 'peer banned');
  }

  private dialManual(entry: ManualPeer): void {
    entry.timer = undefined;
    if (!this.running) return;
    const connectedOtherWay = entry.nodeIdHex !== undefined && this.byNodeId.has(entry.nodeIdHex);
    if (connectedOtherWay || this.bans.isBanned(entry.host) || (entry.nodeIdHex && this.bans.isBanned(entry.nodeIdHex))) {
      this.scheduleManual(entry);
      return;
    }
    void this.dial(entry.host, entry.port, (peer) => {
      entry.peer = peer;
      peer.once('ready', () => {
        entry.backoffMs = this.options.config.reconnectBackoffMs.min;
        entry.nodeIdHex = peer.nodeId?.toString('hex');
      });
      peer.once('close', () => {
        entry.peer = undefined;
        entry.nodeIdHex ??= peer.nodeId?.toString('hex');
        this.scheduleManual(entry);
      });
    }).then((ok) => {
      if (!ok) this.scheduleManual(entry);
    });
  }

  private scheduleManual(entry: ManualPeer): void {
    if (!this.running || entry.timer) return;
    const delayMs = entry.backoffMs;
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.options.config.reconnectBackoffMs.max);
    entry.timer = setTimeout(() => this.dialManual(entry), delayMs);
    this.logger.debug({ host: entry.host, port: entry.port, delayMs }, 'will redial manual peer');
  }

  /** Resolves true once the TCP connection is up and the session started, false if it failed. */
  private async dial(host: string, port: number, onPeer?: (peer: Peer) => void): Promise<boolean> {
    const key = peerAddressKey(host, port);
    if (this.dialing.has(key)) return false;
    this.dialing.add(key);
    try {
      const socket = await dialTcp(host, port, CONNECT_TIMEOUT_MS);
      if (!this.running) {
        socket.destroy();
        return false;
      }
      const peer = this.attach(socket, 'outbound');
      onPeer?.(peer);
      return true;
    } catch (err) {
      this.logger.debug({ host, port, err: errorMessage(err) }, 'dial failed');
      return false;
    } finally {
      this.dialing.delete(key);
    }
  }

  private outboundCount(): number {
    return [...this.all].filter((p) => p.direction === 'outbound').length + this.dialing.size;
  }

  private maybeDial(node: DiscoveredNode): void {
    const idHex = node.nodeId.toString('hex');
    const { ip, tcpPort } = node.endpoint;
    if (!this.running || tcpPort === 0 || idHex === this.ownIdHex || this.byNodeId.has(idHex)) return;
    if (this.bans.isBanned(idHex) || this.bans.isBanned(ip) || this.outboundCount() >= this.options.config.maxOutbound) return;
    void this.dial(ip, tcpPort);
  }

  private dialKnown(): void {
    const source = this.options.peerSource;
    if (!source) return;
    for (const node of source.knownNodes(this.options.config.maxOutbound * 4)) {
      if (this.outboundCount() >= this.options.config.maxOutbound) break;
      this.maybeDial(node);
    }
  }
}

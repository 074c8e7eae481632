/**
 * The peer set: TCP server (inbound up to maxInbound, bounded per IP and netgroup, evicting
 * when full), outbound dialing from discovery (up to maxOutbound, one per netgroup) and manual
 * peers (kept, redialled with exponential backoff), one connection per *proven* node id,
 * manual bans (persisted) and discouragement of misbehaving addresses. It re-emits the ready
 * peers' messages for relay and sync.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { rename } from 'node:fs/promises';
import { createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { readBanFile, writeBanFile } from './ban-file.js';
import { BanList, type BanEntry } from './bans.js';
import type { P2PConfig } from './config.js';
import {
  CONNECT_TIMEOUT_MS,
  DIAL_INTERVAL_MS,
  INBOUND_REFUSAL_WARN_INTERVAL_MS,
  INBOUND_REFUSAL_WARN_KEYS,
  MANUAL_PEER_PERMANENT_RETRY_MS,
  MAX_BAN_ENTRIES,
  MAX_DISCOURAGED_ENTRIES,
} from './constants.js';
import { dialTcp, peerAddressKey } from './dial.js';
import type { NodeKey } from './discovery/node-key.js';
import { normalizeIp } from './discovery/endpoint.js';
import { DiscouragedSet, type DiscouragedEntry } from './discouraged.js';
import { PERMANENT_REFUSALS, P2PError, type RefusalCode } from './errors.js';
import { selectEvictionVictim } from './eviction.js';
import type { MisbehaviourCode, PenaltyAction } from './misbehaviour.js';
import { LogThrottle } from './log-throttle.js';
import { classifyAddress, netGroup, type AddressClassifier } from './netgroup.js';
import { Peer, type LocalStatus, type PeerDirection } from './peer.js';
import { describePeer, type ManualPeerInfo, type PeerInfo } from './peer-info.js';
import type { DiscoveredNode, PeerSource } from './types.js';
import type { HandshakeMessage, WireMessage } from './wire/index.js';

export interface PeerSetOptions {
  config: P2PConfig;
  nodeKey: NodeKey;
  status: () => LocalStatus;
  peerSource?: PeerSource;
  logger: Logger;
  /** What an IP is (loopback, private, public); tests call some loopback addresses public. */
  classifyAddress?: AddressClassifier;
}

export interface PeerSetEvents {
  'peer:ready': [peer: Peer];
  'peer:closed': [peer: Peer, reason: string];
  'peer:message': [peer: Peer, msg: WireMessage];
  'peer:status': [peer: Peer];
  'peer:banned': [entry: BanEntry];
  'peer:discouraged': [entry: DiscouragedEntry];
}

interface ManualPeer {
  readonly host: string;
  readonly port: number;
  backoffMs: number;
  timer: NodeJS.Timeout | undefined;
  peer: Peer | undefined;
  /** Proven by its handshake-ack: lets us skip redialling while connected the other way. */
  nodeIdHex: string | undefined;
  /** Why the last attempt failed (dial error or refusal), for `cli peers`. */
  lastError: string | undefined;
  nextRetryAtMs: number | undefined;
}

/** When a peer last gave us something useful (inbound eviction protects recent givers). */
interface Activity {
  lastBlockMs: number;
  lastTxMs: number;
}

export class PeerSet extends EventEmitter<PeerSetEvents> {
  readonly bans = new BanList(MAX_BAN_ENTRIES);
  readonly discouraged: DiscouragedSet;
  private readonly options: PeerSetOptions;
  private readonly logger: Logger;
  private readonly classify: AddressClassifier;
  /** Salt of the eviction's netgroup ranking: outsiders cannot tell which groups are protected. */
  private readonly evictionKey = randomBytes(32);
  private readonly activity = new WeakMap<Peer, Activity>();
  private readonly refusalLog = new LogThrottle(INBOUND_REFUSAL_WARN_KEYS, INBOUND_REFUSAL_WARN_INTERVAL_MS);
  /** Ban file writes, one after another (each writes the whole list). */
  private banWrites: Promise<void> = Promise.resolve();
  private readonly all = new Set<Peer>();
  private readonly byNodeId = new Map<string, Peer>();
  private readonly manual = new Map<string, ManualPeer>();
  /** Dials under way: address key → host (the netgroup rule counts them as outbound already). */
  private readonly dialing = new Map<string, string>();
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
    this.classify = options.classifyAddress ?? classifyAddress;
    this.discouraged = new DiscouragedSet(MAX_DISCOURAGED_ENTRIES, options.config.discourageDurationMs);
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
    await this.loadBans();
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
    await this.banWrites;
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
      entry = { host, port, backoffMs: this.options.config.reconnectBackoffMs.min, timer: undefined, peer: undefined, nodeIdHex: undefined, lastError: undefined, nextRetryAtMs: undefined };
      this.manual.set(key, entry);
    }
    if (!entry.peer) {
      // The operator asked again: retry now, even after a long wait for a permanent refusal.
      clearTimeout(entry.timer);
      entry.timer = undefined;
      entry.backoffMs = this.options.config.reconnectBackoffMs.min;
      this.dialManual(entry);
    }
  }

  /**
   * The operator's ban (Core's setban add) of an IP or a node id (64 hex digits): persisted,
   * and every connection it matches is closed.
   */
  ban(rawKey: string, reason = 'banned by operator', durationMs = this.options.config.banDurationMs): BanEntry {
    const key = banKey(rawKey);
    const entry = this.bans.ban(key, durationMs, reason);
    this.logger.warn({ key, reason, untilMs: entry.untilMs }, 'banned');
    for (const peer of [...this.all]) {
      if (peer.ip === key || peer.nodeId?.toString('hex') === key) peer.close(`banned: ${reason}`);
    }
    this.emit('peer:banned', entry);
    this.saveBans();
    return entry;
  }

  /** Lifts a ban; false when `key` was not banned. */
  unban(rawKey: string): boolean {
    const key = banKey(rawKey);
    const removed = this.bans.unban(key);
    if (removed) {
      this.logger.warn({ key }, 'unbanned');
      this.saveBans();
    }
    return removed;
  }

  /** Lifts every ban; returns how many there were. */
  clearBans(): number {
    const n = this.bans.clear();
    this.logger.warn({ count: n }, 'cleared every ban');
    this.saveBans();
    return n;
  }

  /** Resolves once every ban change so far is on disk. */
  async flushBans(): Promise<void> {
    await this.banWrites;
  }

  isBanned(key: string): boolean {
    return this.bans.isBanned(key);
  }

  peers(): PeerInfo[] {
    const manualPeers = new Set([...this.manual.values()].map((m) => m.peer));
    return [...this.all].map((p) => describePeer(p, manualPeers.has(p), this.isDiscouraged(p)));
  }

  manualPeers(): ManualPeerInfo[] {
    return [...this.manual.values()].map((m) => describeManualPeer(m, m.nodeIdHex !== undefined && this.byNodeId.get(m.nodeIdHex)?.isReady === true));
  }

  /** Sends `msg` to every ready peer for which `filter` is true. */
  broadcast(msg: WireMessage, filter: (peer: Peer) => boolean = () => true): number {
    let sent = 0;
    for (const peer of this.ready()) if (filter(peer) && peer.send(msg)) sent++;
    return sent;
  }

  private onInbound(socket: Socket): void {
    const ip = normalizeIp(socket.remoteAddress ?? '0.0.0.0');
    const refusal = this.running ? this.inboundRefusal(ip) : 'the node is shutting down';
    if (refusal !== undefined) {
      const level = this.refusalLog.shouldWarn(`${ip} ${refusal}`) ? 'warn' : 'debug';
      this.logger[level]({ ip, port: socket.remotePort, reason: refusal }, 'inbound connection refused');
      socket.destroy();
      return;
    }
    this.attach(socket, 'inbound');
  }

  /** Why an inbound connection from `ip` may not have a slot (evicting someone if need be), or undefined. */
  private inboundRefusal(ip: string): string | undefined {
    const { maxInbound, maxInboundPerIp, maxInboundPerNetgroup } = this.options.config;
    if (this.bans.isBanned(ip)) return 'the address is banned';
    const inbound = [...this.all].filter((p) => p.direction === 'inbound');
    if (this.classify(ip) !== 'loopback') {
      // Loopback is exempt: every node of a local test network shares 127.0.0.1.
      if (inbound.filter((p) => p.ip === ip).length >= maxInboundPerIp) return `already ${maxInboundPerIp} inbound connection(s) from this address (p2p.maxInboundPerIp)`;
      const group = netGroup(ip, this.classify);
      if (inbound.filter((p) => netGroup(p.ip, this.classify) === group).length >= maxInboundPerNetgroup) {
        return `already ${maxInboundPerNetgroup} inbound connection(s) from network ${group} (p2p.maxInboundPerNetgroup)`;
      }
    }
    if (inbound.length < maxInbound) return undefined;
    if (this.discouraged.isDiscouraged(ip)) return 'the address is discouraged (it misbehaved) and every inbound slot is taken';
    const victim = selectEvictionVictim(
      inbound.map((p) => ({
        id: p,
        netGroup: netGroup(p.ip, this.classify),
        pingMs: p.pingRttMs,
        lastBlockMs: this.activity.get(p)?.lastBlockMs ?? 0,
        lastTxMs: this.activity.get(p)?.lastTxMs ?? 0,
        connectedAtMs: p.connectedAtMs,
        discouraged: this.isDiscouraged(p),
      })),
      this.evictionKey,
    );
    if (!victim) return `all ${maxInbound} inbound slots are taken and every inbound peer is protected from eviction`;
    this.logger.warn({ peer: victim.label, for: ip, discouraged: this.isDiscouraged(victim) }, 'evicting an inbound peer to make room for a new one');
    victim.close(`evicted for a new inbound connection from ${ip}`);
    return undefined;
  }

  /** Discouraged by address, or by a node id its ack proved. */
  private isDiscouraged(peer: Peer): boolean {
    const id = peer.provenNodeId?.toString('hex');
    return this.discouraged.isDiscouraged(peer.ip) || (id !== undefined && this.discouraged.isDiscouraged(id));
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
      admitProven: (p) => this.admitProven(p),
      logger: this.logger,
    });
    this.all.add(peer);
    peer.on('ready', () => this.emit('peer:ready', peer));
    peer.on('message', (msg) => {
      if (msg.kind === 'block' || msg.kind === 'transaction') {
        const seen = this.activity.get(peer) ?? { lastBlockMs: 0, lastTxMs: 0 };
        if (msg.kind === 'block') seen.lastBlockMs = Date.now();
        else seen.lastTxMs = Date.now();
        this.activity.set(peer, seen);
      }
      this.emit('peer:message', peer, msg);
    });
    peer.on('status', () => this.emit('peer:status', peer));
    peer.on('misbehaviour', (code, reason, action, nodeIdProven) => this.onMisbehaviour(peer, code, reason, action, nodeIdProven));
    peer.on('close', (reason) => {
      this.all.delete(peer);
      const id = peer.nodeId?.toString('hex');
      if (id && this.byNodeId.get(id) === peer) this.byNodeId.delete(id);
      this.emit('peer:closed', peer, reason);
    });
    peer.start();
    return peer;
  }

  /**
   * At the handshake the node id is only claimed: anyone can send an honest node's id. So only
   * what harms no one else is checked here (a connection to ourselves, a banned claimed id);
   * the one-connection-per-node-id rule waits for the ack (admitProven).
   */
  private admit(peer: Peer, hs: HandshakeMessage): { code: RefusalCode; reason: string } | undefined {
    const idHex = hs.nodeId.toString('hex');
    if (idHex === this.ownIdHex || [...this.all].some((p) => p !== peer && p.nonce === hs.nonce)) {
      return { code: 'self-connection', reason: 'connected to ourselves (the handshake carries our own nonce or node id)' };
    }
    if (this.bans.isBanned(idHex)) return { code: 'banned', reason: `node ${idHex} is banned` };
    return undefined;
  }

  /** The ack proved the node id: one connection per node id, and an unproven one never displaces it. */
  private admitProven(peer: Peer): { code: RefusalCode; reason: string } | undefined {
    const idHex = peer.provenNodeId?.toString('hex');
    if (idHex === undefined) return undefined;
    if (this.bans.isBanned(idHex)) return { code: 'banned', reason: `node ${idHex} is banned` };
    const existing = this.byNodeId.get(idHex);
    if (existing && existing !== peer && !existing.isClosed) {
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

  /** The one log line of a misbehaving peer, with what it cost (the peer closes itself). */
  private onMisbehaviour(peer: Peer, code: MisbehaviourCode, reason: string, action: Exclude<PenaltyAction, 'none'>, nodeIdProven: boolean): void {
    const exemption = this.discouragementExemption(peer);
    if (action === 'disconnect' || exemption !== undefined) {
      this.logger.warn({ peer: peer.label, code, reason, ...(exemption === undefined ? {} : { notDiscouraged: exemption }) }, 'peer misbehaved; disconnected');
      return;
    }
    const why = `${code}: ${reason}`;
    // An unproven node id may belong to an honest node someone impersonates: the address only.
    const keys = [peer.ip, ...(nodeIdProven && peer.nodeId ? [peer.nodeId.toString('hex')] : [])];
    for (const key of keys) this.emit('peer:discouraged', this.discouraged.discourage(key, why));
    this.logger.warn({ peer: peer.label, code, reason, discouraged: keys }, 'peer misbehaved; disconnected and discouraged');
  }

  /**
   * Addresses we never discourage, only disconnect: loopback and private ones are shared by
   * every local node (one bad process must not lock out the others), and a manual peer is the
   * operator's explicit choice.
   */
  private discouragementExemption(peer: Peer): string | undefined {
    const cls = this.classify(peer.ip);
    if (cls !== 'public') return `${cls} address`;
    if ([...this.manual.values()].some((m) => m.peer === peer)) return 'manual peer';
    return undefined;
  }

  private dialManual(entry: ManualPeer): void {
    entry.timer = undefined;
    entry.nextRetryAtMs = undefined;
    if (!this.running) return;
    const connectedOtherWay = entry.nodeIdHex !== undefined && this.byNodeId.has(entry.nodeIdHex);
    if (connectedOtherWay || this.bans.isBanned(entry.host) || (entry.nodeIdHex && this.bans.isBanned(entry.nodeIdHex))) {
      if (!connectedOtherWay) entry.lastError = 'banned by the operator (cli unban to lift it)';
      this.scheduleManual(entry);
      return;
    }
    void this.dial(entry.host, entry.port, (peer) => {
      entry.peer = peer;
      peer.once('ready', () => {
        entry.backoffMs = this.options.config.reconnectBackoffMs.min;
        entry.nodeIdHex = peer.provenNodeId?.toString('hex');
        entry.lastError = undefined;
      });
      peer.once('close', (reason) => {
        entry.peer = undefined;
        entry.nodeIdHex ??= peer.provenNodeId?.toString('hex');
        const refusal = peer.refusal;
        entry.lastError = refusal ? `${refusal.by === 'us' ? 'we refused it' : 'it refused us'}: ${refusal.code}: ${refusal.reason}` : reason;
        // Another genesis or protocol will not change in a minute: retry only rarely (a dead end otherwise).
        if (refusal && PERMANENT_REFUSALS.has(refusal.code)) this.scheduleManual(entry, MANUAL_PEER_PERMANENT_RETRY_MS);
        else this.scheduleManual(entry);
      });
    }).then((result) => {
      if (result !== true) {
        entry.lastError = result;
        this.scheduleManual(entry);
      }
    });
  }

  /** Redials after the entry's backoff (doubling it), or after `delayMs` when given. */
  private scheduleManual(entry: ManualPeer, delayMs?: number): void {
    if (!this.running || entry.timer) return;
    const waitMs = delayMs ?? entry.backoffMs;
    if (delayMs === undefined) entry.backoffMs = Math.min(entry.backoffMs * 2, this.options.config.reconnectBackoffMs.max);
    entry.nextRetryAtMs = Date.now() + waitMs;
    entry.timer = setTimeout(() => this.dialManual(entry), waitMs);
    const level = delayMs === undefined ? 'debug' : 'warn';
    this.logger[level]({ host: entry.host, port: entry.port, delayMs: waitMs, lastError: entry.lastError }, 'will redial manual peer');
  }

  /** Resolves true once the TCP connection is up and the session started, else why not. */
  private async dial(host: string, port: number, onPeer?: (peer: Peer) => void): Promise<true | string> {
    const key = peerAddressKey(host, port);
    if (this.dialing.has(key)) return 'already dialling';
    this.dialing.set(key, host);
    try {
      const socket = await dialTcp(host, port, CONNECT_TIMEOUT_MS);
      if (!this.running) {
        socket.destroy();
        return 'the node is shutting down';
      }
      const peer = this.attach(socket, 'outbound');
      onPeer?.(peer);
      return true;
    } catch (err) {
      this.logger.debug({ host, port, err: errorMessage(err) }, 'dial failed');
      return `connect failed: ${errorMessage(err)}`;
    } finally {
      this.dialing.delete(key);
    }
  }

  private async loadBans(): Promise<void> {
    const file = this.options.config.banFile;
    if (file === undefined) return;
    try {
      for (const entry of await readBanFile(file)) this.bans.restore(entry);
      if (this.bans.list().length > 0) this.logger.info({ file, bans: this.bans.list().length }, 'loaded bans');
    } catch (err) {
      // Bans are the operator's convenience, not chain state: start without them, loudly, and
      // keep the damaged file aside (the next ban change writes a new one).
      const aside = `${file}.unreadable-${Date.now()}`;
      const moved = await rename(file, aside).then(() => true, () => false);
      this.logger.error({ file, err: errorMessage(err), ...(moved ? { keptAs: aside } : {}) }, 'ignoring an unreadable ban file');
    }
  }

  private saveBans(): void {
    const file = this.options.config.banFile;
    if (file === undefined) return;
    const snapshot = this.bans.list();
    this.banWrites = this.banWrites
      .then(() => writeBanFile(file, snapshot))
      .catch((err: unknown) => this.logger.error({ file, err: errorMessage(err) }, 'could not save the bans'));
  }

  private outboundCount(): number {
    return [...this.all].filter((p) => p.direction === 'outbound').length + this.dialing.size;
  }

  private maybeDial(node: DiscoveredNode): void {
    const idHex = node.nodeId.toString('hex');
    const { ip, tcpPort } = node.endpoint;
    if (!this.running || tcpPort === 0 || idHex === this.ownIdHex || this.byNodeId.has(idHex)) return;
    if (this.bans.isBanned(idHex) || this.bans.isBanned(ip) || this.outboundCount() >= this.options.config.maxOutbound) return;
    if (this.discouraged.isDiscouraged(ip) || this.discouraged.isDiscouraged(idHex)) return;
    if (this.outboundNetGroupTaken(ip)) return;
    void this.dial(ip, tcpPort);
  }

  /**
   * Outbound peers in distinct netgroups, so one operator's /16 cannot surround us (Core's rule).
   * Loopback and private addresses are exempt: a local network has only one such group.
   */
  private outboundNetGroupTaken(ip: string): boolean {
    if (this.classify(ip) !== 'public') return false;
    const group = netGroup(ip, this.classify);
    const outboundIps = [...[...this.all].filter((p) => p.direction === 'outbound').map((p) => p.ip), ...this.dialing.values()];
    return outboundIps.some((other) => netGroup(other, this.classify) === group);
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

/** `connectedOtherWay`: its node is connected to us by a connection it dialled (kept by the tie-break). */
function describeManualPeer(m: ManualPeer, connectedOtherWay: boolean): ManualPeerInfo {
  const state = m.peer?.isReady === true || connectedOtherWay ? 'connected' : m.peer === undefined ? 'waiting' : 'connecting';
  return {
    address: peerAddressKey(m.host, m.port),
    state,
    lastError: state === 'connected' ? undefined : m.lastError,
    nextRetryAtMs: state === 'waiting' ? m.nextRetryAtMs : undefined,
  };
}

/** An IP (normalised) or a node id (64 hex digits, lower case); anything else is refused. */
export function banKey(raw: string): string {
  const key = raw.trim();
  if (isIP(key) !== 0) return normalizeIp(key);
  if (/^[0-9a-fA-F]{64}$/.test(key)) return key.toLowerCase();
  throw new P2PError('invalid-ban-key', `"${raw}" is neither an IP address nor a node id (64 hex digits)`);
}

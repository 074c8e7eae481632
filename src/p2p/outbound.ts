/**
 * Outbound dialing: TCP dials (manual peers use them too) and, from discovery, dials of verified
 * nodes up to maxOutbound, at most one per netgroup, never to banned or discouraged ones. The
 * peer set turns each connected socket into a session (attach).
 */
import { SYSTEM_CLOCK, type Clock, type TimerHandle } from '../util/clock.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { BanList } from './bans.js';
import type { P2PConfig } from './config.js';
import { CONNECT_TIMEOUT_MS, DIAL_FAILURE_WARN_BURST, DIAL_FAILURE_WARN_INTERVAL_MS, DIAL_FAILURE_WARN_KEYS, DIAL_FAILURE_WARNS_PER_MIN, DIAL_INTERVAL_MS } from './constants.js';
import { peerAddressKey } from './dial.js';
import type { DiscouragedSet } from './discouraged.js';
import { LogThrottle } from './log-throttle.js';
import { netGroup, type AddressClassifier } from './netgroup.js';
import type { Peer } from './peer.js';
import { TokenBucket } from './rate-limit.js';
import { NODE_TCP_TRANSPORT, type PeerStream, type TcpTransport } from './tcp-transport.js';
import type { DiscoveredNode, PeerSource } from './types.js';

export interface OutboundDialerOptions {
  readonly config: P2PConfig;
  readonly ownIdHex: string;
  readonly peerSource?: PeerSource | undefined;
  readonly bans: BanList;
  readonly discouraged: DiscouragedSet;
  readonly classify: AddressClassifier;
  readonly logger: Logger;
  readonly isRunning: () => boolean;
  /** Every session, ready or not. */
  readonly peers: () => Iterable<Peer>;
  /** A session with this (proven) node id exists. */
  readonly isConnected: (nodeIdHex: string) => boolean;
  /** Starts the session on a connected socket. */
  readonly attach: (socket: PeerStream) => Peer;
  /** Clock of the dial-failure log limits (tests); default the clock's nowMs. */
  readonly nowMs?: () => number;
  /** Time and timers (the simulator's virtual clock); default SYSTEM_CLOCK. */
  readonly clock?: Clock | undefined;
  /** How connections are made (the simulator's streams); default NODE_TCP_TRANSPORT. */
  readonly transport?: TcpTransport | undefined;
}

export class OutboundDialer {
  private readonly options: OutboundDialerOptions;
  /** Dials under way: address key → host (the netgroup rule counts them as outbound already). */
  private readonly dialing = new Map<string, string>();
  private dialTimer: TimerHandle | undefined;
  private readonly clock: Clock;
  private readonly transport: TcpTransport;
  private readonly onVerified = (node: DiscoveredNode): void => this.maybeDial(node);
  /** Failed dials: warn once per address per interval, and only so many warnings a minute overall. */
  private readonly failureLog: LogThrottle;
  private readonly failureWarns: TokenBucket;

  constructor(options: OutboundDialerOptions) {
    this.options = options;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.transport = options.transport ?? NODE_TCP_TRANSPORT;
    const now = options.nowMs ?? this.clock.nowMs;
    this.failureLog = new LogThrottle(DIAL_FAILURE_WARN_KEYS, DIAL_FAILURE_WARN_INTERVAL_MS, now);
    this.failureWarns = new TokenBucket({ ratePerSec: DIAL_FAILURE_WARNS_PER_MIN / 60, burst: DIAL_FAILURE_WARN_BURST, now });
  }

  /** Dials discovery's nodes: each newly verified one, and the known ones every DIAL_INTERVAL_MS. */
  start(): void {
    this.options.peerSource?.on('node:verified', this.onVerified);
    this.dialTimer = this.clock.setInterval(() => this.dialKnown(), DIAL_INTERVAL_MS);
    this.dialKnown();
  }

  stop(): void {
    this.clock.clear(this.dialTimer);
    this.options.peerSource?.off('node:verified', this.onVerified);
  }

  /** Resolves true once the TCP connection is up and the session started, else why not. */
  async dial(host: string, port: number, onPeer?: (peer: Peer) => void): Promise<true | string> {
    const key = peerAddressKey(host, port);
    if (this.dialing.has(key)) return 'already dialling';
    this.dialing.set(key, host);
    try {
      const socket = await this.transport.dial(host, port, CONNECT_TIMEOUT_MS);
      if (!this.options.isRunning()) {
        socket.destroy();
        return 'the node is shutting down';
      }
      const peer = this.options.attach(socket);
      onPeer?.(peer);
      return true;
    } catch (err) {
      const level = this.failureLog.shouldWarn(key) && this.failureWarns.take() ? 'warn' : 'debug';
      this.options.logger[level]({ peer: `${host}:${port}`, reason: errorMessage(err) }, 'dial failed');
      return `connect failed: ${errorMessage(err)}`;
    } finally {
      this.dialing.delete(key);
    }
  }

  /** Outbound sessions plus dials under way. */
  count(): number {
    return this.outboundCount();
  }

  private outboundCount(): number {
    return [...this.options.peers()].filter((p) => p.direction === 'outbound').length + this.dialing.size;
  }

  private maybeDial(node: DiscoveredNode): void {
    const { config, ownIdHex, bans, discouraged } = this.options;
    const idHex = node.nodeId.toString('hex');
    const { ip, tcpPort } = node.endpoint;
    if (!this.options.isRunning() || tcpPort === 0 || idHex === ownIdHex || this.options.isConnected(idHex)) return;
    if (bans.isBanned(idHex) || bans.isBanned(ip) || this.outboundCount() >= config.maxOutbound) return;
    if (discouraged.isDiscouraged(ip)) return;
    if (this.netGroupTaken(ip)) return;
    this.options.peerSource?.dialing?.(node);
    void this.dial(ip, tcpPort);
  }

  /**
   * Outbound peers in distinct netgroups, so one operator's /16 cannot surround us (Core's rule).
   * Loopback and private addresses are exempt: a local network has only one such group.
   * `countDials`: dials under way count too (the dialer's own rule); a punch leaves them out — a
   * dial still waiting on a NATed node's old endpoint is to the very node being punched.
   */
  netGroupTaken(ip: string, countDials = true): boolean {
    const { classify } = this.options;
    if (classify(ip) !== 'public') return false;
    const group = netGroup(ip, classify);
    const outboundIps = [...[...this.options.peers()].filter((p) => p.direction === 'outbound').map((p) => p.ip), ...(countDials ? this.dialing.values() : [])];
    return outboundIps.some((other) => netGroup(other, classify) === group);
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

/**
 * Outbound dialing: TCP dials (manual peers use them too) and, from discovery, dials of verified
 * nodes up to maxOutbound, at most one per netgroup, never to banned or discouraged ones, in the
 * order and with the cool-downs of outbound-policy.ts. A slot freed by a session's end is refilled
 * by a dial round soon after. The peer set turns each connected socket into a session (attach).
 */
import { SYSTEM_CLOCK, type Clock, type TimerHandle } from '../util/clock.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { BanList } from './bans.js';
import type { P2PConfig } from './config.js';
import {
  BOOTSTRAP_DIAL_GRACE_MS,
  BOOTSTRAP_GRACE_DIAL_BELOW_OUTBOUND,
  MAX_BOOTSTRAP_GRACE_NODES,
  CONNECT_TIMEOUT_MS,
  DIAL_FAILURE_WARN_BURST,
  DIAL_FAILURE_WARN_INTERVAL_MS,
  DIAL_FAILURE_WARN_KEYS,
  DIAL_FAILURE_WARNS_PER_MIN,
  DIAL_INTERVAL_MS,
  OUTBOUND_REFILL_DELAY_MS,
} from './constants.js';
import { peerAddressKey } from './dial.js';
import type { DiscouragedSet } from './discouraged.js';
import { LogThrottle } from './log-throttle.js';
import { netGroup, type AddressClassifier } from './netgroup.js';
import { DialCooldowns, ReachedAddresses, bootstrapWanted, inDialOrder, mayRetryCooling } from './outbound-policy.js';
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
  /** The operator's peer (addpeer): never released as a bootstrap node. Default: none. */
  readonly isManual?: ((peer: Peer) => boolean) | undefined;
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
  private readonly onVerified = (node: DiscoveredNode): void => this.onNodeVerified(node);
  /** Addresses the automatic dials leave alone for a while (failed, or closed our session early). */
  readonly cooldowns: DialCooldowns;
  /** Addresses whose dial connected: a longer connect timeout than a first try. */
  readonly reached = new ReachedAddresses();
  /** The one pending refill round after a session ended, and the one pending bootstrap grace check. */
  private refillTimer: TimerHandle | undefined;
  private bootstrapTimer: TimerHandle | undefined;
  /** Bootstrap nodes verified during the running grace, by node id. */
  private readonly graceBootstraps = new Map<string, DiscoveredNode>();
  /** Failed dials: warn once per address per interval, and only so many warnings a minute overall. */
  private readonly failureLog: LogThrottle;
  private readonly failureWarns: TokenBucket;

  constructor(options: OutboundDialerOptions) {
    this.options = options;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.transport = options.transport ?? NODE_TCP_TRANSPORT;
    const now = options.nowMs ?? this.clock.nowMs;
    this.cooldowns = new DialCooldowns(this.clock.nowMs);
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
    this.clock.clear(this.refillTimer);
    this.clock.clear(this.bootstrapTimer);
    this.graceBootstraps.clear();
    this.refillTimer = undefined;
    this.bootstrapTimer = undefined;
    this.options.peerSource?.off('node:verified', this.onVerified);
  }

  /** Resolves true once the TCP connection is up and the session started, else why not. */
  async dial(host: string, port: number, onPeer?: (peer: Peer) => void, timeoutMs = CONNECT_TIMEOUT_MS): Promise<true | string> {
    const key = peerAddressKey(host, port);
    if (this.dialing.has(key)) return 'already dialling';
    this.dialing.set(key, host);
    try {
      const socket = await this.transport.dial(host, port, timeoutMs);
      this.reached.connected(key);
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

  /**
   * An outbound session ended: an early end puts its address on cool-down (not a link gone
   * silent: DialCooldowns.sessionEnded), and the free slot is refilled by a dial round
   * OUTBOUND_REFILL_DELAY_MS later (one pending round at most).
   */
  sessionClosed(peer: Peer): void {
    if (peer.direction !== 'outbound' || peer.wasProbe) return;
    this.cooldowns.sessionEnded(peerAddressKey(peer.ip, peer.remotePort), peer.connectedAtMs, peer.disconnectCode);
    if (!this.options.isRunning() || this.refillTimer !== undefined) return;
    this.refillTimer = this.clock.setTimeout(() => {
      this.refillTimer = undefined;
      this.dialKnown();
    }, OUTBOUND_REFILL_DELAY_MS);
  }

  /** Outbound sessions plus dials under way. */
  count(): number {
    return this.outboundCount();
  }

  private outboundCount(): number {
    return [...this.options.peers()].filter((p) => p.direction === 'outbound').length + this.dialing.size;
  }

  /**
   * A node discovery just verified is dialled at once, unless it only contacted us (it waits for
   * a round, after the nodes someone reached) or is a bootstrap node (dialled after a grace only
   * while we have fewer than BOOTSTRAP_GRACE_DIAL_BELOW_OUTBOUND outbound sessions: its lookup
   * answers usually bring others first). A dial still under way does not count — it may be to a
   * NATed node that never answers, and waiting for the next round (10 s) left a joiner of a small
   * network with no peer that long.
   */
  private onNodeVerified(node: DiscoveredNode): void {
    if (node.unsolicited === true) return;
    if (!this.isBootstrap(node)) return void this.maybeDial(node);
    if (!this.options.isRunning()) return;
    if (this.graceBootstraps.size < MAX_BOOTSTRAP_GRACE_NODES) this.graceBootstraps.set(node.nodeId.toString('hex'), node);
    if (this.bootstrapTimer !== undefined) return;
    this.bootstrapTimer = this.clock.setTimeout(() => {
      this.bootstrapTimer = undefined;
      const waiting = [...this.graceBootstraps.values()];
      this.graceBootstraps.clear();
      // A punched link does not count: it is to another node behind NAT, which cannot dial us back.
      let wanted = BOOTSTRAP_GRACE_DIAL_BELOW_OUTBOUND - [...this.options.peers()].filter((p) => p.direction === 'outbound' && p.punchedVia === undefined).length;
      for (const boot of waiting) {
        if (wanted <= 0) break;
        if (this.maybeDial(boot)) wanted--;
      }
    }, BOOTSTRAP_DIAL_GRACE_MS);
  }

  private isBootstrap(node: DiscoveredNode): boolean {
    return this.options.peerSource?.isBootstrapNode?.(node) ?? false;
  }

  /**
   * Dials the node unless a rule says no; true when a dial started. `retryCooling`: the round's
   * second pass, which may redial a reached address whose dial failed (mayRetryCooling).
   */
  private maybeDial(node: DiscoveredNode, retryCooling = false): boolean {
    const { config, ownIdHex, bans, discouraged } = this.options;
    const idHex = node.nodeId.toString('hex');
    const { ip, tcpPort } = node.endpoint;
    if (!this.options.isRunning() || tcpPort === 0 || idHex === ownIdHex || this.options.isConnected(idHex)) return false;
    if (bans.isBanned(idHex) || bans.isBanned(ip) || this.outboundCount() >= config.maxOutbound) return false;
    if (discouraged.isDiscouraged(ip)) return false;
    const key = peerAddressKey(ip, tcpPort);
    if (this.cooldowns.isCooling(key) && !(retryCooling && mayRetryCooling(key, this.cooldowns, this.reached))) return false;
    if (this.netGroupTaken(ip)) return false;
    this.options.peerSource?.dialing?.(node);
    void this.dial(ip, tcpPort, undefined, this.reached.connectTimeoutMs(key)).then((result) => {
      if (result !== true && result !== 'already dialling') this.cooldowns.dialFailed(key);
    });
    return true;
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

  /**
   * One dial round: releases a bootstrap session we no longer need, then dials the source's
   * candidates in dial order (outbound-policy.ts) until the outbound slots are taken. Slots still
   * free after that go to a second pass over the candidates on cool-down, which redials the
   * reached addresses whose dial failed (mayRetryCooling): after a partition heals, they are the
   * only candidates, and each round would otherwise skip them all for FAILED_DIAL_COOLDOWN_MS.
   */
  private dialKnown(): void {
    const source = this.options.peerSource;
    if (!source || !this.options.isRunning()) return;
    const isBootstrap = (node: DiscoveredNode): boolean => this.isBootstrap(node);
    const others = this.releaseBootstrap(isBootstrap);
    // Candidates only when a slot is free, as Core's ThreadOpenConnections: building them (the
    // address table's picks, discovery's table sorted and shuffled) for a full set of outbound
    // peers, every round, was ~10 % of all CPU in the 10,000-node simulation (docs/scale.md).
    if (this.outboundCount() >= this.options.config.maxOutbound) return;
    const candidates = inDialOrder(source.knownNodes(this.options.config.maxOutbound * 4), isBootstrap);
    const pass = (nodes: readonly DiscoveredNode[], retryCooling: boolean): void => {
      for (const node of nodes) {
        if (this.outboundCount() >= this.options.config.maxOutbound) break;
        if (isBootstrap(node) && !bootstrapWanted(others)) break; // bootstrap nodes come last
        this.maybeDial(node, retryCooling);
      }
    };
    pass(candidates, false);
    pass(candidates.filter((n) => n.endpoint.tcpPort !== 0 && this.cooldowns.isCooling(peerAddressKey(n.endpoint.ip, n.endpoint.tcpPort))), true);
  }

  /**
   * Closes a ready outbound session to a bootstrap node once we have enough other ready outbound
   * peers (Core disconnects its seed nodes once they gave addresses): its inbound slot is what
   * the next joining node needs. Returns the ready outbound peers that are not bootstrap nodes.
   */
  private releaseBootstrap(isBootstrap: (node: DiscoveredNode) => boolean): number {
    const ready = [...this.options.peers()].filter((p) => p.direction === 'outbound' && p.isReady);
    const bootstraps = ready.filter((p) => {
      const node = sessionNode(p);
      return node !== undefined && p.punchedVia === undefined && !(this.options.isManual?.(p) ?? false) && isBootstrap(node);
    });
    const others = ready.length - bootstraps.length;
    if (bootstrapWanted(others)) return others;
    for (const peer of bootstraps) {
      this.options.logger.debug({ peer: peer.label, outbound: others }, 'enough other outbound peers: releasing the bootstrap node');
      peer.close(`released: ${others} other outbound peers, the bootstrap node's slot is for joining nodes`);
    }
    return others;
  }
}

/** A session's node as the peer source knows it (the TCP endpoint we dialled; UDP port unknown). */
function sessionNode(peer: Peer): DiscoveredNode | undefined {
  const nodeId = peer.nodeId;
  return nodeId === undefined ? undefined : { nodeId, endpoint: { ip: peer.ip, udpPort: 0, tcpPort: peer.remotePort } };
}

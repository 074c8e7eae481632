/**
 * NAT traversal, assembled: what peers say our address is (ObservedAddressBook), whether they
 * can dial us back (DialBackServer/Client → ReachabilityTracker), and hole punching through a
 * common peer (PunchRelay, Puncher, candidates). The peer set feeds it ready peers, probes and
 * the traversal messages; it tells the node when the reachability verdict changes, which
 * decides what we advertise (docs/nat.md).
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../../util/logger.js';
import { classifyAddress, type AddressClassifier } from '../netgroup.js';
import type { Peer } from '../peer.js';
import type { WireMessage } from '../wire/index.js';
import { candidatePollDelayMs, CandidateList, PunchBackoff } from './candidates.js';
import { DIAL_BACK_TICK_MS, MAX_PUNCHES_PER_CANDIDATE_LIST } from './constants.js';
import type { TraversalPeers } from './deps.js';
import { DialBackClient } from './dial-back-client.js';
import { DialBackServer, type DialBackServerStats } from './dial-back-server.js';
import { ObservedAddressBook, type ObservedAddressState } from './observed.js';
import { PunchRelay } from './punch-relay.js';
import { Puncher, type PunchResult, type PunchStats } from './puncher.js';
import type { PunchRole } from './punch-try.js';
import type { PunchReason } from '../wire/index.js';
import { ReachabilityTracker, type ReachabilityState } from './reachability.js';

export type TraversalMessage = Extract<WireMessage, { kind: 'dial-back' | 'dial-back-result' | 'probe' | 'punch' | 'get-punch-candidates' | 'punch-candidates' }>;

export interface TraversalState {
  readonly observed: ObservedAddressState;
  readonly reachability: ReachabilityState;
  readonly punch: PunchStats;
  /** What we did for others: dial-backs served, punch messages relayed. */
  readonly served: { readonly dialBacks: DialBackServerStats; readonly relayed: number; readonly relayRefused: number };
}

export interface UdpObservation {
  readonly observerId: string;
  readonly observerIp: string;
  readonly ip: string;
  readonly port: number;
  readonly localPort: number;
}

export interface TraversalOptions {
  readonly peers: TraversalPeers;
  readonly ownIdHex: string;
  /** The TCP port we listen on. */
  readonly listenPort: () => number;
  readonly classify?: AddressClassifier | undefined;
  readonly logger: Logger;
}

export interface TraversalEvents {
  /** The verdict changed (status or the reason behind it). */
  reachability: [state: ReachabilityState];
}

export class Traversal extends EventEmitter<TraversalEvents> {
  private readonly options: TraversalOptions;
  private readonly logger: Logger;
  private readonly observed: ObservedAddressBook;
  private readonly tracker: ReachabilityTracker;
  private readonly server: DialBackServer;
  private readonly client: DialBackClient;
  private readonly relay: PunchRelay;
  private readonly puncher: Puncher;
  private readonly candidates: CandidateList;
  private readonly backoff = new PunchBackoff();
  /** Peers we asked for candidates and whose answer is due (an unasked answer is ignored). */
  private readonly askedForCandidates = new WeakSet<Peer>();
  private mappedPort: number | undefined;
  private lastStatus: ReachabilityState['status'] = 'unknown';
  private tick: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private pollRound = 0;
  private running = false;

  constructor(options: TraversalOptions) {
    super();
    this.options = options;
    this.logger = options.logger.child({ component: 'nat-traversal' });
    const classify = options.classify ?? classifyAddress;
    this.observed = new ObservedAddressBook({ classify });
    this.tracker = new ReachabilityTracker({ classify });
    this.server = new DialBackServer({ logger: this.logger });
    this.client = new DialBackClient({
      checkPort: () => this.mappedPort ?? options.listenPort(),
      shouldAsk: (id, ip) => this.tracker.shouldAsk(id, ip),
      noteAsked: (id, ip) => this.tracker.noteAsked(id, ip),
      onDropped: (id, ip) => this.tracker.forgetAsked(id, ip),
      // Each pending check may bring one probe connection: room for all of them.
      canAsk: () => options.peers.inboundRoom() > this.client.pendingCount,
      onResult: (result) => {
        this.tracker.record(result);
        this.evaluate();
      },
      logger: this.logger,
    });
    this.relay = new PunchRelay({ peers: options.peers, logger: this.logger, classify });
    this.puncher = new Puncher({ peers: options.peers, ownIdHex: options.ownIdHex, blocker: (role) => this.punchBlocker(role), logger: this.logger, classify });
    this.candidates = new CandidateList({ peers: options.peers, wasUnreachable: (id) => this.server.wasUnreachable(id) });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick = setInterval(() => {
      for (const peer of this.options.peers.ready()) this.client.maybeAsk(peer);
    }, DIAL_BACK_TICK_MS);
    this.tick.unref();
  }

  stop(): void {
    this.running = false;
    clearInterval(this.tick);
    clearTimeout(this.pollTimer);
    this.client.stop();
    this.server.stop();
    this.puncher.stop();
  }

  state(): TraversalState {
    const relayed = this.relay.stats();
    return {
      observed: this.observed.state(),
      reachability: this.reachability(),
      punch: this.puncher.stats(),
      served: { dialBacks: this.server.stats(), relayed: relayed.forwarded, relayRefused: relayed.refused },
    };
  }

  /** UPnP/NAT-PMP mapped our TCP port to `port` (undefined: no mapping): earlier checks were of another port. */
  setMappedPort(port: number | undefined): void {
    if (port === this.mappedPort) return;
    this.mappedPort = port;
    this.tracker.reset();
    this.evaluate();
    if (this.running) for (const peer of this.options.peers.ready()) this.client.maybeAsk(peer);
  }

  /** A session became ready: its handshake says where it sees us; ask it to dial us back. */
  onPeerReady(peer: Peer): void {
    const id = peer.provenNodeId?.toString('hex');
    const seen = peer.remoteHandshake?.observed;
    if (id !== undefined && seen !== undefined) {
      // Our local port says something about the NAT only on connections we opened.
      this.observed.add({ observerId: id, observerIp: peer.ip, ip: seen.ip, port: seen.port, localPort: peer.direction === 'outbound' ? peer.localPort : undefined, transport: 'tcp' });
      this.evaluate();
    }
    if (this.running) this.client.maybeAsk(peer);
    if (this.running && this.lastStatus === 'behind-nat-port-preserving' && isDialable(peer)) this.askForCandidates(peer);
  }

  /** A session closed: a dial-back question waiting on it is dropped (another session of that node may be asked). */
  onPeerClosed(peer: Peer): void {
    this.client.onPeerClosed(peer);
  }

  /** A verified discovery pong: the pinged node saw our UDP packet come from ip:port. */
  observeUdp(obs: UdpObservation): void {
    this.observed.add({ ...obs, transport: 'udp' });
    this.evaluate();
  }

  /** A probe on an inbound connection; true when it answers one of our dial-back requests. */
  onProbe(nonce: bigint): boolean {
    return this.client.onProbe(nonce);
  }

  onMessage(peer: Peer, msg: TraversalMessage): void {
    switch (msg.kind) {
      case 'dial-back': return this.server.onRequest(peer, msg);
      case 'dial-back-result': return this.client.onResult(peer, msg);
      case 'probe': return; // only valid as the first frame of an inbound connection (the peer handles it)
      case 'punch':
        if (msg.hop === 'to-relay') return this.relay.forward(peer, msg);
        return this.puncher.onFromRelay(peer, msg);
      case 'get-punch-candidates': {
        const ids = this.candidates.answer(peer);
        if (ids !== undefined) peer.send({ kind: 'punch-candidates', nodeIds: ids });
        return;
      }
      case 'punch-candidates':
        if (!this.askedForCandidates.has(peer)) return;
        this.askedForCandidates.delete(peer);
        return this.punchCandidates(peer, msg.nodeIds);
    }
  }

  /** `cli punch`: through every ready peer in turn until one is connected to the target. */
  punch(farIdHex: string): Promise<PunchResult> {
    const relays = this.options.peers.ready().filter((p) => p.provenNodeId !== undefined && p.provenNodeId.toString('hex') !== farIdHex);
    return this.puncher.punch(farIdHex, relays);
  }

  private reachability(): ReachabilityState {
    return this.tracker.state({ observed: this.observed.state(), mapped: this.mappedPort !== undefined });
  }

  /** Recomputes the verdict; on a change of status: log it, tell the node, start or stop polling for punch partners. */
  private evaluate(): void {
    const state = this.reachability();
    if (state.status === this.lastStatus) return;
    this.lastStatus = state.status;
    this.logger.info({ status: state.status, reason: state.reason }, `reachability: ${state.status} (${state.reason})`);
    this.emit('reachability', state);
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.pollRound = 0;
    if (state.status === 'behind-nat-port-preserving' && this.running) {
      this.puncher.warmUp();
      this.pollCandidates();
    }
  }

  private pollCandidates(): void {
    for (const peer of this.options.peers.ready()) {
      if (isDialable(peer)) this.askForCandidates(peer);
    }
    this.pollTimer = setTimeout(() => this.pollCandidates(), candidatePollDelayMs(this.pollRound++));
    this.pollTimer.unref();
  }

  private askForCandidates(peer: Peer): void {
    this.askedForCandidates.add(peer);
    peer.send({ kind: 'get-punch-candidates' });
  }

  /** Punches the candidates `relay` listed that we should start (the lower node id starts). */
  private punchCandidates(relay: Peer, ids: readonly Buffer[]): void {
    const { ownIdHex, peers } = this.options;
    let started = 0;
    const others = peers.ready().filter((p) => p !== relay && isDialable(p));
    for (const id of ids) {
      const idHex = id.toString('hex');
      if (idHex <= ownIdHex || this.backoff.isWaiting(idHex) || this.puncher.isPunching(idHex) || peers.byNodeId(idHex) !== undefined) continue;
      // Full: the rest wait for the next poll (a punch refused as 'busy' here would put them in backoff for nothing).
      if (!this.puncher.hasLinkRoom() || !this.puncher.hasRoom() || started >= MAX_PUNCHES_PER_CANDIDATE_LIST || !this.puncher.takeRelayBudget(relay)) return;
      started++;
      void this.puncher.punch(idHex, [relay, ...others]).then((result) => {
        if (result.ok) this.backoff.succeeded(idHex);
        else this.backoff.failed(idHex);
      });
    }
  }

  /**
   * Why we cannot take part in a punch in `role` now, or undefined. A NAT that changes ports rules
   * out both roles. A node others can dial (public, mapped) takes no punches from far ends: they
   * can dial it, and a punched link would let a stranger choose one of its outbound peers.
   */
  private punchBlocker(role: PunchRole): { reason: PunchReason; text: string } | undefined {
    if (this.observed.state().portPreservation === 'no') {
      return { reason: 'symmetric-nat', text: 'our NAT changes port numbers (symmetric NAT), so the far end cannot predict our port; hole punching cannot work from here' };
    }
    if (role === 'responder' && (this.lastStatus === 'public' || this.lastStatus === 'mapped')) {
      return { reason: 'not-wanted', text: 'this node is reachable: the far end can dial it directly' };
    }
    return undefined;
  }

}

/** A peer that announced a listen port: others can dial it, so it can relay punches (a NATed node announces 0). */
function isDialable(peer: Peer): boolean {
  return (peer.remoteHandshake?.listenPort ?? 0) > 0;
}

/**
 * Each simulated node's reachability verdict and what it advertises, as in a real node
 * (src/node/node.ts): the real ReachabilityTracker and ObservedAddressBook decide, and the real
 * Advertiser turns the verdict into discovery's TCP port and the handshakes' listen port (0 behind
 * a NAT). What is modelled is the dial-back exchange itself (traversal's DialBackClient/Server talk
 * over the session with real timers): the asked peer's host dials our listen port through the
 * simulated TCP, so a NATed host's SYN goes unanswered and the check fails honestly, and a public
 * one connects. The client's rules are kept: a peer is asked when the tracker says so
 * (shouldAsk: once per recheck interval, until the verdict is settled), one question per peer, at
 * most MAX_PENDING_DIAL_BACKS at a time, only with a free inbound slot for the probe, on every
 * ready session and every DIAL_BACK_TICK_MS. Not modelled: the server's per-IP rate limit and
 * in-flight bound, the answer's trip back over the session, and the probe frame (the probe
 * connection is closed as soon as it is up).
 */
import { Advertiser } from '../node/advertise.js';
import type { Discovery } from '../p2p/discovery/service.js';
import type { Peer } from '../p2p/peer.js';
import type { PeerSet } from '../p2p/peers.js';
import { DIAL_BACK_CONNECT_TIMEOUT_MS, DIAL_BACK_TICK_MS, MAX_PENDING_DIAL_BACKS } from '../p2p/traversal/constants.js';
import { ObservedAddressBook } from '../p2p/traversal/observed.js';
import { type Reachability, ReachabilityTracker } from '../p2p/traversal/reachability.js';
import type { TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Host } from './network.js';
import type { SimTcp } from './tcp.js';
import type { VirtualClock } from './virtual-clock.js';

export interface SimReachabilityOptions {
  readonly clock: VirtualClock;
  readonly tcp: SimTcp;
  readonly host: Host;
  readonly listenPort: number;
  readonly discovery: Discovery;
  readonly peers: PeerSet;
  /** The host at a peer's IP (the dial-back is dialled from there), undefined if gone. */
  readonly hostOf: (ip: string) => Host | undefined;
  readonly logger: Logger;
}

export interface SimReachabilityStats {
  /** Dial-backs that connected / that did not. */
  reached: number;
  failed: number;
}

export class SimReachability {
  readonly stats: SimReachabilityStats = { reached: 0, failed: 0 };
  /** Virtual ms when the verdict first became what it is now (undefined: still unknown). */
  settledAtMs: number | undefined;
  private readonly tracker: ReachabilityTracker;
  private readonly observed: ObservedAddressBook;
  private readonly advertiser: Advertiser;
  /** Peers (hex id) with a question out. */
  private readonly pending = new Set<string>();
  private status: Reachability = 'unknown';
  private tick: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly options: SimReachabilityOptions) {
    const now = options.clock.nowMs;
    this.tracker = new ReachabilityTracker({ now });
    this.observed = new ObservedAddressBook({ now });
    this.advertiser = new Advertiser({ p2p: { setAdvertisedListenPort: (port) => options.peers.setAdvertisedListenPort(port), setMappedPort: () => undefined }, discovery: options.discovery, logger: options.logger });
    // Traversal.observeUdp also re-evaluates on every pong; here the verdict is evaluated on
    // dial-back results and handshakes only: a pong can change only which behind-NAT status it is
    // (the NAT's port preservation), which the Advertiser treats alike, and evaluating on each of
    // ~7 pongs per node per second (ObservedAddressBook.state sorts its entries) doubled the
    // simulator's CPU time.
    options.discovery.on('observed', (o) => {
      this.observed.add({ observerId: o.observerId.toString('hex'), observerIp: o.observerIp, ip: o.ip, port: o.port, localPort: o.localPort, transport: 'udp' });
    });
    options.peers.on('peer:ready', (peer) => this.onPeerReady(peer));
  }

  get reachability(): Reachability {
    return this.status;
  }

  start(): void {
    this.tick = this.options.clock.setInterval(() => {
      for (const peer of this.options.peers.ready()) this.maybeAsk(peer);
    }, DIAL_BACK_TICK_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.tick !== undefined) this.options.clock.clear(this.tick);
  }

  /** As Traversal.onPeerReady: the handshake says where the peer sees us; ask it to dial us back. */
  private onPeerReady(peer: Peer): void {
    const id = peer.provenNodeId?.toString('hex');
    const seen = peer.remoteHandshake?.observed;
    if (id !== undefined && seen !== undefined) {
      this.observed.add({ observerId: id, observerIp: peer.ip, ip: seen.ip, port: seen.port, localPort: peer.direction === 'outbound' ? peer.localPort : undefined, transport: 'tcp' });
      this.evaluate();
    }
    this.maybeAsk(peer);
  }

  /** DialBackClient.maybeAsk's rules; the server's dial is made at once from the peer's host. */
  private maybeAsk(peer: Peer): void {
    const peerId = peer.provenNodeId?.toString('hex');
    if (this.stopped || peerId === undefined || this.pending.size >= MAX_PENDING_DIAL_BACKS || this.pending.has(peerId)) return;
    if (!this.tracker.shouldAsk(peerId, peer.ip) || this.options.peers.inboundRoom() <= this.pending.size) return;
    const from = this.options.hostOf(peer.ip);
    if (from === undefined) return;
    const peerIp = peer.ip;
    const inbound = peer.direction === 'inbound'; // as DialBackClient: an inbound peer's failure does not count
    const port = this.options.listenPort;
    this.pending.add(peerId);
    this.tracker.noteAsked(peerId, peerIp);
    this.options.tcp
      .transport(from)
      .dial(this.options.host.ip, port, DIAL_BACK_CONNECT_TIMEOUT_MS)
      .then(
        (stream) => {
          stream.destroy();
          return 'reached' as const;
        },
        () => 'failed' as const,
      )
      .then((outcome) => {
        this.pending.delete(peerId);
        if (this.stopped) return;
        this.stats[outcome]++;
        this.tracker.record({ peerId, peerIp, port, outcome, inbound });
        this.evaluate();
      });
  }

  private evaluate(): void {
    const state = this.tracker.state({ observed: this.observed.state(), mapped: false });
    if (state.status === this.status) return;
    this.status = state.status;
    this.settledAtMs = state.status === 'unknown' ? undefined : this.options.clock.elapsedMs;
    this.advertiser.setReachability(state.status);
  }
}
